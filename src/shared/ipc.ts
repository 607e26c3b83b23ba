// The desktop window's IPC wire, shared by the preload and the main process: two channel names
// and the shapes that travel on them. Type-only imports, so the sandboxed preload bundles this
// file alone (a sandboxed preload cannot load packages such as zod).
import type { StationEvent } from './api'
import type { StationApiErrorShape } from './station-api'

/** Every StationApi call and subscription change from a window: `ipcRenderer.invoke(IPC_INVOKE, request)`. */
export const IPC_INVOKE = 'retrovue:station'
/** Station events pushed to one window: `webContents.send(IPC_EVENT, sub, event)`. */
export const IPC_EVENT = 'retrovue:station-event'

export type IpcRequest =
  | { op: 'call'; method: string; args: unknown[] }
  /** `sub` is chosen by the window (unique within its page) and names the subscription in pushed events. */
  | { op: 'subscribe'; sub: number }
  | { op: 'unsubscribe'; sub: number }

/** Main never throws across IPC (Electron would flatten the error to a string): it answers with one of these. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: StationApiErrorShape }

export type IpcEvent = [sub: number, event: StationEvent]
