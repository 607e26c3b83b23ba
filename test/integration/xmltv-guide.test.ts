// The guide written in pieces from paged playlog reads says exactly what the guide built in one go
// with Luxon said (the renderer this replaced, kept here as the reference): across a summer-time
// change, with items spanning the guide's start, overlapping items cut, equal starts, gaps, and page
// boundaries anywhere. And the schedule's version moves with every playlog change, and only then.
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import type { PlaylogEvent } from '../../src/shared/domain'
import { inZone } from '../../src/shared/time'
import { type ViewerChannel, viewerChannels } from '../../src/server/iptv/directory'
import { escapeXml } from '../../src/server/iptv/xml'
import { renderXmltv } from '../../src/server/iptv/xmltv'
import { type ScheduleEnv, scheduleEnv } from '../helpers/schedule-env'

// Programmes the library knows nothing of: interstitials say so, a plain programme says nothing.
const CATEGORIES: Record<string, string> = {
  promo: 'Interstitial',
  bumper: 'Interstitial',
  commercial: 'Interstitial',
  filler: 'Interstitial',
  'station-id': 'Interstitial'
}

/** The guide as it was built before it was streamed: every item read at once, two Luxon formattings a programme. */
function referenceXmltv(
  channels: ViewerChannel[],
  read: (id: number, from: number, to: number) => PlaylogEvent[],
  from: number,
  horizonMs: number
): string {
  const time = (ms: number, zone: string) => inZone(ms, zone).toFormat('yyyyMMddHHmmss ZZZ')
  const to = from + horizonMs
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE tv SYSTEM "xmltv.dtd">',
    '<tv source-info-name="RetroVue" generator-info-name="RetroVue Master Control">'
  ]
  for (const c of channels) {
    const names = [c.info.name, c.number, `${c.number} ${c.info.name}`]
    out.push(
      `  <channel id="${escapeXml(c.guideId)}">`,
      ...names.map((n) => `    <display-name>${escapeXml(n)}</display-name>`),
      '  </channel>'
    )
  }
  for (const c of channels) {
    const zone = c.info.timezone
    const programmes: Array<{
      startMs: number
      endMs: number
      title: string
      category: string | null
    }> = []
    if (c.info.kind === 'guide') {
      for (let s = inZone(from, zone).startOf('hour').toMillis(); s < to; s += 3_600_000)
        programmes.push({
          startMs: s,
          endMs: s + 3_600_000,
          title: 'Listings',
          category: 'Information'
        })
    } else {
      const sorted = [...read(c.info.id, from, to)].sort((a, b) => a.startMs - b.startMs)
      sorted.forEach((e, i) => {
        const next = sorted[i + 1]
        const endMs = next ? Math.min(e.endMs, next.startMs) : e.endMs
        if (endMs > e.startMs)
          programmes.push({
            startMs: e.startMs,
            endMs,
            title: e.title,
            category: CATEGORIES[e.type] ?? null
          })
      })
    }
    for (const p of programmes) {
      out.push(
        `  <programme start="${time(p.startMs, zone)}" stop="${time(p.endMs, zone)}" channel="${escapeXml(c.guideId)}">`
      )
      out.push(`    <title>${escapeXml(p.title)}</title>`)
      if (p.category) out.push(`    <category lang="en">${p.category}</category>`)
      out.push('  </programme>')
    }
  }
  out.push('</tv>', '')
  return out.join('\n')
}

describe('the XMLTV guide in pieces', () => {
  let env: ScheduleEnv | undefined
  afterEach(() => env?.close())

  it('is byte for byte the guide built in one go, whatever the page size', async () => {
    // The night New York leaves summer time: 2026-11-01 06:00 UTC.
    env = scheduleEnv('2026-10-31T12:00:00Z')
    const { store, schedule } = env
    const from = env.clock.now()
    const zones = ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC']
    const ids = zones.map((timezone, i) =>
      store.channels.insert(
        {
          uuid: `00000000-0000-4000-8000-00000000000${i}`,
          slug: `ch-${i}`,
          name: `Ch & ${i}`,
          timezone,
          rolloverMinutes: 360,
          kind: 'normal'
        },
        from
      )
    )
    store.channels.insert(
      {
        uuid: '00000000-0000-4000-8000-000000000009',
        slug: 'guide',
        name: 'Guide',
        timezone: 'Europe/Berlin',
        rolloverMinutes: 360,
        kind: 'guide'
      },
      from
    )
    const assetId = store.assets.upsert({
      path: '/x/a.mp4',
      durationMs: 1,
      hasVideo: true,
      hasAudio: true,
      width: 1,
      height: 1,
      frameRate: 30,
      audioChannels: 2,
      sizeBytes: 1,
      mtimeMs: 1,
      probeJson: '{}',
      probedAt: from
    })
    const types = ['program', 'commercial', 'promo', 'station-id', 'mystery']
    store.transaction(() => {
      ids.forEach((id, c) => {
        // From 1 h before the guide's start (the first item spans it) to past its end; odd lengths, a gap every 7th.
        let t = from - 3_600_000 + c * 777
        for (let i = 0; t < from + 50 * 3_600_000; i++) {
          const len = 60_000 + ((i * 7919) % 900_000)
          if (i % 7 !== 6)
            store.playlog.insert(id, {
              startMs: t,
              endMs: t + len,
              title: `Show <${i}> "${c}"`,
              type: types[i % types.length]!,
              assetId,
              inPointMs: 0,
              source: 'schedule'
            })
          // Now and then an item that overlaps the next one, and one starting with another: the guide cuts them.
          if (i % 11 === 3)
            store.playlog.insert(id, {
              startMs: t + 1000,
              endMs: t + len + 120_000,
              title: 'Overlap',
              type: 'program',
              assetId,
              inPointMs: 0,
              source: 'loop'
            })
          if (i % 13 === 5)
            store.playlog.insert(id, {
              startMs: t,
              endMs: t + 30_000,
              title: 'Twin',
              type: 'bumper',
              assetId,
              inPointMs: 0,
              source: 'loop'
            })
          t += len + (i % 5 === 0 ? 45_000 : 0)
        }
      })
    })
    const channels = viewerChannels(schedule.activeChannels(), 'A1B2C3D4')
    const reference = referenceXmltv(
      channels,
      (id, f, t) => schedule.itemsBetween(id, f, t),
      from,
      48 * 3_600_000
    )
    expect(reference.match(/<programme /g)!.length).toBeGreaterThan(1000)
    expect(reference).toContain('-0400" channel="ch-0.a1b2c3d4.retrovue"')
    expect(reference).toContain('-0500" channel="ch-0.a1b2c3d4.retrovue"')
    for (const pageSize of [1, 2, 7, 1000]) {
      const pieces = await renderXmltv(
        channels,
        (id, f, t) => schedule.listingPages(id, f, t, pageSize),
        from,
        48 * 3_600_000
      )
      expect(pieces, `page size ${pageSize}`).toBe(reference)
    }
  })

  it('reads a range in pages that together are itemsBetween, and moves the version with every playlog change', async () => {
    env = scheduleEnv()
    const station = {
      version: 1,
      channels: [
        {
          id: 'one',
          name: 'One',
          timezone: 'UTC',
          loop: {
            epoch: '2026-01-01T00:00:00Z',
            items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }, { gapMs: 5_000 }]
          }
        }
      ]
    }
    const v0 = env.schedule.version
    await env.importStation(station)
    const v1 = env.schedule.version
    expect(v1).toBeGreaterThan(v0)
    const id = env.store.channels.listActive()[0]!.id
    const from = env.clock.now() + 3_333
    const to = from + 6 * 3_600_000
    const pages = [...env.schedule.itemPages(id, from, to, 100)]
    expect(pages.every((p) => p.length <= 100)).toBe(true)
    expect(pages.flat()).toEqual(env.schedule.itemsBetween(id, from, to))
    expect(pages.flat()[0]!.startMs).toBeLessThan(from)
    // The guide's lighter read: the same items, only what a listing shows.
    const listings = [...env.schedule.listingPages(id, from, to, 100)].flat()
    expect(listings.map((l) => [l.id, l.startMs, l.endMs, l.title, l.type])).toEqual(
      pages.flat().map((e) => [e.id, e.startMs, e.endMs, e.title, e.type])
    )
    // The horizon builder extends the loop as time passes: a new version.
    env.clock.advance(2 * 3_600_000)
    expect(env.schedule.extendHorizons().length).toBe(1)
    const v2 = env.schedule.version
    expect(v2).toBeGreaterThan(v1)
    // A loudness measured or a new target changes gains, not the playlog: the channels plan again, the guide stays.
    const replanned: number[][] = []
    env.schedule.on('changed', (ids) => replanned.push(ids))
    env.schedule.loudnessChanged()
    env.schedule.loudnessMeasured('/nowhere/a.mp4')
    expect(replanned).toEqual([[id]])
    expect(env.schedule.version).toBe(v2)
    // The library learned an episode's title or plot: the guide is built again, nothing plans again.
    env.schedule.listingsChanged()
    expect(env.schedule.version).toBeGreaterThan(v2)
    expect(replanned).toEqual([[id]])
  })

  it('carries what the library knows of an asset, and nothing more for the rest', async () => {
    env = scheduleEnv('2026-12-07T00:00:00Z')
    const { store, schedule } = env
    const from = env.clock.now()
    const id = store.channels.insert(
      {
        uuid: '00000000-0000-4000-8000-000000000001',
        slug: 'one',
        name: 'One',
        timezone: 'UTC',
        rolloverMinutes: 360,
        kind: 'normal'
      },
      from
    )
    const asset = (p: string) =>
      store.assets.upsert({
        path: p,
        durationMs: 1,
        hasVideo: true,
        hasAudio: true,
        width: 1,
        height: 1,
        frameRate: 30,
        audioChannels: 2,
        sizeBytes: 1,
        mtimeMs: 1,
        probeJson: '{}',
        probedAt: from
      })
    const episode = asset('/tv/Show/Season 01/Show - S01E02 - Pilot.mkv')
    const movie = asset('/movies/Film (1999).mkv')
    const special = asset('/tv/Show/Specials/Show - S00E03.mkv')
    const plain = asset('/x/plain.mp4')
    const set = store.db.prepare(
      `UPDATE assets SET show = ?, season = ?, episode = ?, episode_title = ?, year = ?, genres = ?, plot = ?
       WHERE id = ?`
    )
    set.run('Show', 1, 2, 'Pilot & <More>', 2001, '["Drama","Comedy"]', 'They "meet".', episode)
    set.run(null, null, null, null, 1999, '["Science Fiction"]', null, movie)
    set.run('Show', 0, 3, null, null, null, null, special)
    const items: Array<[string, number]> = [
      ['Show', episode],
      ['Film', movie],
      ['Special', special],
      ['Plain', plain],
      ['Show again', episode]
    ]
    items.forEach(([title, assetId], i) =>
      store.playlog.insert(id, {
        startMs: from + i * 600_000,
        endMs: from + (i + 1) * 600_000,
        title,
        type: 'program',
        assetId,
        inPointMs: 0,
        source: 'schedule'
      })
    )
    const channels = viewerChannels(schedule.activeChannels(), 'A1B2C3D4')
    // The first item spans the guide's start: it is read by the other query.
    const xml = await renderXmltv(
      channels,
      (c, f, t) => schedule.listingPages(c, f, t, 2),
      from + 1000,
      3_600_000
    )
    expect(xml.endsWith('  </programme>\n</tv>\n')).toBe(true)
    const programmes = xml.slice(0, -'</tv>\n'.length).split('  <programme ').slice(1)
    expect(programmes).toHaveLength(5)
    expect(programmes[0]).toBe(
      [
        'start="20261207000000 +0000" stop="20261207001000 +0000" channel="one.a1b2c3d4.retrovue">',
        '    <title>Show</title>',
        '    <sub-title>Pilot &amp; &lt;More&gt;</sub-title>',
        '    <desc>They &quot;meet&quot;.</desc>',
        '    <date>2001</date>',
        '    <category lang="en">Series</category>',
        '    <category>Drama</category>',
        '    <category>Comedy</category>',
        '    <episode-num system="xmltv_ns">0.1.</episode-num>',
        '    <episode-num system="onscreen">S01E02</episode-num>',
        '  </programme>',
        ''
      ].join('\n')
    )
    // The same asset again: the same details (kept per asset while the guide is written).
    expect(programmes[4]!.split('\n').slice(2)).toEqual(programmes[0]!.split('\n').slice(2))
    expect(programmes[1]).toContain(
      '    <date>1999</date>\n    <category lang="en">Movie</category>\n    <category>Science Fiction</category>\n  </programme>'
    )
    expect(programmes[1]).not.toContain('episode-num')
    // Season 0 (specials) has no xmltv_ns form; onscreen says it.
    expect(programmes[2]).toContain(
      '<episode-num system="xmltv_ns">.2.</episode-num>\n    <episode-num system="onscreen">S00E03</episode-num>'
    )
    expect(programmes[2]).toContain('<category lang="en">Series</category>')
    // Media the library knows nothing of: a title, and no kind it cannot know.
    expect(programmes[3]).toBe(
      'start="20261207003000 +0000" stop="20261207004000 +0000" channel="one.a1b2c3d4.retrovue">\n    <title>Plain</title>\n  </programme>\n'
    )
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
  })
})
