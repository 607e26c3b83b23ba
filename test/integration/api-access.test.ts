// Who may do what over HTTP: access decided on the matched route, Origin and Host checks, the
// token only where a browser cannot send a header, and no secret in any log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { StationEvent, ViewerAttachDto } from '../../src/shared/api'
import { tokenMatches } from '../../src/server/access'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { captureLogs } from '../helpers/log-capture'

describe('HTTP access control', () => {
  let env: HttpEnv
  const { logger, lines: logLines } = captureLogs()
  const auth = () => ({ authorization: `Bearer ${env.token}`, host: env.host })
  const mode = () => env.station.store.system.get().globalMode
  const emergency = { message: 'Test', scope: 'crawl' }

  beforeAll(async () => {
    // Everything the engine logs, at every level, goes to memory for the last test.
    env = await httpEnv({ logger })
  })
  afterAll(() => env.close())

  it.each([
    ['GET', '/%61pi/channels'],
    ['POST', '/%61pi/emergency'],
    ['POST', '/api/%65mergency'],
    ['GET', '//api/mode'],
    ['GET', '/API/mode'],
    ['POST', '/API/EMERGENCY'],
    ['GET', '/api/./mode'],
    ['GET', '/api/x/../mode'],
    ['GET', '/api/mode;x=1'],
    ['POST', '/api/emergency;x=1'],
    ['GET', '/api//mode'],
    ['GET', '/api/mode/'],
    ['GET', '/%2Fapi/mode'],
    ['GET', '/api%2Fmode'],
    ['GET', '/api/channels/'],
    ['DELETE', '/%61pi/emergency']
  ])(
    'without the token, %s %s is refused or not found, whatever the spelling',
    async (method, url) => {
      const res = await env.app.inject({
        method: method as 'GET',
        url,
        headers: { host: env.host, 'content-type': 'application/json' },
        payload: method === 'GET' ? undefined : emergency
      })
      expect([401, 404]).toContain(res.statusCode)
      expect(res.json()).toMatchObject({
        error: { code: expect.any(String), message: expect.any(String) }
      })
      expect(mode()).toBe('normal')
    }
  )

  it('requires the token on every route but health, the console files and the stream URLs', async () => {
    const table = env.app.routeTable()
    const open = table.filter((r) => r.access !== 'token').map((r) => `${r.method} ${r.url}`)
    expect(open.filter((r) => r.includes('/api/'))).toEqual(['GET /api/health', 'HEAD /api/health'])
    // Other sites' pages (CORS) read the viewer and stream routes only, never the API (see iptv-cors).
    for (const r of table)
      expect(r.cors, `${r.method} ${r.url}`).toBe(r.access === 'viewer' || r.access === 'stream')
    expect(
      table.filter((r) => r.access === 'stream').every((r) => r.url.startsWith('/streams/'))
    ).toBe(true)
    expect(
      table.filter((r) => r.url.startsWith('/streams/')).every((r) => r.access === 'stream')
    ).toBe(true)
    // Viewers' software (no token): /iptv and the HDHomeRun files, nothing else.
    const hdhr =
      /^(\/iptv\/:key)?\/(discover\.json|lineup\.json|lineup\.xml|lineup_status\.json|device\.xml|lineup\.post)$/
    expect(
      table
        .filter((r) => r.access === 'viewer')
        .every((r) => r.url.startsWith('/iptv/') || hdhr.test(r.url))
    ).toBe(true)
    expect(
      table
        .filter((r) => r.url.startsWith('/iptv/') || hdhr.test(r.url))
        .every((r) => r.access === 'viewer')
    ).toBe(true)
    // Prometheus' scrape: the API token or the read-only metrics token, nothing else.
    expect(table.filter((r) => r.access === 'metrics').map((r) => r.url)).toEqual([
      '/metrics',
      '/metrics'
    ])
    for (const r of table.filter((x) => x.access === 'token' || x.access === 'metrics')) {
      const url = r.url.replace(/:uuid/g, env.uuids[0]!).replace(/:(\w+)/g, 'abcdefghijklmnop1234')
      const res = await env.app.inject({
        method: r.method as 'GET',
        url,
        headers: { host: env.host }
      })
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401)
    }
  })

  it('refuses state changes from another site with 403 forbidden_origin, and takes its own and the desktop app', async () => {
    for (const origin of [
      'http://evil.example',
      'null',
      `http://${env.host}.evil.example`,
      'http://localhost:1',
      'file://'
    ]) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/emergency',
        headers: { ...auth(), origin },
        payload: emergency
      })
      expect(res.statusCode, origin).toBe(403)
      expect(res.json().error.code).toBe('forbidden_origin')
      expect(mode()).toBe('normal')
    }
    // Reading is not changing: CORS keeps another site from seeing the answer.
    expect(
      (
        await env.app.inject({
          url: '/api/mode',
          headers: { ...auth(), origin: 'http://evil.example' }
        })
      ).statusCode
    ).toBe(200)
    const own = await env.app.inject({
      method: 'POST',
      url: '/api/emergency',
      headers: { ...auth(), origin: `http://${env.host}` },
      payload: emergency
    })
    expect(own.statusCode).toBe(200)
    const desktop = await env.app.inject({
      method: 'DELETE',
      url: '/api/emergency',
      headers: { ...auth(), origin: 'retrovue://console' }
    })
    expect(desktop.statusCode).toBe(200)
    // Nor may another site delete or create a channel.
    const lineup = () => env.station.store.channels.listActive().length
    const channels = lineup()
    for (const [method, url] of [
      ['DELETE', `/api/channels/${env.uuids[1]}`],
      ['POST', '/api/channels']
    ] as const) {
      const res = await env.app.inject({
        method,
        url,
        headers: { ...auth(), origin: 'http://evil.example', 'content-type': 'application/json' },
        payload: method === 'POST' ? JSON.stringify({ name: 'Evil' }) : undefined
      })
      expect(res.statusCode, `${method} ${url}`).toBe(403)
    }
    expect(lineup()).toBe(channels)
    expect(mode()).toBe('normal')
  })

  it('refuses a Host that is not the station on loopback (DNS rebinding) with 403', async () => {
    const port = env.host.split(':').pop()
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      'localhost:1',
      `192.168.1.2:${port}`,
      `localhost.evil.example:${port}`
    ]) {
      const res = await env.app.inject({ url: '/api/health', headers: { host } })
      expect(res.statusCode, host).toBe(403)
      expect(res.json().error.code).toBe('forbidden_host')
    }
    for (const host of [
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`
    ]) {
      expect(
        (await env.app.inject({ url: '/api/health', headers: { host } })).statusCode,
        host
      ).toBe(200)
    }
  })

  it('takes ?access_token= only on the event WebSocket, and checks its Origin', async () => {
    const viaQuery = await env.app.inject({
      url: `/api/mode?access_token=${env.token}`,
      headers: { host: env.host }
    })
    expect(viaQuery.statusCode).toBe(401)
    const ws = (origin?: string) =>
      new WebSocket(
        `${env.base.replace('http', 'ws')}/api/events?access_token=${env.token}`,
        origin ? { origin } : {}
      )
    const refused = ws('http://evil.example')
    const status = await new Promise<number>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      refused.on('open', () => resolve(101))
    })
    expect(status).toBe(403)
    const own = ws(`http://${env.host}`)
    const first = await new Promise<StationEvent>((resolve, reject) => {
      own.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as StationEvent))
      own.once('error', reject)
    })
    expect(first.type).toBe('snapshot')
    own.close()
  })

  it('compares tokens without regard to length or content', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true)
    for (const wrong of [
      '',
      'secret',
      'secret-token ',
      'secret-tokenX',
      'SECRET-TOKEN',
      'x'.repeat(10_000),
      'sécret-token'
    ]) {
      expect(tokenMatches('secret-token', wrong)).toBe(false)
    }
    expect(tokenMatches('secret-token', undefined)).toBe(false)
  })

  it('writes no token and no session id to any log line', async () => {
    const headers = { ...auth(), 'content-type': 'application/json' }
    const attach = await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[0]}/viewers`,
      headers,
      payload: {}
    })
    const { sessionId, streamUrl } = attach.json<ViewerAttachDto>()
    await env.station.director.channel(env.uuids[0]!).whenIdle()
    expect((await env.app.inject({ url: streamUrl, headers: { host: env.host } })).statusCode).toBe(
      200
    )
    for (const url of [
      `/streams/${sessionId}/%ff`,
      `/streams/${sessionId}/x/seg-1.ts`,
      `/api/mode?access_token=${env.token}`,
      `/api/viewers/${sessionId}%ff`
    ]) {
      await env.app.inject({ url, headers: { host: env.host } })
    }
    // Node's own refusal (headers too large) carries the raw request, token and all.
    await fetch(`${env.base}/streams/${sessionId}/index.m3u8`, {
      headers: { authorization: `Bearer ${env.token}`, 'x-pad': 'x'.repeat(20_000) }
    }).catch(() => undefined)
    expect(
      (await env.app.inject({ method: 'DELETE', url: `/api/viewers/${sessionId}`, headers }))
        .statusCode
    ).toBe(204)
    await env.station.director.channel(env.uuids[0]!).whenIdle()
    expect(logLines.length).toBeGreaterThan(0)
    const leaks = logLines.filter((l) => l.includes(env.token) || l.includes(sessionId))
    expect(leaks).toEqual([])
  })
})
