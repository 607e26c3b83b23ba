// The main process's side of the engine protocol (engine-protocol.ts): the StationBackend the IPC
// handlers forward to. Calls made before the engine is ready wait for it; calls after it stopped
// fail with `unavailable`. close() asks the engine to stop its station and waits, with a timeout,
// before the app may exit. Takes the utility process as a parameter (a stand-in in tests).
import type { StationEvent } from '../shared/api'
import { StationApiError } from '../shared/station-api'
import { type EngineReady, isFromEngine, type ToEngine } from './engine-protocol'
import type { StationBackend } from './ipc'
import type { StationApiMethod } from './ipc-validate'

/** The part of Electron's UtilityProcess the client uses. */
export interface UtilityProcessLike {
  postMessage(message: unknown): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

/** closed: the engine confirmed; exited: it was gone (or went) first; killed: it did not answer in time. */
export type CloseOutcome = 'closed' | 'exited' | 'killed'

export interface EngineClientOptions {
  /** The engine process ended without being asked to (a crash). */
  onUnexpectedExit?(code: number): void
  log?: (message: string, err?: unknown) => void
}

interface Pending {
  resolve(value: unknown): void
  reject(err: StationApiError): void
}

export class EngineClient implements StationBackend {
  /** Resolves when the station runs; rejects with a StationApiError whose code says why it could not start. */
  readonly ready: Promise<EngineReady>
  /** Set once ready: where the engine's HTTP server listens. */
  info: EngineReady | null = null
  private state: 'starting' | 'running' | 'failed' | 'closing' | 'exited' = 'starting'
  private nextId = 1
  private nextSub = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Map<number, (event: StationEvent) => void>()
  private settleReady!: { resolve(r: EngineReady): void; reject(e: StationApiError): void }
  private closing: Promise<CloseOutcome> | undefined
  private finishClose: ((outcome: CloseOutcome) => void) | undefined

  constructor(
    private readonly child: UtilityProcessLike,
    private readonly options: EngineClientOptions = {}
  ) {
    this.ready = new Promise<EngineReady>(
      (resolve, reject) => (this.settleReady = { resolve, reject })
    )
    this.ready.catch(() => undefined) // reported through start(): never an unhandled rejection
    child.on('message', (m) => this.onMessage(m))
    child.on('exit', (code) => this.onExit(code))
  }

  call(method: StationApiMethod, args: unknown[]): Promise<unknown> {
    return this.ready.then(
      () =>
        new Promise<unknown>((resolve, reject) => {
          if (this.state !== 'running') return reject(this.unavailable())
          const id = this.nextId++
          this.pending.set(id, { resolve, reject })
          this.post({ type: 'call', id, method, args })
        }),
      (err: StationApiError) => {
        throw new StationApiError('unavailable', `the station is not running: ${err.message}`)
      }
    )
  }

  subscribe(listener: (event: StationEvent) => void): () => void {
    const sub = this.nextSub++
    this.listeners.set(sub, listener)
    void this.ready.then(
      () => {
        if (this.listeners.has(sub) && this.state === 'running')
          this.post({ type: 'subscribe', sub })
      },
      () => undefined
    )
    return () => {
      if (this.listeners.delete(sub) && this.state === 'running')
        this.post({ type: 'unsubscribe', sub })
    }
  }

  /** Asks the engine to stop its station (every producer) and waits for it, at most timeoutMs. */
  close(timeoutMs: number): Promise<CloseOutcome> {
    this.closing ??= new Promise<CloseOutcome>((resolve) => {
      if (this.state === 'exited') return resolve('exited')
      this.state = 'closing'
      this.failPending(new StationApiError('unavailable', 'the station is shutting down'))
      const timer = setTimeout(() => {
        this.options.log?.(`the engine did not stop within ${timeoutMs} ms; killing it`)
        this.child.kill()
        done('killed')
      }, timeoutMs)
      const done = (outcome: CloseOutcome) => {
        clearTimeout(timer)
        this.finishClose = undefined
        resolve(outcome)
      }
      this.finishClose = done
      this.post({ type: 'close' })
    })
    return this.closing
  }

  get running(): boolean {
    return this.state === 'running'
  }

  private unavailable(): StationApiError {
    return new StationApiError(
      'unavailable',
      this.state === 'closing'
        ? 'the station is shutting down'
        : 'the station engine is not running'
    )
  }

  private post(message: ToEngine): void {
    try {
      this.child.postMessage(message)
    } catch (err) {
      this.options.log?.('cannot send a message to the engine', err)
      if (message.type !== 'call') return
      this.pending.get(message.id)?.reject(this.unavailable())
      this.pending.delete(message.id)
    }
  }

  private failPending(err: StationApiError): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private onMessage(m: unknown): void {
    if (!isFromEngine(m)) return this.options.log?.('ignored a malformed message from the engine')
    switch (m.type) {
      case 'ready':
        if (this.state !== 'starting') return
        this.state = 'running'
        this.info = { dataDir: m.dataDir, httpOrigin: m.httpOrigin }
        this.settleReady.resolve(this.info)
        return
      case 'failed':
        if (this.state === 'starting') this.state = 'failed'
        this.settleReady.reject(new StationApiError(m.error.code, m.error.message))
        return
      case 'reply': {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.ok) p.resolve(m.value)
        else p.reject(new StationApiError(m.error.code, m.error.message))
        return
      }
      case 'event':
        try {
          this.listeners.get(m.sub)?.(m.event)
        } catch (err) {
          this.options.log?.('an event listener failed', err)
        }
        return
      case 'closed':
        if (m.error) this.options.log?.(`the engine closed with a problem: ${m.error.message}`)
        this.finishClose?.('closed')
        return
    }
  }

  private onExit(code: number): void {
    const was = this.state
    this.state = 'exited'
    this.info = null
    this.failPending(
      new StationApiError('unavailable', `the station engine stopped (exit code ${code})`)
    )
    this.listeners.clear()
    this.settleReady.reject(
      new StationApiError(
        'start_failed',
        `the station engine exited (code ${code}) before it was ready`
      )
    )
    this.finishClose?.('exited')
    // Before ready, the rejection of `ready` reports it; once closing, it was asked for.
    if (was === 'running') this.options.onUnexpectedExit?.(code)
  }
}
