// The preload exposes exactly one object to the console: the StationApi over IPC, as
// `window.retrovue` (src/renderer/src/transport/select.ts looks for it there).
import { contextBridge, ipcRenderer } from 'electron'
import { createStationBridge } from './bridge'

contextBridge.exposeInMainWorld('retrovue', createStationBridge(ipcRenderer))
