// Output health in the runtime (simulated clock, test-double producers, real SQLite): a producer's
// conditions become channel alarms dated when the fault began, with code and severity, cleared when
// it ends or when the producer goes; producers get the station's settings through their context,
// and an import that changes them reaches the producer on air; levels reach subscribers at about
// 10 Hz as their own event, only while someone listens and a channel is live.
import { afterEach, describe, expect, it } from 'vitest'
import type { StationEvent } from '../../src/shared/api'
import { DEFAULT_OUTPUT_HEALTH, type OutputHealthSettings } from '../../src/shared/domain'
import { StationFacade } from '../../src/station-facade'
import { runtimeEnv, type RuntimeEnv } from '../helpers/runtime-env'

const envs: RuntimeEnv[] = []
async function env(o: Parameters<typeof runtimeEnv>[0] = {}): Promise<RuntimeEnv> {
  const e = await runtimeEnv(o)
  envs.push(e)
  return e
}
afterEach(async () => {
  for (const e of envs.splice(0)) await e.close()
})

async function onAir(e: RuntimeEnv, index = 0) {
  const uuid = e.channels[index]!.uuid
  const session = e.director.attach(uuid)
  await e.settle()
  const producer = e.pool.aliveFor(uuid)[0]!
  return { uuid, session, producer }
}

const alarmsOf = (e: RuntimeEnv, uuid: string) => e.director.channelStatus(uuid)!.alarms

describe('output conditions as channel alarms', () => {
  it('raises an alarm dated when the fault began on air, with its code and severity, and clears it when it ends', async () => {
    const e = await env()
    const { uuid, producer } = await onAir(e)
    const began = e.clock.now()
    await e.advance(2_000) // the duration ran out on air: the producer tells it now
    producer.report('output-condition', {
      kind: 'black',
      active: true,
      atMs: began,
      severity: 'critical',
      message: 'black picture for 2 s or more'
    })
    producer.report('output-condition', {
      kind: 'silence',
      active: true,
      atMs: began + 500,
      severity: 'warning',
      message: 'silence for 10 s or more'
    })
    expect(alarmsOf(e, uuid)).toMatchObject([
      {
        kind: 'black',
        code: 'BLACK',
        severity: 'critical',
        since: new Date(began).toISOString(),
        clearedAt: null
      },
      {
        kind: 'silence',
        code: 'SIL',
        severity: 'warning',
        since: new Date(began + 500).toISOString(),
        clearedAt: null
      }
    ])
    await e.advance(3_000)
    producer.report('output-condition', {
      kind: 'black',
      active: false,
      atMs: e.clock.now() - 400,
      severity: 'critical',
      message: ''
    })
    const [black] = alarmsOf(e, uuid)
    expect(Date.parse(black!.clearedAt!)).toBe(e.clock.now() - 400)
    expect(
      e.store.alarms.between(0, e.clock.now() + 1).map((a) => [a.kind, a.raisedAt - began])
    ).toEqual([
      ['black', 0],
      ['silence', 500]
    ])
  })

  it("a producer's conditions go with it (the channel stops airing it)", async () => {
    const e = await env({ policy: { viewerGraceMs: 0 } })
    const { uuid, session, producer } = await onAir(e)
    producer.report('output-condition', {
      kind: 'freeze',
      active: true,
      atMs: e.clock.now(),
      severity: 'critical',
      message: 'frozen'
    })
    e.director.detach(session.sessionId)
    await e.advance(100)
    expect(alarmsOf(e, uuid)).toMatchObject([
      { kind: 'freeze', code: 'FRZ', clearedAt: expect.any(String) }
    ])
    expect(alarmsOf(e, uuid).filter((a) => a.clearedAt === null)).toEqual([])
  })
})

describe('output health settings reach the producers', () => {
  const custom: OutputHealthSettings = {
    black: { enabled: true, threshold: 0.05, durationMs: 4_000 },
    freeze: { enabled: false, threshold: 0.002, durationMs: 20_000 },
    silence: { enabled: true, thresholdDb: -50, durationMs: 5_000 }
  }

  it('through the context at start (defaults when the station set none), and at once on air when an import changes them', async () => {
    const e = await env({ channels: 2 })
    const { producer } = await onAir(e)
    expect(producer.healthSettings).toEqual([DEFAULT_OUTPUT_HEALTH])
    // An import writes the settings and tells the runtime the schedule changed.
    e.store.settings.setOutputHealth(custom, e.clock.now())
    e.schedule.notifyChanged([e.channels[0]!.id])
    await e.settle()
    expect(producer.healthSettings).toEqual([DEFAULT_OUTPUT_HEALTH, custom])
    const other = await onAir(e, 1)
    expect(other.producer.healthSettings).toEqual([custom])
    // A change that changes nothing is not re-applied.
    e.schedule.notifyChanged([e.channels[0]!.id])
    await e.settle()
    expect(producer.healthSettings).toHaveLength(2)
  })

  it('kept in the store: a restarted station runs with them', async () => {
    const first = await runtimeEnv()
    first.store.settings.setOutputHealth(custom, first.clock.now())
    const dataDir = first.dataDir
    first.crash()
    const e = await env({ dataDir })
    const { producer } = await onAir(e)
    expect(producer.healthSettings).toEqual([custom])
  })
})

describe('levels events', () => {
  function subscribe(e: RuntimeEnv) {
    const facade = new StationFacade({
      clock: e.clock,
      store: e.store,
      schedule: e.schedule,
      director: e.director
    })
    const events: StationEvent[] = []
    const off = facade.subscribe((ev) => events.push(ev))
    return { events, levels: () => events.filter((ev) => ev.type === 'levels'), off }
  }

  it('every live channel about ten times a second, as their own event, while someone subscribes', async () => {
    const e = await env({ channels: 3 })
    const a = await onAir(e, 0)
    const b = await onAir(e, 1)
    a.producer.meter = { peak: [-17, -27], rms: [-20, -30] }
    b.producer.meter = { peak: [-120, -120], rms: [-120, -120] }
    const sub = subscribe(e)
    await e.advance(1_000)
    const levels = sub.levels()
    expect(levels).toHaveLength(10)
    expect(levels[0]).toEqual({
      type: 'levels',
      stationTime: expect.any(String),
      channels: [
        { uuid: a.uuid, peak: [-17, -27], rms: [-20, -30] },
        { uuid: b.uuid, peak: [-120, -120], rms: [-120, -120] }
      ]
    })
    // Channel status never rides on them, and they never take a sequence number.
    expect(Object.keys(levels[0]!).sort()).toEqual(['channels', 'stationTime', 'type'])
    sub.off()
    await e.advance(1_000)
    expect(sub.levels()).toHaveLength(10)
    expect(e.director.levels.subscriberCount).toBe(0)
  })

  it('nothing while no channel is live', async () => {
    const e = await env()
    const sub = subscribe(e)
    await e.advance(1_000)
    expect(sub.events.map((ev) => ev.type)).toEqual(['snapshot'])
    sub.off()
  })
})
