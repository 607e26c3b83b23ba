// The station file's `health` section: validated with the rest of the file (every bad value named
// by its JSON path, nothing written), stored with the field defaults filled in, kept across a
// restart, left alone by a file without the section and reset by an empty one.
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { DEFAULT_OUTPUT_HEALTH } from '../../src/shared/domain'
import { Store } from '../../src/store'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const channels = [
  {
    id: 'alpha',
    name: 'Alpha',
    timezone: 'UTC',
    schedule: [
      { title: 'One', asset: 'media/a.mp4', start: '2026-11-25T12:00:00Z', durationMs: 10_000 }
    ]
  }
]
const station = (health?: unknown) => ({
  version: 1,
  ...(health === undefined ? {} : { health }),
  channels
})

describe('station file: health section', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  it('is optional: the field defaults (black 2 s at 0.10, freeze 10 s, silence -60 dBFS for 10 s) until a file sets it', async () => {
    await env.importStation(station())
    expect(env.store.settings.outputHealth()).toEqual(DEFAULT_OUTPUT_HEALTH)
    expect(DEFAULT_OUTPUT_HEALTH).toEqual({
      black: { enabled: true, threshold: 0.1, durationMs: 2_000 },
      freeze: { enabled: true, threshold: 0.004, durationMs: 10_000 },
      silence: { enabled: true, thresholdDb: -60, durationMs: 10_000 }
    })
  })

  it('stores what the file sets with the defaults for the rest, and keeps it across a restart', async () => {
    await env.importStation(
      station({ black: { durationMs: 3_000 }, silence: { thresholdDb: -54, enabled: false } })
    )
    const expected = {
      black: { ...DEFAULT_OUTPUT_HEALTH.black, durationMs: 3_000 },
      freeze: DEFAULT_OUTPUT_HEALTH.freeze,
      silence: { ...DEFAULT_OUTPUT_HEALTH.silence, thresholdDb: -54, enabled: false }
    }
    expect(env.store.settings.outputHealth()).toEqual(expected)
    expect(env.store.audit.recent(1)[0]).toMatchObject({
      action: 'station-import',
      details: { health: expected }
    })
    const again = Store.open(path.join(env.dir, 'data'))
    try {
      expect(again.settings.outputHealth()).toEqual(expected)
    } finally {
      again.close()
    }
    // A file without the section leaves the settings as they are (as it leaves channels it does not list)...
    await env.importStation(station())
    expect(env.store.settings.outputHealth()).toEqual(expected)
    // ...and an empty section goes back to the defaults.
    await env.importStation(station({}))
    expect(env.store.settings.outputHealth()).toEqual(DEFAULT_OUTPUT_HEALTH)
  })

  const broken: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 5, '$.health', /must be an object \{ black\?, freeze\?, silence\? \}/],
    ['unknown condition', { blak: {} }, '$.health', /unknown field "blak"/],
    ['unknown field', { black: { enabld: false } }, '$.health.black', /unknown field "enabld"/],
    [
      'too short',
      { black: { durationMs: 50 } },
      '$.health.black.durationMs',
      /must be at least 100 ms/
    ],
    [
      'too long',
      { freeze: { durationMs: 7_200_000 } },
      '$.health.freeze.durationMs',
      /must be at most 1 hour/
    ],
    [
      'fractional ms',
      { silence: { durationMs: 1500.5 } },
      '$.health.silence.durationMs',
      /whole number of milliseconds/
    ],
    [
      'threshold above 1',
      { freeze: { threshold: 2 } },
      '$.health.freeze.threshold',
      /must be from 0 to 1/
    ],
    [
      'threshold as text',
      { black: { threshold: 'dark' } },
      '$.health.black.threshold',
      /must be a number from 0 to 1/
    ],
    [
      'level above 0 dBFS',
      { silence: { thresholdDb: 6 } },
      '$.health.silence.thresholdDb',
      /must be from -120 to 0 dBFS/
    ],
    [
      'enabled as text',
      { silence: { enabled: 'yes' } },
      '$.health.silence.enabled',
      /must be true or false/
    ]
  ]

  it(`gives ${broken.length} bad health sections errors naming the JSON path, and writes nothing`, async () => {
    await env.importStation(station({ black: { durationMs: 4_000 } }))
    const before = env.dump()
    for (const [name, health, jsonPath, problem] of broken) {
      const error = await env
        .importStation(station(health), `${name.replace(/\W+/g, '-')}.json`)
        .then(
          () => null,
          (err: unknown) => err
        )
      expect(error, name).toBeInstanceOf(StationFileError)
      const e = error as StationFileError
      expect(
        e.problems.find((p) => p.path === jsonPath && problem.test(p.message)),
        `${name}: got ${e.message}`
      ).toBeDefined()
      expect(e.message, name).toContain(`: ${jsonPath}: `)
      expect(env.dump(), `${name} changed the database`).toBe(before)
    }
  })
})
