// The runtime under faults: the producer budget through slow and failing starts and stops, alarms
// that belong to what raised them, transitions and writes that fail without taking the station
// down, and sessions that exist only once committed. Simulated clock, test-double producers, real SQLite.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CapacityError } from '../../src/runtime/errors'
import { runtimeEnv, runtimeEnvs, type RuntimeEnv } from '../helpers/runtime-env'

const { env } = runtimeEnvs()

/** The channel's alarms whose condition is present (cleared ones stay listed, latched, until acknowledged). */
const activeAlarms = (e: RuntimeEnv, uuid: string) =>
  e.director.channelStatus(uuid)!.alarms.filter((a) => a.clearedAt === null)
const activeKinds = (e: RuntimeEnv, uuid: string) =>
  activeAlarms(e, uuid)
    .map((a) => a.kind)
    .sort()
const tryAttach = (e: RuntimeEnv, uuid: string, purpose: 'viewer' | 'preview' = 'viewer') => {
  try {
    return e.director.attach(uuid, purpose)
  } catch (err) {
    if (err instanceof CapacityError) return null
    throw err
  }
}

describe('producer budget', () => {
  it('a viewer returning during a stop does not let a second channel past a budget of one', async () => {
    const e = await env({ channels: 2, producerBudget: 1, policy: { viewerGraceMs: 1_000 } })
    e.pool.stopDelayMs = 500
    const [a, b] = e.channels.map((c) => c.uuid) as [string, string]
    const first = e.director.attach(a)
    await e.settle()
    e.director.detach(first.sessionId)
    await e.advance(1_000) // grace over: the stop begins and takes 500 ms
    expect(e.director.channel(a).producerStatus).toBe('stopping')
    e.director.attach(a) // back while it stops: A keeps its slot
    expect(() => e.director.attach(b)).toThrow(CapacityError)
    await e.advance(1_000) // the stop completes; A starts again on its slot
    expect(e.director.channel(a).producerStatus).toBe('running')
    expect(() => e.director.attach(b)).toThrow(CapacityError)
    await e.advance(1_000)
    expect(e.pool.maxAliveTotal).toBe(1)
  })

  it('stays within the budget and one producer per channel through slow, failing starts and stops, swaps and re-plans (property)', async () => {
    const budget = 2
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('join' as const),
              ch: fc.integer({ min: 0, max: 3 }),
              preview: fc.boolean()
            }),
            fc.record({ op: fc.constant('leave' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('step' as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
            fc.record({ op: fc.constant('crash' as const), ch: fc.integer({ min: 0, max: 3 }) }),
            fc.record({
              op: fc.constant('failNextStart' as const),
              ch: fc.integer({ min: 0, max: 3 })
            }),
            fc.record({
              op: fc.constant('toggleStopFailure' as const),
              ch: fc.integer({ min: 0, max: 3 })
            }),
            fc.record({ op: fc.constant('reset' as const), ch: fc.integer({ min: 0, max: 3 }) }),
            fc.record({ op: fc.constant('replan' as const) }),
            fc.record({
              op: fc.constant('emergency' as const),
              scope: fc.constantFrom('crawl' as const, 'takeover' as const, null)
            })
          ),
          { minLength: 300, maxLength: 300 }
        ),
        async (steps) => {
          const e = await runtimeEnv({
            channels: 4,
            producerBudget: budget,
            policy: { viewerGraceMs: 500, restartBaseMs: 300, stableMs: 2_000 },
            sessionTimeoutMs: 30_000
          })
          // Slow transitions, so that joins, leaves and swaps land while producers start and stop.
          e.pool.startDelayMs = 300
          e.pool.stopDelayMs = 1_000
          const uuid = (ch: number) => e.channels[ch]!.uuid
          const pending: Array<Promise<unknown>> = []
          try {
            for (const s of steps) {
              if (s.op === 'join') tryAttach(e, uuid(s.ch), s.preview ? 'preview' : 'viewer')
              else if (s.op === 'leave') {
                const live = e.director.sessions.liveSessions()
                if (live.length > 0) e.director.detach(live[s.pick % live.length]!.sessionId)
              } else if (s.op === 'crash') e.pool.crash(uuid(s.ch))
              else if (s.op === 'failNextStart') e.pool.failStarts.set(uuid(s.ch), 1)
              else if (s.op === 'toggleStopFailure') {
                if (!e.pool.failStops.delete(uuid(s.ch))) e.pool.failStops.add(uuid(s.ch))
              } else if (s.op === 'reset') {
                try {
                  e.director.resetChannel(uuid(s.ch))
                } catch (err) {
                  if (!(err instanceof CapacityError)) throw err
                }
              } else if (s.op === 'replan') e.schedule.notifyChanged(e.channels.map((c) => c.id))
              else if (s.op === 'emergency') {
                // Refusals are allowed (a channel may be mid-failure); the budget must hold either way.
                pending.push(
                  (s.scope
                    ? e.director.activateEmergency('Test', s.scope)
                    : e.director.clearEmergency()
                  ).catch(() => undefined)
                )
              } else await e.clock.advanceAsync(s.ms)
              if (e.pool.maxAliveTotal > budget)
                throw new Error(
                  `${e.pool.maxAliveTotal} producers alive with a budget of ${budget}`
                )
              if (e.pool.maxAlivePerChannel > 1) throw new Error('two producers on one channel')
            }
            // Queued switches wait on simulated start and stop times: keep time moving until they are done.
            let done = false
            void Promise.all(pending).then(() => (done = true))
            for (let i = 0; i < 600 && !done; i++) await e.advance(1_000)
            if (!done)
              throw new Error('emergency switches still pending after 10 minutes of station time')
            expect(e.pool.maxAliveTotal).toBeLessThanOrEqual(budget)
            expect(e.pool.maxAlivePerChannel).toBeLessThanOrEqual(1)
          } finally {
            await e.close()
          }
        }
      ),
      { numRuns: Number(process.env['RETROVUE_PROPERTY_RUNS'] ?? 4) }
    )
  })
})

describe('alarms belong to what raised them', () => {
  it("clears a producer's alarms when it stops, and shows none for output that is not on air", async () => {
    const e = await env({ policy: { viewerGraceMs: 1_000 } })
    const uuid = e.channels[0]!.uuid
    const s = e.director.attach(uuid)
    await e.settle()
    const p = e.pool.aliveFor(uuid)[0]!
    const plan = e.pool.startsFor(uuid)[0]!.plan
    const item = plan.segments.find((x) => x.kind === 'item')!
    p.report('segment-began', { segment: item, atMs: e.clock.now(), slate: true })
    p.report('alarm', {
      kind: 'media-corrupt',
      severity: 'warning',
      message: 'asset could not be decoded',
      segment: item
    })
    p.report('health-changed', { health: 'degraded', reason: 'output 900 ms behind the clock' })
    expect(activeKinds(e, uuid)).toEqual(['late', 'media-corrupt', 'media-missing'])
    e.director.detach(s.sessionId)
    await e.advance(2_000)
    expect(e.director.channel(uuid).producerStatus).toBe('stopped')
    expect(activeKinds(e, uuid)).toEqual([])
    // They cleared when the producer stopped, and stay listed (latched) until acknowledged.
    const latched = e.director.channelStatus(uuid)!.alarms
    expect(latched.map((a) => a.kind).sort()).toEqual(['late', 'media-corrupt', 'media-missing'])
    for (const a of latched) e.director.acknowledgeAlarm(a.id)
    expect(e.director.channelStatus(uuid)!.alarms).toEqual([])
  })

  it("a loop's deliberate gap raises nothing at any pass; a hole with nothing scheduled is one GAP while it lasts, cleared when programming returns", async () => {
    const e = await env()
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    const p = e.pool.aliveFor(uuid)[0]!
    const item = e.pool.startsFor(uuid)[0]!.plan.segments.find((x) => x.kind === 'item')!
    const gaps = () =>
      e.director.channelStatus(uuid)!.alarms.filter((a) => a.kind === 'schedule-gap')
    const at = (ms: number) => ({ startMs: e.clock.now() + ms, endMs: e.clock.now() + ms + 1_000 })
    for (let pass = 0; pass < 3; pass++) {
      p.report('segment-began', { segment: item, atMs: e.clock.now(), slate: false })
      p.report('segment-began', {
        segment: { kind: 'gap', ...at(0), deliberate: true },
        atMs: e.clock.now(),
        slate: true
      })
    }
    expect(gaps()).toEqual([])
    // Nothing scheduled: one hole the plan airs as several gap segments.
    for (let part = 0; part < 3; part++)
      p.report('segment-began', {
        segment: { kind: 'gap', ...at(part * 1_000) },
        atMs: e.clock.now(),
        slate: true
      })
    expect(gaps()).toMatchObject([{ code: 'GAP', severity: 'warning', clearedAt: null }])
    p.report('segment-began', { segment: item, atMs: e.clock.now(), slate: false })
    expect(gaps()).toHaveLength(1)
    expect(gaps()[0]!.clearedAt).not.toBeNull()
  })

  it("clears the replaced producer's alarms on an emergency takeover", async () => {
    const e = await env()
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    e.pool.aliveFor(uuid)[0]!.report('alarm', {
      kind: 'media-missing',
      severity: 'warning',
      message: 'asset missing',
      segment: null
    })
    expect(activeKinds(e, uuid)).toEqual(['media-missing'])
    await e.director.activateEmergency('Takeover', 'takeover')
    expect(e.pool.aliveFor(uuid)[0]!.type).toBe('emergency')
    expect(activeKinds(e, uuid)).toEqual([])
  })

  it('clears the capacity alarm when a producer slot comes free', async () => {
    const e = await env({ channels: 2, producerBudget: 1, policy: { viewerGraceMs: 1_000 } })
    const [a, b] = e.channels.map((c) => c.uuid) as [string, string]
    const s = e.director.attach(a)
    expect(() => e.director.attach(b)).toThrow(CapacityError)
    expect(e.director.stationAlarms().map((x) => [x.kind, x.clearedAt])).toEqual([
      ['capacity', null]
    ])
    e.director.detach(s.sessionId)
    await e.advance(2_000)
    expect(e.director.stationAlarms().map((x) => [x.kind, x.clearedAt === null])).toEqual([
      ['capacity', false]
    ])
  })

  it('raises clock-step while station time is ahead of a stepped-back system clock, and clears it after', async () => {
    const e = await env()
    e.director.clockStepped(3_600_000)
    expect(e.director.stationAlarms()).toMatchObject([
      {
        kind: 'clock-step',
        code: 'CLOCK',
        clearedAt: null,
        message: expect.stringContaining('3600.0 s')
      }
    ])
    e.director.clockStepResolved()
    expect(e.director.stationAlarms()).toMatchObject([
      { kind: 'clock-step', clearedAt: expect.any(String) }
    ])
  })
})

describe('failures never escape', () => {
  it('a producer whose stop() rejects is reported; the channel stops and can start again', async () => {
    const e = await env({ policy: { viewerGraceMs: 1_000 } })
    const uuid = e.channels[0]!.uuid
    e.pool.failStops.add(uuid)
    const s = e.director.attach(uuid)
    await e.settle()
    e.director.detach(s.sessionId)
    await e.advance(2_000)
    const status = e.director.channelStatus(uuid)!
    expect(status.producerStatus).toBe('stopped')
    expect(status.alarms).toMatchObject([
      { kind: 'producer-failed', message: expect.stringContaining('did not stop cleanly') }
    ])
    e.pool.failStops.delete(uuid)
    e.director.attach(uuid)
    await e.settle()
    expect(e.director.channel(uuid).producerStatus).toBe('running')
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
  })

  it('a store write that throws during a transition is an alarm; the channel stays on air and the station keeps serving', async () => {
    const e = await env({ channels: 2 })
    const [a, b] = e.channels.map((c) => c.uuid) as [string, string]
    const original = e.store.channels.setProducerStatus.bind(e.store.channels)
    let failures = 2
    e.store.channels.setProducerStatus = (...args) => {
      if (failures-- > 0) throw new Error('SQLITE_FULL: database or disk is full')
      original(...args)
    }
    e.director.attach(a)
    await e.settle()
    expect(e.director.channel(a).producerStatus).toBe('running')
    expect(e.pool.aliveFor(a)).toHaveLength(1)
    expect(e.director.channelStatus(a)!.alarms).toMatchObject([
      { kind: 'io-error', message: expect.stringContaining('SQLITE_FULL') }
    ])
    e.director.attach(b)
    await e.settle()
    expect(e.director.channel(b).producerStatus).toBe('running')
  })

  it('a transition that fails outright is logged, shown in status, and not an unhandled rejection', async () => {
    const e = await env()
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    const p = e.pool.aliveFor(uuid)[0]!
    p.updatePlan = () => Promise.reject(new Error('plan refused'))
    e.schedule.notifyChanged([e.channels[0]!.id])
    await e.settle()
    expect(activeAlarms(e, uuid)).toMatchObject([
      { kind: 'producer-failed', message: 're-plan failed: plan refused' }
    ])
    expect(e.pool.aliveFor(uuid)).toEqual([p]) // still on air
  })
})

describe('viewer sessions are transactions', () => {
  it('a failed session write leaves no session, starts no producer and gives the budget slot back', async () => {
    const e = await env({ channels: 2, producerBudget: 1 })
    const [a, b] = e.channels.map((c) => c.uuid) as [string, string]
    // The viewer count is written in the same transaction as the session row, after it.
    const setViewerCount = e.store.channels.setViewerCount.bind(e.store.channels)
    e.store.channels.setViewerCount = () => {
      throw new Error('SQLITE_IOERR: disk I/O error')
    }
    expect(() => e.director.attach(a)).toThrow(/SQLITE_IOERR/)
    await e.settle()
    expect(e.director.sessions.size).toBe(0)
    expect(e.store.sessions.countLive()).toBe(0)
    expect(e.director.channel(a).sessionCount).toBe(0)
    expect(e.pool.starts).toHaveLength(0)
    e.store.channels.setViewerCount = setViewerCount
    e.director.attach(b) // the slot went back: the other channel fits the budget of one
    await e.settle()
    expect(e.pool.aliveFor(b)).toHaveLength(1)
  })

  it('a failed end leaves the session live in memory and in the store, its producer on air', async () => {
    const e = await env({ policy: { viewerGraceMs: 0 } })
    const uuid = e.channels[0]!.uuid
    const s = e.director.attach(uuid)
    await e.settle()
    const end = e.store.sessions.end.bind(e.store.sessions)
    e.store.sessions.end = () => {
      throw new Error('SQLITE_FULL: database or disk is full')
    }
    expect(() => e.director.detach(s.sessionId)).toThrow(/SQLITE_FULL/)
    await e.settle()
    expect(e.director.sessions.get(s.sessionId)).toBeDefined()
    expect(e.store.sessions.countLive()).toBe(1)
    expect(e.director.channel(uuid).viewerCount).toBe(1)
    expect(e.store.channels.byUuid(uuid)!.viewerCount).toBe(1)
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
    e.store.sessions.end = end
    e.director.detach(s.sessionId)
    await e.settle()
    expect(e.store.channels.byUuid(uuid)!.viewerCount).toBe(0)
    expect(e.pool.aliveFor(uuid)).toHaveLength(0)
  })
})
