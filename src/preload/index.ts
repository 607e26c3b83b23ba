// The preload exposes exactly one narrow object to the console: the StationApi over IPC.
import { contextBridge, ipcRenderer } from 'electron';

const IPC_INVOKE = 'station:invoke';

contextBridge.exposeInMainWorld('retrovueIpc', {
  transport: 'ipc',
  health: () => ipcRenderer.invoke(IPC_INVOKE, 'health'),
});
