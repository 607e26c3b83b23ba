// The station file's `conform` section: off unless a file turns it on, defaults filled in, channels
// by this file's ids, bad input named by its JSON path and changing nothing; absent keeps what is stored.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFORM } from '../../src/shared/conform'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const loop = {
  epoch: '2026-01-01T00:00:00Z',
  items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
}
const channels = [
  { id: 'news', name: 'News', timezone: 'UTC', loop },
  { id: 'movies', name: 'Movies', timezone: 'UTC', loop }
]

describe('conform in the station file', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  it('is off until a file turns it on; the section fills its defaults; absent keeps the stored one', async () => {
    await env.importStation({ version: 1, channels })
    expect(env.store.renditions.settings()).toEqual(DEFAULT_CONFORM)
    expect(DEFAULT_CONFORM.enabled).toBe(false)
    await env.importStation({ version: 1, channels, conform: {} })
    expect(env.store.renditions.settings()).toEqual({
      enabled: true,
      aheadHours: 48,
      budgetGiB: 50,
      channels: null,
      copyShare: 0.125
    })
    await env.importStation({
      version: 1,
      channels,
      conform: { aheadHours: 12, budgetGiB: 2.5, channels: ['news'], copyShare: 0.25 }
    })
    const set = {
      enabled: true,
      aheadHours: 12,
      budgetGiB: 2.5,
      channels: ['news'],
      copyShare: 0.25
    }
    expect(env.store.renditions.settings()).toEqual(set)
    expect(
      env.store.audit.recent(10).find((a) => a.action === 'station-import')?.details['conform']
    ).toEqual(set)
    await env.importStation({ version: 1, channels })
    expect(env.store.renditions.settings()).toEqual(set)
    await env.importStation({ version: 1, channels, conform: { enabled: false } })
    expect(env.store.renditions.settings().enabled).toBe(false)
  })

  it.each([
    [{ aheadHours: 0 }, '$.conform.aheadHours', 'from 1 to 168'],
    [{ aheadHours: 1.5 }, '$.conform.aheadHours', 'whole number'],
    [{ budgetGiB: 0 }, '$.conform.budgetGiB', 'more than 0'],
    [{ budgetGiB: '5' }, '$.conform.budgetGiB', 'number of GiB'],
    [{ copyShare: 0 }, '$.conform.copyShare', 'from 0.01 to 1'],
    [{ copyShare: 1.5 }, '$.conform.copyShare', 'from 0.01 to 1'],
    [{ copyShare: '1/8' }, '$.conform.copyShare', 'share of an encode channel'],
    [{ channels: ['weather'] }, '$.conform.channels[0]', 'no channel "weather"'],
    [{ channels: ['news', 'news'] }, '$.conform.channels[1]', 'listed twice'],
    [{ channels: 'news' }, '$.conform.channels', 'must be an array'],
    [{ ahead: 48 }, '$.conform', 'ahead'],
    [true, '$.conform', 'must be an object']
  ])('refuses %j, naming %s, and changes nothing', async (value, where, message) => {
    await env.importStation({ version: 1, channels, conform: { budgetGiB: 7 } })
    const before = env.dump()
    const err = await env.importStation({ version: 1, channels, conform: value }).then(
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
})
