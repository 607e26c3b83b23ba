// The guide carries what the library knows: a station whose channel airs a library episode, a
// library movie and media outside the library; once the library has scanned its folder, the XMLTV
// guide's programmes have the episode's numbers, title, plot, year and genres, the movie's, and
// nothing more for the other media, and the episode's poster as its icon (served only for what
// the guide airs); the guide stays valid against xmltv.dtd.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { SimulatedClock } from '../../src/runtime/clock'
import { Station } from '../../src/station'
import { fixture } from '../helpers/fixtures'
import { PlaylistProducerPool } from '../helpers/http-env'
import { buildTestLibrary, EP1, MOVIE, SHOW_DIR } from '../helpers/media-library'
import { silentLogger } from '../helpers/runtime-env'
import { tempDir } from '../helpers/tmp'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

it('the XMLTV guide carries the library metadata of the assets that air', async () => {
  const tools = await locateFfmpeg()
  const t = tempDir('retrovue-library-guide-')
  await buildTestLibrary(tools, path.join(t.dir, 'media', 'tv'), t.dir)
  const file = path.join(t.dir, 'station.json')
  const loop = {
    epoch: '2026-01-01T00:00:00Z',
    items: [
      { title: 'Pilot', asset: path.join('media', 'tv', EP1), durationMs: 2000 },
      { title: 'Feature', asset: path.join('media', 'tv', MOVIE), durationMs: 2000 },
      { title: 'Card', asset: fixture('a.mp4'), durationMs: 10_000 },
      // A short loop with a long gap: a small guide.
      { gapMs: 3_600_000 }
    ]
  }
  fs.writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      channels: [{ id: 'one', name: 'One', timezone: 'UTC', loop }],
      library: [{ id: 'tv', path: 'media/tv' }]
    })
  )
  const clock = new SimulatedClock('2026-11-25T12:00:00Z')
  const station = await Station.open({
    dataDir: path.join(t.dir, 'data'),
    stationFile: file,
    producerFactory: new PlaylistProducerPool().factory,
    logger: silentLogger,
    clock,
    loudnessAnalysis: false,
    demo: false
  })
  const app = await station.createHttp()
  cleanups.push(async () => {
    await app.close()
    await station.close()
    fs.rmSync(t.dir, { recursive: true, force: true })
  })
  const host = new URL(await app.listen({ host: '127.0.0.1', port: 0 })).host
  // The library scans and probes its folder (real ffprobe); station time moves its debounces.
  const until = Date.now() + 30_000
  for (;;) {
    const ep = station.library.search({ q: 'Pilot', limit: 10 }).assets[0]
    if (ep?.status === 'ok' && ep.genres.length > 0) break
    if (Date.now() > until) throw new Error('the library did not scan its folder within 30 s')
    clock.advance(100)
    await new Promise((r) => setTimeout(r, 25))
  }
  await station.library.idle()
  // The station file imported the episode before the library found it: it joined the library then.
  const pilot = station.library.search({ q: 'Pilot', limit: 10 }).assets[0]!
  expect(Date.parse(pilot.addedAt)).toBeGreaterThanOrEqual(Date.parse('2026-11-25T12:00:00Z'))

  const res = await app.inject({
    method: 'GET',
    url: '/iptv/xmltv.xml',
    headers: { host, authorization: `Bearer ${station.apiToken}` }
  })
  expect(res.statusCode).toBe(200)
  const xml = res.body
  const programme = (title: string): string => {
    const at = xml.indexOf(`<title>${title}</title>`)
    expect(at, title).toBeGreaterThan(0)
    return xml.slice(xml.lastIndexOf('<programme ', at), xml.indexOf('</programme>', at))
  }
  expect(programme('Pilot')).toContain(
    [
      '    <title>Pilot</title>',
      '    <sub-title>Pilot &amp; Origins</sub-title>',
      '    <desc>Where it all begins.</desc>',
      '    <date>1999</date>',
      '    <category lang="en">Series</category>',
      '    <category>Comedy</category>',
      // The show's sidecar poster, at the client's own address.
      `    <icon src="http://${host}/iptv/posters/${pilot.id}"/>`,
      '    <episode-num system="xmltv_ns">0.0.</episode-num>',
      '    <episode-num system="onscreen">S01E01</episode-num>',
      ''
    ].join('\n')
  )
  const feature = programme('Feature')
  expect(feature).toContain('    <desc>A great one.</desc>\n    <date>2001</date>\n')
  // A movie; its Family genre is Kids to media servers (Jellyfin's and Plex's word), said first.
  expect(feature).toContain(
    '    <category lang="en">Movie</category>\n    <category lang="en">Kids</category>\n    <category>Adventure</category>\n    <category>Family</category>\n'
  )
  expect(feature).not.toContain('episode-num')
  expect(feature).not.toContain('<icon')
  // Media outside the library: its title, and no kind it cannot know.
  expect(programme('Card')).toMatch(/^<programme [^>]+>\n {4}<title>Card<\/title>\n {2}$/)
  const lint = spawnSync(
    'xmllint',
    [
      '--noout',
      '--nonet',
      '--path',
      '/usr/share/xmltv',
      '--dtdvalid',
      '/usr/share/xmltv/xmltv.dtd',
      '-'
    ],
    { input: xml, encoding: 'utf8' }
  )
  expect(lint.stderr).toBe('')
  expect(lint.status).toBe(0)

  // The icon's URL serves the poster, to anyone (viewers' software has no token)...
  const poster = await app.inject({
    method: 'GET',
    url: `/iptv/posters/${pilot.id}`,
    headers: { host }
  })
  expect(poster.statusCode).toBe(200)
  expect(poster.headers['content-type']).toBe('image/jpeg')
  expect(
    poster.rawPayload.equals(
      fs.readFileSync(path.join(t.dir, 'media', 'tv', SHOW_DIR, 'poster.jpg'))
    )
  ).toBe(true)
  // ...but only of what the guide airs: the second episode has the same poster and is not scheduled.
  const second = station.library.search({ q: 'Second Wind', limit: 10 }).assets[0]!
  expect(second.hasPoster).toBe(true)
  for (const id of [String(second.id), '0', 'x', '99999999']) {
    const res = await app.inject({ method: 'GET', url: `/iptv/posters/${id}`, headers: { host } })
    expect(res.statusCode, id).toBe(404)
  }
})
