// The station file's `collections` and a channel's `template`: validated all or nothing with JSON
// paths, imported (published as a revision, materialized), and exported back to a file that,
// imported into a fresh data folder with the same media, gives the same playlog for 7 days.
import fs from 'node:fs'
import path from 'node:path'
import { DateTime } from 'luxon'
import { afterEach, describe, expect, it } from 'vitest'
import { PreAirCheck } from '../../src/library/pre-air'
import { ProgrammingService } from '../../src/schedule/programming'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const ZONE = 'America/New_York'
const MIN = 60_000
const DAY = 86_400_000

function station(libDir: string, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    library: [
      { id: 'tv', path: path.join(libDir, 'tv') },
      { id: 'bumps', path: path.join(libDir, 'bumps') }
    ],
    collections: [
      { id: 'toons', show: 'Cartoon Show' },
      { id: 'bumpers', folder: 'bumps:' }
    ],
    channels: [
      {
        id: 'retro',
        name: 'Retro',
        timezone: ZONE,
        template: {
          slots: [
            {
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
        },
        ...extra
      }
    ]
  }
}

/** The same media in each data folder: library rows as a scan would leave them. */
function addMedia(env: ScheduleEnv, libDir: string) {
  const add = env.store.db.prepare(
    `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at,
       folder_id, rel_path, status, kind, title, show, season, episode, added_at)
     VALUES (?, ?, 1, 1, 1000, 0, '{}', 1, ?, ?, 'ok', ?, ?, ?, ?, ?, 0)`
  )
  for (let e = 1; e <= 12; e++)
    add.run(
      path.join(libDir, 'tv', `S01E${e}.mp4`),
      22 * MIN,
      'tv',
      `S01E${e}.mp4`,
      'episode',
      `Episode ${e}`,
      'Cartoon Show',
      1,
      e
    )
  for (let b = 1; b <= 3; b++)
    add.run(
      path.join(libDir, 'bumps', `b${b}.mp4`),
      45_000,
      'bumps',
      `b${b}.mp4`,
      'other',
      `Bump ${b}`,
      null,
      null,
      null
    )
  env.schedule.templatesChanged()
}

function libraryDir(env: ScheduleEnv): string {
  const dir = path.join(env.dir, 'lib')
  fs.mkdirSync(path.join(dir, 'tv'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'bumps'), { recursive: true })
  return dir
}

const playlog = (env: ScheduleEnv, from: number, to: number) => {
  const channel = env.store.channels.bySlug('retro')!
  return env.schedule
    .itemsBetween(channel.id, from, to)
    .map((e) => [
      DateTime.fromMillis(e.startMs, { zone: ZONE }).toISO(),
      e.endMs - e.startMs,
      e.title,
      e.type
    ])
}

describe('station file: collections and templates', () => {
  const envs: ScheduleEnv[] = []
  afterEach(() => {
    for (const e of envs.splice(0)) e.close()
  })
  const fresh = () => {
    const env = scheduleEnv('2026-11-25T12:00:00Z')
    envs.push(env)
    return env
  }

  it('imports collections and a template, publishes it as a revision and materializes it', async () => {
    const env = fresh()
    const lib = libraryDir(env)
    const result = await env.importStation(station(lib))
    addMedia(env, lib)
    const now = env.clock.now()
    const items = playlog(env, now, now + 7 * DAY)
    const programs = items.filter((i) => i[3] === 'program')
    // Wednesday 25 November 2026 12:00 UTC: the next weekday morning is Thursday.
    expect(programs.slice(0, 5).map((i) => [String(i[0]).slice(5, 16), i[2]])).toEqual([
      ['11-26T07:00', 'Episode 1'],
      ['11-26T07:30', 'Episode 2'],
      ['11-26T08:00', 'Episode 3'],
      ['11-26T08:30', 'Episode 4'],
      ['11-27T07:00', 'Episode 5']
    ])
    expect(items.some((i) => i[3] === 'filler')).toBe(true)
    const programming = new ProgrammingService(env.store, env.clock, env.schedule)
    const uuid = result.channels[0]!.uuid
    expect(programming.revisions(uuid).map((r) => r.by)).toEqual(['import'])
    // The same file again changes nothing.
    await env.importStation(station(lib))
    expect(programming.revisions(uuid)).toHaveLength(1)
    expect(playlog(env, now, now + 7 * DAY)).toEqual(items)
  })

  it('refuses a bad template with every problem and its JSON path, and writes nothing', async () => {
    const env = fresh()
    const lib = libraryDir(env)
    const bad = station(lib, {
      template: {
        slots: [
          { days: ['mon'], start: '07:00', end: '09:00', collection: 'toons' },
          { days: ['mon', 'tue'], start: '08:00', end: '10:00', collection: 'nope' },
          { days: ['tue'], start: '11:00', end: '12:00', collection: 'toons', fill: 'count' }
        ]
      },
      loop: { epoch: '2026-11-25T00:00:00Z', items: [{ gapMs: 1000 }] }
    })
    ;(bad.collections as unknown[]).push(
      { id: 'odd', folder: 'elsewhere:' },
      { id: 'x', shows: 'y' }
    )
    const before = env.dump()
    const err = await env.importStation(bad).then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationFileError)
    const problems = (err as StationFileError).problems
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: '$.channels[0].template.slots[2].count',
          message: 'is required when fill is "count"'
        }
      ])
    )
    expect(env.dump()).toBe(before)
    // Fixed the structural problem, the semantic ones are named with both slots and the collection.
    ;(bad.channels[0]!.template as { slots: Array<Record<string, unknown>> }).slots[2]!['count'] = 2
    const err2 = (await env.importStation(bad).then(
      () => null,
      (e: unknown) => e
    )) as StationFileError
    expect(err2.problems).toEqual(
      expect.arrayContaining([
        { path: '$.collections[2].folder', message: 'no library folder "elsewhere" in $.library' },
        expect.objectContaining({ path: '$.collections[3]' }),
        expect.objectContaining({
          path: '$.channels[0].template',
          message: expect.stringMatching(/takes no "schedule" or "loop"/)
        }),
        {
          path: '$.channels[0].template.slots[1]',
          message:
            'slot mon,tue 08:00-10:00 overlaps $.channels[0].template.slots[0] (mon 07:00-09:00) on mon'
        },
        { path: '$.channels[0].template.slots[1].collection', message: 'unknown collection "nope"' }
      ])
    )
    expect(env.dump()).toBe(before)
  })

  it('export, then import into a fresh data folder with the same media: the same playlog for 7 days', async () => {
    const a = fresh()
    const lib = libraryDir(a)
    await a.importStation(station(lib))
    addMedia(a, lib)
    const exported = new ProgrammingService(a.store, a.clock, a.schedule).exportStation()
    expect(exported).toMatchObject({
      version: 1,
      collections: [{ id: 'bumpers' }, { id: 'toons' }]
    })
    const b = fresh()
    await b.importStation(exported)
    addMedia(b, lib)
    const now = a.clock.now()
    const left = playlog(a, now, now + 7 * DAY)
    expect(left.length).toBeGreaterThan(20)
    expect(playlog(b, now, now + 7 * DAY)).toEqual(left)
  })

  it('a collection whose every file is offline airs the slate and raises the pre-air alarm', async () => {
    const env = fresh()
    const lib = libraryDir(env)
    await env.importStation(station(lib))
    addMedia(env, lib)
    const alarms = new Map<string, { message: string; channelUuid: string | null }>()
    const board = {
      raise: (key: string, a: { message: string; channelUuid: string | null }) =>
        !alarms.has(key) && !!alarms.set(key, a),
      clear: (key: string) => alarms.delete(key),
      list: () => [...alarms.keys()].map((key) => ({ key }))
    }
    const check = new PreAirCheck(env.store, env.clock, board as never, 10 * 60_000)
    check.start()
    expect([...alarms.keys()]).toEqual([])
    // The disk with the episodes goes away: the show's slot has nothing that can air.
    env.store.library.setFolderStatus('tv', 'offline', 'its library folder is not there')
    env.schedule.templatesChanged()
    // Wednesday 08:00 in New York: the weekday slot (07:00 to 09:00) is on now.
    env.clock.advance(60 * MIN)
    check.check()
    const channel = env.store.channels.bySlug('retro')!
    expect([...alarms.entries()]).toEqual([
      [
        `pre-air:${channel.id}:collection:toons`,
        {
          message:
            'Retro airs collection "toons" (slot #0) now, but nothing in it can air (its files are offline, missing or unplayable): the slate airs instead',
          channelUuid: channel.uuid,
          kind: 'pre-air',
          severity: 'warning',
          owner: 'library'
        }
      ]
    ])
    // What airs there: no episode, the slot's time left to the slate (a hole in the playlog that
    // the runtime airs as its slate), the filler untouched.
    const now = env.clock.now()
    const week = playlog(env, now, now + 7 * DAY)
    expect(week.filter((i) => i[3] === 'program')).toEqual([])
    const plan = env.schedule.playoutPlan(channel, Date.parse('2026-11-26T12:00:00Z'), 2 * 3600_000)
    expect(plan.segments.map((s) => s.kind)).toEqual(['gap'])
    // The disk is back: the episodes air again and the alarm clears.
    env.store.library.setFolderStatus('tv', 'ok', null)
    env.schedule.templatesChanged()
    check.check()
    expect([...alarms.keys()]).toEqual([])
    expect(playlog(env, now, now + 7 * DAY).filter((i) => i[3] === 'program')).not.toEqual([])
    check.stop()
  })
})
