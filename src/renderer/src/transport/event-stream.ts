// One subscription's event stream over the station's event WebSocket: its socket, the seq of the
// last change it delivered, and its reconnects with backoff. A missed seq drops the socket and opens
// a new one at once (it starts with a fresh snapshot). The station beats on the socket while it has
// nothing to say: a socket silent for EVENT_SILENCE_MS is a station that stopped answering (hung, or
// its machine gone without closing the connection), dropped and retried like a closed one.
import { EVENT_SILENCE_MS, type StationEvent } from '../../../shared/api'
import type { StationEventListener } from '../../../shared/station-api'

/** The part of a browser WebSocket this transport uses. */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  close(code?: number, reason?: string): void
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  /** Each delay is shortened by up to this fraction at random, so many consoles do not reconnect in step. */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 10_000, jitter: 0.2 }

/** A socket not open and speaking within this long of the attempt is given up and retried. */
export const CONNECT_TIMEOUT_MS = 5000

/** The delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(base * (1 - options.jitter * random()))
}

/** What a stream needs from the transport that owns it. */
export interface StreamHost {
  readonly backoff: BackoffOptions
  readonly timers: Timers
  readonly random: () => number
  openSocket(): WebSocketLike
  /** A stream opened, closed or will retry (the transport's connection state follows). */
  streamChanged(extra?: { retryInMs?: number }): void
  noteResync(lastSeq: number, gotSeq: number): void
}

/** One subscription's event stream: its socket, its seq and its reconnects. */
export class EventStream {
  private socket: WebSocketLike | null = null
  private open = false
  private seq: number | null = null
  private attempt = 0
  private retryTimer: unknown = null
  /** Fires when the socket has been silent too long (see EVENT_SILENCE_MS). */
  private silenceTimer: unknown = null
  private closed = false

  constructor(
    private readonly api: StreamHost,
    private readonly listener: StationEventListener
  ) {}

  get isOpen(): boolean {
    return this.open
  }

  connect(): void {
    if (this.closed) return
    this.retryTimer = null
    this.seq = null
    const ws = this.api.openSocket()
    this.socket = ws
    this.watch(CONNECT_TIMEOUT_MS)
    ws.onopen = () => {
      if (ws !== this.socket) return
      this.open = true
      this.watch(EVENT_SILENCE_MS)
      this.api.streamChanged()
    }
    ws.onmessage = (ev) => {
      if (ws !== this.socket) return
      this.watch(EVENT_SILENCE_MS)
      this.receive(ev.data)
    }
    ws.onclose = () => {
      if (ws === this.socket) this.lost()
    }
    // A close always follows an error; the close decides.
    ws.onerror = () => undefined
  }

  /** (Re)arms the silence watchdog. */
  private watch(ms: number): void {
    this.unwatch()
    this.silenceTimer = this.api.timers.setTimeout(() => {
      this.silenceTimer = null
      if (!this.socket) return
      this.drop(4001, 'the station stopped answering')
      this.lost()
    }, ms)
  }

  private unwatch(): void {
    if (this.silenceTimer !== null) this.api.timers.clearTimeout(this.silenceTimer)
    this.silenceTimer = null
  }

  private receive(data: unknown): void {
    let event: StationEvent
    try {
      event = JSON.parse(typeof data === 'string' ? data : String(data)) as StationEvent
    } catch {
      return // not ours to interpret
    }
    switch (event.type) {
      case 'snapshot':
        this.seq = event.seq
        this.attempt = 0
        this.deliver(event)
        return
      case 'changes':
        if (this.seq === null || event.seq <= this.seq) return // before the snapshot, or already seen
        if (event.seq !== this.seq + 1) {
          this.api.noteResync(this.seq, event.seq)
          this.resnapshot()
          return
        }
        this.seq = event.seq
        this.deliver(event)
        return
      case 'levels':
      case 'library':
        if (this.seq !== null) this.deliver(event)
        return
      default:
        return // a newer station's event type: ignore
    }
  }

  private deliver(event: StationEvent): void {
    try {
      this.listener(event)
    } catch (err) {
      // A broken listener must not break the stream.
      console.error('station event listener failed', err)
    }
  }

  /** A seq was missed: drop this socket and open a new one at once; it starts with a snapshot. */
  private resnapshot(): void {
    this.drop(4000, 'missed an update; re-snapshot')
    this.api.streamChanged()
    this.connect()
  }

  private lost(): void {
    this.unwatch()
    this.socket = null
    this.open = false
    this.seq = null
    if (this.closed) return
    const delay = backoffDelay(this.attempt++, this.api.backoff, this.api.random)
    this.api.streamChanged({ retryInMs: delay })
    this.retryTimer = this.api.timers.setTimeout(() => this.connect(), delay)
  }

  private drop(code: number, reason: string): void {
    this.unwatch()
    const ws = this.socket
    this.socket = null
    this.open = false
    this.seq = null
    if (!ws) return
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
    try {
      ws.close(code, reason)
    } catch {
      // already closing
    }
  }

  close(): void {
    this.closed = true
    if (this.retryTimer !== null) this.api.timers.clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.drop(1000, 'unsubscribed')
  }
}
