// Electron main process: window, lifecycle, and the IPC adapter onto the same Station the CLI runs.
// The engine itself never imports electron; this file only hosts it.
import path from 'node:path';
import { app, BrowserWindow, net, protocol, shell } from 'electron';
import { Station } from '../station';
import { registerIpc } from './ipc';

const APP_SCHEME = 'retrovue';
const APP_ORIGIN = `${APP_SCHEME}://console`;

// The console is served from a privileged custom scheme, never file://, so that navigation and
// requests can be limited to our own origin.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let station: Station | undefined;

function rendererRoot(): string {
  return path.join(import.meta.dirname, '../renderer');
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 960,
    backgroundColor: '#0b0d10',
    title: 'RetroVue Master Control',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the console and no new windows; external links open in the browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(APP_ORIGIN) && url !== process.env['ELECTRON_RENDERER_URL']) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  if (!app.isPackaged && devUrl) void win.loadURL(devUrl);
  else void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  const root = rendererRoot();
  protocol.handle(APP_SCHEME, (request) => {
    const { pathname } = new URL(request.url);
    const file = path.normalize(path.join(root, decodeURIComponent(pathname)));
    if (!file.startsWith(root + path.sep)) return new Response('not found', { status: 404 });
    return net.fetch(`file://${file}`);
  });

  // A packaged app may carry its own ffmpeg (electron-builder extraResources), used only as a fallback.
  const bundledDir = app.isPackaged ? path.join(process.resourcesPath, 'ffmpeg') : path.join(import.meta.dirname, '../../resources/ffmpeg');
  station = await Station.open({ dataDir: app.getPath('userData'), ffmpeg: { bundledDir } });
  const port = Number(process.env['RETROVUE_PORT'] ?? 8787);
  await station.listen(process.env['RETROVUE_HOST'] ?? '127.0.0.1', port);
  registerIpc(station, APP_ORIGIN);
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  // Stop every producer (and its ffmpeg children) before the process goes away.
  if (quitting || !station) return;
  event.preventDefault();
  quitting = true;
  void station.close().finally(() => app.quit());
});

void start().catch((err: unknown) => {
  console.error('RetroVue failed to start:', err);
  app.exit(1);
});
