import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDemoStation } from '../../src/schedule/demo-station'
import { importStationFile } from '../../src/schedule/import'
import { broadcastDayAt } from '../../src/schedule/broadcast-day'
import { scheduleEnv, tools, type ScheduleEnv } from '../helpers/schedule-env'

const H = 3_600_000

describe('demo station', () => {
  let env: ScheduleEnv
  beforeAll(async () => {
    env = scheduleEnv('2026-11-25T21:42:00Z')
    const file = await createDemoStation(env.dir, await tools())
    await importStationFile(file, {
      store: env.store,
      schedule: env.schedule,
      clock: env.clock,
      tools: await tools()
    })
    env.schedule.startHorizonBuilder()
  }, 120_000)
  afterAll(() => env.close())

  it('has at least 4 channels in at least 2 time zones, including a guide channel', () => {
    const channels = env.store.channels.list()
    expect(channels.length).toBeGreaterThanOrEqual(4)
    expect(new Set(channels.map((c) => c.timezone)).size).toBeGreaterThanOrEqual(2)
    expect(channels.filter((c) => c.kind === 'guide')).toHaveLength(1)
  })

  it('has a longform item spanning its 06:00 rollover, reported as carryover', () => {
    const found = env.store.channels.list().some((c) => {
      const day = broadcastDayAt(env.clock.now(), c.timezone, c.rolloverMinutes)
      // Today's or tomorrow's rollover.
      return [day.startMs, day.endMs].some((rollover) => {
        const carry = env.schedule.carryoverAt(c.id, rollover)
        return (
          carry !== null &&
          carry.endMs - carry.startMs >= H &&
          carry.startMs < rollover &&
          carry.endMs > rollover
        )
      })
    })
    expect(found).toBe(true)
  })

  it('has a deliberate gap in one channel, and no hole where nothing is scheduled', () => {
    const normal = env.store.channels.list().filter((c) => c.kind === 'normal')
    const gapsOf = (c: (typeof normal)[number]) =>
      env.schedule
        .playoutPlan(c, env.clock.now(), 10 * 60_000)
        .segments.filter((s) => s.kind === 'gap')
    expect(normal.filter((c) => gapsOf(c).length > 0).map((c) => c.slug)).toEqual(['newsroom'])
    for (const c of normal)
      expect(
        gapsOf(c).every((s) => s.kind === 'gap' && s.deliberate),
        c.slug
      ).toBe(true)
  })

  it('never goes stale: a month later every normal channel still has a playlog ahead', () => {
    env.clock.advance(31 * 24 * H)
    for (const c of env.store.channels.list().filter((c) => c.kind === 'normal')) {
      const plan = env.schedule.playoutPlan(c, env.clock.now(), 24 * H)
      const items = plan.segments.filter((s) => s.kind === 'item')
      expect(items.length, c.slug).toBeGreaterThan(0)
      expect(plan.segments.at(-1)!.endMs - env.clock.now(), c.slug).toBeGreaterThanOrEqual(24 * H)
      expect(items.at(-1)!.endMs - env.clock.now(), c.slug).toBeGreaterThan(23 * H)
    }
  })
})
