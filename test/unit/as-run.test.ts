// AsRunLogger on its own: rows with real times, the split at the rollover as one transaction, the
// channel's zone followed after a change, and writes that never throw back into playout.
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/clock'
import { AsRunLogger } from '../../src/runtime/as-run'
import type { ChannelInfo, PlayoutSegment } from '../../src/shared/domain'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'

describe('AsRunLogger', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  function setup(start: string, zone: string) {
    const t = tempDir()
    const store = Store.open(t.dir)
    cleanups.push(() => {
      store.close()
      t.cleanup()
    })
    const clock = new SimulatedClock(start)
    const uuid = '00000000-0000-4000-8000-000000000001'
    let channel: ChannelInfo = {
      id: 0,
      uuid,
      slug: 'ch',
      name: 'Channel',
      timezone: zone,
      rolloverMinutes: 360,
      kind: 'normal'
    }
    channel = { ...channel, id: store.channels.insert(channel, clock.now()) }
    const errors: unknown[] = []
    const log = new AsRunLogger({
      store,
      clock,
      channel: () => channel,
      onError: (err) => errors.push(err)
    })
    log.expect('normal')
    const rows = () => {
      log.flush()
      return store.asRun.recent(channel.id).reverse()
    }
    return {
      store,
      clock,
      log,
      rows,
      errors,
      setChannel: (c: Partial<ChannelInfo>) => (channel = { ...channel, ...c })
    }
  }

  const item = (title: string, start: string, end: string): PlayoutSegment => ({
    kind: 'item',
    eventId: 7,
    title,
    type: 'program',
    startMs: Date.parse(start),
    endMs: Date.parse(end),
    inPointMs: 0,
    asset: null
  })

  it('records what aired with real times, and splits an item across the rollover into two broadcast days', () => {
    const { clock, log, rows } = setup('2026-11-26T04:00:00+09:00', 'Asia/Tokyo')
    const movie = item('The Late Movie', '2026-11-25T20:00:00Z', '2026-11-25T22:00:00Z')
    const gap: PlayoutSegment = { kind: 'gap', startMs: movie.endMs, endMs: movie.endMs + 60_000 }
    clock.advanceTo(movie.startMs)
    log.segmentBegan({ segment: movie, atMs: movie.startMs, slate: false })
    clock.advanceTo(movie.endMs) // across 06:00 Tokyo (21:00Z)
    log.segmentEnded({ segment: movie, atMs: movie.endMs, slate: false, status: 'aired' })
    log.segmentBegan({ segment: gap, atMs: gap.startMs, slate: true })
    clock.advance(30_000)
    log.offAir(clock.now(), 'no viewers', 'off-air') // output stopped mid-gap
    expect(
      rows().map((r) => [
        r.broadcastDay,
        r.kind,
        r.title,
        r.media,
        r.actualStartMs,
        r.actualEndMs,
        r.endCause,
        r.splitFrom,
        r.splitTo
      ])
    ).toEqual([
      [
        '2026-11-25',
        'item',
        'The Late Movie',
        'aired',
        movie.startMs,
        Date.parse('2026-11-25T21:00:00Z'),
        'rollover',
        false,
        true
      ],
      [
        '2026-11-26',
        'item',
        'The Late Movie',
        'aired',
        Date.parse('2026-11-25T21:00:00Z'),
        movie.endMs,
        'ended',
        true,
        false
      ],
      [
        '2026-11-26',
        'gap',
        'Slate (schedule gap)',
        'slate',
        gap.startMs,
        gap.startMs + 30_000,
        'no viewers',
        false,
        false
      ],
      ['2026-11-26', 'off-air', 'Off air', 'none', gap.startMs + 30_000, null, null, false, false]
    ])
  })

  it("follows a change of the channel's zone and rollover while an item airs", () => {
    const { clock, log, rows, setChannel } = setup('2026-11-26T03:00:00Z', 'UTC')
    const long = item('Marathon', '2026-11-26T03:00:00Z', '2026-11-26T09:00:00Z')
    log.segmentBegan({ segment: long, atMs: long.startMs, slate: false })
    // A re-import moves the channel to New York with a midnight rollover...
    setChannel({ timezone: 'America/New_York', rolloverMinutes: 0 })
    log.channelChanged()
    clock.advanceTo(long.endMs)
    log.segmentEnded({ segment: long, atMs: long.endMs, slate: false, status: 'aired' })
    // ...so the row splits at New York midnight (05:00Z), not at the old 06:00 UTC.
    expect(rows().map((r) => [r.broadcastDay, r.actualStartMs, r.actualEndMs])).toEqual([
      ['2026-11-25', long.startMs, Date.parse('2026-11-26T05:00:00Z')],
      ['2026-11-26', Date.parse('2026-11-26T05:00:00Z'), long.endMs]
    ])
  })

  it('splits at the rollover in one transaction: a failed write changes nothing, and is written once the store recovers', () => {
    const { store, clock, log, rows, errors } = setup('2026-11-26T05:00:00Z', 'UTC')
    const long = item('Across', '2026-11-26T05:00:00Z', '2026-11-26T07:00:00Z')
    log.segmentBegan({ segment: long, atMs: long.startMs, slate: false })
    log.flush()
    const insert = store.asRun.insert.bind(store.asRun)
    store.asRun.insert = () => {
      throw new Error('SQLITE_FULL: database or disk is full')
    }
    clock.advanceTo(Date.parse('2026-11-26T06:30:00Z'))
    expect(rows().map((r) => [r.actualStartMs, r.actualEndMs])).toEqual([[long.startMs, null]]) // the close was rolled back
    expect(errors[0]).toEqual(new Error('SQLITE_FULL: database or disk is full'))
    store.asRun.insert = insert
    expect(rows().map((r) => [r.broadcastDay, r.actualStartMs, r.actualEndMs, r.splitTo])).toEqual([
      ['2026-11-25', long.startMs, Date.parse('2026-11-26T06:00:00Z'), true],
      ['2026-11-26', Date.parse('2026-11-26T06:00:00Z'), null, false]
    ])
  })

  it('keeps rows in order when the producer reports frames ahead of the clock', () => {
    // The producer writes frames about 2 s ahead and reports them as they are written.
    const { clock, log, rows } = setup('2026-11-26T05:59:50Z', 'UTC')
    const a = item('A', '2026-11-26T05:59:40Z', '2026-11-26T06:00:01Z')
    const b = item('B', '2026-11-26T06:00:01Z', '2026-11-26T06:10:00Z')
    log.segmentBegan({ segment: a, atMs: clock.now(), slate: false })
    clock.advanceTo(Date.parse('2026-11-26T05:59:59Z'))
    // At 05:59:59 the producer already reports A ending and B beginning at 06:00:01, past the rollover.
    log.segmentEnded({ segment: a, atMs: a.endMs, slate: false, status: 'aired' })
    log.segmentBegan({ segment: b, atMs: b.startMs, slate: false })
    // An operator's crawl at 06:00:00 on the clock changes frames after those already written.
    clock.advanceTo(Date.parse('2026-11-26T06:00:00Z'))
    log.relabel('emergency-crawl', clock.now(), 'emergency')
    clock.advanceTo(Date.parse('2026-11-26T06:05:00Z'))
    log.offAir(clock.now(), 'no viewers', 'off-air')
    const r = rows().map((x) => [
      x.broadcastDay,
      x.title,
      x.producerType,
      new Date(x.actualStartMs).toISOString().slice(11, 19),
      x.actualEndMs && new Date(x.actualEndMs).toISOString().slice(11, 19),
      x.endCause
    ])
    expect(r).toEqual([
      // A crossed the rollover: split there, though the clock had not reached it when A's end was reported.
      ['2026-11-25', 'A', 'normal', '05:59:50', '06:00:00', 'rollover'],
      ['2026-11-26', 'A', 'normal', '06:00:00', '06:00:01', 'ended'],
      // B began at 06:00:01; the crawl at 06:00:00 on the clock applies from there, not before.
      ['2026-11-26', 'B', 'emergency-crawl', '06:00:01', '06:05:00', 'no viewers'],
      ['2026-11-26', 'Off air', null, '06:05:00', null, null]
    ])
  })

  it('never writes inside the producer\u2019s call: rows are queued and written right after', async () => {
    const { store, log } = setup('2026-11-26T05:00:00Z', 'UTC')
    const writes: string[] = []
    const insert = store.asRun.insert.bind(store.asRun)
    store.asRun.insert = (r) => {
      writes.push(r.title)
      return insert(r)
    }
    log.segmentBegan({
      segment: item('Queued', '2026-11-26T05:00:00Z', '2026-11-26T06:00:00Z'),
      atMs: Date.parse('2026-11-26T05:00:00Z'),
      slate: false
    })
    expect(writes).toEqual([])
    await new Promise((r) => setImmediate(r))
    expect(writes).toEqual(['Queued'])
  })
})
