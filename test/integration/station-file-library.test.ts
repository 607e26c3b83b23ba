// Library folders in the station file: paths relative to the file, validated with errors naming
// the JSON path, all or nothing; a folder the station knows stays as it is, one it does not is added.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const channels = [
  {
    id: 'a',
    name: 'A',
    timezone: 'UTC',
    loop: {
      epoch: '2026-01-01T00:00:00Z',
      items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
    }
  }
]

describe('library folders in the station file', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
    fs.mkdirSync(path.join(env.dir, 'library', 'tv'), { recursive: true })
    fs.mkdirSync(path.join(env.dir, 'library', 'movies'), { recursive: true })
  })
  afterEach(() => env.close())

  const folders = () => env.store.library.folders().map((f) => ({ id: f.id, path: f.path }))

  it('adds the folders it lists (paths relative to the file), audited; leaves known ones and unlisted ones alone', async () => {
    await env.importStation({
      version: 1,
      channels,
      library: [
        { id: 'tv', path: 'library/tv' },
        { id: 'movies', path: './library/movies/' }
      ]
    })
    const first = [
      { id: 'movies', path: path.join(env.dir, 'library', 'movies') },
      { id: 'tv', path: path.join(env.dir, 'library', 'tv') }
    ]
    expect(folders()).toEqual(first)
    expect(
      env.store.audit.recent(10).find((a) => a.action === 'station-import')?.details['library']
    ).toHaveLength(2)
    await env.importStation({ version: 1, channels, library: [{ id: 'tv', path: 'library/tv' }] })
    await env.importStation({ version: 1, channels })
    expect(folders()).toEqual(first)
  })

  it.each([
    [[{ id: 'TV', path: 'library/tv' }], '$.library[0].id', 'lowercase'],
    [[{ id: 'tv' }], '$.library[0].path', 'required'],
    [[{ id: 'tv', path: 'library/nowhere' }], '$.library[0].path', 'folder not found'],
    [[{ id: 'tv', path: 'media/a.mp4' }], '$.library[0].path', 'is not a folder'],
    [
      [
        { id: 'tv', path: 'library/tv' },
        { id: 'tv', path: 'library/movies' }
      ],
      '$.library[1].id',
      'the same id as $.library[0]'
    ],
    [
      [
        { id: 'all', path: 'library' },
        { id: 'tv', path: 'library/tv' }
      ],
      '$.library[1].path',
      'overlaps $.library[0]'
    ],
    [[{ id: 'tv', path: 'library/tv', watch: true }], '$.library[0]', 'watch'],
    ['library/tv', '$.library', 'must be an array']
  ])('refuses %j, naming %s, and changes nothing', async (value, where, message) => {
    await env.importStation({
      version: 1,
      channels,
      library: [{ id: 'keep', path: 'library/movies' }]
    })
    const before = env.dump()
    const err = await env.importStation({ version: 1, channels, library: value }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationFileError)
    expect((err as StationFileError).problems).toContainEqual({
      path: where,
      message: expect.stringContaining(message)
    })
    expect(env.dump()).toBe(before)
  })

  it('refuses a folder id the station has at another path, or a path inside a known folder', async () => {
    await env.importStation({ version: 1, channels, library: [{ id: 'tv', path: 'library/tv' }] })
    const before = env.dump()
    for (const [library, message] of [
      [[{ id: 'tv', path: 'library/movies' }], 'already at'],
      [[{ id: 'all', path: 'library' }], 'overlaps the library folder "tv"']
    ] as const) {
      const err = await env
        .importStation({ version: 1, channels, library })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StationFileError)
      expect((err as StationFileError).problems).toContainEqual({
        path: '$.library[0].path',
        message: expect.stringContaining(message)
      })
      expect(env.dump()).toBe(before)
    }
  })
})
