// Alarm life cycle: raised, cleared, latched until acknowledged, kept as history with audit entries,
// and still there after a crash and restart. Simulated clock, test-double producers, real SQLite.
import { describe, expect, it } from 'vitest'
import { UnknownAlarmError } from '../../src/runtime/errors'
import { runtimeEnv, runtimeEnvs, type RuntimeEnv } from '../helpers/runtime-env'

const { env } = runtimeEnvs()

async function onAir(e: RuntimeEnv) {
  const uuid = e.channels[0]!.uuid
  const session = e.director.attach(uuid)
  await e.settle()
  const producer = e.pool.aliveFor(uuid)[0]!
  return { uuid, session, producer }
}

const alarmsOf = (e: RuntimeEnv, uuid: string) => e.director.channelStatus(uuid)!.alarms
const auditActions = (e: RuntimeEnv) =>
  e.store.audit
    .recent(100)
    .map((a) => a.action)
    .filter((a) => a.startsWith('alarm-'))
    .reverse()

describe('alarm life cycle', () => {
  it('latches a cleared alarm until an operator acknowledges it, with an audit entry for each step', async () => {
    const e = await env()
    const { uuid, producer } = await onAir(e)
    const t0 = e.clock.now()
    producer.report('health-changed', {
      health: 'degraded',
      reason: 'output 800 ms behind the clock'
    })
    await e.advance(5_000)
    producer.report('health-changed', { health: 'running', reason: null })
    const [latched] = alarmsOf(e, uuid)
    expect(latched).toMatchObject({
      kind: 'late',
      code: 'LATE',
      severity: 'warning',
      channelUuid: uuid,
      acknowledgedAt: null
    })
    expect(Date.parse(latched!.since)).toBe(t0)
    expect(Date.parse(latched!.clearedAt!)).toBe(t0 + 5_000)
    const acked = e.director.acknowledgeAlarm(latched!.id, 'api')
    expect(acked.acknowledgedAt).not.toBeNull()
    expect(alarmsOf(e, uuid)).toEqual([])
    expect(auditActions(e)).toEqual(['alarm-raised', 'alarm-cleared', 'alarm-acknowledged'])
    expect(e.store.audit.recent(1)[0]).toMatchObject({ actor: 'api', action: 'alarm-acknowledged' })
  })

  it('keeps an acknowledged alarm listed while its condition lasts, and lets it go when it clears', async () => {
    const e = await env()
    const { uuid, producer } = await onAir(e)
    producer.report('health-changed', { health: 'degraded', reason: 'late' })
    const id = alarmsOf(e, uuid)[0]!.id
    e.director.acknowledgeAlarm(id)
    expect(alarmsOf(e, uuid)).toMatchObject([
      { id, clearedAt: null, acknowledgedAt: expect.any(String) }
    ])
    producer.report('health-changed', { health: 'running', reason: null })
    expect(alarmsOf(e, uuid)).toEqual([])
  })

  it('keeps every occurrence as history, queryable by time and channel', async () => {
    const e = await env({ channels: 2 })
    const { uuid, producer } = await onAir(e)
    for (let i = 0; i < 3; i++) {
      producer.report('health-changed', { health: 'degraded', reason: `late ${i}` })
      await e.advance(1_000)
      producer.report('health-changed', { health: 'running', reason: null })
      await e.advance(1_000)
    }
    const all = e.store.alarms.between(0, e.clock.now() + 1)
    expect(all.map((a) => a.message)).toEqual([
      'output degraded: late 0',
      'output degraded: late 1',
      'output degraded: late 2'
    ])
    expect(e.store.alarms.between(0, e.clock.now() + 1, e.channels[1]!.id)).toEqual([])
    expect(alarmsOf(e, uuid)).toHaveLength(3) // all latched
  })

  it('survives a crash: what was active is closed at the restart and stays latched until acknowledged', async () => {
    const first = await runtimeEnv()
    const { uuid, producer } = await onAir(first)
    producer.report('health-changed', { health: 'degraded', reason: 'late before the crash' })
    first.director.clockStepped(60_000)
    const dataDir = first.dataDir
    first.crash()
    const e = await env({ dataDir, start: '2026-11-25T13:00:00Z' })
    const [a] = alarmsOf(e, uuid)
    expect(a).toMatchObject({
      kind: 'late',
      message: 'output degraded: late before the crash',
      clearedAt: '2026-11-25T13:00:00.000Z',
      acknowledgedAt: null
    })
    expect(e.director.stationAlarms()).toMatchObject([
      { kind: 'clock-step', clearedAt: '2026-11-25T13:00:00.000Z' }
    ])
    e.director.acknowledgeAlarm(a!.id)
    expect(alarmsOf(e, uuid)).toEqual([])
    expect(e.store.alarms.open().map((r) => r.kind)).toEqual(['clock-step'])
  })

  it('shows a fault tally and a degraded station while a critical condition (black picture) is on air', async () => {
    const e = await env()
    const { uuid, producer } = await onAir(e)
    expect(e.director.channelStatus(uuid)!.tally).toBe('program')
    producer.report('output-condition', {
      kind: 'black',
      active: true,
      atMs: e.clock.now(),
      severity: 'critical',
      message: 'black picture for 2 s'
    })
    expect(e.director.channelStatus(uuid)!).toMatchObject({
      tally: 'fault',
      alarms: [{ code: 'BLACK', clearedAt: null }]
    })
    expect(e.director.health().status).toBe('degraded')
    producer.report('output-condition', {
      kind: 'black',
      active: false,
      atMs: e.clock.now(),
      severity: 'critical',
      message: 'picture back'
    })
    expect(e.director.channelStatus(uuid)!.tally).toBe('program')
    expect(e.director.health().status).toBe('ok')
  })

  it('clears a MEDIA alarm at the end of its slot, whichever kind it was, and raises none once the file is restored', async () => {
    const e = await env({ items: [['Episode', 10 * 60_000]], sessionTimeoutMs: 86_400_000 })
    e.pool.airSegments = true
    e.pool.missingAssets.add('/media/fake.mp4')
    const { uuid, producer } = await onAir(e)
    // From the second airing on, the decoder also reports why (here: the file ended early).
    producer.on('segment-began', (r) => {
      if (r.slate && r.segment.kind === 'item')
        producer.report('alarm', {
          kind: 'media-corrupt',
          severity: 'warning',
          message: 'asset ended early',
          segment: r.segment
        })
    })
    const active = () =>
      alarmsOf(e, uuid)
        .filter((a) => a.clearedAt === null)
        .map((a) => a.kind)
        .sort()
    await e.advance(60_000)
    expect(active()).toEqual(['media-missing'])
    await e.advance(10 * 60_000) // the next airing: the first slot's alarm cleared at its end
    expect(active()).toEqual(['media-corrupt', 'media-missing'])
    expect(
      alarmsOf(e, uuid).filter((a) => a.code === 'MEDIA' && a.clearedAt === null)
    ).toHaveLength(2)
    // Restored: the slot on air still ends as a slate, the next airings play the file.
    e.pool.missingAssets.delete('/media/fake.mp4')
    e.schedule.notifyChanged(e.channels.map((c) => c.id))
    await e.advance(10 * 60_000)
    expect(active()).toEqual([])
    await e.advance(30 * 60_000)
    expect(active()).toEqual([])
    const media = alarmsOf(e, uuid).filter((a) => a.code === 'MEDIA')
    expect(media.length).toBeGreaterThanOrEqual(3)
    expect(media.every((a) => a.clearedAt !== null)).toBe(true)
  })

  it('refuses to acknowledge an alarm it does not have', async () => {
    const e = await env()
    expect(() => e.director.acknowledgeAlarm('999')).toThrow(UnknownAlarmError)
    expect(() => e.director.acknowledgeAlarm('not-a-number')).toThrow(UnknownAlarmError)
  })
})
