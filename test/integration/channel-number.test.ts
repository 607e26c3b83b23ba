// The station file's channel `number`: validated with errors naming the JSON path, unique across
// the station (within a file and against channels the file leaves alone), stored and re-imported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const loop = {
  epoch: '2026-01-01T00:00:00Z',
  items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
}
const ch = (id: string, number?: unknown) => ({
  id,
  name: id.toUpperCase(),
  timezone: 'UTC',
  loop,
  ...(number === undefined ? {} : { number })
})

describe('channel numbers in the station file', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  const problemsOf = async (json: unknown) => {
    const before = env.dump()
    const err = await env.importStation(json).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationFileError)
    expect(env.dump()).toBe(before) // all or nothing
    return (err as StationFileError).problems
  }

  it('stores numbers ("7", "7.1", a JSON whole number) and gives them to the schedule', async () => {
    await env.importStation({
      version: 1,
      channels: [ch('a', '7'), ch('b', '7.1'), ch('c', 12), ch('d')]
    })
    const bySlug = Object.fromEntries(env.schedule.activeChannels().map((c) => [c.slug, c.number]))
    expect(bySlug).toEqual({ a: '7', b: '7.1', c: '12', d: null })
  })

  it.each([
    ['007', 'no leading zeros'],
    ['7.', 'channel number'],
    ['seven', 'channel number'],
    ['0', 'channel number'],
    ['123456', 'channel number'],
    [7.1, 'must be a string'],
    [true, 'channel number'],
    [-3, 'channel number']
  ])('refuses number %j with an error naming $.channels[1].number', async (number, message) => {
    const problems = await problemsOf({ version: 1, channels: [ch('a', '1'), ch('b', number)] })
    expect(problems).toEqual([
      { path: '$.channels[1].number', message: expect.stringContaining(message) }
    ])
  })

  it('refuses a number used twice in one file, naming both places', async () => {
    const problems = await problemsOf({
      version: 1,
      channels: [ch('a', '7'), ch('b', '8'), ch('c', '7')]
    })
    expect(problems).toEqual([
      {
        path: '$.channels[2].number',
        message: 'duplicate channel number "7" (also $.channels[0].number)'
      }
    ])
  })

  it('refuses a number held by a channel the file does not list, and lets channels of one file swap numbers', async () => {
    await env.importStation({ version: 1, channels: [ch('a', '7'), ch('b', '8')] })
    const problems = await problemsOf({ version: 1, channels: [ch('c', '7')] })
    expect(problems).toEqual([
      {
        path: '$.channels[0].number',
        message: 'channel number "7" already belongs to channel "a", which this file does not list'
      }
    ])

    await env.importStation({ version: 1, channels: [ch('a', '8'), ch('b', '7')] })
    expect(env.store.channels.bySlug('a')?.number).toBe('8')
    expect(env.store.channels.bySlug('b')?.number).toBe('7')
    // A file that drops a channel's number frees it.
    await env.importStation({ version: 1, channels: [ch('a')] })
    expect(env.store.channels.bySlug('a')?.number).toBeNull()
    await env.importStation({ version: 1, channels: [ch('c', '8')] })
    expect(env.store.channels.bySlug('c')?.number).toBe('8')
  })
})
