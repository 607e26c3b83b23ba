// Programming a channel end to end on a real store and ScheduleService (simulated clock): collections
// from the library, a draft that survives a restart, preview equal to what publish writes, the
// horizon extended as time passes, sequential positions resumed across a restart, revisions and
// restoring one, a collection gone offline airing the slate.
import { DateTime } from 'luxon'
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/clock'
import { ProgrammingService } from '../../src/schedule/programming'
import { ScheduleService } from '../../src/schedule/service'
import { channelTemplate, type ChannelTemplateInput } from '../../src/shared/programming'
import { WRITE_AT_ONCE_MS } from '../../src/schedule/template-plan'
import { Store } from '../../src/store'
import { until } from '../helpers/until'
import { addAsset } from '../helpers/library-rows'
import { tempDir } from '../helpers/tmp'

const ZONE = 'America/New_York'
const MIN = 60_000
const local = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).toFormat('ccc HH:mm')

function setup(dir: string, clock: SimulatedClock) {
  const store = Store.open(dir)
  const schedule = new ScheduleService(store, clock)
  const programming = new ProgrammingService(store, clock, schedule)
  return { store, schedule, programming }
}

const WEEKDAY: ChannelTemplateInput = {
  slots: [
    {
      id: 'morning',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '07:00',
      end: '09:00',
      collection: 'toons',
      order: 'sequential',
      fill: 'fill',
      padToMinutes: 30,
      filler: 'bumpers'
    }
  ]
}

describe('programming a channel', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => {
    for (const c of cleanups.splice(0)) c()
  })

  function station() {
    const t = tempDir()
    // Sunday 2026-12-06 12:00 in New York.
    const clock = new SimulatedClock('2026-12-06T17:00:00Z')
    const env = setup(t.dir, clock)
    cleanups.push(() => env.store.close())
    const { store } = env
    store.library.addFolder('tv', '/media/tv', 0)
    store.library.addFolder('bumps', '/media/bumps', 0)
    // Episodes inserted out of order: the show collection orders them by season and episode.
    const eps: number[] = []
    for (const [s, e] of [
      [1, 3],
      [1, 1],
      [2, 1],
      [1, 2],
      [1, 4],
      [1, 5],
      [1, 6],
      [1, 7],
      [1, 8],
      [1, 9]
    ] as const)
      eps.push(
        addAsset(store, {
          folder: 'tv',
          rel: `Cartoon Show/S0${s}E0${e}.mp4`,
          title: `S${s}E${e}`,
          show: 'Cartoon Show',
          season: s,
          episode: e,
          durationMs: 22 * MIN
        })
      )
    for (let i = 1; i <= 3; i++)
      addAsset(store, {
        folder: 'bumps',
        rel: `bump${i}.mp4`,
        title: `Bump ${i}`,
        durationMs: 1 * MIN
      })
    const channelId = store.channels.insert(
      {
        uuid: '11111111-2222-4333-8444-555555555555',
        slug: 'retro',
        name: 'Retro',
        timezone: ZONE,
        rolloverMinutes: 360,
        kind: 'normal'
      },
      0
    )
    return { ...env, clock, dir: t.dir, channelId, uuid: '11111111-2222-4333-8444-555555555555' }
  }

  const programs = (s: ReturnType<typeof station>, from: number, to: number) =>
    s.schedule.itemsBetween(s.channelId, from, to).filter((e) => e.type === 'program')

  it('previews exactly what publish writes, episodes in order, padded to the half hour', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    expect(s.programming.collections().map((c) => [c.id, c.kind, c.playable])).toEqual([
      ['bumpers', 'folder', 3],
      ['toons', 'show', 10]
    ])
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    const preview = s.programming.preview(s.uuid, {})
    expect(preview.problems).toEqual([])
    const published = s.programming.publish(s.uuid, { by: 'operator' })
    expect(published.revision.summary.added).toBeGreaterThan(0)
    const now = s.clock.now()
    const written = s.schedule.itemsBetween(s.channelId, now, now + 7 * 86_400_000)
    const previewed = preview.items.filter((i) => i.assetId !== null)
    expect(written.map((e) => [e.startMs, e.assetId])).toEqual(
      previewed.map((i) => [Date.parse(i.start), i.assetId])
    )
    const p = programs(s, now, now + 2 * 86_400_000)
    expect(p.map((e) => e.title)).toEqual([
      'S1E1',
      'S1E2',
      'S1E3',
      'S1E4',
      'S1E5',
      'S1E6',
      'S1E7',
      'S1E8'
    ])
    expect(p.map((e) => local(e.startMs))).toEqual([
      'Mon 07:00',
      'Mon 07:30',
      'Mon 08:00',
      'Mon 08:30',
      'Tue 07:00',
      'Tue 07:30',
      'Tue 08:00',
      'Tue 08:30'
    ])
    // The draft was consumed by the publish.
    expect(s.programming.channelTemplate(s.uuid).draft).toBeNull()
  })

  it('extends the horizon as time passes and resumes the sequence across a restart', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    // The draft survives a restart.
    s.store.close()
    const again = setup(s.dir, s.clock)
    cleanups.push(() => again.store.close())
    expect(again.programming.channelTemplate(s.uuid).draft?.template.slots[0]!.id).toBe('morning')
    again.programming.publish(s.uuid, { by: 'operator' })
    const start = s.clock.now()
    const all = () =>
      again.schedule
        .itemsBetween(s.channelId, start, start + 30 * 86_400_000)
        .filter((e) => e.type === 'program')
    const firstWeek = all().map((e) => e.title)
    expect(firstWeek).toHaveLength(20)
    // A restart, then three days on: the horizon is extended from where the playlog left off.
    again.store.close()
    const third = setup(s.dir, s.clock)
    cleanups.push(() => third.store.close())
    s.clock.advance(3 * 86_400_000)
    expect(third.schedule.extendHorizons()).toContain(s.channelId)
    const titles = third.schedule
      .itemsBetween(s.channelId, start, start + 30 * 86_400_000)
      .filter((e) => e.type === 'program')
      .map((e) => e.title)
    expect(titles.slice(0, 20)).toEqual(firstWeek)
    // 10 episodes then around again, in order.
    const order = ['S1E1', 'S1E2', 'S1E3', 'S1E4', 'S1E5', 'S1E6', 'S1E7', 'S1E8', 'S1E9', 'S2E1']
    expect(titles).toEqual(titles.map((_, i) => order[i % 10]))
    expect(titles.length).toBeGreaterThan(20)
  })

  it('publishing on air never cuts the item airing, and a revision can be restored', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    const first = s.programming.publish(s.uuid, { by: 'operator' })
    // Monday 07:10: S1E1 is on air.
    s.clock.advanceTo(Date.parse('2026-12-07T12:10:00Z'))
    const onAir = s.schedule.airingAt(s.channelId, s.clock.now())!.event
    expect(onAir.title).toBe('S1E1')
    const evening: ChannelTemplateInput = {
      slots: [{ ...WEEKDAY.slots[0]!, padToMinutes: undefined, filler: undefined }]
    }
    s.programming.saveDraft(s.uuid, channelTemplate.parse(evening), 'operator')
    const second = s.programming.publish(s.uuid, { by: 'operator', atMs: s.clock.now() })
    expect(Date.parse(second.replannedFrom)).toBe(onAir.endMs)
    const still = s.schedule.airingAt(s.channelId, s.clock.now())!.event
    expect([still.startMs, still.endMs, still.title]).toEqual([onAir.startMs, onAir.endMs, 'S1E1'])
    // Without padding the next episode follows at once, and resumes after S1E1.
    const next = s.schedule.nextAfter(s.channelId, s.clock.now())!
    expect([next.startMs, next.title]).toEqual([onAir.endMs, 'S1E2'])
    expect(second.revision.summary.moved + second.revision.summary.removed).toBeGreaterThan(0)
    const restored = s.programming.restore(s.uuid, first.revision.id, { by: 'operator' })
    expect(restored.revision.restoredFrom).toBe(first.revision.id)
    expect(s.programming.revisions(s.uuid).map((r) => r.id)).toEqual([
      restored.revision.id,
      second.revision.id,
      first.revision.id
    ])
    expect(s.programming.channelTemplate(s.uuid).published!.template.slots[0]!.padToMinutes).toBe(
      30
    )
  })

  it('a publish writes the next day at once and the rest just after, the items the preview showed', async () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    const preview = s.programming.preview(s.uuid, {})
    const published = s.programming.publish(s.uuid, { by: 'operator' })
    const at = Date.parse(published.replannedFrom)
    const horizon = Date.parse(published.horizon)
    // Before anything else runs: the next day is on the playlog, the rest is not written yet.
    const now = s.store.programming.templatedFrom(s.channelId, 0)
    expect(now.length).toBeGreaterThan(0)
    expect(now.every((r) => r.startMs < at + WRITE_AT_ONCE_MS)).toBe(true)
    expect(s.store.programming.template(s.channelId)!.materializedUntil).toBeLessThan(horizon)
    // Then the rest follows by itself, to the horizon the publish reported.
    await until(
      'the rest of the horizon written',
      5000,
      () =>
        s.store.programming.template(s.channelId)!.materializedUntil === horizon ? true : undefined,
      10
    )
    const written = s.store.programming.templatedFrom(s.channelId, 0)
    expect(written.length).toBeGreaterThan(now.length)
    const end = Date.parse(preview.to)
    expect(written.filter((r) => r.startMs < end).map((r) => [r.startMs, r.assetId])).toEqual(
      preview.items
        .filter((i) => i.assetId !== null && Date.parse(i.start) < end)
        .map((i) => [Date.parse(i.start), i.assetId])
    )
  })

  it('a reader of the playlog never sees a publish half written', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    const published = s.programming.publish(s.uuid, { by: 'operator' })
    const horizon = Date.parse(published.horizon)
    // Asked at once, the schedule answers for the whole week (it writes what it is asked for).
    const week = programs(s, s.clock.now(), s.clock.now() + 7 * 86_400_000)
    expect(week).toHaveLength(20)
    expect(s.store.programming.template(s.channelId)!.materializedUntil).toBeLessThanOrEqual(
      horizon
    )
  })

  it('saving a collection re-plans the channels airing it, from the next slot boundary', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    s.programming.publish(s.uuid, { by: 'operator' })
    const now = s.clock.now()
    expect(programs(s, now, now + 86_400_000 * 2)[0]!.title).toBe('S1E1')
    // Saved again with the same contents: nothing to re-plan.
    expect(s.schedule.templatesChanged()).toEqual([])
    s.programming.saveCollection('toons', { filter: { text: 'S1E9' } })
    expect(programs(s, now, now + 86_400_000 * 2).map((e) => e.title)).toEqual(
      Array(8).fill('S1E9')
    )
  })

  it('a library change re-plans only the templated channels whose collections it changes', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    const other = s.store.channels.insert(
      {
        uuid: '11111111-2222-4333-8444-666666666666',
        slug: 'bumps',
        name: 'Bumps',
        timezone: ZONE,
        rolloverMinutes: 360,
        kind: 'normal'
      },
      0
    )
    s.programming.publish(s.uuid, { by: 'operator', template: channelTemplate.parse(WEEKDAY) })
    s.programming.publish('11111111-2222-4333-8444-666666666666', {
      by: 'operator',
      template: channelTemplate.parse({
        slots: [{ days: ['mon'], start: '10:00', end: '11:00', collection: 'bumpers' }]
      })
    })
    // A new episode: the show's channel plans again, the bumpers' channel is left alone.
    addAsset(s.store, {
      folder: 'tv',
      rel: 'Cartoon Show/S02E02.mp4',
      title: 'S2E2',
      show: 'Cartoon Show',
      season: 2,
      episode: 2,
      durationMs: 22 * MIN
    })
    const before = s.store.programming.templatedFrom(other, 0)
    expect(s.schedule.templatesChanged()).toEqual([s.channelId])
    expect(s.schedule.templatesChanged()).toEqual([])
    expect(s.store.programming.templatedFrom(other, 0)).toEqual(before)
    // A new bumper: both.
    addAsset(s.store, { folder: 'bumps', rel: 'bump4.mp4', title: 'Bump 4', durationMs: MIN })
    expect(s.schedule.templatesChanged().sort()).toEqual([s.channelId, other].sort())
  })

  it('a collection whose every file is offline airs the slate and says so', () => {
    const s = station()
    s.store.library.setFolderStatus('tv', 'offline', 'the disk is gone')
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    s.programming.saveDraft(s.uuid, channelTemplate.parse(WEEKDAY), 'operator')
    const preview = s.programming.preview(s.uuid, {})
    expect(preview.items.filter((i) => i.kind === 'program')).toEqual([])
    expect(preview.items.find((i) => i.kind === 'slate')?.start).toMatch(/^2026-12-07T07:00/)
    expect(preview.warnings.map((w) => w.message)).toContain(
      'collection "toons" has nothing that can air now; the slate airs instead'
    )
  })

  it('refuses to publish overlapping slots and to delete a collection in use', () => {
    const s = station()
    s.programming.saveCollection('toons', { show: 'Cartoon Show' })
    s.programming.saveCollection('bumpers', { folder: 'bumps:' })
    const overlapping = channelTemplate.parse({
      slots: [
        WEEKDAY.slots[0]!,
        { days: ['mon'], start: '08:00', end: '10:00', collection: 'toons' }
      ]
    })
    s.programming.saveDraft(s.uuid, overlapping, 'operator')
    expect(s.programming.channelTemplate(s.uuid).draft!.problems[0]!.message).toMatch(
      /overlaps \$\.slots\[0\]/
    )
    expect(() => s.programming.publish(s.uuid, { by: 'operator' })).toThrow(/cannot be published/)
    expect(s.schedule.itemsBetween(s.channelId, 0, Number.MAX_SAFE_INTEGER)).toEqual([])
    expect(() => s.programming.deleteCollection('toons')).toThrow(/used by Retro draft slot 1/)
  })
})
