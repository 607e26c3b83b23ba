// A templated channel's day three ways: the XMLTV guide, GET /api/channels/:uuid/schedule (the
// facade behind it) and the as-run log of what the runtime aired agree, item for item. Simulated
// clock, test-double producers that report their segments as the clock reaches them, real SQLite.
import { describe, expect, it } from 'vitest'
import { ProgrammingService } from '../../src/schedule/programming'
import { viewerChannels } from '../../src/server/iptv/directory'
import { renderXmltv } from '../../src/server/iptv/xmltv'
import { channelTemplate } from '../../src/shared/programming'
import { StationFacade } from '../../src/station-facade'
import { addAsset } from '../helpers/library-rows'
import { runtimeEnvs } from '../helpers/runtime-env'

const { env: makeEnv } = runtimeEnvs()
const MIN = 60_000
const HOUR = 60 * MIN
/** XMLTV's "20261207070000 -0500" as an instant. */
const xmltvInstant = (text: string) => {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text)!
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * MIN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - offset
}
const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')

describe('a templated channel: guide, schedule and as-run agree', () => {
  it('for a whole broadcast day, every item at the same times in all three', async () => {
    // Monday 2026-12-07 05:55 in New York: just before the broadcast day starts.
    const e = await makeEnv({ start: '2026-12-07T10:55:00Z', sessionTimeoutMs: 2 * 86_400_000 })
    e.pool.airSegments = true
    const channel = e.channels[0]!
    // The channel is templated, not looped.
    e.store.loops.remove(channel.id)
    e.store.playlog.deleteSource(channel.id, 'loop')
    e.store.library.addFolder('tv', '/media/tv', 0)
    e.store.library.addFolder('bumps', '/media/bumps', 0)
    for (let ep = 1; ep <= 8; ep++)
      addAsset(e.store, {
        folder: 'tv',
        rel: `Show/E${ep}.mp4`,
        title: `Episode ${ep}`,
        show: 'The Show',
        season: 1,
        episode: ep,
        durationMs: (20 + ep) * MIN + 1234
      })
    for (let b = 1; b <= 3; b++)
      addAsset(e.store, {
        folder: 'bumps',
        rel: `b${b}.mp4`,
        title: `Bump ${b}`,
        durationMs: (40 + b * 7) * 1000
      })
    const programming = new ProgrammingService(e.store, e.clock, e.schedule)
    programming.saveCollection('show', { show: 'The Show' })
    programming.saveCollection('bumpers', { folder: 'bumps:' })
    const slot = {
      collection: 'show',
      order: 'sequential',
      fill: 'fill',
      padToMinutes: 30,
      filler: 'bumpers',
      bumpers: 'bumpers',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
    }
    programming.publish(channel.uuid, {
      by: 'test',
      template: channelTemplate.parse({
        slots: [
          // The day's programming: two slots with a hole between them (the rest of the day is
          // the slate), so a day of it airs in a few simulated hours.
          { ...slot, id: 'early', start: '06:00', end: '07:00' },
          { ...slot, id: 'breakfast', start: '07:30', end: '08:30' }
        ]
      })
    })
    const api = new StationFacade({
      clock: e.clock,
      store: e.store,
      schedule: e.schedule,
      director: e.director
    })
    e.director.attach(channel.uuid)
    // Past the day's last item (08:30), and a minute for it to end in the log.
    await e.advance(2 * HOUR + 37 * MIN)

    const dayStart = Date.parse('2026-12-07T11:00:00Z')
    const dayEnd = dayStart + 24 * HOUR
    const info = e.schedule.channelById(channel.id)!
    const xml = await renderXmltv(
      viewerChannels([info], 'a1b2c3d4'),
      (id, f, t) => e.schedule.listingPages(id, f, t),
      dayStart,
      24 * HOUR
    )
    const guide = [
      ...xml.matchAll(
        /<programme start="([^"]+)" stop="([^"]+)"[^>]*>\s*<title[^>]*>([^<]*)<\/title>/g
      )
    ].map((m) => [unescape(m[3]!), xmltvInstant(m[1]!), xmltvInstant(m[2]!)])
    const schedule = (
      await api.schedule(channel.uuid, {
        from: new Date(dayStart).toISOString(),
        to: new Date(dayEnd).toISOString()
      })
    ).items.map((i) => [i.title, Date.parse(i.start), Date.parse(i.end)])
    const asRun = (await api.asRun({ channel: channel.uuid, day: '2026-12-07' }))[0]!.rows
      .filter((r) => r.kind === 'item')
      .map((r) => [r.title, Date.parse(r.actualStart), Date.parse(r.actualEnd ?? '')])
    const statuses = new Set(
      (await api.asRun({ channel: channel.uuid, day: '2026-12-07' }))[0]!.rows
        .filter((r) => r.kind === 'item')
        .map((r) => r.status)
    )

    // Two slots of episodes, bumpers and filler: all three lists the same.
    expect(schedule.filter(([t]) => String(t).startsWith('Episode'))).toHaveLength(4)
    expect(schedule.length).toBeGreaterThan(10)
    // XMLTV times are to the second.
    const second = (ms: unknown) => Math.floor(Number(ms) / 1000) * 1000
    expect(guide).toEqual(schedule.map(([t, s, e]) => [t, second(s), second(e)]))
    expect(asRun).toEqual(schedule)
    expect([...statuses]).toEqual(['as-scheduled'])
  }, 120_000)
})
