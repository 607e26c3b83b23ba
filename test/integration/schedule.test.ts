import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseInstant } from '../../src/shared/time'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const T = (iso: string) => parseInstant(iso)
const H = 3_600_000

const basic = {
  version: 1,
  channels: [
    {
      id: 'alpha',
      name: 'Alpha',
      timezone: 'America/New_York',
      schedule: [
        { title: 'One', asset: 'media/a.mp4', start: '2026-11-25T12:00:00Z', durationMs: 10_000 },
        {
          title: 'Two',
          asset: 'media/b.mp4',
          start: '2026-11-25T12:00:10Z',
          durationMs: 6_000,
          inPointMs: 2_000
        },
        // 4 s gap
        {
          title: 'Three',
          asset: 'media/c.mp4',
          start: '2026-11-25T12:00:20Z',
          durationMs: 6_000,
          type: 'promo'
        }
      ]
    }
  ]
}

describe('ScheduleService', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv('2026-11-25T11:00:00Z')
  })
  afterEach(() => env.close())

  it('answers what is airing at T with the offset into the item (start <= T < end)', async () => {
    await env.importStation(basic)
    const ch = env.store.channels.bySlug('alpha')!
    expect(env.schedule.airingAt(ch.id, T('2026-11-25T11:59:59.999Z'))).toBeNull()
    expect(env.schedule.airingAt(ch.id, T('2026-11-25T12:00:00Z'))).toMatchObject({
      event: { title: 'One' },
      offsetMs: 0
    })
    expect(env.schedule.airingAt(ch.id, T('2026-11-25T12:00:09.999Z'))).toMatchObject({
      event: { title: 'One' },
      offsetMs: 9_999
    })
    // In point is added: 3 s into "Two" is 5 s into its asset.
    expect(env.schedule.airingAt(ch.id, T('2026-11-25T12:00:13Z'))).toMatchObject({
      event: { title: 'Two' },
      offsetMs: 5_000
    })
    expect(env.schedule.airingAt(ch.id, T('2026-11-25T12:00:16Z'))).toBeNull() // the gap
    expect(env.schedule.nextAfter(ch.id, T('2026-11-25T12:00:16Z'))?.title).toBe('Three')
  })

  it('builds a playout plan with explicit gaps and never fills them', async () => {
    await env.importStation(basic)
    const ch = env.store.channels.bySlug('alpha')!
    const plan = env.schedule.playoutPlan(ch, T('2026-11-25T12:00:05Z'), 60_000)
    expect(
      plan.segments.map((s) => [
        s.kind,
        s.kind === 'item' ? s.title : '',
        s.startMs - T('2026-11-25T12:00:00Z'),
        s.endMs - T('2026-11-25T12:00:00Z')
      ])
    ).toEqual([
      ['item', 'One', 0, 10_000], // whole item; the producer joins it at T - start
      ['item', 'Two', 10_000, 16_000],
      ['gap', '', 16_000, 20_000],
      ['item', 'Three', 20_000, 26_000],
      ['gap', '', 26_000, 65_000] // nothing more: a gap to the horizon
    ])
    // Holes in an absolute schedule are not deliberate: nothing was scheduled there.
    expect(plan.segments.filter((s) => s.kind === 'gap' && s.deliberate)).toEqual([])
    const first = plan.segments[0]!
    expect(first.kind === 'item' && first.asset?.path).toBe(path.join(env.dir, 'media/a.mp4'))
    expect(first.kind === 'item' && first.asset?.durationMs).toBe(10_000)
    const three = plan.segments[3]!
    expect(three.kind === 'item' && three.asset?.hasAudio).toBe(false)
    // Contiguous: each segment starts where the previous ended.
    for (let i = 1; i < plan.segments.length; i++)
      expect(plan.segments[i]!.startMs).toBe(plan.segments[i - 1]!.endMs)
  })

  it('reports a 05:00-07:00 item as the carryover into the 06:00 broadcast day and keeps it whole in the plan', async () => {
    await env.importStation({
      version: 1,
      channels: [
        {
          id: 'movies',
          name: 'Movies',
          timezone: 'Europe/Berlin',
          schedule: [
            {
              title: 'Before',
              asset: 'media/a.mp4',
              start: '2026-11-26T04:59:50+01:00',
              durationMs: 10_000
            },
            {
              title: 'The Late Movie',
              asset: 'media/movie.mp4',
              start: '2026-11-26T05:00:00+01:00',
              durationMs: 2 * H
            },
            {
              title: 'After',
              asset: 'media/a.mp4',
              start: '2026-11-26T07:00:00+01:00',
              durationMs: 10_000
            }
          ]
        }
      ]
    })
    const ch = env.store.channels.bySlug('movies')!
    const day = env.schedule.broadcastDay(ch, T('2026-11-26T06:30:00+01:00'))
    expect(day.label).toBe('2026-11-26')
    expect(day.carryover?.title).toBe('The Late Movie')
    expect(day.startMs).toBe(T('2026-11-26T06:00:00+01:00'))
    // The day before has no carryover of its own at its start, and ends at the rollover.
    const before = env.schedule.broadcastDay(ch, T('2026-11-26T05:30:00+01:00'))
    expect(before.label).toBe('2026-11-25')
    expect(before.endMs).toBe(T('2026-11-26T06:00:00+01:00'))
    // A plan across the rollover has the movie as one uninterrupted item.
    const plan = env.schedule.playoutPlan(ch, T('2026-11-26T05:30:00+01:00'), 2 * H)
    const items = plan.segments.filter((s) => s.kind === 'item')
    expect(items.map((s) => (s.kind === 'item' ? s.title : ''))).toEqual([
      'The Late Movie',
      'After'
    ])
    expect(items[0]!.startMs).toBe(T('2026-11-26T05:00:00+01:00'))
    expect(items[0]!.endMs).toBe(T('2026-11-26T07:00:00+01:00'))
    expect(plan.segments.some((s) => s.startMs === T('2026-11-26T06:00:00+01:00'))).toBe(false)
  })

  it('re-imports idempotently: same content, same uuid, no duplicate events', async () => {
    const first = await env.importStation(basic)
    const uuid = first.channels[0]!.uuid
    const content = () =>
      JSON.stringify([
        env.store.db
          .prepare(
            'SELECT uuid, slug, name, timezone, rollover_minutes, kind FROM channels ORDER BY slug'
          )
          .all(),
        env.store.db
          .prepare(
            'SELECT channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source FROM playlog_events ORDER BY channel_id, start_ms'
          )
          .all(),
        env.store.db
          .prepare(
            'SELECT path, duration_ms, has_video, has_audio, width, height FROM assets ORDER BY path'
          )
          .all()
      ])
    const before = content()
    const second = await env.importStation(basic)
    expect(second.channels[0]!.uuid).toBe(uuid)
    expect(second.channels[0]!.created).toBe(false)
    expect(content()).toBe(before)
    expect(env.store.playlog.count(env.store.channels.bySlug('alpha')!.id)).toBe(3)
  })

  it('materializes loops 48 h ahead and keeps extending them as time passes', async () => {
    await env.importStation({
      version: 1,
      channels: [
        {
          id: 'loopy',
          name: 'Loopy',
          timezone: 'UTC',
          loop: {
            epoch: '2026-01-01T00:00:00Z',
            items: [
              { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
              { gapMs: 5_000 },
              { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 }
            ]
          }
        }
      ]
    })
    const ch = env.store.channels.bySlug('loopy')!
    const cycle = 23_000
    const epoch = T('2026-01-01T00:00:00Z')
    const expectAt = (t: number) => {
      const pos = (t - epoch) % cycle
      const airing = env.schedule.airingAt(ch.id, t)
      if (pos < 10_000) expect(airing).toMatchObject({ event: { title: 'A' }, offsetMs: pos })
      else if (pos < 15_000) expect(airing).toBeNull()
      else expect(airing).toMatchObject({ event: { title: 'B' }, offsetMs: pos - 15_000 })
    }
    const now = env.clock.now()
    for (const dt of [0, 1, 9_999, 10_000, 14_999, 15_000, 22_999, 47 * H + 123]) expectAt(now + dt)
    expect(env.schedule.airingAt(ch.id, now + 49 * H)).toBeNull() // beyond the horizon: not yet built

    env.schedule.startHorizonBuilder(3_600_000)
    const changed: number[][] = []
    env.schedule.on('changed', (ids) => changed.push(ids))
    env.clock.advance(3 * 24 * H)
    expect(changed.length).toBeGreaterThanOrEqual(72)
    const later = env.clock.now()
    for (const dt of [0, 7_777, 12_000, 47 * H]) expectAt(later + dt)
    // Old loop events are pruned only past the retention; recent history remains for listings.
    expect(env.schedule.airingAt(ch.id, later - 2 * 24 * H)).not.toBeUndefined()
  })

  it("tells a loop's deliberate gap from a hole where nothing is scheduled", async () => {
    await env.importStation({
      version: 1,
      channels: [
        {
          id: 'holes',
          name: 'Holes',
          timezone: 'UTC',
          // The loop starts at 12:00; before it only an absolute item airs, then nothing until the loop.
          schedule: [
            {
              title: 'Early',
              asset: 'media/c.mp4',
              start: '2026-11-25T11:59:40Z',
              durationMs: 6_000
            }
          ],
          loop: {
            epoch: '2026-11-25T12:00:00Z',
            items: [
              { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
              { gapMs: 5_000 },
              { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 }
            ]
          }
        }
      ]
    })
    const ch = env.store.channels.bySlug('holes')!
    const t0 = T('2026-11-25T12:00:00Z')
    const plan = env.schedule.playoutPlan(ch, t0 - 20_000, 60_000)
    const seen = plan.segments.map((s) => [
      s.kind === 'item' ? s.title : s.deliberate ? 'deliberate gap' : 'nothing scheduled',
      (s.startMs - t0) / 1000,
      (s.endMs - t0) / 1000
    ])
    expect(seen).toEqual([
      ['Early', -20, -14],
      ['nothing scheduled', -14, 0],
      ['A', 0, 10],
      ['deliberate gap', 10, 15],
      ['B', 15, 23],
      ['A', 23, 33],
      ['deliberate gap', 33, 38],
      ['B', 38, 46]
    ])
    // An absolute item over part of the loop's gap leaves the rest of it deliberate.
    await env.importStation({
      version: 1,
      channels: [
        {
          id: 'holes',
          name: 'Holes',
          timezone: 'UTC',
          schedule: [
            {
              title: 'Promo',
              asset: 'media/c.mp4',
              start: '2026-11-25T12:00:09Z',
              durationMs: 3_000
            }
          ],
          loop: {
            epoch: '2026-11-25T12:00:00Z',
            items: [
              { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
              { gapMs: 5_000 },
              { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 }
            ]
          }
        }
      ]
    })
    const gaps = env.schedule.playoutPlan(ch, t0, 20_000).segments.filter((s) => s.kind === 'gap')
    expect(
      gaps.map((s) => [
        s.kind === 'gap' && s.deliberate,
        (s.startMs - t0) / 1000,
        (s.endMs - t0) / 1000
      ])
    ).toEqual([[true, 12, 15]])
  })

  it('lets absolute items take precedence over a loop, which resumes at its own position', async () => {
    await env.importStation({
      version: 1,
      channels: [
        {
          id: 'mixed',
          name: 'Mixed',
          timezone: 'UTC',
          schedule: [
            {
              title: 'Special',
              asset: 'media/c.mp4',
              start: '2026-11-25T12:00:03Z',
              durationMs: 6_000
            }
          ],
          loop: {
            epoch: '2026-11-25T12:00:00Z',
            items: [{ title: 'Loop A', asset: 'media/a.mp4', durationMs: 10_000 }]
          }
        }
      ]
    })
    const ch = env.store.channels.bySlug('mixed')!
    const titles = env.schedule
      .itemsBetween(ch.id, T('2026-11-25T12:00:00Z'), T('2026-11-25T12:00:20Z'))
      .map((e) => [
        e.title,
        (e.startMs - T('2026-11-25T12:00:00Z')) / 1000,
        (e.endMs - T('2026-11-25T12:00:00Z')) / 1000,
        e.inPointMs
      ])
    expect(titles).toEqual([
      ['Loop A', 0, 3, 0],
      ['Special', 3, 9, 0],
      ['Loop A', 9, 10, 9_000],
      ['Loop A', 10, 20, 0]
    ])
  })
})

describe('station file validation', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  const ch = (over: Record<string, unknown> = {}) => ({
    id: 'alpha',
    name: 'Alpha',
    timezone: 'America/New_York',
    schedule: [
      { title: 'One', asset: 'media/a.mp4', start: '2026-11-25T12:00:00Z', durationMs: 10_000 }
    ],
    ...over
  })
  const station = (...channels: unknown[]) => ({ version: 1, channels })
  const item = (over: Record<string, unknown> = {}) => ({
    title: 'One',
    asset: 'media/a.mp4',
    start: '2026-11-25T12:00:00Z',
    durationMs: 10_000,
    ...over
  })

  const broken: Array<[string, unknown, string, RegExp]> = [
    [
      'not JSON',
      '{ "version": 1, "channels": [ }',
      '$',
      /not valid JSON at line 1, column 31: a value was expected/
    ],
    ['unknown version', { version: 2, channels: [] }, '$.version', /unknown version 2/],
    ['missing version', { channels: [ch()] }, '$.version', /unknown version|version/],
    [
      'channels not an array',
      { version: 1, channels: {} },
      '$.channels',
      /must be an array of channels/
    ],
    ['no channels', { version: 1, channels: [] }, '$.channels', /at least one channel/],
    [
      'duplicate channel id',
      station(ch(), ch()),
      '$.channels[1].id',
      /duplicate channel id "alpha"/
    ],
    ['bad channel id', station(ch({ id: 'Alpha Channel' })), '$.channels[0].id', /must be a slug/],
    [
      'unknown timezone',
      station(ch({ timezone: 'America/Springfield' })),
      '$.channels[0].timezone',
      /"America\/Springfield" is not a known IANA time zone/
    ],
    [
      'rollover out of range',
      station(ch({ rolloverMinutes: 1440 })),
      '$.channels[0].rolloverMinutes',
      /from 0 to 1439/
    ],
    [
      'unknown kind',
      station(ch({ kind: 'shopping' })),
      '$.channels[0].kind',
      /"normal" or "guide"/
    ],
    [
      'zone-less start',
      station(ch({ schedule: [item({ start: '2026-11-25T12:00:00' })] })),
      '$.channels[0].schedule[0].start',
      /is not an ISO 8601 instant with a zone/
    ],
    [
      'zero duration',
      station(ch({ schedule: [item({ durationMs: 0 })] })),
      '$.channels[0].schedule[0].durationMs',
      /must be positive/
    ],
    [
      'negative duration',
      station(ch({ schedule: [item({ durationMs: -5 })] })),
      '$.channels[0].schedule[0].durationMs',
      /must be positive/
    ],
    [
      'negative in point',
      station(ch({ schedule: [item({ inPointMs: -1 })] })),
      '$.channels[0].schedule[0].inPointMs',
      /must not be negative/
    ],
    [
      'missing asset',
      station(ch({ schedule: [item({ asset: 'media/nope.mp4' })] })),
      '$.channels[0].schedule[0].asset',
      /asset not found: .*nope\.mp4/
    ],
    [
      'unreadable asset (a folder)',
      station(ch({ schedule: [item({ asset: 'media' })] })),
      '$.channels[0].schedule[0].asset',
      /asset unreadable: .*not a regular file/
    ],
    [
      'corrupt asset',
      station(ch({ schedule: [item({ asset: 'media/corrupt.mp4' })] })),
      '$.channels[0].schedule[0].asset',
      /asset .* is not playable media/
    ],
    [
      'text file as asset',
      station(ch({ schedule: [item({ asset: 'media/not-media.txt' })] })),
      '$.channels[0].schedule[0].asset',
      /asset .* is not playable media/
    ],
    [
      'in point past the asset end',
      station(ch({ schedule: [item({ inPointMs: 12_000, durationMs: 1_000 })] })),
      '$.channels[0].schedule[0].inPointMs',
      /in point 12 s is past the end of the asset \(10 s long\)/
    ],
    [
      'item longer than its asset',
      station(ch({ schedule: [item({ inPointMs: 5_000, durationMs: 8_000 })] })),
      '$.channels[0].schedule[0].durationMs',
      /runs 3 s past the end of its asset/
    ],
    [
      'overlapping items',
      station(ch({ schedule: [item(), item({ title: 'Two', start: '2026-11-25T12:00:05Z' })] })),
      '$.channels[0].schedule[1].start',
      /items overlap: "Two" starts at .* before "One"/
    ],
    [
      'empty loop',
      station(ch({ schedule: undefined, loop: { epoch: '2026-01-01T00:00:00Z', items: [] } })),
      '$.channels[0].loop.items',
      /at least one item/
    ],
    [
      'loop of only gaps',
      station(
        ch({
          schedule: undefined,
          loop: { epoch: '2026-01-01T00:00:00Z', items: [{ gapMs: 1000 }] }
        })
      ),
      '$.channels[0].loop.items',
      /at least one item that is not a gap/
    ],
    [
      'bad loop epoch',
      station(
        ch({
          schedule: undefined,
          loop: { epoch: 'soon', items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 1000 }] }
        })
      ),
      '$.channels[0].loop.epoch',
      /with a zone/
    ],
    [
      'unknown field',
      station(ch({ schedule: [{ ...item(), titel: 'typo' }] })),
      '$.channels[0].schedule[0]',
      /unknown field "titel"/
    ],
    [
      'normal channel with nothing to air',
      station(ch({ schedule: undefined })),
      '$.channels[0]',
      /needs a "schedule", a "loop", or both/
    ],
    [
      'guide channel with a schedule',
      station(ch({ kind: 'guide' })),
      '$.channels[0]',
      /guide channel .* takes no schedule or loop/
    ],
    ['empty name', station(ch({ name: '   ' })), '$.channels[0].name', /must not be empty/]
  ]

  it(`gives ${broken.length} broken files ${broken.length} clear errors and changes nothing`, async () => {
    // Start from a station that already has content, so "unchanged" means something.
    await env.importStation({
      version: 1,
      channels: [
        ch({ id: 'existing' }),
        ch({
          id: 'other',
          schedule: undefined,
          loop: {
            epoch: '2026-01-01T00:00:00Z',
            items: [{ title: 'L', asset: 'media/b.mp4', durationMs: 8_000 }]
          }
        })
      ]
    })
    const before = env.dump()
    const messages = new Set<string>()
    for (const [name, json, jsonPath, problem] of broken) {
      let error: unknown
      try {
        await env.importStation(json, `${name.replace(/\W+/g, '-')}.json`)
      } catch (err) {
        error = err
      }
      expect(error, name).toBeInstanceOf(StationFileError)
      const e = error as StationFileError
      const file = path.join(env.dir, `${name.replace(/\W+/g, '-')}.json`)
      expect(e.file, name).toBe(file)
      const match = e.problems.find((p) => p.path === jsonPath && problem.test(p.message))
      expect(match, `${name}: got ${e.message}`).toBeDefined()
      // The message names the file, the JSON path and the problem.
      expect(e.message, name).toContain(`${file}: ${jsonPath}: `)
      messages.add(e.message)
      if (process.env['SHOW_ERRORS']) console.log(e.message)
      expect(env.dump(), `${name} changed the database`).toBe(before)
    }
    expect(messages.size).toBe(broken.length)
  })

  it('reports every problem of a file, not just the first', async () => {
    let error: StationFileError | undefined
    try {
      await env.importStation(
        station(
          ch({
            schedule: [item({ asset: 'media/nope.mp4' }), item({ start: '2026-11-25T12:00:05Z' })]
          }),
          ch({ id: 'beta', timezone: 'Mars/Base' })
        )
      )
    } catch (err) {
      error = err as StationFileError
    }
    const paths = error?.problems.map((p) => p.path) ?? []
    expect(paths).toContain('$.channels[1].timezone')
    expect(error?.message.split('\n').length).toBeGreaterThanOrEqual(1)
  })

  it('reads asset paths relative to the station file, and absolute ones as given', async () => {
    fs.mkdirSync(path.join(env.dir, 'sub'))
    const abs = path.join(env.dir, 'media/a.mp4')
    const r = await env.importStation(
      station(
        ch({
          schedule: [
            item({ asset: '../media/b.mp4', durationMs: 8_000 }),
            item({ asset: abs, start: '2026-11-25T13:00:00Z' })
          ]
        })
      ),
      'sub/station.json'
    )
    expect(r.channels[0]!.items).toBe(2)
  })
})
