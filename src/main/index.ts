// Electron main process: the console window, the app's lifecycle, and the wiring between the window
// (IPC) and the engine (a utilityProcess running the same Station as `serve`). The logic lives in
// plain modules beside this file (ipc, engine-client, app-protocol, security, window-state); this
// file only hands them Electron's objects.
import path from 'node:path'
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  screen,
  session,
  shell,
  Tray,
  utilityProcess
} from 'electron'
import type { StationSnapshotDto } from '../shared/api'
import type { StationApiError } from '../shared/station-api'
import { APP_SCHEME, CONSOLE_URL, createAppProtocolHandler, isConsoleUrl } from './app-protocol'
import { EngineClient } from './engine-client'
import { START_FAILURES } from './engine-protocol'
import { registerStationIpc } from './ipc'
import { DesktopShell, desktopSettings, xdgAutostart } from './lifecycle'
import { runningStationConsole } from './running-station'
import { denyPermissions, guardContents } from './security'
import {
  MIN_HEIGHT,
  MIN_WIDTH,
  placeWindow,
  readWindowState,
  trackWindowState,
  WINDOW_STATE_FILE
} from './window-state'

/** How long quitting waits for the engine to stop every producer before it is killed. */
const ENGINE_CLOSE_TIMEOUT_MS = 15_000
const TITLE = 'RetroVue Master Control'

// The console is served from a privileged custom scheme, never file://: one origin for the page and
// its previews, which navigation rules and the IPC sender check can name.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: true,
      stream: true
    }
  }
])

const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']
const trusted = (url: string) => isConsoleUrl(url, devServerUrl)
const warn = (message: string) => console.warn(`[retrovue] ${message}`)

/** The app's lifecycle (tray, close vs quit, login item, second launch): lifecycle.ts. */
let desktop: DesktopShell | null = null

function createWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE)
  const areas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea)
  const place = placeWindow(readWindowState(stateFile), areas)
  const win = new BrowserWindow({
    ...(place.x !== undefined && place.y !== undefined ? { x: place.x, y: place.y } : {}),
    width: place.width,
    height: place.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    backgroundColor: '#0b0d10',
    title: TITLE,
    show: false,
    ...(app.isPackaged ? {} : { icon: path.join(app.getAppPath(), 'resources', 'icon.png') }),
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false
    }
  })
  if (place.maximized) win.maximize()
  trackWindowState(win, stateFile, (err) =>
    warn(`cannot save the window's position: ${String(err)}`)
  )
  win.once('ready-to-show', () => win.show())
  // Windows tells the window when the session ends (logout, shutdown): no question then.
  win.on('session-end', () => desktop?.quitWithoutAsking())
  // No token anywhere: the page reaches the engine over IPC, its previews through retrovue://.
  void win.loadURL(devServerUrl ?? CONSOLE_URL)
  return win
}

function startEngine(): EngineClient {
  const ffmpegDir = app.isPackaged
    ? path.join(process.resourcesPath, 'ffmpeg')
    : path.join(app.getAppPath(), 'resources', 'ffmpeg')
  const args = ['--data-dir', app.getPath('userData'), '--ffmpeg-dir', ffmpegDir]
  // Loopback and any free port by default; RETROVUE_HOST / RETROVUE_PORT give viewers' players a fixed address.
  const host = process.env['RETROVUE_HOST']
  const port = process.env['RETROVUE_PORT']
  if (host) args.push('--host', host)
  if (port) args.push('--port', port)
  const child = utilityProcess.fork(path.join(import.meta.dirname, 'engine-process.js'), args, {
    serviceName: 'RetroVue engine',
    stdio: 'inherit'
  })
  return new EngineClient(child, {
    onUnexpectedExit: (code) => void engineCrashed(code),
    log: (message, err) => console.error(`[retrovue] ${message}`, err ?? '')
  })
}

/**
 * The station could not start: say why and quit. A data folder held by another station (a `serve`
 * service on it, say) is not a failure to fix here: the app offers that station's console instead.
 */
async function startFailed(err: StationApiError): Promise<void> {
  desktop?.engineGone()
  const locked = err.code === START_FAILURES.locked
  const running = locked ? await runningStationConsole(app.getPath('userData')) : null
  const { response } = await dialog.showMessageBox({
    type: locked ? 'info' : 'error',
    title: TITLE,
    message: locked
      ? 'Another RetroVue station is running on this data folder'
      : 'RetroVue could not start its station',
    detail: running
      ? `${err.message}\n\nIts console can be opened in the browser: the station stays on air as it is.`
      : err.message,
    buttons: running ? ["Open the running station's console", 'Quit'] : ['Quit'],
    defaultId: 0,
    cancelId: running ? 1 : 0
  })
  if (running && response === 0) await shell.openExternal(running)
  app.exit(locked ? 0 : 1)
}

async function engineCrashed(code: number): Promise<void> {
  if (desktop?.quitting) return
  desktop?.engineGone()
  const { response } = await dialog.showMessageBox({
    type: 'error',
    title: TITLE,
    message: 'The station engine stopped unexpectedly',
    detail: `It exited with code ${code}; playout has stopped. Restart RetroVue to resume: the station reconciles its state when it starts.`,
    buttons: ['Restart RetroVue', 'Quit'],
    defaultId: 0,
    cancelId: 1
  })
  if (response === 0) app.relaunch()
  app.quit()
}

async function start(): Promise<void> {
  denyPermissions(session.defaultSession, warn)
  const client = startEngine()
  protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler({
      rendererRoot: path.join(import.meta.dirname, '../renderer'),
      engineOrigin: () => client.info?.httpOrigin ?? null,
      fetch: (url, init) => fetch(url, init)
    })
  )
  registerStationIpc({
    ipcMain,
    backend: client,
    isTrustedUrl: trusted,
    log: { warn, error: (m, e) => console.error(`[retrovue] ${m}`, e) }
  })
  desktop = new DesktopShell({
    app,
    tray: new Tray(trayIcon()),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    createWindow,
    ask: async (box) => (await dialog.showMessageBox(box)).response,
    // The tray's state and the quit question: what the console's own snapshot says.
    snapshot: async () =>
      client.info ? ((await client.call('snapshot', [])) as StationSnapshotDto) : null,
    stopEngine: async () => {
      const outcome = await client.close(ENGINE_CLOSE_TIMEOUT_MS)
      if (outcome === 'killed')
        warn('the engine did not stop in time and was killed; the next start reaps what it left')
    },
    settings: desktopSettings(app.getPath('userData')),
    // Electron's login items are macOS and Windows only: on Linux, an XDG autostart entry.
    autostart:
      process.platform === 'linux'
        ? xdgAutostart({
            configDir: app.getPath('appData'),
            name: 'retrovue-master-control',
            exec: process.env['APPIMAGE'] ?? process.execPath
          })
        : undefined
  })
  // A session ending (logout, shutdown: SIGTERM on Linux) cannot wait for an answer.
  process.on('SIGTERM', () => desktop?.quitWithoutAsking())
  // The window opens while the engine starts (calls wait for it): window handling never waits on playout.
  desktop.showConsole()
  desktop.start()
  client.ready.catch((err: StationApiError) => startFailed(err))
}

function trayIcon(): Electron.NativeImage {
  const file = app.isPackaged
    ? path.join(process.resourcesPath, 'icon.png')
    : path.join(app.getAppPath(), 'resources', 'icon.png')
  return nativeImage.createFromPath(file).resize({ width: 22, height: 22 })
}

// One app per user: a second launch focuses the first one's window instead (the DesktopShell
// listens for second-instance). Closing the window keeps the engine on air (the app stays in the
// tray); quitting asks first, then stops every producer: lifecycle.ts.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('web-contents-created', (_event, contents) => guardContents(contents, trusted, warn))
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('RetroVue failed to start:', err)
      dialog.showErrorBox(TITLE, `RetroVue failed to start: ${(err as Error).message}`)
      app.exit(1)
    })
}
