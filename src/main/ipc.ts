// The window's end of the StationApi in the main process: every invoke on IPC_INVOKE is checked
// (sender frame, then payload) and forwarded to the backend (the engine process); events go to the
// window that subscribed and stop when it closes or reloads. Electron's objects come in as
// parameters, so tests drive this with stand-ins.
import type { StationEvent } from '../shared/api'
import { IPC_EVENT, IPC_INVOKE, type IpcReply } from '../shared/ipc'
import { refusal, toErrorShape } from './errors'
import { parseIpcRequest, type StationApiMethod } from './ipc-validate'

/** Where calls go: the engine process's client (or, in tests, a Station's facade). */
export interface StationBackend {
  call(method: StationApiMethod, args: unknown[]): Promise<unknown>
  /** Delivers a snapshot first, then changes, until the returned function is called. */
  subscribe(listener: (event: StationEvent) => void): () => void
}

export interface FrameLike {
  readonly url: string
  /** null for a window's top-level frame. */
  readonly parent: unknown
}

export interface NavigationDetails {
  readonly isMainFrame: boolean
  readonly isSameDocument: boolean
}

export interface WebContentsLike {
  readonly id: number
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  once(event: 'destroyed', listener: () => void): unknown
  on(event: 'did-start-navigation', listener: (details: NavigationDetails) => void): unknown
}

export interface InvokeEventLike {
  readonly sender: WebContentsLike
  readonly senderFrame: FrameLike | null
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

export interface StationIpcOptions {
  ipcMain: IpcMainLike
  backend: StationBackend
  /** Whether a top-level frame at this URL may use the StationApi: our own origin only. */
  isTrustedUrl: (url: string) => boolean
  log?: { warn(message: string): void; error(message: string, err: unknown): void }
  /** Most live subscriptions per window (a console needs one or two). */
  maxSubscriptionsPerWindow?: number
}

export interface StationIpc {
  /** Live subscriptions across all windows. */
  subscriptionCount(): number
  dispose(): void
}

export function registerStationIpc(options: StationIpcOptions): StationIpc {
  const { ipcMain, backend, isTrustedUrl } = options
  const log = options.log ?? { warn: (m) => console.warn(m), error: (m, e) => console.error(m, e) }
  const maxSubs = options.maxSubscriptionsPerWindow ?? 16
  // Per window (webContents id): its subscriptions, by the id the window chose.
  const windows = new Map<number, Map<number, () => void>>()

  const dropAll = (subs: Map<number, () => void>) => {
    for (const stop of subs.values()) stop()
    subs.clear()
  }

  const subsOf = (wc: WebContentsLike): Map<number, () => void> => {
    let subs = windows.get(wc.id)
    if (!subs) {
      const created = new Map<number, () => void>()
      subs = created
      windows.set(wc.id, created)
      wc.once('destroyed', () => {
        dropAll(created)
        windows.delete(wc.id)
      })
      // A reload starts a new page whose preload knows none of the old subscriptions.
      wc.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) dropAll(created)
      })
    }
    return subs
  }

  const subscribe = (wc: WebContentsLike, sub: number) => {
    const subs = subsOf(wc)
    if (subs.has(sub)) throw refusal('invalid_request', `subscription ${sub} already exists`)
    if (subs.size >= maxSubs)
      throw refusal(
        'too_many_subscriptions',
        `a window may hold at most ${maxSubs} event subscriptions`
      )
    const stop = backend.subscribe((event) => {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT, sub, event)
    })
    subs.set(sub, stop)
  }

  const unsubscribe = (wc: WebContentsLike, sub: number) => {
    const subs = windows.get(wc.id)
    const stop = subs?.get(sub)
    if (!stop) return
    subs!.delete(sub)
    stop()
  }

  const handle = async (event: InvokeEventLike, args: unknown[]): Promise<unknown> => {
    const frame = event.senderFrame
    // Only our console's top-level frame: not a subframe, not a page that navigated elsewhere.
    if (!frame || frame.parent !== null || !isTrustedUrl(frame.url)) {
      log.warn(
        `StationApi call refused from an untrusted frame: ${frame?.url.slice(0, 200) ?? '(gone)'}`
      )
      throw refusal('forbidden_origin', 'the StationApi answers only the RetroVue console')
    }
    if (args.length !== 1) throw refusal('invalid_request', 'one request per invoke')
    const request = parseIpcRequest(args[0])
    switch (request.op) {
      case 'call':
        return backend.call(request.method, request.args)
      case 'subscribe':
        return subscribe(event.sender, request.sub)
      case 'unsubscribe':
        return unsubscribe(event.sender, request.sub)
    }
  }

  ipcMain.handle(IPC_INVOKE, async (event, ...args): Promise<IpcReply> => {
    try {
      return { ok: true, value: await handle(event, args) }
    } catch (err) {
      return { ok: false, error: toErrorShape(err, (e) => log.error('StationApi call failed', e)) }
    }
  })

  return {
    subscriptionCount: () => [...windows.values()].reduce((n, subs) => n + subs.size, 0),
    dispose: () => {
      ipcMain.removeHandler(IPC_INVOKE)
      for (const subs of windows.values()) dropAll(subs)
      windows.clear()
    }
  }
}
