// The engine process's side of the protocol (engine-protocol.ts): opens the station, announces it,
// answers calls with the station's StationApi, pushes events per subscription, and closes the
// station when asked. Takes the port and the opener as parameters, so tests run it in-process
// against a real Station over a MessageChannel.
import type { StationApi, StationApiErrorShape } from '../shared/station-api'
import { INTERNAL_ERROR, toErrorShape } from './errors'
import { type EngineReady, type FromEngine, isToEngine } from './engine-protocol'
import { isStationApiMethod } from './ipc-validate'

/** Electron's `process.parentPort` (messages arrive as `{ data }`), or a stand-in. */
export interface ParentPortLike {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
}

export interface OpenedEngine {
  api: StationApi
  ready: EngineReady
  close(): Promise<void>
}

export interface EngineHostOptions {
  open(): Promise<OpenedEngine>
  /** What the operator is told when the station cannot start. */
  describeStartFailure(err: unknown): StationApiErrorShape
  log: (message: string, err?: unknown) => void
  /** After the station closed (clean: true) or failed to start or close (false): the process may exit. */
  onDone?(clean: boolean): void
}

export interface EngineHost {
  /** Closes the station (as if main had asked) and resolves once it is closed. */
  close(): Promise<void>
}

const NOT_RUNNING: StationApiErrorShape = {
  code: 'unavailable',
  message: 'the station is not running'
}

export function hostEngine(port: ParentPortLike, options: EngineHostOptions): EngineHost {
  let engine: OpenedEngine | undefined
  let accepting = false
  let closing: Promise<void> | undefined
  const subs = new Map<number, () => void>()

  const post = (message: FromEngine): void => {
    try {
      port.postMessage(message)
    } catch (err) {
      // A value that cannot be cloned must not leave the caller waiting forever.
      options.log('cannot send a message to the main process', err)
      if (message.type === 'reply' && message.ok)
        port.postMessage({
          type: 'reply',
          id: message.id,
          ok: false,
          error: INTERNAL_ERROR
        } satisfies FromEngine)
    }
  }

  const opened = options.open().then(
    (e) => {
      engine = e
      if (closing) return
      accepting = true
      post({ type: 'ready', ...e.ready })
    },
    (err: unknown) => {
      post({ type: 'failed', error: options.describeStartFailure(err) })
      options.onDone?.(false)
    }
  )

  const call = (id: number, method: string, args: unknown[]) => {
    const api = engine?.api
    if (!accepting || !api) return post({ type: 'reply', id, ok: false, error: NOT_RUNNING })
    // Main checked the method and arguments; the allow-list is checked again here, the arguments by the facade.
    if (!isStationApiMethod(method))
      return post({
        type: 'reply',
        id,
        ok: false,
        error: {
          code: 'invalid_request',
          message: `unknown StationApi method "${method.slice(0, 60)}"`
        }
      })
    const fn = api[method] as (...a: unknown[]) => Promise<unknown>
    Promise.resolve()
      .then(() => fn.apply(api, args))
      .then(
        (value) => post({ type: 'reply', id, ok: true, value }),
        (err: unknown) =>
          post({
            type: 'reply',
            id,
            ok: false,
            error: toErrorShape(err, (e) => options.log(`StationApi ${method} failed`, e))
          })
      )
  }

  const close = (): Promise<void> => {
    closing ??= (async () => {
      accepting = false
      await opened
      for (const stop of subs.values()) stop()
      subs.clear()
      if (!engine) return // never started: 'failed' was sent
      let error: StationApiErrorShape | null = null
      try {
        await engine.close()
      } catch (err) {
        options.log('the station did not close cleanly', err)
        error = {
          code: 'close_failed',
          message: `the station did not close cleanly: ${(err as Error).message}`
        }
      }
      post({ type: 'closed', error })
      options.onDone?.(error === null)
    })()
    return closing
  }

  port.on('message', ({ data: m }) => {
    if (!isToEngine(m)) return options.log('ignored a malformed message from the main process')
    switch (m.type) {
      case 'call':
        return call(m.id, m.method, m.args)
      case 'subscribe': {
        if (!accepting || !engine || subs.has(m.sub)) return
        const sub = m.sub
        subs.set(
          sub,
          engine.api.subscribe((event) => post({ type: 'event', sub, event }))
        )
        return
      }
      case 'unsubscribe':
        subs.get(m.sub)?.()
        subs.delete(m.sub)
        return
      case 'close':
        void close()
        return
    }
  })

  return { close }
}
