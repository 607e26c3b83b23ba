// IPC adapter: the renderer's StationApi calls arrive here. Foreign senders and unknown methods are
// refused. Only `health` is served so far; it takes no payload.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Station } from '../station';

export const IPC_INVOKE = 'station:invoke';

function assertTrustedSender(event: IpcMainInvokeEvent, origin: string): void {
  const url = event.senderFrame?.url ?? '';
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  if (!url.startsWith(origin) && !(devUrl && url.startsWith(devUrl))) {
    throw new Error(`IPC from an untrusted frame refused: ${url}`);
  }
}

export function registerIpc(station: Station, origin: string): void {
  ipcMain.handle(IPC_INVOKE, async (event, method: unknown) => {
    assertTrustedSender(event, origin);
    switch (method) {
      case 'health':
        return { status: 'ok', mode: station.store.system.get().globalMode };
      default:
        throw new Error(`unknown StationApi method: ${String(method)}`);
    }
  });
}
