// Stand-ins for the Electron modules the shell uses (no Electron binary can be downloaded here).
// They copy values the way Electron documents it, so code that works against them does not rely on
// anything Electron would drop:
// - ipcRenderer.invoke / webContents.send carry structured clones (a function cannot be sent);
// - contextBridge proxies functions and promises, copies and freezes other values, and copies an
//   Error as a new Error with its message only (its class and extra fields such as `code` are lost).
import { EventEmitter } from 'node:events'
import type { MessagePort } from 'node:worker_threads'
import type { ParentPortLike } from '../../src/main/engine-host'
import type { UtilityProcessLike } from '../../src/main/engine-client'
import type {
  FrameLike,
  IpcMainLike,
  InvokeEventLike,
  NavigationDetails,
  WebContentsLike
} from '../../src/main/ipc'

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>()
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}

let nextContentsId = 1

/** One window: its webContents (main side), its top frame, and the ipcRenderer its preload sees. */
export class FakeWindow {
  readonly webContents: FakeWebContents
  readonly ipcRenderer: FakeIpcRenderer
  /** What the page's own scripts see (`window.retrovue` once the preload exposed it). */
  readonly mainWorld: Record<string, unknown> = {}
  readonly contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => {
      if (key in this.mainWorld)
        throw new Error(
          `Cannot bind an API on top of an existing property on the window object: ${key}`
        )
      this.mainWorld[key] = acrossBridge(api)
    }
  }
  frame: FrameLike | null

  constructor(
    readonly ipcMain: FakeIpcMain,
    url: string,
    /** A subframe sends with a parent frame. */
    parent: unknown = null
  ) {
    this.webContents = new FakeWebContents()
    this.frame = { url, parent }
    this.ipcRenderer = new FakeIpcRenderer(this)
  }

  /** The user closed it: its webContents is destroyed. */
  close(): void {
    this.webContents.destroy()
  }

  /** A reload or navigation of the top frame. */
  navigate(url: string): void {
    this.webContents.emit('did-start-navigation', {
      isMainFrame: true,
      isSameDocument: false
    } satisfies NavigationDetails)
    this.frame = { url, parent: null }
  }
}

export class FakeWebContents extends EventEmitter implements WebContentsLike {
  readonly id = nextContentsId++
  private destroyed = false
  /** What the window was sent, in order (cloned, as Electron would). */
  readonly sent: Array<{ channel: string; args: unknown[] }> = []
  /** Where send() delivers: the window's ipcRenderer. */
  deliver: (channel: string, args: unknown[]) => void = () => undefined

  /** Sends tried after the window was destroyed (Electron throws; a test asserts there were none). */
  sendsAfterDestroy = 0

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) {
      this.sendsAfterDestroy++
      throw new Error('Object has been destroyed')
    }
    const copy = structuredClone(args)
    this.sent.push({ channel, args: copy })
    this.deliver(channel, copy)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('destroyed')
  }
}

export class FakeIpcRenderer {
  private readonly listeners = new Map<
    string,
    Array<(event: unknown, ...args: unknown[]) => void>
  >()

  constructor(private readonly win: FakeWindow) {
    win.webContents.deliver = (channel, args) => {
      for (const l of this.listeners.get(channel) ?? []) l({ sender: this }, ...args)
    }
  }

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.win.ipcMain.handlers.get(channel)
    if (!handler)
      throw new Error(
        `Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`
      )
    const event: InvokeEventLike = { sender: this.win.webContents, senderFrame: this.win.frame }
    const result = await handler(event, ...structuredClone(args))
    return structuredClone(result)
  }

  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener])
    return this
  }
}

/** A value crossing contextBridge, in either direction, as Electron's docs describe the copy. */
export function acrossBridge(value: unknown): unknown {
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown
    return (...args: unknown[]) => {
      let result: unknown
      try {
        result = fn(...args.map(acrossBridge))
      } catch (err) {
        throw errorAcross(err)
      }
      return acrossBridge(result)
    }
  }
  if (value instanceof Promise)
    return value.then(acrossBridge, (err: unknown) => Promise.reject(errorAcross(err)))
  if (value instanceof Error) return errorAcross(value)
  if (Array.isArray(value)) return Object.freeze(value.map(acrossBridge))
  if (typeof value === 'object' && value !== null) {
    return Object.freeze(
      Object.fromEntries(Object.entries(value).map(([k, v]) => [k, acrossBridge(v)]))
    )
  }
  return value
}

function errorAcross(err: unknown): unknown {
  return err instanceof Error ? new Error(err.message) : acrossBridge(err)
}

/** Electron's UtilityProcess, as main sees it, over one end of a MessageChannel. */
export function utilityProcessOver(
  port: MessagePort
): UtilityProcessLike & { exit(code: number): void; killed: number } {
  const events = new EventEmitter()
  port.on('message', (m: unknown) => events.emit('message', m))
  const child = {
    killed: 0,
    postMessage: (m: unknown) => port.postMessage(m),
    on: (event: string, listener: (...a: never[]) => void) =>
      events.on(event, listener as (...a: unknown[]) => void),
    kill: () => {
      child.killed++
      return true
    },
    exit: (code: number) => events.emit('exit', code)
  }
  return child as UtilityProcessLike & { exit(code: number): void; killed: number }
}

/** Electron's `process.parentPort`, as the engine process sees it, over the other end. */
export function parentPortOver(port: MessagePort): ParentPortLike {
  return {
    postMessage: (m) => port.postMessage(m),
    on: (_event, listener) => port.on('message', (data: unknown) => listener({ data }))
  }
}
