// The console's browser transport (StationApi over HTTP + the event WebSocket) against a fake
// WebSocket, a fake fetch and hand-driven timers: routes, errors, seq-gap re-snapshots, reconnect
// backoff and the call queue.
import { beforeEach, describe, expect, it } from 'vitest'
import {
  EVENT_HEARTBEAT_MS,
  EVENT_SILENCE_MS,
  NO_ROUTE_HEADER,
  type ChannelStatusDto,
  type StationEvent
} from '../../src/shared/api'
import { StationApiError, STATION_API_METHODS } from '../../src/shared/station-api'
import { CONNECT_TIMEOUT_MS } from '../../src/renderer/src/transport/event-stream'
import {
  backoffDelay,
  HttpStationApi,
  type Timers,
  type WebSocketLike
} from '../../src/renderer/src/transport/http'
import { chooseTransport, isStationApi } from '../../src/renderer/src/transport/select'
import { takeApiToken, TOKEN_KEY } from '../../src/renderer/src/transport/token'

const BASE = 'http://station.test:8787'
const UUID = '0042fb7f-48f5-4296-853e-1fca26dce19b'

class FakeSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null
  onmessage: WebSocketLike['onmessage'] = null
  onclose: WebSocketLike['onclose'] = null
  onerror: WebSocketLike['onerror'] = null
  closedWith: number | null = null
  constructor(readonly url: string) {}
  close(code = 1000): void {
    this.closedWith = code
  }
  // what the station does
  open(): void {
    this.onopen?.({})
  }
  send(event: unknown): void {
    this.onmessage?.({ data: JSON.stringify(event) })
  }
  drop(): void {
    this.onclose?.({ code: 1006 })
  }
}

class ManualTimers implements Timers {
  now = 0
  private seq = 0
  private pending = new Map<number, { at: number; fn: () => void }>()
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.pending.set(id, { at: this.now + ms, fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }
  /** Delays of the timers waiting now. */
  waiting(): number[] {
    return [...this.pending.values()].map((t) => t.at - this.now)
  }
  advance(ms: number): void {
    const until = this.now + ms
    for (;;) {
      const next = [...this.pending.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (!next) break
      this.pending.delete(next[0])
      this.now = next[1].at
      next[1].fn()
    }
    this.now = until
  }
}

interface Call {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const flush = () => new Promise((r) => setTimeout(r, 0))

const snapshot = (seq: number, extra: Partial<StationEvent> = {}): StationEvent =>
  ({
    type: 'snapshot',
    seq,
    stationTime: '2026-11-26T12:00:00.000Z',
    mode: { mode: 'normal', emergency: null },
    health: {
      status: 'ok',
      channels: 0,
      producersRunning: 0,
      producerBudget: 4,
      viewers: 0,
      previews: 0,
      failedChannels: 0
    },
    alarms: [],
    channels: [],
    ...extra
  }) as StationEvent
const changes = (seq: number): StationEvent =>
  ({ ...(snapshot(seq) as object), type: 'changes' }) as StationEvent

describe('HTTP StationApi transport', () => {
  let sockets: FakeSocket[]
  let calls: Call[]
  let reply: (call: Call) => Response | Promise<Response>
  let timers: ManualTimers
  let api: HttpStationApi

  beforeEach(() => {
    sockets = []
    calls = []
    timers = new ManualTimers()
    reply = () => json(200, { mode: 'normal', emergency: null })
    api = new HttpStationApi({
      baseUrl: `${BASE}/`,
      token: 'sekrit',
      timers,
      random: () => 0,
      fetch: async (url, init) => {
        const call = {
          url,
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined
        }
        calls.push(call)
        return reply(call)
      },
      webSocket: (url) => {
        const s = new FakeSocket(url)
        sockets.push(s)
        return s
      }
    })
  })

  it('subscribes with the token in the query, then delivers the snapshot, consecutive changes, levels and the library', () => {
    const got: StationEvent[] = []
    api.subscribe((e) => got.push(e))
    expect(sockets).toHaveLength(1)
    expect(sockets[0]!.url).toBe('ws://station.test:8787/api/events?access_token=sekrit')
    expect(api.connectionState().status).toBe('connecting')
    sockets[0]!.open()
    expect(api.connectionState().status).toBe('open')
    sockets[0]!.send(snapshot(5))
    sockets[0]!.send(changes(6))
    sockets[0]!.send({
      type: 'levels',
      stationTime: '2026-11-26T12:00:00.100Z',
      channels: [{ uuid: UUID, peak: [-3, -4], rms: [-20, -21] }]
    })
    sockets[0]!.send({
      type: 'library',
      stationTime: '2026-11-26T12:00:00.200Z',
      folders: [],
      jobs: []
    })
    sockets[0]!.send(changes(7))
    sockets[0]!.send(changes(7)) // a duplicate is dropped
    sockets[0]!.send('not json at all')
    expect(got.map((e) => `${e.type}${'seq' in e ? e.seq : ''}`)).toEqual([
      'snapshot5',
      'changes6',
      'levels',
      'library',
      'changes7'
    ])
  })

  it('takes a fresh snapshot when a seq is missed, without waiting', () => {
    const got: StationEvent[] = []
    api.subscribe((e) => got.push(e))
    const first = sockets[0]!
    first.open()
    first.send(snapshot(5))
    first.send(changes(6))
    first.send(changes(8)) // 7 went missing
    expect(first.closedWith).toBe(4000)
    expect(sockets).toHaveLength(2) // reopened at once: no backoff, only the new socket's connect watchdog
    expect(timers.waiting()).toEqual([CONNECT_TIMEOUT_MS])
    expect(api.connectionState().resyncs).toBe(1)
    // Anything the old socket still says is ignored.
    first.send(changes(9))
    const second = sockets[1]!
    second.open()
    second.send(changes(9)) // before the snapshot: ignored
    second.send(snapshot(9))
    second.send(changes(10))
    expect(got.map((e) => `${e.type}${'seq' in e ? e.seq : ''}`)).toEqual([
      'snapshot5',
      'changes6',
      'snapshot9',
      'changes10'
    ])
  })

  it('reconnects with exponential backoff up to a cap, and starts over once a snapshot arrives', () => {
    api.subscribe(() => undefined)
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      sockets[sockets.length - 1]!.drop()
      expect(api.connectionState().status).toBe('reconnecting')
      const [delay] = timers.waiting()
      delays.push(delay!)
      expect(api.connectionState().retryInMs).toBe(delay)
      const before = sockets.length
      timers.advance(delay! - 1)
      expect(sockets).toHaveLength(before)
      timers.advance(1)
      expect(sockets).toHaveLength(before + 1)
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000])
    const s = sockets[sockets.length - 1]!
    s.open()
    s.send(snapshot(1))
    s.drop()
    expect(timers.waiting()).toEqual([500])
  })

  it('takes a socket silent for EVENT_SILENCE_MS for a station that stopped answering; heartbeats keep it open', () => {
    api.subscribe(() => undefined)
    const s = sockets[0]!
    s.open()
    s.send(snapshot(1))
    // The station beats while it has nothing to say: the stream stays open however long that lasts.
    for (let i = 0; i < 20; i++) {
      timers.advance(EVENT_HEARTBEAT_MS)
      s.send({ type: 'heartbeat' })
    }
    expect(api.connectionState().status).toBe('open')
    // Then silence (a hung station, a machine gone without closing the connection).
    timers.advance(EVENT_SILENCE_MS - 1)
    expect(api.connectionState().status).toBe('open')
    timers.advance(1)
    expect(api.connectionState().status).toBe('reconnecting')
    expect(s.closedWith).toBe(4001)
    // A reconnect that never opens (the station accepts but does not answer) is given up too.
    timers.advance(timers.waiting()[0]!)
    expect(sockets).toHaveLength(2)
    timers.advance(CONNECT_TIMEOUT_MS)
    expect(sockets[1]!.closedWith).toBe(4001)
    expect(api.connectionState().status).toBe('reconnecting')
    timers.advance(timers.waiting()[0]!)
    sockets[2]!.open()
    sockets[2]!.send(snapshot(5))
    expect(api.connectionState().status).toBe('open')
  })

  it('jitters reconnect delays downwards by at most the jitter fraction', () => {
    const opts = { initialMs: 500, maxMs: 10_000, jitter: 0.2 }
    expect(backoffDelay(0, opts, () => 0)).toBe(500)
    expect(backoffDelay(0, opts, () => 1)).toBe(400)
    expect(backoffDelay(40, opts, () => 0.5)).toBe(9000)
  })

  it('stops for good when unsubscribed', () => {
    const unsubscribe = api.subscribe(() => undefined)
    sockets[0]!.drop()
    expect(timers.waiting()).toHaveLength(1)
    unsubscribe()
    expect(timers.waiting()).toEqual([])
    timers.advance(60_000)
    expect(sockets).toHaveLength(1)
    expect(api.connectionState().status).toBe('idle')

    const again = api.subscribe(() => undefined)
    sockets[1]!.open()
    again()
    expect(sockets[1]!.closedWith).toBe(1000)
  })

  it('queues calls until a socket is open, then sends them with the bearer token', async () => {
    api.subscribe(() => undefined)
    const mode = api.mode()
    const reset = api.resetChannel(UUID)
    await flush()
    expect(calls).toEqual([])
    sockets[0]!.open()
    await expect(mode).resolves.toEqual({ mode: 'normal', emergency: null })
    await reset
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `GET ${BASE}/api/mode`,
      `POST ${BASE}/api/channels/${UUID}/reset`
    ])
    expect(calls[0]!.headers['authorization']).toBe('Bearer sekrit')
    // Connected: straight out.
    await api.mode()
    expect(calls).toHaveLength(3)
    // Lost again: queued again.
    sockets[0]!.drop()
    const later = api.mode()
    await flush()
    expect(calls).toHaveLength(3)
    timers.advance(500)
    sockets[1]!.open()
    await later
    expect(calls).toHaveLength(4)
  })

  it('fails a queued call with `unavailable` after the queue timeout and never sends it later', async () => {
    api.subscribe(() => undefined)
    const fire = api.activateEmergency({ message: 'Take shelter', scope: 'takeover' })
    timers.advance(9_999)
    await flush()
    expect(calls).toEqual([])
    timers.advance(1)
    await expect(fire).rejects.toMatchObject({ name: 'StationApiError', code: 'unavailable' })
    sockets[0]!.drop()
    timers.advance(500)
    sockets[1]!.open()
    await flush()
    expect(calls).toEqual([])
  })

  it('sends calls at once when nothing is subscribed', async () => {
    await api.mode()
    expect(calls).toHaveLength(1)
  })

  it('maps every StationApi method to its route', async () => {
    const channel = { uuid: UUID } as ChannelStatusDto
    const cases: Array<[() => Promise<unknown>, string, unknown?]> = [
      [() => api.channel(UUID), `GET ${BASE}/api/channels/${UUID}`],
      [
        () => api.schedule(UUID, { from: '2026-11-26T12:00:00Z', to: '2026-11-26T18:00:00Z' }),
        `GET ${BASE}/api/channels/${UUID}/schedule?from=2026-11-26T12%3A00%3A00Z&to=2026-11-26T18%3A00%3A00Z`
      ],
      [() => api.schedule(UUID), `GET ${BASE}/api/channels/${UUID}/schedule`],
      [
        () => api.broadcastDay(UUID, '2026-11-26T12:00:00Z'),
        `GET ${BASE}/api/channels/${UUID}/broadcast-day?at=2026-11-26T12%3A00%3A00Z`
      ],
      [() => api.mode(), `GET ${BASE}/api/mode`],
      [() => api.health(), `GET ${BASE}/api/health`],
      [
        () => api.alarms({ channel: UUID, from: '2026-11-25T12:00:00Z' }),
        `GET ${BASE}/api/alarms?from=2026-11-25T12%3A00%3A00Z&channel=${UUID}`
      ],
      [
        () => api.attachPreview(UUID),
        `POST ${BASE}/api/channels/${UUID}/viewers`,
        { purpose: 'preview', client: { app: 'retrovue-console' } }
      ],
      [
        () => api.detachPreview('abcdefghijklmnop1234'),
        `DELETE ${BASE}/api/viewers/abcdefghijklmnop1234`
      ],
      [
        () => api.previewEmergency({ message: ' Take shelter ', scope: 'takeover' }),
        `POST ${BASE}/api/emergency/preview`,
        { message: 'Take shelter', scope: 'takeover' }
      ],
      [
        () => api.activateEmergency({ message: '  Take shelter  ', scope: 'crawl' }),
        `POST ${BASE}/api/emergency`,
        { message: 'Take shelter', scope: 'crawl' }
      ],
      [() => api.clearEmergency(), `DELETE ${BASE}/api/emergency`],
      [() => api.resetChannel(UUID), `POST ${BASE}/api/channels/${UUID}/reset`],
      [() => api.acknowledgeAlarm('failed'), `POST ${BASE}/api/alarms/failed/acknowledge`],
      [
        () => api.asRun({ channel: UUID, day: '2026-11-25' }),
        `GET ${BASE}/api/asrun?channel=${UUID}&day=2026-11-25`
      ],
      [() => api.asRunCsv({ channel: UUID }), `GET ${BASE}/api/asrun?channel=${UUID}&format=csv`],
      [
        () => api.asRunReconcile({ channel: UUID }),
        `GET ${BASE}/api/asrun/reconcile?channel=${UUID}`
      ]
    ]
    reply = (call) =>
      call.url.endsWith('/viewers')
        ? json(201, {
            sessionId: 'abcdefghijklmnop1234',
            streamUrl: '/streams/abcdefghijklmnop1234/index.m3u8',
            channelUuid: UUID,
            purpose: 'preview'
          })
        : call.method === 'DELETE' && call.url.includes('/viewers/')
          ? new Response(null, { status: 204 })
          : json(200, {
              ...channel,
              days: [],
              status: 'ok',
              channels: 1,
              producersRunning: 1,
              producerBudget: 4,
              producerBudgetUsed: 1,
              viewers: 0,
              previews: 1,
              failedChannels: 0,
              stationTime: 'x',
              mode: 'normal'
            })
    for (const [call, route, body] of cases) {
      const before = calls.length
      await call()
      expect(calls.length, route).toBe(before + 1)
      const c = calls[calls.length - 1]!
      expect(`${c.method} ${c.url}`).toBe(route)
      expect(c.body, route).toEqual(body)
    }
    // Stream addresses come back absolute; health comes back as the contract's counts only.
    expect((await api.attachPreview(UUID)).streamUrl).toBe(
      `${BASE}/streams/abcdefghijklmnop1234/index.m3u8`
    )
    expect(Object.keys(await api.health()).sort()).toEqual([
      'channels',
      'failedChannels',
      'previews',
      'producerBudget',
      'producerBudgetUsed',
      'producersRunning',
      'status',
      'viewers'
    ])
  })

  it('turns error bodies into StationApiErrors with their code', async () => {
    reply = () =>
      json(409, {
        error: {
          code: 'switch_refused',
          message: `channel "Two" (${UUID}) refused the switch: boom; no channel was switched`
        }
      })
    const err = await api
      .activateEmergency({ message: 'x', scope: 'takeover' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StationApiError)
    expect(err).toMatchObject({ code: 'switch_refused', message: expect.stringContaining('"Two"') })

    reply = () => {
      const res = json(404, {
        error: { code: 'not_found', message: 'no route for POST /api/alarms/a/acknowledge' }
      })
      res.headers.set(NO_ROUTE_HEADER, 'no_route')
      return res
    }
    await expect(api.acknowledgeAlarm('a')).rejects.toMatchObject({ code: 'unsupported' })
    reply = () =>
      json(404, { error: { code: 'not_found', message: `no channel with uuid ${UUID}` } })
    await expect(api.channel(UUID)).rejects.toMatchObject({ code: 'not_found' })
    reply = () => new Response('<html>bad gateway</html>', { status: 502 })
    await expect(api.mode()).rejects.toMatchObject({ code: 'http_502' })
    reply = () => {
      throw new TypeError('Failed to fetch')
    }
    await expect(api.mode()).rejects.toMatchObject({ code: 'unreachable' })
  })

  it('refuses an invalid request itself, sending nothing', async () => {
    await expect(api.activateEmergency({ message: '   ', scope: 'crawl' })).rejects.toMatchObject({
      code: 'invalid_request',
      message: /body.message/
    })
    await expect(
      api.activateEmergency({ message: 'x', scope: 'everything' as 'crawl' })
    ).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(api.channel('../../etc/passwd')).rejects.toMatchObject({ code: 'invalid_request' })
    expect(calls).toEqual([])
  })

  it('reads one exact snapshot from a short-lived socket', async () => {
    const taken = api.snapshot()
    const s = sockets[0]!
    s.open()
    s.send(snapshot(42))
    await expect(taken).resolves.toMatchObject({ type: 'snapshot', seq: 42 })
    expect(s.closedWith).toBe(1000)

    const refused = api.snapshot()
    sockets[1]!.drop()
    await expect(refused).rejects.toMatchObject({ code: 'unreachable' })
  })
})

describe('choosing a transport', () => {
  const storage = () => {
    const m = new Map<string, string>()
    return {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v)
    }
  }
  const host = (hash: string, extra: object = {}) => {
    const replaced: string[] = []
    return {
      location: { hash, pathname: '/', search: '', origin: 'http://127.0.0.1:8787' },
      history: {
        replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url ?? '')
      },
      sessionStorage: storage(),
      replaced,
      ...extra
    }
  }

  it('takes the token from the fragment, removes it from the address and keeps it for this tab', () => {
    const w = host('#token=abc123')
    expect(takeApiToken(w)).toBe('abc123')
    expect(w.replaced).toEqual(['/'])
    expect(w.sessionStorage.getItem(TOKEN_KEY)).toBe('abc123')
    w.location.hash = ''
    expect(takeApiToken(w)).toBe('abc123')
  })

  it('uses the preload’s StationApi when there is one, else HTTP, else says what is missing', () => {
    const methods = [...STATION_API_METHODS, 'subscribe']
    const ipc = Object.fromEntries(methods.map((m) => [m, () => undefined]))
    expect(isStationApi(ipc)).toBe(true)
    expect(chooseTransport(host('', { retrovue: ipc })).kind).toBe('ipc')
    expect(chooseTransport(host('', { retrovue: { mode: () => undefined } }))).toMatchObject({
      kind: 'none',
      problem: /incomplete/
    })
    expect(chooseTransport(host('#token=t'))).toMatchObject({ kind: 'http' })
    expect(chooseTransport(host(''))).toMatchObject({ kind: 'none', problem: /No API token/ })
  })
})
