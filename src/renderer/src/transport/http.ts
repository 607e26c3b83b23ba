// The StationApi over the station's HTTP control API and its event WebSocket, for the console in a
// browser (against `serve`, or from another desk). Free of React and of the DOM beyond what is
// injected, so it runs under unit tests with a fake fetch, WebSocket and timers.
//
// Behaviour:
// - Every call is an HTTP request with `Authorization: Bearer <token>`. An error body
//   `{ error: { code, message } }` becomes a StationApiError with that code; a request that never
//   reaches the station is `unreachable`; a route this station does not have yet (a 404 the station
//   marks as no route, NO_ROUTE_HEADER) is `unsupported`, so the UI can degrade instead of failing.
// - Every call goes by its route in the API table (shared/api-routes.ts): the URL is the route's
//   path with the arguments put where the route takes them, so no path is written here.
// - Each subscription owns one WebSocket (`GET /api/events?access_token=`: browsers cannot set
//   headers on a WebSocket). The station sends a snapshot first, then changes with consecutive
//   `seq`s. A change whose seq is not the next one means an update was missed: the socket is
//   dropped and opened again at once, which brings a fresh snapshot (a re-snapshot). `levels`
//   events carry no seq and pass straight through.
// - A socket that closes is reopened with exponential backoff (with jitter, capped); the backoff
//   starts over once a snapshot arrives.
// - While a subscription exists but none of its sockets is open (start-up, the station restarting),
//   calls wait in a queue and are sent once a socket opens. A queued call that waits longer than
//   `queueTimeoutMs` fails with `unavailable` and is never sent later: a command held back for
//   minutes (an emergency!) must not reach the air by surprise.
import {
  type ApiErrorDto,
  NO_ROUTE_HEADER,
  type StationHealthDto,
  type StationSnapshotDto,
  type ViewerAttachDto,
  type StationEvent
} from '../../../shared/api'
import { API_ROUTES, requestOf, routeOfCall, routePath } from '../../../shared/api-routes'
import { describeIssues } from '../../../shared/issues'
import {
  STATION_API_ARGS,
  STATION_API_METHODS,
  StationApiError,
  type StationApi,
  type StationApiMethod,
  type StationEventListener
} from '../../../shared/station-api'
import type { ConnectionListener, ConnectionState, ConnectionAware } from './connection'
import {
  DEFAULT_BACKOFF,
  EventStream,
  type BackoffOptions,
  type StreamHost,
  type Timers,
  type WebSocketLike
} from './event-stream'

export {
  backoffDelay,
  DEFAULT_BACKOFF,
  type BackoffOptions,
  type Timers,
  type WebSocketLike
} from './event-stream'

export interface HttpTransportOptions {
  /** The station's address, e.g. `http://127.0.0.1:8787` (the page's origin in a browser). */
  baseUrl: string
  token: string
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  webSocket?: (url: string) => WebSocketLike
  timers?: Timers
  random?: () => number
  backoff?: Partial<BackoffOptions>
  /** How long a call waits for a connection before failing with `unavailable` (default 10 s). */
  queueTimeoutMs?: number
}

const DEFAULT_QUEUE_TIMEOUT_MS = 10_000
/** A one-shot snapshot gives up after this long without its first message. */
const SNAPSHOT_TIMEOUT_MS = 10_000

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err))

interface QueuedCall {
  send: () => void
  timer: unknown
}

/** The calls the table answers, each made by `call` (assigned in the constructor from the contract's list). */
type TableCalls = Omit<StationApi, 'snapshot' | 'health' | 'attachPreview' | 'subscribe'>
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the calls are assigned in the constructor, one per method of the contract
export interface HttpStationApi extends TableCalls {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see above
export class HttpStationApi implements StationApi, ConnectionAware, StreamHost {
  readonly backoff: BackoffOptions
  readonly timers: Timers
  readonly random: () => number
  private readonly base: string
  private readonly fetchImpl: (url: string, init: RequestInit) => Promise<Response>
  private readonly socketImpl: (url: string) => WebSocketLike
  private readonly queueTimeoutMs: number
  private readonly streams = new Set<EventStream>()
  private queue: QueuedCall[] = []
  private readonly connectionListeners = new Set<ConnectionListener>()
  private connection: ConnectionState = { status: 'idle', retryInMs: null, resyncs: 0 }

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '')
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init))
    this.socketImpl = options.webSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike)
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
    }
    this.random = options.random ?? Math.random
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS
    const self = this as unknown as Record<string, unknown>
    for (const method of STATION_API_METHODS)
      if (!(method in this)) self[method] = (...args: unknown[]) => this.call(method, args)
  }

  // ---- connection ----------------------------------------------------------------------------

  /** The event stream's address (ws: or wss:, token in the query). */
  eventsUrl(): string {
    const url = new URL(`${this.base}${API_ROUTES.events.path}`)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('access_token', this.options.token)
    return url.toString()
  }

  openSocket(): WebSocketLike {
    return this.socketImpl(this.eventsUrl())
  }

  /** Connected: no subscription (nothing to wait for), or one of their sockets is open. */
  private get connected(): boolean {
    if (this.streams.size === 0) return true
    for (const s of this.streams) if (s.isOpen) return true
    return false
  }

  streamChanged(extra: { retryInMs?: number } = {}): void {
    if (this.connected) this.flushQueue()
    const open = [...this.streams].some((s) => s.isOpen)
    const status: ConnectionState['status'] =
      this.streams.size === 0
        ? 'idle'
        : open
          ? 'open'
          : extra.retryInMs !== undefined
            ? 'reconnecting'
            : 'connecting'
    this.setConnection({
      ...this.connection,
      status,
      retryInMs: open ? null : (extra.retryInMs ?? null)
    })
  }

  noteResync(_lastSeq: number, _gotSeq: number): void {
    this.setConnection({ ...this.connection, resyncs: this.connection.resyncs + 1 })
  }

  private setConnection(next: ConnectionState): void {
    const prev = this.connection
    if (
      prev.status === next.status &&
      prev.retryInMs === next.retryInMs &&
      prev.resyncs === next.resyncs
    )
      return
    this.connection = next
    for (const l of [...this.connectionListeners]) l(next)
  }

  connectionState(): ConnectionState {
    return this.connection
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener)
    return () => this.connectionListeners.delete(listener)
  }

  private flushQueue(): void {
    const waiting = this.queue
    this.queue = []
    for (const q of waiting) {
      this.timers.clearTimeout(q.timer)
      q.send()
    }
  }

  /** Runs `send` now when connected, else once connected (or fails after the queue timeout). */
  private whenConnected<T>(what: string, send: () => Promise<T>): Promise<T> {
    if (this.connected) return send()
    return new Promise<T>((resolve, reject) => {
      const entry: QueuedCall = { send: () => void send().then(resolve, reject), timer: null }
      entry.timer = this.timers.setTimeout(() => {
        this.queue = this.queue.filter((q) => q !== entry)
        reject(
          new StationApiError(
            'unavailable',
            `not connected to the station for ${Math.round(this.queueTimeoutMs / 1000)} s; ${what} was not sent`
          )
        )
      }, this.queueTimeoutMs)
      this.queue.push(entry)
    })
  }

  // ---- requests ------------------------------------------------------------------------------

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    as: 'json' | 'text' = 'json'
  ): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`
    return this.whenConnected(what, async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` }
      // keepalive: a detach sent while the page unloads still reaches the station.
      const init: RequestInit = {
        method,
        headers,
        ...(method === 'DELETE' ? { keepalive: true } : {})
      }
      if (body !== undefined) {
        headers['content-type'] = 'application/json'
        init.body = JSON.stringify(body)
      }
      let res: Response
      try {
        res = await this.fetchImpl(`${this.base}${path}`, init)
      } catch (err) {
        throw new StationApiError(
          'unreachable',
          `cannot reach the station (${what}): ${describe(err)}`
        )
      }
      if (res.status === 204) return undefined as T
      let parsed: unknown
      const text = await res.text().catch(() => '')
      if (res.ok && as === 'text') return text as T
      try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined
      } catch {
        parsed = undefined
      }
      if (!res.ok) {
        const error = (parsed as Partial<ApiErrorDto> | undefined)?.error
        if (error && typeof error.code === 'string' && typeof error.message === 'string') {
          if (res.status === 404 && res.headers.get(NO_ROUTE_HEADER) === 'no_route') {
            throw new StationApiError('unsupported', `this station does not offer ${what} yet`)
          }
          throw new StationApiError(error.code, error.message)
        }
        throw new StationApiError(
          `http_${res.status}`,
          `the station answered ${res.status} to ${what}`
        )
      }
      if (parsed === undefined)
        throw new StationApiError('bad_response', `the station's answer to ${what} is not JSON`)
      return parsed as T
    })
  }

  /** A call's arguments checked with the contract's schemas; a bad one is refused here with the same words as over IPC. */
  private checkArgs(method: StationApiMethod, args: readonly unknown[]): unknown[] {
    return STATION_API_ARGS[method].map((spec, i) => {
      const value = args[i]
      if (value === undefined && spec.optional) return undefined
      const r = spec.schema.safeParse(value)
      if (r.success) return r.data
      throw new StationApiError('invalid_request', describeIssues(spec.name, r.error))
    })
  }

  /** A call by its route in the API table: arguments checked, put in the path, query and body the route takes. */
  private async call<T>(method: StationApiMethod, args: readonly unknown[]): Promise<T> {
    const checked = this.checkArgs(method, args)
    const found = routeOfCall(method, checked)
    if (!found) throw new StationApiError('unsupported', `${method} has no HTTP route`)
    const { route, format } = found
    const request = requestOf(route, checked)
    const answer = await this.request<unknown>(
      route.method,
      `${routePath(route, request.params)}${query({ ...request.query, format })}`,
      route.body ? request.body : undefined,
      format ? 'text' : 'json'
    )
    return (route.wrap && !format ? (answer as Record<string, unknown>)[route.wrap] : answer) as T
  }

  // ---- queries -------------------------------------------------------------------------------

  /** An exact snapshot: a short-lived event socket's first message. */
  async snapshot(): Promise<StationSnapshotDto> {
    return this.whenConnected('snapshot', () => this.oneSnapshot())
  }

  private oneSnapshot(): Promise<StationSnapshotDto> {
    return new Promise<StationSnapshotDto>((resolve, reject) => {
      const ws = this.openSocket()
      let done = false
      const finish = (fn: () => void) => {
        if (done) return
        done = true
        this.timers.clearTimeout(timer)
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
        try {
          ws.close(1000, 'snapshot taken')
        } catch {
          // already closed
        }
        fn()
      }
      const timer = this.timers.setTimeout(
        () =>
          finish(() =>
            reject(new StationApiError('unreachable', 'the station sent no snapshot in time'))
          ),
        SNAPSHOT_TIMEOUT_MS
      )
      ws.onmessage = (ev) => {
        try {
          const event = JSON.parse(String(ev.data)) as StationEvent
          if (event.type === 'snapshot') finish(() => resolve(event))
        } catch {
          // wait for a snapshot
        }
      }
      ws.onclose = () =>
        finish(() =>
          reject(
            new StationApiError(
              'unreachable',
              'the station closed the event stream before sending a snapshot'
            )
          )
        )
      ws.onerror = () => undefined
    })
  }

  async health(): Promise<StationHealthDto> {
    const h = await this.call<StationHealthDto>('health', [])
    // The open health route adds station time and mode for monitors; the contract's shape is the counts.
    return {
      status: h.status,
      channels: h.channels,
      producersRunning: h.producersRunning,
      producerBudget: h.producerBudget,
      producerBudgetUsed: h.producerBudgetUsed,
      viewers: h.viewers,
      previews: h.previews,
      failedChannels: h.failedChannels
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /** A preview session: the API's attach with purpose `preview` (the console's own session, never counted as a viewer). */
  async attachPreview(uuid: string): Promise<ViewerAttachDto> {
    const [checked] = this.checkArgs('attachPreview', [uuid]) as [string]
    const route = API_ROUTES.attach
    const attached = await this.request<ViewerAttachDto>(
      route.method,
      routePath(route, { uuid: checked }),
      { purpose: 'preview', client: { app: 'retrovue-console' } }
    )
    // Stream addresses are relative to the station; the player may live on another origin.
    return { ...attached, streamUrl: new URL(attached.streamUrl, `${this.base}/`).toString() }
  }

  // ---- events --------------------------------------------------------------------------------

  subscribe(listener: StationEventListener): () => void {
    const stream = new EventStream(this, listener)
    this.streams.add(stream)
    this.streamChanged()
    stream.connect()
    return () => {
      if (!this.streams.delete(stream)) return
      stream.close()
      this.streamChanged()
    }
  }
}

function query(params: Record<string, unknown>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
