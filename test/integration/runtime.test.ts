import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CapacityError, ChannelSwitchError } from '../../src/runtime/errors'
import type { StationEvent } from '../../src/shared/api'
import { DEFAULT_CONFORM } from '../../src/shared/conform'
import { runtimeEnv, runtimeEnvs, type RuntimeEnv } from '../helpers/runtime-env'
import type { TestCued } from '../helpers/test-producer'

const { env } = runtimeEnvs()

const liveSessionsInDb = (e: RuntimeEnv) => e.store.sessions.countLive()

describe('viewer fanout', () => {
  it('starts no producer before the first viewer', async () => {
    const e = await env({ channels: 3 })
    await e.advance(60_000)
    expect(e.pool.starts).toHaveLength(0)
    expect(e.director.channelManagers().every((cm) => cm.producerStatus === 'stopped')).toBe(true)
  })

  it('starts one producer for three joins, at the clock position', async () => {
    const e = await env()
    const uuid = e.channels[0]!.uuid
    for (let i = 0; i < 3; i++) e.director.attach(uuid)
    await e.settle()
    expect(e.pool.startsFor(uuid)).toHaveLength(1)
    const start = e.pool.starts[0]!
    expect(start.startAtMs).toBe(e.clock.now())
    expect(start.plan.fromMs).toBe(e.clock.now())
    expect(start.type).toBe('normal')
    expect(e.director.channel(uuid).viewerCount).toBe(3)
    expect(e.director.channel(uuid).producerStatus).toBe('running')
    expect(e.store.channels.byUuid(uuid)).toMatchObject({
      viewerCount: 3,
      producerStatus: 'running'
    })
  })

  it('starts one producer for a hundred concurrent joins', async () => {
    const e = await env()
    e.pool.startDelayMs = 500 // joins keep arriving while the producer is starting
    const uuid = e.channels[0]!.uuid
    for (let i = 0; i < 100; i++) e.director.attach(uuid)
    await e.advance(1_000)
    expect(e.pool.startsFor(uuid)).toHaveLength(1)
    expect(e.pool.maxAlivePerChannel).toBe(1)
    expect(e.director.channel(uuid).viewerCount).toBe(100)
  })

  it('stops after the grace period; a return inside it keeps the producer', async () => {
    const e = await env({ policy: { viewerGraceMs: 5_000 } })
    const uuid = e.channels[0]!.uuid
    const a = e.director.attach(uuid)
    await e.settle()
    e.director.detach(a.sessionId)
    await e.advance(4_999)
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
    const b = e.director.attach(uuid) // back inside the grace
    await e.advance(10_000)
    expect(e.pool.startsFor(uuid)).toHaveLength(1)
    e.director.detach(b.sessionId)
    await e.advance(5_000)
    expect(e.pool.aliveFor(uuid)).toHaveLength(0)
    expect(e.director.channel(uuid).producerStatus).toBe('stopped')
    e.director.attach(uuid) // join, leave, wait past the grace, join: two starts
    await e.settle()
    expect(e.pool.startsFor(uuid)).toHaveLength(2)
  })

  it('keeps viewer count equal to live sessions and never more than one producer per channel (1,000 random steps)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('join' as const),
              ch: fc.integer({ min: 0, max: 2 }),
              preview: fc.boolean()
            }),
            fc.record({ op: fc.constant('leave' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('step' as const), ms: fc.integer({ min: 1, max: 8_000 }) }),
            fc.record({ op: fc.constant('crash' as const), ch: fc.integer({ min: 0, max: 2 }) }),
            fc.record({ op: fc.constant('touch' as const), pick: fc.nat() })
          ),
          { minLength: 1000, maxLength: 1000 }
        ),
        async (steps) => {
          const e = await runtimeEnv({
            channels: 3,
            policy: { viewerGraceMs: 3_000, restartBaseMs: 500, stableMs: 2_000 },
            sessionTimeoutMs: 20_000
          })
          e.pool.startDelayMs = 200
          try {
            for (const s of steps) {
              if (s.op === 'join')
                e.director.attach(e.channels[s.ch]!.uuid, s.preview ? 'preview' : 'viewer')
              else if (s.op === 'leave') {
                const live = e.director.sessions.liveSessions()
                if (live.length > 0) e.director.detach(live[s.pick % live.length]!.sessionId)
              } else if (s.op === 'touch') {
                const live = e.director.sessions.liveSessions()
                if (live.length > 0)
                  e.director.sessions.touch(live[s.pick % live.length]!.sessionId)
              } else if (s.op === 'crash') e.pool.crash(e.channels[s.ch]!.uuid)
              else await e.clock.advanceAsync(s.ms)
              for (const c of e.channels) {
                const cm = e.director.channel(c.uuid)
                const live = e.director.sessions
                  .liveSessions()
                  .filter((x) => x.channelUuid === c.uuid)
                if (cm.viewerCount !== live.filter((x) => x.purpose === 'viewer').length)
                  throw new Error(`viewer count drifted on ${c.slug}`)
                if (cm.sessionCount !== live.length)
                  throw new Error(`session count drifted on ${c.slug}`)
                if (e.pool.aliveFor(c.uuid).length > 1)
                  throw new Error(`two producers on ${c.slug}`)
              }
            }
            await e.settle()
            expect(liveSessionsInDb(e)).toBe(e.director.sessions.size)
            expect(e.pool.maxAlivePerChannel).toBeLessThanOrEqual(1)
          } finally {
            await e.close()
          }
        }
      ),
      { numRuns: 3 }
    )
  })
})

describe('emergency unit of work', () => {
  async function eightLive() {
    const e = await env({ channels: 8 })
    const sessions = e.channels.map((c) => e.director.attach(c.uuid).sessionId)
    await e.settle()
    expect(e.pool.totalAlive()).toBe(8)
    return Object.assign(e, { sessions })
  }

  /** Records which store transaction each mode write happened in. */
  function watchTransactions(e: RuntimeEnv) {
    let tx = 0
    let inTx = 0
    const writes: number[] = []
    const origTx = e.store.transaction.bind(e.store)
    e.store.transaction = <T>(fn: () => T): T => {
      if (inTx === 0) tx++
      inTx++
      try {
        return origTx(fn)
      } finally {
        inTx--
      }
    }
    const origSet = e.store.system.set.bind(e.store.system)
    e.store.system.set = (row) => {
      writes.push(inTx > 0 ? tx : -1)
      origSet(row)
    }
    const origMode = e.store.channels.setMode.bind(e.store.channels)
    e.store.channels.setMode = (...args) => {
      writes.push(inTx > 0 ? tx : -1)
      origMode(...args)
    }
    return writes
  }

  it.each(['crawl', 'takeover'] as const)(
    '%s: switches all 8 live channels in one transaction with one audit entry',
    async (scope) => {
      const e = await eightLive()
      const writes = watchTransactions(e)
      const auditBefore = e.store.audit.recent(100).length
      const mode = await e.director.activateEmergency('Severe weather warning', scope)
      await e.settle()
      expect(mode).toMatchObject({
        mode: 'emergency',
        emergency: { message: 'Severe weather warning', scope }
      })
      expect(writes).toHaveLength(9) // system state + 8 channels
      expect(new Set(writes).size).toBe(1)
      expect(writes[0]).toBeGreaterThan(0)
      const audit = e.store.audit.recent(100)
      expect(audit.length - auditBefore).toBe(1)
      expect(audit[0]).toMatchObject({
        action: 'emergency-activate',
        details: { message: 'Severe weather warning', scope, channels: 8 }
      })
      expect(e.store.system.get()).toMatchObject({
        globalMode: 'emergency',
        emergencyScope: scope,
        emergencyMessage: 'Severe weather warning'
      })
      for (const c of e.channels) {
        expect(e.store.channels.byUuid(c.uuid)!.currentMode).toBe('emergency')
        const alive = e.pool.aliveFor(c.uuid)
        expect(alive).toHaveLength(1)
        if (scope === 'crawl') {
          // Crawl keeps the running producer and its plan, and adds the message.
          expect(alive[0]!.type).toBe('normal')
          expect(alive[0]!.currentOverlay).toMatchObject({
            message: 'Severe weather warning',
            scope: 'crawl'
          })
          expect(e.pool.startsFor(c.uuid)).toHaveLength(1)
        } else {
          // Takeover replaces programming with the emergency producer.
          expect(alive[0]!.type).toBe('emergency')
          expect(e.pool.startsFor(c.uuid).at(-1)!.options?.overlay).toMatchObject({
            message: 'Severe weather warning',
            scope: 'takeover'
          })
        }
      }
      expect(e.pool.maxAlivePerChannel).toBe(1)
    }
  )

  it.each(['crawl', 'takeover'] as const)(
    '%s: when channel 5 refuses, no channel ends in emergency and the error names channel 5',
    async (scope) => {
      const e = await eightLive()
      const five = e.channels[4]!
      if (scope === 'crawl') e.pool.refuseOverlay.add(five.uuid)
      else e.pool.failTypes.set(five.uuid, new Set(['emergency']))
      const auditBefore = e.store.audit.recent(100).length
      const error = await e.director.activateEmergency('Test', scope).catch((err: unknown) => err)
      await e.settle()
      expect(error).toBeInstanceOf(ChannelSwitchError)
      expect((error as Error).message).toContain('"Channel 5"')
      expect((error as Error).message).toContain(five.uuid)
      expect(e.director.modeDto()).toEqual({ mode: 'normal', emergency: null })
      expect(e.store.system.get()).toMatchObject({
        globalMode: 'normal',
        emergencyScope: null,
        emergencyMessage: null
      })
      expect(e.store.audit.recent(100).length).toBe(auditBefore)
      for (const c of e.channels) {
        expect(e.store.channels.byUuid(c.uuid)!.currentMode).toBe('normal')
        expect(e.director.channel(c.uuid).currentMode.global).toBe('normal')
        const alive = e.pool.aliveFor(c.uuid)
        expect(alive, c.slug).toHaveLength(1)
        expect(alive[0]!.type).toBe('normal')
        expect(alive[0]!.currentOverlay).toBeNull()
      }
      expect(e.pool.maxAlivePerChannel).toBe(1)
    }
  )

  it('a swap hands the output to the next producer; a start that is refused closes it, and the channel goes back on air', async () => {
    const e = await eightLive()
    e.pool.carryovers = true
    const five = e.channels[4]!
    const normals = new Map(e.channels.map((c) => [c.uuid, e.pool.aliveFor(c.uuid)[0]!]))
    const carried = new Map<string, unknown>()
    await e.director.activateEmergency('Hand over', 'takeover')
    await e.settle()
    for (const c of e.channels) {
      const start = e.pool.startsFor(c.uuid).at(-1)!
      expect(start.type).toBe('emergency')
      expect(start.options?.carryover).toMatchObject({
        id: `${normals.get(c.uuid)!.id}-out`,
        closed: false
      })
      carried.set(c.uuid, start.options!.carryover!)
    }
    await e.director.clearEmergency()
    await e.settle()
    for (const c of e.channels) {
      // The same output again: handed from the normal producer to the emergency one and back.
      const start = e.pool.startsFor(c.uuid).at(-1)!
      expect(start.type).toBe('normal')
      expect(start.options?.carryover).toBe(carried.get(c.uuid))
      expect(start.options?.carryover).toMatchObject({ closed: false })
    }
    // Channel 5's emergency producer cannot start: the output it was handed is closed, nothing leaks,
    // and the channel is back on air with a fresh output of its own.
    e.pool.failTypes.set(five.uuid, new Set(['emergency']))
    await expect(e.director.activateEmergency('Refused', 'takeover')).rejects.toBeInstanceOf(
      ChannelSwitchError
    )
    await e.settle()
    const refused = e.pool.startsFor(five.uuid).at(-2)!
    expect(refused.type).toBe('emergency')
    expect(refused.options?.carryover).toMatchObject({ closed: true })
    const restarted = e.pool.startsFor(five.uuid).at(-1)!
    expect(restarted.type).toBe('normal')
    expect(restarted.options?.carryover ?? null).toBeNull()
    expect(e.pool.aliveFor(five.uuid)).toHaveLength(1)
    expect(e.pool.maxAlivePerChannel).toBe(1)
  })

  it('a takeover keeps programming cued (never a second producer); the clear continues it; anything else closes it', async () => {
    const e = await eightLive()
    e.pool.carryovers = true
    e.pool.cues = true
    const [one, two] = e.channels
    await e.director.activateEmergency('Cue', 'takeover')
    await e.settle()
    expect(e.pool.cued).toHaveLength(8)
    expect(e.pool.cued.every((c) => !c.closed && !c.takenBy)).toBe(true)
    await e.director.clearEmergency()
    await e.settle()
    for (const c of e.channels) {
      const start = e.pool.startsFor(c.uuid).at(-1)!
      expect(start.type).toBe('normal')
      const cued = start.options?.cued as TestCued
      expect(cued.takenBy).toBe(start.producer)
      expect(cued.closed).toBe(false)
    }
    // Takeover again, then the last viewer of channel 1 leaves and channel 2's emergency producer
    // dies (its restart is a fresh start): both cued programmes are closed, nothing else is.
    await e.director.activateEmergency('Cue again', 'takeover')
    await e.settle()
    const second = new Map(e.channels.map((c, i) => [c.uuid, e.pool.cued[8 + i]!]))
    e.director.detach(e.sessions[0]!)
    e.pool.crash(two!.uuid)
    await e.advance(30_000)
    expect(second.get(one!.uuid)!.closed).toBe(true)
    expect(second.get(two!.uuid)!.closed).toBe(true)
    expect(e.channels.slice(2).every((c) => !second.get(c.uuid)!.closed)).toBe(true)
    await e.director.clearEmergency()
    await e.settle()
    expect(e.pool.startsFor(two!.uuid).at(-1)!.options?.cued ?? null).toBeNull()
    expect(e.pool.maxAlivePerChannel).toBe(1)
  })

  it('clear returns every channel to its schedule at the clock position', async () => {
    const e = await eightLive()
    await e.director.activateEmergency('Evacuate', 'takeover')
    await e.advance(30_000)
    const before = e.pool.starts.length
    const mode = await e.director.clearEmergency()
    await e.settle()
    expect(mode).toEqual({ mode: 'normal', emergency: null })
    const restarts = e.pool.starts.slice(before)
    expect(restarts).toHaveLength(8)
    for (const r of restarts) {
      expect(r.type).toBe('normal')
      expect(r.startAtMs).toBe(e.clock.now())
      expect(r.plan.fromMs).toBe(e.clock.now())
      expect(r.options?.overlay).toBeNull()
      // The plan's first item is the one the schedule says is airing now.
      const airing = e.schedule.airingAt(
        e.store.channels.byUuid(r.producer.channelUuid)!.id,
        e.clock.now()
      )
      const first = r.plan.segments[0]!
      expect(first.kind === 'item' && first.eventId).toBe(airing!.event.id)
    }
    expect(e.store.audit.recent(1)[0]).toMatchObject({ action: 'emergency-clear' })
    // Crawl clears in place.
    await e.director.activateEmergency('Crawl', 'crawl')
    await e.director.clearEmergency()
    await e.settle()
    for (const c of e.channels) expect(e.pool.aliveFor(c.uuid)[0]!.currentOverlay).toBeNull()
  })

  it('puts a channel that starts during an emergency straight into it, and keeps the mode across a restart', async () => {
    const e = await env({ channels: 2 })
    await e.director.activateEmergency('Shelter in place', 'takeover')
    e.director.attach(e.channels[1]!.uuid)
    await e.settle()
    expect(e.pool.startsFor(e.channels[1]!.uuid)[0]!.type).toBe('emergency')
    e.crash()
    const again = await env({ dataDir: e.dataDir })
    expect(again.director.modeDto()).toMatchObject({
      mode: 'emergency',
      emergency: { message: 'Shelter in place', scope: 'takeover' }
    })
  })
})

describe('supervision', () => {
  it('restarts a failing producer with growing delays, then fails the channel fully', async () => {
    const e = await env({
      policy: { restartBaseMs: 1_000, restartCapMs: 30_000, maxFailures: 3, stableMs: 10_000 }
    })
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    const t0 = e.clock.now()
    e.pool.crash(uuid) // failure 1
    await e.settle()
    expect(e.pool.aliveFor(uuid)).toHaveLength(0)
    await e.advance(999)
    expect(e.pool.startsFor(uuid)).toHaveLength(1) // not yet
    await e.advance(1)
    expect(e.pool.startsFor(uuid)).toHaveLength(2) // restarted after 1 s, at the clock position
    expect(e.pool.startsFor(uuid)[1]!.startAtMs).toBe(t0 + 1_000)
    e.pool.crash(uuid) // failure 2
    await e.advance(1_999)
    expect(e.pool.startsFor(uuid)).toHaveLength(2)
    await e.advance(1)
    expect(e.pool.startsFor(uuid)).toHaveLength(3) // after 2 s: the delay grows
    e.pool.crash(uuid) // failure 3: the channel fails
    await e.advance(60_000)
    expect(e.pool.startsFor(uuid)).toHaveLength(3)
    const cm = e.director.channel(uuid)
    expect(cm.isFailed).toBe(true)
    expect(cm.producerStatus).toBe('failed')
    expect(e.pool.aliveFor(uuid)).toHaveLength(0)
    const status = e.director.channelStatus(uuid)!
    expect(status).toMatchObject({ failed: true, tally: 'fault', producerStatus: 'failed' })
    // Active: the failure. The restart alarms cleared and stay latched until acknowledged.
    expect(status.alarms.filter((a) => a.clearedAt === null)).toEqual([
      expect.objectContaining({ kind: 'channel-failed', code: 'FAIL', severity: 'critical' })
    ])
    expect(status.alarms.filter((a) => a.clearedAt !== null).map((a) => a.kind)).toEqual([
      'producer-restarting',
      'producer-restarting'
    ])
    expect(e.store.channels.byUuid(uuid)!.producerStatus).toBe('failed')
    expect(e.director.health().failedChannels).toBe(1)

    // A new viewer retries; so does an operator reset.
    e.director.attach(uuid)
    await e.settle()
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
    expect(cm.isFailed).toBe(false)
  })

  it('counts failures only in a row: a stable run in between resets the count', async () => {
    const e = await env({ policy: { restartBaseMs: 1_000, maxFailures: 3, stableMs: 10_000 } })
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    e.pool.crash(uuid)
    await e.advance(1_000)
    e.pool.crash(uuid)
    await e.advance(2_000)
    await e.advance(10_000) // runs stably: the count resets
    e.pool.crash(uuid)
    await e.advance(1_000) // first failure again: 1 s delay
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
    e.pool.crash(uuid)
    await e.advance(2_000)
    expect(e.director.channel(uuid).isFailed).toBe(false)
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
  })

  it('treats producers that fail to start like crashes, and an operator reset tries again', async () => {
    const e = await env({ policy: { restartBaseMs: 1_000, maxFailures: 3 } })
    const uuid = e.channels[0]!.uuid
    e.pool.failStarts.set(uuid, 3)
    e.director.attach(uuid)
    await e.advance(10_000)
    expect(e.pool.startsFor(uuid)).toHaveLength(3)
    expect(e.director.channel(uuid).isFailed).toBe(true)
    e.director.resetChannel(uuid)
    await e.settle()
    expect(e.pool.aliveFor(uuid)).toHaveLength(1)
    expect(e.store.audit.recent(1)[0]).toMatchObject({ action: 'channel-reset' })
  })
})

describe('station policy', () => {
  it('refuses a start beyond the producer budget with an alarm, and never stops a channel on air', async () => {
    const e = await env({ channels: 3, producerBudget: 2 })
    const [a, b, c] = e.channels.map((ch) => ch.uuid) as [string, string, string]
    e.director.attach(a)
    e.director.attach(b)
    await e.settle()
    const sessions = e.director.sessions.size
    expect(() => e.director.attach(c)).toThrow(CapacityError)
    expect(() => e.director.attach(c)).toThrow(
      /producer budget \(2 channels on air\); "Channel 3" cannot start/
    )
    expect(e.director.sessions.size).toBe(sessions)
    expect(liveSessionsInDb(e)).toBe(sessions)
    expect(e.pool.aliveFor(a)).toHaveLength(1)
    expect(e.pool.aliveFor(b)).toHaveLength(1)
    expect(e.director.stationAlarms()).toEqual([expect.objectContaining({ kind: 'capacity' })])
    // More viewers on a channel already on air are fine.
    e.director.attach(a)
    expect(e.director.channel(a).viewerCount).toBe(2)
  })

  it('counts a channel airing by copy as its share of the budget, and one gone back to encoding as one again', async () => {
    const e = await env({ channels: 3, producerBudget: 2 })
    e.store.renditions.setSettings({ ...DEFAULT_CONFORM, copyShare: 0.5 }, e.clock.now())
    const [a, b, c] = e.channels.map((ch) => ch.uuid) as [string, string, string]
    const sa = e.director.attach(a)
    e.director.attach(b)
    await e.settle()
    expect(e.director.health().producerBudgetUsed).toBe(2)
    expect(() => e.director.attach(c)).toThrow(CapacityError)
    // A starts airing by copy: half of one. Still no room for a whole encode channel.
    e.pool.aliveFor(a)[0]!.emit('path', { path: 'copy' })
    expect(e.director.health().producerBudgetUsed).toBe(1.5)
    expect(() => e.director.attach(c)).toThrow(CapacityError)
    const capacity = () => e.director.stationAlarms().map((x) => [x.kind, x.clearedAt === null])
    expect(capacity()).toEqual([['capacity', true]])
    // B too: room for one again, the capacity alarm clears, and C starts.
    e.pool.aliveFor(b)[0]!.emit('path', { path: 'copy' })
    expect(e.director.health().producerBudgetUsed).toBe(1)
    expect(capacity()).toEqual([['capacity', false]])
    e.director.attach(c)
    await e.settle()
    expect(e.pool.aliveFor(c)).toHaveLength(1)
    expect(e.director.health().producerBudgetUsed).toBe(2)
    // A goes over to the encode path on air (a crawl, a lost rendition): one again, past the
    // budget, and nothing is stopped for it.
    e.pool.aliveFor(a)[0]!.emit('path', { path: 'encode' })
    expect(e.director.health().producerBudgetUsed).toBe(2.5)
    for (const u of [a, b, c]) expect(e.pool.aliveFor(u)).toHaveLength(1)
    // A restart counts as an encode channel until its producer says otherwise.
    e.pool.aliveFor(b)[0]!.crash('boom')
    await e.settle()
    await e.advance(5_000)
    expect(e.pool.aliveFor(b)).toHaveLength(1)
    expect(e.director.health().producerBudgetUsed).toBe(3)
    // A stale producer's word changes nothing.
    const gone = e.pool.starts.find((s) => s.producer.channelUuid === b)!.producer
    gone.emit('path', { path: 'copy' })
    expect(e.director.health().producerBudgetUsed).toBe(3)
    // Off air: its whole weight goes.
    e.director.detach(sa.sessionId)
    await e.advance(60_000)
    expect(e.pool.aliveFor(a)).toHaveLength(0)
    expect(e.director.health().producerBudgetUsed).toBe(2)
  })

  it('re-plans before the plan runs out and when the schedule changes, without restarting the producer', async () => {
    const e = await env({
      policy: { planHorizonMs: 3_600_000, replanLeadMs: 600_000 },
      sessionTimeoutMs: 86_400_000
    })
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    const producer = e.pool.aliveFor(uuid)[0]!
    const first = producer.plans[0]!
    expect(first.toMs - first.fromMs).toBeGreaterThanOrEqual(3_600_000)
    await e.advance(3_000_000 - 1) // not yet: 50 min into a 60 min plan with a 10 min lead
    expect(producer.plans).toHaveLength(1)
    await e.advance(1)
    expect(producer.plans).toHaveLength(2)
    expect(producer.plans[1]!.fromMs).toBe(e.clock.now())
    // The schedule changes under the live channel: the producer gets a fresh plan at once.
    const channel = e.store.channels.byUuid(uuid)!
    e.store.transaction(() => {
      e.store.playlog.insert(channel.id, {
        startMs: e.clock.now() + 60_000,
        endMs: e.clock.now() + 120_000,
        title: 'Breaking News',
        type: 'program',
        assetId: null,
        inPointMs: 0,
        source: 'schedule'
      })
    })
    e.schedule.notifyChanged([channel.id])
    await e.settle()
    expect(producer.plans).toHaveLength(3)
    expect(
      producer.plans[2]!.segments.some((s) => s.kind === 'item' && s.title === 'Breaking News')
    ).toBe(true)
    expect(e.pool.startsFor(uuid)).toHaveLength(1)
  })

  it('runs the guide producer on a guide channel and keeps its listings fresh', async () => {
    const e = await env({ channels: 2, guide: true, sessionTimeoutMs: 86_400_000 })
    const guide = e.store.channels.bySlug('guide')!
    e.director.attach(guide.uuid)
    await e.settle()
    const start = e.pool.startsFor(guide.uuid)[0]!
    expect(start.type).toBe('guide')
    expect(start.options?.listings?.map((l) => l.channelName)).toEqual([
      'Channel 1',
      'Channel 2',
      'TV Guide'
    ])
    // Each listing names its channel by uuid and carries its zone (the guide shows times in it).
    expect(start.options?.listings?.map((l) => [l.channelUuid, l.timezone])).toEqual([
      [e.channels[0]!.uuid, 'America/New_York'],
      [e.channels[1]!.uuid, 'America/New_York'],
      [guide.uuid, 'UTC']
    ])
    expect(start.options?.listings?.[0]?.nowTitle).toBe(
      e.schedule.airingAt(e.channels[0]!.id, e.clock.now())!.event.title
    )
    await e.advance(60_000)
    expect(e.pool.aliveFor(guide.uuid)[0]!.listings.length).toBeGreaterThanOrEqual(4)
  })

  it('never cuts playback at the broadcast-day rollover', async () => {
    const e = await env({
      start: '2026-11-25T10:30:00Z',
      items: [['Late Movie', 2 * 3_600_000]],
      zone: 'America/New_York',
      sessionTimeoutMs: 86_400_000
    })
    const uuid = e.channels[0]!.uuid
    e.director.attach(uuid)
    await e.settle()
    const dayBefore = e.director.channelStatus(uuid)!.broadcastDay.label
    await e.advance(60 * 60_000) // across 06:00 New York (11:00Z)
    expect(e.director.channelStatus(uuid)!.broadcastDay.label).not.toBe(dayBefore)
    expect(e.pool.startsFor(uuid)).toHaveLength(1)
    expect(e.pool.aliveFor(uuid)[0]!.plans).toHaveLength(1)
  })
})

describe('viewer sessions', () => {
  it('end after the inactivity timeout unless touched', async () => {
    const e = await env({ sessionTimeoutMs: 10_000, policy: { viewerGraceMs: 0 } })
    const uuid = e.channels[0]!.uuid
    const kept = e.director.attach(uuid)
    const dropped = e.director.attach(uuid)
    for (let i = 0; i < 6; i++) {
      await e.advance(4_000)
      e.director.sessions.touch(kept.sessionId)
    }
    expect(e.director.sessions.get(kept.sessionId)).toBeDefined()
    expect(e.director.sessions.get(dropped.sessionId)).toBeUndefined()
    expect(e.store.sessions.get(dropped.sessionId)).toMatchObject({ endReason: 'inactive' })
    expect(e.director.channel(uuid).viewerCount).toBe(1)
    await e.advance(20_000)
    expect(e.director.sessions.size).toBe(0)
    expect(e.pool.aliveFor(uuid)).toHaveLength(0)
  })

  it('leaves no session or producer marked live after a crash with 5 channels live', async () => {
    const e = await env({ channels: 5 })
    for (const c of e.channels) {
      e.director.attach(c.uuid)
      e.director.attach(c.uuid, 'preview')
    }
    await e.settle()
    expect(liveSessionsInDb(e)).toBe(10)
    expect(e.store.producers.countLive()).toBe(5)
    e.crash()

    const next = await env({ dataDir: e.dataDir })
    expect(liveSessionsInDb(next)).toBe(0)
    expect(next.store.producers.countLive()).toBe(0)
    for (const c of next.store.channels.list())
      expect(c).toMatchObject({ viewerCount: 0, producerStatus: 'stopped' })
    expect(next.store.audit.recent(1)[0]).toMatchObject({
      action: 'reconcile',
      details: { sessionsEnded: 10, producersReset: 5, channelsReset: 5 }
    })
  })
})

describe('status events', () => {
  it('sends a snapshot, then coalesces a burst of changes into one event', async () => {
    const e = await env({ channels: 4 })
    const events: StationEvent[] = []
    e.director.status.subscribe((ev) => events.push(ev))
    expect(events).toHaveLength(1)
    const snap = events[0]!
    expect(snap.type).toBe('snapshot')
    if (snap.type !== 'snapshot') return
    expect(snap.channels).toHaveLength(4)
    expect(snap.channels[0]).toMatchObject({
      tally: 'off',
      viewerCount: 0,
      nowPlaying: { title: expect.any(String) }
    })

    const uuid = e.channels[0]!.uuid
    for (let i = 0; i < 100; i++) e.director.attach(uuid)
    e.director.attach(e.channels[1]!.uuid, 'preview')
    await e.advance(100)
    const changes = events.slice(1)
    expect(changes).toHaveLength(1)
    const ch = changes[0]!
    if (ch.type !== 'changes') throw new Error('expected changes')
    const one = ch.channels.find((c) => c.uuid === uuid)!
    expect(one).toMatchObject({ viewerCount: 100, tally: 'program', producerStatus: 'running' })
    expect(ch.channels.find((c) => c.uuid === e.channels[1]!.uuid)).toMatchObject({
      tally: 'preview',
      previewCount: 1,
      viewerCount: 0
    })
    expect(ch.health).toMatchObject({ viewers: 100, previews: 1, producersRunning: 2 })

    // Item boundaries push now/next without anyone asking.
    const now = one.nowPlaying!
    await e.advance(now.remainingMs + 100)
    const later = events.at(-1)!
    if (later.type !== 'changes') throw new Error('expected changes')
    expect(later.channels.find((c) => c.uuid === uuid)!.nowPlaying!.title).toBe(one.next!.title)
  })
})
