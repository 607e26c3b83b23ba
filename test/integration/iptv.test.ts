// Viewers' software over the station's real HTTP app (test-double producers): the M3U parsed by an
// IPTV playlist parser with every URL answering, the XMLTV guide valid against the XMLTV DTD,
// HDHomeRun emulation, the token-free access level, the stream key, and the viewer limits.
import { spawnSync } from 'node:child_process'
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { parse as parseM3u } from 'iptv-playlist-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateDeviceId, newDeviceId, validDeviceId } from '../../src/server/iptv/hdhomerun'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { tempDir } from '../helpers/tmp'
import type { StationOptions } from '../../src/station'

const XMLTV_DTD = '/usr/share/xmltv/xmltv.dtd'
// Control characters are refused at import (strict-json.ts); U+FFFE, not allowed in XML, gets this far.
const NASTY = `Tom & Jerry <"Live"> 'n' bell \uFFFE`

const channels = [
  {
    id: 'one',
    name: 'One',
    number: '7',
    timezone: 'UTC',
    loop: loopOf(
      { title: 'Movie', asset: 'media/movie.mp4', durationMs: 3_600_000 },
      { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }
    )
  },
  {
    id: 'two',
    name: 'Two',
    timezone: 'Asia/Tokyo',
    loop: loopOf({ title: 'Feature', asset: 'media/movie.mp4', durationMs: 600_000 })
  },
  // A deliberate hole after every item: gaps must be absent from the guide.
  {
    id: 'nasty',
    name: 'Q"uote & <Co>',
    number: '7.1',
    timezone: 'America/New_York',
    loop: loopOf({ title: NASTY, asset: 'media/a.mp4', durationMs: 10_000 }, { gapMs: 1_200_000 })
  },
  { id: 'tv-guide', name: 'TV Guide', timezone: 'Europe/Berlin', kind: 'guide' }
]

async function iptvEnv(station: Partial<StationOptions> = {}): Promise<HttpEnv> {
  const t = stationFixture(channels)
  const env = await httpEnv({ station: { stationFile: t.file, ...station } })
  const close = env.close
  return { ...env, close: async () => (await close(), t.cleanup()) }
}

/** xmllint's verdict on a document (stdin) against a DTD; a missing tool is a failure, never a skip. */
function xmllint(doc: string, dtd?: string): { status: number | null; stderr: string } {
  const which = spawnSync('sh', ['-c', 'command -v xmllint'])
  if (which.status !== 0)
    throw new Error(
      'xmllint is not installed: apt-get install libxml2-utils (bash .ci/run installs it)'
    )
  if (dtd && !fs.existsSync(dtd))
    throw new Error(
      `the XMLTV DTD is not at ${dtd}: apt-get install xmltv-util (bash .ci/run installs it)`
    )
  // --path: where the document's own <!DOCTYPE tv SYSTEM "xmltv.dtd"> is found, as guide readers would.
  const r = spawnSync(
    'xmllint',
    ['--noout', '--nonet', ...(dtd ? ['--path', path.dirname(dtd), '--dtdvalid', dtd] : []), '-'],
    { input: doc, encoding: 'utf8' }
  )
  return { status: r.status, stderr: r.stderr }
}

describe('viewers\u2019 software: M3U, XMLTV, HDHomeRun', () => {
  let env: HttpEnv
  const get = (url: string, init: RequestInit = {}) =>
    fetch(url.startsWith('http') ? url : `${env.base}${url}`, { redirect: 'manual', ...init })
  /** A channel's guide id: dotted and unique to the station (its HDHomeRun DeviceID). */
  const gid = (slug: string) =>
    `${slug}.${fs.readFileSync(path.join(env.station.dataDir, 'hdhomerun-device-id'), 'utf8').trim().toLowerCase()}.retrovue`
  const liveViewers = () =>
    env.station.director.sessions.liveSessions().filter((s) => s.purpose === 'viewer')

  beforeAll(async () => {
    env = await iptvEnv()
  })
  afterAll(() => env?.close())

  it('offers every viewer route without a token, at the viewer access level', async () => {
    const viewerRoutes = env.app
      .routeTable()
      .filter((r) => r.access === 'viewer')
      .map((r) => `${r.method} ${r.url}`)
    for (const r of [
      'GET /iptv/channels.m3u',
      'GET /iptv/xmltv.xml',
      'GET /iptv/channels/:stream',
      'GET /iptv/channels/:channel/logo.png',
      'GET /iptv/channels/:channel/logo.svg',
      'GET /iptv/posters/:asset',
      'GET /iptv/live/:channel/index.m3u8',
      'HEAD /iptv/live/:channel/:segment',
      'GET /discover.json',
      'GET /lineup.json',
      'GET /lineup.xml',
      'GET /lineup_status.json',
      'GET /device.xml',
      'POST /lineup.post'
    ]) {
      expect(viewerRoutes).toContain(r)
      expect(viewerRoutes).toContain(r.replace(/ \/(iptv\/)?/, ' /iptv/:key/'))
    }
    expect(
      env.app.routeTable().filter((r) => r.url.startsWith('/iptv') && r.access !== 'viewer')
    ).toEqual([])
  })

  it('lists every channel in an M3U that an IPTV parser reads, and every URL in it answers', async () => {
    const res = await get('/iptv/channels.m3u')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('mpegurl')
    const text = await res.text()
    const playlist = parseM3u(text)
    expect(playlist.header.attrs['x-tvg-url']).toBe(`${env.base}/iptv/xmltv.xml`)
    expect(text.split('\n')[0]).toContain(`url-tvg="${env.base}/iptv/xmltv.xml"`)
    expect(playlist.items.map((i) => [i.tvg.id, i.tvg.name, i.group.title])).toEqual([
      [gid('two'), 'Two', 'RetroVue'], // no number: its place in creation order, 2
      [gid('tv-guide'), 'TV Guide', 'RetroVue'],
      [gid('one'), 'One', 'RetroVue'],
      [gid('nasty'), "Q'uote & <Co>", 'RetroVue']
    ])
    expect(playlist.items.map((i) => /tvg-chno="([^"]*)"/.exec(i.raw)?.[1])).toEqual([
      '2',
      '4',
      '7',
      '7.1'
    ])
    expect(playlist.items.map((i) => i.url)).toEqual(
      ['two', 'tv-guide', '7', '7.1'].map((id) => `${env.base}/iptv/channels/${id}.m3u8`)
    )

    for (const item of playlist.items) {
      // The channel URL opens a session and redirects to its playlist, which is a live HLS playlist.
      const first = await get(item.url)
      expect(first.status, item.url).toBe(302)
      const location = first.headers.get('location')!
      expect(location).toMatch(/^\/streams\/[A-Za-z0-9_-]{16,}\/index\.m3u8$/)
      const hlsPlaylist = await get(location)
      expect(hlsPlaylist.status).toBe(200)
      expect(await hlsPlaylist.text()).toMatch(/^#EXTM3U[\s\S]*#EXTINF:[\s\S]*\.ts\n$/)
    }
    const guide = await get(playlist.header.attrs['x-tvg-url'])
    expect(guide.status).toBe(200)

    // The MPEG-TS flavour: one continuous stream per channel URL.
    const tsList = parseM3u(await (await get('/iptv/channels-ts.m3u')).text())
    for (const item of tsList.items) {
      expect(item.url).toMatch(/\.ts$/)
      const abort = new AbortController()
      const stream = await get(item.url, { signal: abort.signal })
      expect(stream.status, item.url).toBe(200)
      expect(stream.headers.get('content-type')).toBe('video/mp2t')
      const reader = stream.body!.getReader()
      const { value } = await reader.read()
      expect(value?.[0]).toBe(0x47)
      abort.abort()
    }
  })

  it('keeps one HLS session per player, answers a HEAD as the GET would (a .ts HEAD opens none), and lets silent sessions end', async () => {
    const ua = { 'user-agent': 'VLC/3.0.21 LibVLC/3.0.21' }
    const sessionsOf = (agent: string) =>
      (
        env.station.store.db
          .prepare(
            'SELECT count(*) AS n FROM viewer_sessions WHERE ended_at IS NULL AND client_info LIKE ?'
          )
          .get(`%${agent}%`) as { n: number }
      ).n
    const a = await get('/iptv/channels/two.m3u8', { headers: ua })
    const b = await get('/iptv/channels/TWO.m3u8', { headers: ua })
    expect(b.headers.get('location')).toBe(a.headers.get('location'))
    expect(sessionsOf('VLC/3.0.21')).toBe(1)
    const other = await get('/iptv/channels/two.m3u8', { headers: { 'user-agent': 'mpv 0.38' } })
    expect(other.headers.get('location')).not.toBe(a.headers.get('location'))
    expect(sessionsOf('mpv 0.38')).toBe(1)
    // HEAD (RFC 9110 9.3.2): the HLS URL redirects to the session its GET gets; the .ts has the
    // stream's headers, no length (a stream has none; Content-Length: 0 would be false) and no session.
    const headHls = await get('/iptv/channels/two.m3u8', { method: 'HEAD', headers: ua })
    expect(headHls.status).toBe(302)
    expect(headHls.headers.get('location')).toBe(a.headers.get('location'))
    expect(sessionsOf('VLC/3.0.21')).toBe(1)
    const headTs = await get('/iptv/channels/two.ts', {
      method: 'HEAD',
      headers: { 'user-agent': 'curl-head' }
    })
    expect(headTs.status).toBe(200)
    expect(headTs.headers.get('content-type')).toBe('video/mp2t')
    expect(headTs.headers.get('content-length')).toBeNull()
    expect(headTs.headers.get('cache-control')).toBe('no-store')
    expect(sessionsOf('curl-head')).toBe(0)
    expect((await get('/iptv/channels/none.ts', { method: 'HEAD' })).status).toBe(404)
    // Nobody asks for anything for longer than the session timeout: both end, and the URL opens a new one.
    await env.clock.advanceAsync(env.station.director.sessions.timeoutMs * 2)
    expect(liveViewers().length).toBe(0)
    const again = await get('/iptv/channels/two.m3u8', { headers: ua })
    expect(again.headers.get('location')).not.toBe(a.headers.get('location'))
  })

  it('serves a shared HLS per channel for caches: one session however many clients, names unique to the run, errors never cached', async () => {
    const uuid = env.station.store.channels.bySlug('one')!.uuid
    const shared = () =>
      env.station.director.sessions
        .liveSessions()
        .filter((s) => s.channelUuid === uuid && s.purpose === 'viewer')
    const sharedRows = () =>
      env.station.store.db
        .prepare(
          "SELECT session_id FROM viewer_sessions WHERE ended_at IS NULL AND client_info LIKE '%iptv-shared%'"
        )
        .all() as Array<{ session_id: string }>
    // Start from silence: every earlier session has timed out.
    await env.clock.advanceAsync(env.station.director.sessions.timeoutMs * 2)
    expect(liveViewers()).toEqual([])

    // A HEAD opens nothing.
    const head = await get('/iptv/live/7/index.m3u8', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
    expect(shared()).toEqual([])

    // Two caches (or players) polling, the first requests at once: one viewer session between them.
    const poll = async (agent: string) => {
      const res = await get('/iptv/live/7/index.m3u8', { headers: { 'user-agent': agent } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
      expect(res.headers.get('cache-control')).toBe('public, max-age=1')
      return res.text()
    }
    const playlists = await Promise.all([
      poll('nginx-cache-a'),
      poll('Varnish/7 b'),
      poll('nginx-cache-a')
    ])
    playlists.push(await poll('Varnish/7 b'))
    expect(shared()).toHaveLength(1)
    expect(sharedRows()).toEqual([{ session_id: shared()[0]!.sessionId }])
    expect(env.station.director.channel(uuid).viewerCount).toBe(1)
    // The same channel by id or uuid is the same session.
    expect((await get('/iptv/live/one/index.m3u8')).status).toBe(200)
    expect((await get(`/iptv/live/${uuid.toUpperCase()}/index.m3u8`)).status).toBe(200)
    expect(shared()).toHaveLength(1)

    const text = playlists[0]!
    expect(text).toMatch(/^#EXTM3U\n[\s\S]*#EXT-X-TARGETDURATION:\d+\n[\s\S]*#EXTINF:/)
    const names = text.split('\n').filter((l) => l.endsWith('.ts'))
    expect(names.length).toBeGreaterThan(0)
    const run = env.station.timelines.of(uuid).run
    for (const n of names) expect(n).toMatch(new RegExp(`^${run}-\\d+\\.ts$`))
    const seg = await get(`/iptv/live/7/${names[0]}`)
    expect(seg.status).toBe(200)
    expect(seg.headers.get('content-type')).toBe('video/mp2t')
    expect(seg.headers.get('cache-control')).toBe('public, max-age=86400, immutable')
    const bytes = Buffer.from(await seg.arrayBuffer())
    expect(Number(seg.headers.get('content-length'))).toBe(bytes.length)
    expect(bytes[0]).toBe(0x47)
    const segHead = await get(`/iptv/live/7/${names[0]}`, { method: 'HEAD' })
    expect([
      segHead.status,
      segHead.headers.get('content-length'),
      segHead.headers.get('cache-control')
    ]).toEqual([200, String(bytes.length), 'public, max-age=86400, immutable'])
    expect(Buffer.from(await segHead.arrayBuffer()).length).toBe(0)

    // Nothing but a segment the timeline knows, and no error a cache would keep.
    const seq = Number(/-(\d+)\.ts$/.exec(names[0]!)![1])
    const otherRun = `${run[0] === 'A' ? 'B' : 'A'}${run.slice(1)}`
    const file = env.station.director.channelOutput(uuid)!.endpoint
    for (const url of [
      `/iptv/live/7/${otherRun}-${seq}.ts`,
      `/iptv/live/7/${run}-999999.ts`,
      `/iptv/live/7/${run}-0${seq}.ts`,
      `/iptv/live/7/${run}-${seq}.m3u8`,
      `/iptv/live/7/seg-00001.ts`,
      `/iptv/live/7/..%2f..%2fapi-token`,
      `/iptv/live/7/..%2F..%2F..%2Fstation.db`,
      `/iptv/live/7/${run}-${seq}.ts%2f..%2f..%2fapi-token`,
      `/iptv/live/..%2f..%2fapi-token/index.m3u8`,
      `/iptv/live/${encodeURIComponent(path.basename(file.dir))}/seg-00001.ts`,
      `/iptv/live/99/index.m3u8`,
      `/iptv/live/two/${names[0]}`, // another channel's timeline, another run
      `/iptv/wrong-key-0123456789/live/7/index.m3u8`
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(res.headers.get('cache-control'), url).toBe('no-store')
      const body = await res.text()
      expect(JSON.parse(body), url).toEqual({
        error: { code: 'not_found', message: expect.any(String) }
      })
      expect(body).not.toContain(env.station.apiToken)
    }
    expect(shared()).toHaveLength(1)

    // The cache stops polling: the session ends like any other, and the channel has no viewer.
    const first = shared()[0]!.sessionId
    await env.clock.advanceAsync(env.station.director.sessions.timeoutMs * 2)
    expect(shared()).toEqual([])
    expect(env.station.director.channel(uuid).viewerCount).toBe(0)
    expect(env.station.store.sessions.get(first)?.endReason).toBe('inactive')
    // A segment request alone opens none (a segment needs no producer); the next playlist request does.
    const again = await get(`/iptv/live/7/${names[0]}`)
    expect(again.status).toBe(200) // still remembered, served without a session
    expect(shared()).toEqual([])
    expect((await get('/iptv/live/7/index.m3u8')).status).toBe(200)
    expect(shared()).toHaveLength(1)
    expect(shared()[0]!.sessionId).not.toBe(first)
    expect(env.station.director.channel(uuid).viewerCount).toBe(1)
    // Same run after the channel went off air and back: names go on counting, never reused.
    const later = (await (await get('/iptv/live/7/index.m3u8')).text())
      .split('\n')
      .filter((l) => l.endsWith('.ts'))
    expect(later.every((n) => n.startsWith(`${run}-`))).toBe(true)
  })

  it('answers unknown channels and names with 404 in the API error shape', async () => {
    for (const url of [
      '/iptv/channels/99.ts',
      '/iptv/channels/nope.m3u8',
      '/iptv/channels/7.mp4',
      '/iptv/channels/7',
      '/iptv/x/channels.m3u'
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(await res.json()).toEqual({
        error: { code: 'not_found', message: expect.any(String) }
      })
    }
  })

  it('serves an XMLTV guide that validates against the DTD and tv_validate_file, with offsets, no overlaps, no gaps and the M3U ids', async () => {
    const res = await get('/iptv/xmltv.xml')
    expect(res.status).toBe(200)
    const doc = await res.text()
    const verdict = xmllint(doc, XMLTV_DTD)
    expect(verdict.stderr).toBe('')
    expect(verdict.status).toBe(0)
    // xmltv-util's own checker: channel ids dotted and unique, times, titles, every channel listed.
    const file = path.join(env.station.dataDir, 'guide-check.xml')
    fs.writeFileSync(file, doc)
    // The DTD from the installed package (by default it is fetched from supplement.xmltv.org).
    const check = spawnSync('tv_validate_file', [file], {
      encoding: 'utf8',
      env: { ...process.env, XMLTV_SUPPLEMENT: path.dirname(XMLTV_DTD) }
    })
    if (check.error)
      throw new Error('tv_validate_file is not installed: apt-get install xmltv-util')
    expect(check.stderr + check.stdout).not.toMatch(/invalid|error|no programme/i)
    expect(check.status, check.stdout + check.stderr).toBe(0)

    const ids = [...doc.matchAll(/<channel id="([^"]+)">/g)].map((m) => m[1]!)
    expect(ids).toEqual(['two', 'tv-guide', 'one', 'nasty'].map(gid))
    const offsets: Record<string, string> = {
      [gid('one')]: '+0000',
      [gid('two')]: '+0900',
      [gid('nasty')]: '-0500',
      [gid('tv-guide')]: '+0100'
    }
    const programmes = [
      ...doc.matchAll(
        /<programme start="([^"]+)" stop="([^"]+)" channel="([^"]+)">\s*<title>([^<]*)<\/title>/g
      )
    ].map((m) => ({ start: m[1]!, stop: m[2]!, channel: m[3]!, title: m[4]! }))
    const toMs = (t: string) =>
      Date.parse(
        `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}${t.slice(15, 18)}:${t.slice(18)}`
      )
    const now = env.clock.now()
    for (const id of ids) {
      const own = programmes.filter((p) => p.channel === id)
      expect(own.length, id).toBeGreaterThan(0)
      for (const p of own) {
        expect(p.start).toMatch(/^\d{14} [+-]\d{4}$/)
        expect(p.start.slice(15)).toBe(offsets[id])
        expect(p.stop.slice(15)).toBe(offsets[id])
        expect(toMs(p.stop)).toBeGreaterThan(toMs(p.start))
      }
      // In order and never overlapping; the guide reaches 48 h ahead.
      for (let i = 1; i < own.length; i++)
        expect(toMs(own[i]!.start)).toBeGreaterThanOrEqual(toMs(own[i - 1]!.stop))
      expect(toMs(own[own.length - 1]!.stop)).toBeGreaterThanOrEqual(now + 47 * 3_600_000)
    }
    // The gap channel: 10 s items, then 20 minutes of nothing, never listed.
    const nasty = programmes.filter((p) => p.channel === gid('nasty'))
    for (const p of nasty) expect(toMs(p.stop) - toMs(p.start)).toBe(10_000)
    for (let i = 1; i < nasty.length; i++)
      expect(toMs(nasty[i]!.start) - toMs(nasty[i - 1]!.stop)).toBe(1_200_000)
    // Markup escaped, characters XML cannot carry dropped.
    expect(nasty[0]!.title).toBe('Tom &amp; Jerry &lt;&quot;Live&quot;&gt; &apos;n&apos; bell ')
    expect(doc).toContain('<display-name>Q&quot;uote &amp; &lt;Co&gt;</display-name>')
    expect(doc).not.toContain('<category lang="en">Program</category>')
    // The guide channel has listings too (media servers hide channels without guide data), each with a category.
    expect(
      programmes.filter((p) => p.channel === gid('tv-guide')).every((p) => p.title === 'Listings')
    ).toBe(true)
    expect(doc).toMatch(
      /channel="tv-guide\.[0-9a-f]{8}\.retrovue">\n {4}<title>Listings<\/title>\n {4}<category lang="en">Information<\/category>\n/
    )
  })

  it('emulates an HDHomeRun that invites no transcoding: discover, lineup (JSON and XML) without query strings, status, device description, scan requests', async () => {
    const discover = (await (await get('/discover.json')).json()) as {
      DeviceID: string
      LineupURL: string
      BaseURL: string
    }
    expect(discover).toMatchObject({
      FriendlyName: 'RetroVue',
      ModelNumber: 'HDHR5-4US',
      BaseURL: env.base,
      LineupURL: `${env.base}/lineup.json`,
      // What one media server (one address) can open at once: the per-address viewer limit here.
      TunerCount: 10
    })
    // Jellyfin (DiscoverResponse.SupportsTranscoding) takes a model containing "hdtc" as a
    // transcoding tuner and then asks for ?transcode= profiles and assumes their picture size.
    expect((discover as unknown as { ModelNumber: string }).ModelNumber).not.toMatch(/hdtc/i)
    expect(validDeviceId(discover.DeviceID)).toBe(true)
    expect(discover.DeviceID).toBe(
      fs.readFileSync(path.join(env.station.dataDir, 'hdhomerun-device-id'), 'utf8').trim()
    )
    const lineup = (await (await get(discover.LineupURL)).json()) as Array<{
      GuideNumber: string
      GuideName: string
      URL: string
    }>
    expect(lineup.map((c) => [c.GuideNumber, c.GuideName])).toEqual([
      ['2', 'Two'],
      ['4', 'TV Guide'],
      ['7', 'One'],
      ['7.1', 'Q"uote & <Co>']
    ])
    for (const c of lineup) {
      expect(c.URL).not.toContain('?')
      expect(c.URL).toMatch(new RegExp(`^${env.base}/iptv/channels/[^/]+\\.ts$`))
    }
    // The lineup's older XML form lists the same channels and URLs.
    const xml = await (await get('/lineup.xml')).text()
    expect(xmllint(xml).status).toBe(0)
    expect([...xml.matchAll(/<URL>([^<]*)<\/URL>/g)].map((m) => m[1])).toEqual(
      lineup.map((c) => c.URL.replace(/&/g, '&amp;'))
    )
    expect([...xml.matchAll(/<GuideNumber>([^<]*)<\/GuideNumber>/g)].map((m) => m[1])).toEqual(
      lineup.map((c) => c.GuideNumber)
    )
    // A client that still adds ?transcode=... (settings kept from an HDTC tuner): ignored, the stream plays.
    const abort = new AbortController()
    const transcode = await get(`${lineup[2]!.URL}?transcode=internet540`, { signal: abort.signal })
    expect(transcode.status).toBe(200)
    abort.abort()
    expect(await (await get('/lineup_status.json')).json()).toEqual({
      ScanInProgress: 0,
      ScanPossible: 1,
      Source: 'Cable',
      SourceList: ['Cable']
    })
    const device = await (await get('/device.xml')).text()
    expect(xmllint(device).status).toBe(0)
    expect(device).toContain('<friendlyName>RetroVue</friendlyName>')
    expect(device).toMatch(/<UDN>uuid:[0-9a-f-]{36}<\/UDN>/)
    for (const type of ['application/x-www-form-urlencoded', undefined]) {
      const scan = await get('/lineup.post?scan=start&source=Cable', {
        method: 'POST',
        headers: type ? { 'content-type': type } : {},
        body: type ? 'scan=start' : undefined
      })
      expect(scan.status).toBe(200)
    }
  })

  it('keeps its HDHomeRun DeviceID per data folder, always with a valid check digit', () => {
    const t = tempDir()
    try {
      const id = loadOrCreateDeviceId(t.dir)
      expect(validDeviceId(id)).toBe(true)
      expect(loadOrCreateDeviceId(t.dir)).toBe(id)
    } finally {
      t.cleanup()
    }
    for (let i = 0; i < 200; i++) expect(validDeviceId(newDeviceId())).toBe(true)
    // Any single wrong digit fails the check.
    const id = newDeviceId()
    for (let i = 0; i < 8; i++) {
      const wrong =
        id.slice(0, i) +
        ((Number.parseInt(id[i]!, 16) + 1) % 16).toString(16).toUpperCase() +
        id.slice(i + 1)
      expect(validDeviceId(wrong), wrong).toBe(false)
    }
  })
})

describe('the guide answered again: ETag, If-None-Match, 304', () => {
  it('answers the same guide with the same ETag, 304 to a client that has it, and a new one when the schedule or the channels change', async () => {
    const t = stationFixture(channels)
    const env = await httpEnv({ station: { stationFile: t.file } })
    try {
      const guide = (headers: Record<string, string> = {}) =>
        fetch(`${env.base}/iptv/xmltv.xml`, { headers })
      const first = await guide()
      expect(first.status).toBe(200)
      const etag = first.headers.get('etag')!
      expect(etag).toMatch(/^"[^"]+"$/)
      expect(first.headers.get('cache-control')).toBe('no-cache')
      const body = await first.text()
      expect(xmllint(body, XMLTV_DTD).status).toBe(0)

      // Asked again: the same guide, byte for byte, under the same tag (kept, not rebuilt).
      env.clock.advance(60_000)
      const again = await guide()
      expect(again.headers.get('etag')).toBe(etag)
      expect(await again.text()).toBe(body)
      // A client that has it gets 304 and no body, whatever list or weak form it sends.
      for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await guide({ 'if-none-match': inm })
        expect(res.status, inm).toBe(304)
        expect(res.headers.get('etag')).toBe(etag)
        expect(await res.text()).toBe('')
      }
      expect((await guide({ 'if-none-match': '"other"' })).status).toBe(200)

      // The horizon builder extends the loops as time passes: a new guide, under a new tag.
      env.clock.advance(3_600_000)
      const later = await guide({ 'if-none-match': etag })
      expect(later.status).toBe(200)
      const laterTag = later.headers.get('etag')!
      expect(laterTag).not.toBe(etag)
      expect(await later.text()).not.toBe(body)

      // A re-import that renames a channel: a new tag, and the guide says the new name.
      fs.writeFileSync(
        t.file,
        JSON.stringify({
          version: 1,
          channels: channels.map((c) => (c.id === 'two' ? { ...c, name: 'Two Renamed' } : c))
        })
      )
      await env.station.importStationFile(t.file)
      const renamed = await guide({ 'if-none-match': laterTag })
      expect(renamed.status).toBe(200)
      expect(renamed.headers.get('etag')).not.toBe(laterTag)
      expect(await renamed.text()).toContain('<display-name>Two Renamed</display-name>')
    } finally {
      await env.close()
      t.cleanup()
    }
  })
})

describe('stream key and viewer limits', () => {
  const KEY = 'k3y-for-tests-0123456789'
  let env: HttpEnv
  const get = (url: string, init: RequestInit = {}) =>
    fetch(`${env.base}${url}`, { redirect: 'manual', ...init })

  beforeAll(async () => {
    env = await iptvEnv({
      iptv: { streamKey: KEY, limits: { perChannel: 2, perStation: 3, perAddress: 100 } }
    })
  })
  afterAll(() => env?.close())

  it('refuses viewer URLs without the key or with a wrong one (404), and puts the key in every URL it hands out', async () => {
    for (const url of [
      '/iptv/channels.m3u',
      '/iptv/xmltv.xml',
      '/discover.json',
      '/lineup.json',
      '/iptv/channels/7.ts',
      `/iptv/${KEY}x/channels.m3u`,
      `/iptv/${KEY.toUpperCase()}/channels.m3u`,
      '/iptv/wrong-key-0123456789/lineup.json'
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found')
    }
    const m3u = parseM3u(await (await get(`/iptv/${KEY}/channels.m3u`)).text())
    expect(m3u.header.attrs['x-tvg-url']).toBe(`${env.base}/iptv/${KEY}/xmltv.xml`)
    for (const item of m3u.items)
      expect(item.url.startsWith(`${env.base}/iptv/${KEY}/channels/`)).toBe(true)
    const discover = (await (await get(`/iptv/${KEY}/discover.json`)).json()) as {
      DeviceID: string
      LineupURL: string
      BaseURL: string
    }
    expect(discover.BaseURL).toBe(`${env.base}/iptv/${KEY}`)
    const lineup = (await (await fetch(discover.LineupURL)).json()) as Array<{ URL: string }>
    for (const c of lineup) expect(c.URL.startsWith(`${env.base}/iptv/${KEY}/channels/`)).toBe(true)
    // The key spelled with percent-encoding reaches the same route: it is compared after decoding.
    expect(
      (await get(`/iptv/${encodeURIComponent(KEY).replace('k', '%6B')}/xmltv.xml`)).status
    ).toBe(200)
    // The control API still wants its token; the key is no substitute.
    expect((await get(`/api/channels`)).status).toBe(401)
  })

  it('refuses viewers past the per-channel and per-station limits with 503, Retry-After and the error shape', async () => {
    const open = (channel: string, n: number) =>
      get(`/iptv/${KEY}/channels/${channel}.m3u8`, { headers: { 'user-agent': `player-${n}` } })
    expect((await open('7', 1)).status).toBe(302)
    expect((await open('7', 2)).status).toBe(302)
    const full = await open('7', 3)
    expect(full.status).toBe(503)
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await full.json()).toEqual({
      error: { code: 'viewer_limit', message: expect.stringContaining('(2)') }
    })
    // The same player again is no new viewer.
    expect((await open('7', 1)).status).toBe(302)
    expect((await open('two', 4)).status).toBe(302)
    const stationFull = await open('two', 5)
    expect(stationFull.status).toBe(503)
    expect(Number(stationFull.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await stationFull.json()) as { error: { message: string } }).error.message).toContain(
      '(3)'
    )
    const ts = await get(`/iptv/${KEY}/channels/two.ts`)
    expect(ts.status).toBe(503)
    // The API's viewers count against the same limits; the console's previews never do.
    const api = (purpose: string) =>
      get(`/api/channels/${env.uuids[1]}/viewers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ purpose })
      })
    expect((await api('viewer')).status).toBe(503)
    expect((await api('preview')).status).toBe(201)
    expect(
      env.station.director.sessions.liveSessions().filter((s) => s.purpose === 'viewer')
    ).toHaveLength(3)
    // The shared HLS opens a viewer like any other, and its refusal is never cached.
    const sharedFull = await get(`/iptv/${KEY}/live/7/index.m3u8`)
    expect(sharedFull.status).toBe(503)
    expect(sharedFull.headers.get('cache-control')).toBe('no-store')
    expect(Number(sharedFull.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await sharedFull.json()) as { error: { code: string } }).error.code).toBe(
      'viewer_limit'
    )
    expect((await get('/iptv/live/7/index.m3u8')).headers.get('cache-control')).toBe('no-store')
  })
})

describe('viewers per client address', () => {
  const PER_ADDRESS = 3
  let env: HttpEnv
  const liveViewers = () =>
    env.station.director.sessions.liveSessions().filter((s) => s.purpose === 'viewer')

  /** A viewer URL asked from a given loopback address (Linux routes all of 127/8 to loopback). */
  const ask = (
    route: string,
    from: string,
    userAgent: string,
    method = 'GET'
  ): Promise<{ status: number; body: string; location?: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        `${env.base}${route}`,
        { method, localAddress: from, agent: false, headers: { 'user-agent': userAgent } },
        (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, location: res.headers.location })
          )
          // A .ts answer is a stream that never ends: its status is all this needs.
          if (res.headers['content-type'] === 'video/mp2t')
            resolve({ status: res.statusCode ?? 0, body: '' })
        }
      )
      req.on('error', reject)
      req.end()
    })

  beforeAll(async () => {
    env = await iptvEnv({
      iptv: { limits: { perChannel: 100, perStation: 300, perAddress: PER_ADDRESS } }
    })
  })
  afterAll(() => env?.close())

  it('refuses one address past its viewers however it varies its User-Agent, all at once or one by one, and lets others in', async () => {
    // Fifty requests at once from one address, each a "different player".
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ask('/iptv/channels/7.m3u8', '127.0.0.2', `player-${i}`))
    )
    expect(burst.filter((r) => r.status === 302)).toHaveLength(PER_ADDRESS)
    const refused = burst.filter((r) => r.status === 503)
    expect(refused).toHaveLength(50 - PER_ADDRESS)
    expect(JSON.parse(refused[0]!.body)).toEqual({
      error: {
        code: 'viewer_limit',
        message: expect.stringContaining(
          `your address has as many viewers as it takes (${PER_ADDRESS})`
        )
      }
    })
    // Other channels, and .ts streams, count against the same address.
    expect((await ask('/iptv/channels/two.m3u8', '127.0.0.2', 'another')).status).toBe(503)
    expect((await ask('/iptv/channels/two.ts', '127.0.0.2', 'another')).status).toBe(503)
    // A player already watching is no new viewer: it keeps its session.
    const again = await ask('/iptv/channels/7.m3u8', '127.0.0.2', 'player-0')
    const first = burst.find((r) => r.status === 302 && r.location === again.location)
    expect(again.status === 302 && first !== undefined).toBe(true)
    // Another address is let in.
    expect((await ask('/iptv/channels/7.m3u8', '127.0.0.3', 'player-0')).status).toBe(302)
    expect(liveViewers()).toHaveLength(PER_ADDRESS + 1)
  })

  it('gives the address a place again when one of its viewers ends', async () => {
    const ended = (await ask('/iptv/channels/7.m3u8', '127.0.0.2', 'player-0')).location!.split(
      '/'
    )[2]!
    env.station.director.detach(ended, 'test')
    expect((await ask('/iptv/channels/two.m3u8', '127.0.0.2', 'newcomer')).status).toBe(302)
    expect((await ask('/iptv/channels/two.m3u8', '127.0.0.2', 'one-more')).status).toBe(503)
  })
})
