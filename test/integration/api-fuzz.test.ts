// Property-based fuzzing of the whole HTTP app (Fastify inject): random methods, spellings of every
// route of the API table and every route the app registered (read from the app, so a new route is
// covered without editing this file, and one registered outside the table too),
// headers, query strings and bodies. For every request: no 5xx, every error in the API's shape,
// and a refused request changes nothing (mode, sessions, channels, audit log, alarms).
//
// RETROVUE_FUZZ_RUNS=N for more requests, RETROVUE_FUZZ_SEED=S to replay a failing run.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_ROUTES } from '../../src/shared/api-routes'
import { type HttpEnv, httpEnv } from '../helpers/http-env'

const RUNS = Number(process.env['RETROVUE_FUZZ_RUNS'] ?? 2000)
const SEED = process.env['RETROVUE_FUZZ_SEED']
  ? Number(process.env['RETROVUE_FUZZ_SEED'])
  : Math.floor(Math.random() * 2 ** 31)

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

// Placeholders resolved when the request runs, against the station as it is then.
const REAL = {
  uuid: '{uuid}',
  sessionId: '{session}',
  producerId: '{producer}',
  file: 'seg-00001.ts',
  channel: '1',
  id: '{output}'
} as Record<string, string>
const BOGUS = [
  'x',
  '00000000-0000-4000-8000-000000000000',
  'A'.repeat(101),
  'A'.repeat(10_000),
  '%ff',
  '%c3%28',
  '..',
  '%2e%2e',
  '%2F',
  'ü',
  '%00',
  'seg-99999.ts',
  'index.m3u8'
]

/** A route's pattern with its params filled by real or bogus values. */
const routePath = (pattern: string) => {
  const params = pattern.match(/:\w+/g) ?? []
  return fc
    .tuple(
      ...params.map((p) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(REAL[p.slice(1)] ?? 'x') },
          fc.constantFrom(...BOGUS),
          fc.string({ maxLength: 20 })
        )
      )
    )
    .map((values) =>
      params.reduce(
        (url, p, i) => url.replace(p, values[i] === '' ? 'x' : values[i]!),
        pattern.replace(/\*$/, 'index.html')
      )
    )
}

/** Other spellings of a path: percent-encoding, case, doubled slashes, dot segments, `;` params, trailing slash. */
const spelling = (path: string) =>
  fc
    .subarray(
      [
        'encode',
        'upper',
        'double',
        'dot',
        'dotdot',
        'semicolon',
        'trailing',
        'encodedSlash'
      ] as const,
      { maxLength: 3 }
    )
    .chain((edits) =>
      fc.tuple(
        fc.constant(edits),
        fc.array(fc.nat(), { minLength: edits.length, maxLength: edits.length })
      )
    )
    .map(([edits, positions]) =>
      edits.reduce((p, edit, i) => {
        const at = 1 + ((positions[i] ?? 0) % Math.max(1, p.length - 1))
        const slash = p.indexOf('/', at) < 0 ? p.length : p.indexOf('/', at)
        switch (edit) {
          case 'encode':
            return /[a-z0-9.-]/i.test(p[at] ?? '')
              ? `${p.slice(0, at)}%${p.charCodeAt(at).toString(16)}${p.slice(at + 1)}`
              : p
          case 'upper':
            return p.slice(0, at) + p.slice(at, slash).toUpperCase() + p.slice(slash)
          case 'double':
            return p.replace('/', '//')
          case 'dot':
            return `${p.slice(0, slash)}/.${p.slice(slash)}`
          case 'dotdot':
            return `${p.slice(0, slash)}/x/..${p.slice(slash)}`
          case 'semicolon':
            return `${p.slice(0, slash)};x=1${p.slice(slash)}`
          case 'trailing':
            return `${p}/`
          case 'encodedSlash':
            return p.replace(/\/(?=[^/]*$)/, '%2F')
        }
        return p
      }, path)
    )

const queryValue = fc.oneof(
  fc.constantFrom(
    '2026-11-25T12:00:00Z',
    '2026-11-26T06:00:00%2B09:00',
    'noon',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '2026-11-26T06:00:00%2B25:00',
    '{token}',
    '%ff',
    ''
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constant('x'.repeat(10_000))
)
const query = fc.option(
  fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('from', 'to', 'at', 'access_token', '__proto__', 'constructor', 'x'),
        fc.string({ maxLength: 8 }).map(encodeURIComponent)
      ),
      queryValue
    ),
    { maxLength: 3 }
  ),
  { nil: undefined }
)

const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`
const body = fc.option(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(
          { message: 'Fuzz', scope: 'crawl' },
          { message: 'Fuzz', scope: 'takeover' },
          { purpose: 'viewer' },
          { purpose: 'preview', client: { app: 'fuzz' } },
          { desk: 'Fuzz desk' },
          { message: 'Fuzz', scope: 'crawl', desk: 'Fuzz desk' },
          {}
        )
        .map((b) => JSON.stringify(b))
    },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 2,
      arbitrary: fc
        .record({ message: fc.anything({ maxDepth: 1 }), scope: fc.anything({ maxDepth: 1 }) })
        .map((v) => JSON.stringify(v) ?? '{}')
    },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 3000 }).map(nested) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((a) =>
          Buffer.concat([
            Buffer.from('{"message":"'),
            Buffer.from(a),
            Buffer.from([0xff, 0xfe]),
            Buffer.from('","scope":"crawl"}')
          ])
        )
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.constant(JSON.stringify({ message: 'x'.repeat(1_100_000), scope: 'crawl' }))
    }
  ),
  { nil: undefined }
)

/** The arbitrary's value, or no value at all, in the given proportion. */
const maybe = <T>(arb: fc.Arbitrary<T>, [present, absent]: [number, number]) =>
  fc.oneof(
    { weight: absent, arbitrary: fc.constant(undefined) },
    { weight: present, arbitrary: arb }
  )

// Mostly a well-behaved client, so that requests get past the gates to the routes' own checks.
const headers = fc
  .record({
    authorization: maybe(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('Bearer {token}') },
        fc.constantFrom(
          'bearer {token}',
          'Bearer {token}x',
          'Bearer ',
          'Basic {token}',
          'Bearer wrong',
          '{token}'
        )
      ),
      [7, 1]
    ),
    host: maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('{host}', 'localhost:{port}', '[::1]:{port}') },
        fc.constantFrom('evil.example', 'evil.example:{port}', 'localhost:1')
      ),
      [10, 1]
    ),
    origin: maybe(
      fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom('http://{host}', 'retrovue://console') },
        fc.constantFrom('http://evil.example', 'null', 'http://localhost:1')
      ),
      [1, 2]
    ),
    'content-type': maybe(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8')
        },
        fc.constantFrom(
          'application/json; charset=utf-16',
          'application/json;charset=latin1',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/jsonx',
          '*/*'
        )
      ),
      [3, 1]
    ),
    upgrade: maybe(fc.constant('websocket'), [1, 15])
  })
  .map(
    (h) =>
      Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >
  )

const parseOrText = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

describe('HTTP fuzz', () => {
  let env: HttpEnv
  let routes: Array<{ method: string; url: string }>
  const sql = <T>(q: string) => env.station.store.db.prepare(q).all() as T[]

  beforeAll(async () => {
    env = await httpEnv()
    // The table's routes and Fastify's own list, once each.
    const all = [
      ...Object.values(API_ROUTES).map((r) => ({ method: r.method, url: r.path })),
      ...env.app.routeTable()
    ]
    routes = [
      ...new Map(
        all.map((r) => [`${r.method} ${r.url}`, { method: r.method, url: r.url }])
      ).values()
    ]
    // A live viewer, so stream and session routes have real ids to be called with.
    await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[0]}/viewers`,
      headers: {
        authorization: `Bearer ${env.token}`,
        host: env.host,
        'content-type': 'application/json'
      },
      payload: '{}'
    })
    // A push output (off; its destination refuses), so output routes have a real id too.
    await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[1]}/outputs`,
      headers: {
        authorization: `Bearer ${env.token}`,
        host: env.host,
        'content-type': 'application/json'
      },
      payload: JSON.stringify({ url: 'rtmp://127.0.0.1:1/live/fuzz-key', enabled: false })
    })
  })
  afterAll(() => env.close())

  const settle = () =>
    Promise.all(env.station.director.channelManagers().map((cm) => cm.whenIdle()))

  /** Everything a refused request must leave alone. */
  const snapshot = async () => {
    const get = (url: string) =>
      env.app
        .inject({ url, headers: { authorization: `Bearer ${env.token}`, host: env.host } })
        .then((r) => r.json() as unknown)
    return {
      mode: await get('/api/mode'),
      system: env.station.store.system.get(),
      channels: await get('/api/channels'),
      channelRows: sql('SELECT * FROM channels ORDER BY id'),
      sessions: sql('SELECT session_id, ended_at, end_reason FROM viewer_sessions ORDER BY id'),
      outputs: sql('SELECT output_id, channel_id, url, enabled FROM channel_outputs ORDER BY id'),
      audit: sql('SELECT count(*) AS n FROM audit_log'),
      alarms: env.station.director.alarms.dtos()
    }
  }

  /** Fills the placeholders with the station's current ids. */
  const resolve = (text: string) => {
    const session = sql<{ session_id: string; uuid: string }>(
      'SELECT s.session_id, c.uuid FROM viewer_sessions s JOIN channels c ON c.id = s.channel_id WHERE s.ended_at IS NULL ORDER BY s.id DESC LIMIT 1'
    )[0]
    const producer = session
      ? env.station.director.channelOutput(session.uuid)?.producerId
      : undefined
    const port = env.host.split(':').pop()!
    return text
      .replaceAll('{token}', env.token)
      .replaceAll('{host}', env.host)
      .replaceAll('{port}', port)
      .replaceAll('{uuid}', session?.uuid ?? env.uuids[0]!)
      .replaceAll('{session}', session?.session_id ?? 'no-live-session-0000')
      .replaceAll('{producer}', producer ?? 'no-producer')
      .replaceAll(
        '{output}',
        sql<{ output_id: string }>('SELECT output_id FROM channel_outputs ORDER BY id LIMIT 1')[0]
          ?.output_id ?? 'no-output'
      )
  }

  it(`survives ${RUNS} random requests: no 5xx, errors in shape, refusals change nothing`, async () => {
    const request = fc
      .oneof(
        {
          weight: 9,
          arbitrary: fc
            .constantFrom(...routes)
            .chain((r) =>
              fc.tuple(
                fc.oneof(
                  { weight: 3, arbitrary: fc.constant(r.method) },
                  fc.constantFrom(...METHODS)
                ),
                routePath(r.url)
              )
            )
        },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.webPath()) }
      )
      .chain(([method, path]) =>
        fc.record({
          method: fc.constant(method),
          path: spelling(path.startsWith('/') ? path : `/${path}`),
          query,
          headers,
          body
        })
      )

    let count = 0
    const started = performance.now()
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        count++
        const qs = r.query?.length ? `?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''
        const url = resolve(r.path + qs)
        const hdrs = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, resolve(v)]))
        await settle()
        const before = await snapshot()
        const res = await env.app.inject({
          method: r.method,
          url,
          headers: hdrs,
          payload:
            r.body === undefined ? undefined : typeof r.body === 'string' ? resolve(r.body) : r.body
        })
        await settle()
        const what = `${r.method} ${url.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`
        expect(res.statusCode, what).toBeLessThan(500)
        if (res.statusCode >= 400) {
          if (r.method !== 'HEAD')
            expect(parseOrText(res.body), what).toEqual({
              error: { code: expect.any(String), message: expect.any(String) }
            })
          expect(await snapshot(), what).toEqual(before)
        }
        // A channel the fuzz deleted comes back (its station file imported again), so the routes
        // keep real channels to be called with.
        const live = new Set(env.station.director.channelManagers().map((cm) => cm.uuid))
        if (!env.uuids.every((u) => live.has(u))) {
          await env.station.importStationFile(env.stationFile)
          await settle()
        }
        // Keep the station's state from drifting far: leave emergencies cleared now and then.
        if (env.station.store.system.get().globalMode === 'emergency' && count % 7 === 0) {
          await env.app.inject({
            method: 'DELETE',
            url: '/api/emergency',
            headers: { authorization: `Bearer ${env.token}`, host: env.host }
          })
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true }
    )
    const seconds = (performance.now() - started) / 1000
    expect(count).toBeGreaterThanOrEqual(RUNS)
    console.info(`fuzz: ${count} requests in ${seconds.toFixed(1)} s (seed ${SEED})`)
  }, 300_000)

  it('covers every registered route', () => {
    // The fuzz draws from this table; it must hold the whole API (a sanity check on the enumeration).
    const urls = new Set(routes.map((r) => `${r.method} ${r.url}`))
    for (const r of [
      'GET /api/health',
      'GET /api/channels/:uuid/schedule',
      'POST /api/emergency',
      'DELETE /api/viewers/:sessionId',
      'GET /streams/:sessionId/index.m3u8',
      'GET /api/events',
      'POST /api/channels/:uuid/logo',
      'DELETE /api/channels/:uuid/logo',
      'GET /api/loudness',
      'PUT /api/loudness',
      'GET /metrics'
    ]) {
      expect(urls).toContain(r)
    }
    // Every route of the table is registered, with the table's access; every /api route registered is in the table.
    const registered = env.app.routeTable()
    for (const r of Object.values(API_ROUTES)) {
      expect(
        registered.find((x) => x.method === r.method && x.url === r.path)?.access,
        `${r.method} ${r.path}`
      ).toBe('access' in r ? r.access : 'token')
    }
    const declared = new Set(Object.values(API_ROUTES).map((r) => `${r.method} ${r.path}`))
    expect(
      registered.filter(
        (r) =>
          r.url.startsWith('/api') && r.method !== 'HEAD' && !declared.has(`${r.method} ${r.url}`)
      )
    ).toEqual([])
  })
})
