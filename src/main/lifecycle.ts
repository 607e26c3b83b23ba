// The desktop app's lifecycle, kept apart from the window's: a station PC's app lives in the tray.
// Closing the window leaves the engine and its channels on air; the tray shows the station's state
// (mode, alarms) and reopens the console; quitting says what it will take off air (channels pushed
// to media servers, viewers watching) and asks first; a second launch shows the running window;
// the app opens at login unless the operator turned that off. Electron's objects come in as
// parameters (stand-ins in the tests), as in ipc.ts.
import fs from 'node:fs'
import path from 'node:path'
import type { StationSnapshotDto } from '../shared/api'

export interface AppLike {
  on(event: 'second-instance' | 'activate' | 'window-all-closed', listener: () => void): unknown
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown
  quit(): void
  setLoginItemSettings(settings: { openAtLogin: boolean }): void
}

export interface WindowLike {
  isDestroyed(): boolean
  isMinimized(): boolean
  restore(): void
  show(): void
  focus(): void
  once(event: 'closed', listener: () => void): unknown
}

export interface TrayLike {
  setToolTip(text: string): void
  setContextMenu(menu: unknown): void
}

/** The part of Electron's MenuItemConstructorOptions the tray uses. */
export interface TrayMenuItem {
  label?: string
  type?: 'normal' | 'separator' | 'checkbox'
  checked?: boolean
  enabled?: boolean
  click?: () => void
}

export interface MessageBox {
  type: 'question' | 'warning' | 'info'
  title: string
  message: string
  detail: string
  buttons: string[]
  defaultId: number
  cancelId: number
}

export interface DesktopShellOptions {
  app: AppLike
  tray: TrayLike
  /** Menu.buildFromTemplate. */
  buildMenu(template: TrayMenuItem[]): unknown
  createWindow(): WindowLike
  /** dialog.showMessageBox's response: the index of the button chosen. */
  ask(box: MessageBox): Promise<number>
  /** The station's state now, or null while the engine is not (yet, or any longer) running. */
  snapshot(): Promise<StationSnapshotDto | null>
  /** Stops the engine (every producer), bounded; resolves once it is gone. */
  stopEngine(): Promise<void>
  settings: DesktopSettingsStore
  /** Where the open-at-login choice is applied where Electron cannot (Linux: XDG autostart). */
  autostart?: (enabled: boolean) => void
  /** How often the tray's state is refreshed. */
  refreshMs?: number
  title?: string
}

const TITLE = 'RetroVue Master Control'

/** What quitting would take off air: channels held on air by push outputs, and viewers watching. */
export interface OffAirSummary {
  pushed: Array<{ name: string; outputs: number }>
  viewers: number
  watchedChannels: number
}

export function offAirSummary(snapshot: StationSnapshotDto): OffAirSummary {
  const pushed = snapshot.channels
    .map((c) => ({ name: c.name, outputs: c.outputs.filter((o) => o.enabled).length }))
    .filter((c) => c.outputs > 0)
  const watched = snapshot.channels.filter((c) => c.viewerCount > 0)
  return {
    pushed,
    viewers: watched.reduce((n, c) => n + c.viewerCount, 0),
    watchedChannels: watched.length
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The quit question: what goes off air, in the operator's terms. */
export function quitQuestion(summary: OffAirSummary | null): MessageBox {
  const lines: string[] = []
  if (!summary) lines.push('The station engine is not answering; quitting stops it.')
  else {
    if (summary.pushed.length > 0)
      lines.push(
        `Pushed to media servers: ${summary.pushed.map((c) => `${c.name} (${plural(c.outputs, 'output')})`).join(', ')}.`
      )
    if (summary.viewers > 0)
      lines.push(
        `Watching now: ${plural(summary.viewers, 'viewer')} on ${plural(summary.watchedChannels, 'channel')}.`
      )
    if (lines.length === 0) lines.push('No channel is pushed and nobody is watching.')
  }
  lines.push(
    'Closing the window instead keeps every channel on air (the station stays in the tray).'
  )
  const offAir = summary ? summary.pushed.length + summary.watchedChannels : 0
  return {
    type: offAir > 0 ? 'warning' : 'question',
    title: TITLE,
    message:
      summary && offAir > 0
        ? `Quit RetroVue and take ${plural(summary.pushed.length, 'pushed channel')} and ${plural(summary.viewers, 'viewer')} off air?`
        : 'Quit RetroVue and stop the station?',
    detail: lines.join('\n'),
    buttons: ['Keep on air', 'Quit and go off air'],
    defaultId: 0,
    cancelId: 0
  }
}

/** The tray's one-line state (its tooltip) and its menu's state lines. */
export function trayState(snapshot: StationSnapshotDto | null): {
  tooltip: string
  lines: string[]
} {
  if (!snapshot)
    return { tooltip: `${TITLE}: engine starting or stopped`, lines: ['Engine not running'] }
  const e = snapshot.mode.emergency
  const mode = e ? `EMERGENCY (${e.scope}) in force: "${e.message}"` : 'Normal programming'
  const active = snapshot.alarms.filter((a) => a.clearedAt === null)
  const alarms =
    active.length === 0
      ? 'No alarms'
      : `${plural(active.length, 'alarm')}: ${[...new Set(active.map((a) => a.code))].join(', ')}`
  const onAir = snapshot.channels.filter(
    (c) => c.viewerCount > 0 || c.outputs.some((o) => o.enabled)
  ).length
  const summary = `${e ? 'EMERGENCY' : 'Normal'} · ${active.length === 0 ? 'no alarms' : plural(active.length, 'alarm')} · ${plural(onAir, 'channel')} on air`
  return { tooltip: `${TITLE}: ${summary}`, lines: [mode, alarms] }
}

export class DesktopShell {
  private window: WindowLike | null = null
  /** running: quitting asks; asking/stopping: a quit is under way; stopped: the app may go. */
  private state: 'running' | 'asking' | 'stopping' | 'stopped' = 'running'
  private lastSnapshot: StationSnapshotDto | null = null
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly title: string

  constructor(private readonly o: DesktopShellOptions) {
    this.title = o.title ?? TITLE
    // A listener here means Electron no longer quits when the last window closes: the engine and
    // its channels stay on air, the tray stays.
    o.app.on('window-all-closed', () => undefined)
    o.app.on('second-instance', () => this.showConsole())
    o.app.on('activate', () => this.showConsole())
    o.app.on('before-quit', (event) => this.beforeQuit(event))
    this.applyLoginItem()
    this.renderTray()
  }

  /** Opens the console window, or brings the open one to the front. */
  showConsole(): WindowLike {
    const win = this.window
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore()
      win.show()
      win.focus()
      return win
    }
    const created = this.o.createWindow()
    this.window = created
    created.once('closed', () => {
      if (this.window === created) this.window = null
    })
    return created
  }

  /** Refreshes the tray now and every refreshMs. */
  start(): void {
    void this.refresh()
    this.timer ??= setInterval(() => void this.refresh(), this.o.refreshMs ?? 3_000)
    this.timer.unref?.()
  }

  async refresh(): Promise<void> {
    try {
      this.lastSnapshot = await this.o.snapshot()
    } catch {
      this.lastSnapshot = null
    }
    this.renderTray()
  }

  /** The engine is gone on its own (crashed, failed to start): quitting has nothing to ask. */
  engineGone(): void {
    this.state = 'stopped'
  }

  get quitting(): boolean {
    return this.state !== 'running'
  }

  private renderTray(): void {
    const { tooltip, lines } = trayState(this.lastSnapshot)
    this.o.tray.setToolTip(tooltip)
    const template: TrayMenuItem[] = [
      { label: 'Show console', click: () => void this.showConsole() },
      { type: 'separator' },
      // The emergency state and the alarms: opening the console is where they are acted on.
      ...lines.map((label) => ({ label, click: () => void this.showConsole() })),
      { type: 'separator' },
      {
        label: 'Open at login',
        type: 'checkbox',
        checked: this.o.settings.read().openAtLogin,
        click: () => this.setOpenAtLogin(!this.o.settings.read().openAtLogin)
      },
      { type: 'separator' },
      { label: 'Quit RetroVue…', click: () => this.o.app.quit() }
    ]
    this.o.tray.setContextMenu(this.o.buildMenu(template))
  }

  setOpenAtLogin(openAtLogin: boolean): void {
    this.o.settings.write({ ...this.o.settings.read(), openAtLogin })
    this.applyLoginItem()
    this.renderTray()
  }

  private applyLoginItem(): void {
    const { openAtLogin } = this.o.settings.read()
    this.o.app.setLoginItemSettings({ openAtLogin })
    this.o.autostart?.(openAtLogin)
  }

  private beforeQuit(event: { preventDefault(): void }): void {
    if (this.state === 'stopped') {
      if (this.timer) clearInterval(this.timer)
      return
    }
    event.preventDefault()
    if (this.state !== 'running') return
    this.state = 'asking'
    void this.confirmQuit()
  }

  private async confirmQuit(): Promise<void> {
    const snapshot = await this.o.snapshot().catch(() => null)
    // No answer (the dialog failed) keeps the station on air.
    const choice = await this.o
      .ask({ ...quitQuestion(snapshot ? offAirSummary(snapshot) : null), title: this.title })
      .catch(() => 0)
    if (choice !== 1) {
      this.state = 'running'
      return
    }
    await this.stopThenQuit()
  }

  /**
   * The session is ending (logout, shutdown, a SIGTERM): nobody is there to answer a question, so
   * the engine is stopped cleanly (every producer ended) and the app goes, without asking.
   */
  quitWithoutAsking(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return
    void this.stopThenQuit()
  }

  private async stopThenQuit(): Promise<void> {
    this.state = 'stopping'
    try {
      await this.o.stopEngine()
    } finally {
      this.state = 'stopped'
      this.o.app.quit()
    }
  }
}

// ---- the open-at-login setting ------------------------------------------------------------

export interface DesktopSettings {
  openAtLogin: boolean
}

export interface DesktopSettingsStore {
  read(): DesktopSettings
  write(settings: DesktopSettings): void
}

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json'

/**
 * The app's own settings in its data folder. A new station (no file yet) opens at login: a station
 * PC that reboots should come back on air; the first read writes that default down.
 */
export function desktopSettings(dir: string): DesktopSettingsStore {
  const file = path.join(dir, DESKTOP_SETTINGS_FILE)
  const write = (s: DesktopSettings) => {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`)
  }
  return {
    read() {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DesktopSettings>
        if (typeof parsed.openAtLogin === 'boolean') return { openAtLogin: parsed.openAtLogin }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError))
          throw err
      }
      const defaults = { openAtLogin: true }
      write(defaults)
      return defaults
    },
    write
  }
}

/**
 * Open at login on Linux, where Electron's setLoginItemSettings does nothing: an XDG autostart
 * entry (~/.config/autostart/<name>.desktop) that runs the app, written or removed.
 */
export function xdgAutostart(o: { configDir: string; name: string; exec: string; title?: string }) {
  const file = path.join(o.configDir, 'autostart', `${o.name}.desktop`)
  return (enabled: boolean): void => {
    if (!enabled) {
      fs.rmSync(file, { force: true })
      return
    }
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const exec = /[\s"\\]/.test(o.exec) ? `"${o.exec.replace(/(["\\`$])/g, '\\$1')}"` : o.exec
    fs.writeFileSync(
      file,
      [
        '[Desktop Entry]',
        'Type=Application',
        `Name=${o.title ?? TITLE}`,
        `Exec=${exec}`,
        'X-GNOME-Autostart-enabled=true',
        'Terminal=false',
        ''
      ].join('\n')
    )
  }
}
