// Web players on other sites: the viewer routes and session streams answer other origins (CORS
// headers, OPTIONS preflights), by default to any site and otherwise to the configured ones; the
// API, the console and unknown URLs never do. Decided on the matched route (the route table says
// which routes are open), whatever the URL's spelling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCorsOrigins } from '../../src/server/cors'
import { type HttpEnv, httpEnv } from '../helpers/http-env'

const SITE = 'https://tv.example.com'

describe('CORS for viewers\u2019 software', () => {
  let env: HttpEnv
  const get = (url: string, init: RequestInit = {}) =>
    fetch(`${env.base}${url}`, { redirect: 'manual', ...init })

  beforeAll(async () => {
    env = await httpEnv()
  })
  afterAll(() => env?.close())

  it('opens exactly the viewer and stream routes, each with an OPTIONS preflight', () => {
    const table = env.app.routeTable()
    for (const r of table)
      expect(r.cors, `${r.method} ${r.url}`).toBe(r.access === 'viewer' || r.access === 'stream')
    const open = new Set(table.filter((r) => r.cors).map((r) => `${r.method} ${r.url}`))
    for (const r of table.filter((x) => x.cors && x.method === 'GET'))
      expect(open, r.url).toContain(`OPTIONS ${r.url}`)
    expect(table.filter((r) => r.url.startsWith('/api') && r.cors)).toEqual([])
  })

  it('lets any site read the playlists, streams, guide and tuner files, and answers preflights with 204', async () => {
    const headers = { origin: SITE }
    const m3u = await get('/iptv/channels.m3u', { headers })
    expect(m3u.status).toBe(200)
    expect(m3u.headers.get('access-control-allow-origin')).toBe('*')
    expect(m3u.headers.get('access-control-allow-credentials')).toBeNull()
    // The redirect and the session's playlist both answer the other site.
    const hls = await get('/iptv/channels/1.m3u8', { headers })
    expect(hls.status).toBe(302)
    expect(hls.headers.get('access-control-allow-origin')).toBe('*')
    const playlist = await get(hls.headers.get('location')!, { headers })
    expect(playlist.status).toBe(200)
    expect(playlist.headers.get('access-control-allow-origin')).toBe('*')
    for (const url of ['/discover.json', '/lineup.json', '/iptv/xmltv.xml']) {
      const res = await get(url, { headers })
      expect(res.headers.get('access-control-allow-origin'), url).toBe('*')
      await res.body?.cancel()
    }
    // An error of an open route is readable too (a page can say why).
    const missing = await get('/iptv/channels/404.m3u8', { headers })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('access-control-allow-origin')).toBe('*')

    const preflight = await get('/iptv/channels/1.m3u8', {
      method: 'OPTIONS',
      headers: {
        origin: SITE,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range'
      }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/range/i)
    expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    const streamPreflight = await get('/streams/abcdefghijklmnop1234/index.m3u8', {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'GET' }
    })
    expect(streamPreflight.status).toBe(204)
    expect(streamPreflight.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('never answers another site on the API, the console or an unknown URL', async () => {
    const headers = { origin: SITE, authorization: `Bearer ${env.token}` }
    for (const url of ['/api/health', '/api/channels', '/', '/nothing', '/iptv/nothing']) {
      const res = await get(url, { headers })
      expect(res.headers.get('access-control-allow-origin'), url).toBeNull()
      await res.body?.cancel()
    }
    for (const url of ['/api/channels', '/api/emergency', '/%61pi/channels']) {
      const res = await get(url, {
        method: 'OPTIONS',
        headers: { origin: SITE, 'access-control-request-method': 'POST' }
      })
      expect(res.status, url).toBe(404)
      expect(res.headers.get('access-control-allow-origin'), url).toBeNull()
      expect(res.headers.get('access-control-allow-methods'), url).toBeNull()
      await res.body?.cancel()
    }
  })
})

describe('CORS limited to configured sites, with a stream key', () => {
  let env: HttpEnv
  const KEY = 'k'.repeat(20)
  const get = (url: string, init: RequestInit = {}) =>
    fetch(`${env.base}${url}`, { redirect: 'manual', ...init })

  beforeAll(async () => {
    env = await httpEnv({
      station: {
        iptv: {
          corsOrigins: parseCorsOrigins(`${SITE}, HTTP://Other.Example:8080`),
          streamKey: KEY
        }
      }
    })
  })
  afterAll(() => env?.close())

  it('echoes an allowed origin (Vary: Origin), answers no other, and a keyed preflight needs the key', async () => {
    for (const origin of [SITE, 'http://other.example:8080']) {
      const res = await get(`/iptv/${KEY}/channels.m3u`, { headers: { origin } })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe(origin)
      expect(res.headers.get('vary')).toMatch(/origin/i)
    }
    const other = await get(`/iptv/${KEY}/channels.m3u`, {
      headers: { origin: 'https://evil.example' }
    })
    expect(other.status).toBe(200)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(other.headers.get('vary')).toMatch(/origin/i)
    const refused = await get(`/iptv/${KEY}/channels.m3u`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' }
    })
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    expect(refused.headers.get('access-control-allow-methods')).toBeNull()
    const keyless = await get('/iptv/channels.m3u', {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'GET' }
    })
    expect(keyless.status).toBe(404)
    const wrongKey = await get(`/iptv/${'x'.repeat(20)}/channels.m3u`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'GET' }
    })
    expect(wrongKey.status).toBe(404)
  })

  it('refuses a bad --cors-origins entry by name', () => {
    expect(parseCorsOrigins('*')).toBe('*')
    expect(parseCorsOrigins('none')).toEqual([])
    expect(() => parseCorsOrigins('https://a.example/path')).toThrow(/https:\/\/a.example\/path/)
    expect(() => parseCorsOrigins('ftp://a.example')).toThrow(/not an origin/)
    expect(() => parseCorsOrigins(`${SITE},`)).toThrow(/not an origin/)
  })
})
