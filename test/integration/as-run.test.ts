// The as-run log through the runtime: what actually aired, per broadcast day, with the reasons
// where it differs from the schedule, and the schedule reconciled against it. Simulated clock,
// test-double producers that report their segments as the clock reaches them, real SQLite.
import { describe, expect, it } from 'vitest'
import type { AsRunRowDto } from '../../src/shared/api'
import { StationFacade } from '../../src/station-facade'
import { runtimeEnv, runtimeEnvs } from '../helpers/runtime-env'

const { env: makeEnv, track } = runtimeEnvs()
async function env(o: Parameters<typeof runtimeEnv>[0] = {}) {
  // Viewers here make no playlist requests: keep their sessions for the test's whole simulated day.
  const e = await makeEnv({ sessionTimeoutMs: 86_400_000, ...o })
  e.pool.airSegments = true
  const api = new StationFacade({
    clock: e.clock,
    store: e.store,
    schedule: e.schedule,
    director: e.director
  })
  return { e, api, uuid: e.channels[0]!.uuid }
}

const HOUR = 3_600_000
const brief = (r: AsRunRowDto) => [r.kind, r.title, r.actualStart, r.actualEnd, r.status, r.reason]

describe('as-run through the runtime', () => {
  it('splits a 05:00-07:00 item aired through the 06:00 rollover into two rows, one per broadcast day', async () => {
    // Tokyo: the loop's 2 h item airs 20:00Z-22:00Z, which is 05:00-07:00 local; rollover 06:00 = 21:00Z.
    const { e, api, uuid } = await env({
      start: '2026-11-25T20:00:00Z',
      items: [['Late Movie', 2 * HOUR]],
      zone: 'Asia/Tokyo',
      sessionTimeoutMs: 86_400_000
    })
    e.director.attach(uuid)
    await e.advance(2 * HOUR)
    const before = (await api.asRun({ channel: uuid, day: '2026-11-25' }))[0]!.rows.filter(
      (r) => r.kind === 'item'
    )
    const after = (await api.asRun({ channel: uuid, day: '2026-11-26' }))[0]!.rows.filter(
      (r) => r.kind === 'item'
    )
    expect(
      before.map((r) => [r.broadcastDay, r.actualStart, r.actualEnd, r.split, r.status])
    ).toEqual([
      [
        '2026-11-25',
        '2026-11-26T05:00:00.000+09:00',
        '2026-11-26T06:00:00.000+09:00',
        'into-next-day',
        'as-scheduled'
      ]
    ])
    expect(after[0]!).toMatchObject({
      broadcastDay: '2026-11-26',
      actualStart: '2026-11-26T06:00:00.000+09:00',
      actualEnd: '2026-11-26T07:00:00.000+09:00',
      split: 'from-previous-day',
      status: 'as-scheduled',
      title: 'Late Movie'
    })
  })

  it('cuts the item at an emergency takeover, logs the emergency, and resumes the item at the clock position after', async () => {
    const { e, api, uuid } = await env({
      start: '2026-11-25T12:00:00Z',
      items: [['Movie', HOUR]],
      zone: 'UTC'
    })
    e.director.attach(uuid)
    await e.advance(10 * 60_000)
    await e.director.activateEmergency('Tornado warning', 'takeover')
    await e.advance(5 * 60_000)
    await e.director.clearEmergency()
    await e.advance(5 * 60_000)
    const rows = (await api.asRun({ channel: uuid }))[0]!.rows.filter(
      (r) => r.actualStart >= '2026-11-25T12:00'
    )
    expect(rows.map(brief)).toEqual([
      [
        'item',
        'Movie',
        '2026-11-25T12:00:00.000Z',
        '2026-11-25T12:10:00.000Z',
        'cut-short',
        'emergency'
      ],
      [
        'emergency',
        'Emergency: Tornado warning',
        '2026-11-25T12:10:00.000Z',
        '2026-11-25T12:15:00.000Z',
        'emergency',
        'emergency'
      ],
      ['item', 'Movie', '2026-11-25T12:15:00.000Z', null, 'joined-late', 'emergency cleared']
    ])
    expect(rows[0]!.producerType).toBe('normal')
    expect(rows[1]!.producerType).toBe('emergency-takeover')
    const reconcile = await api.asRunReconcile({ channel: uuid })
    expect(
      reconcile.items.find((i) => i.scheduledStart === '2026-11-25T12:00:00.000Z')
    ).toMatchObject({ outcome: 'on-air', airedMs: 15 * 60_000 })
    expect(reconcile.totals.emergencyMs).toBe(5 * 60_000)
  })

  it('marks a crawl on the running item by splitting its row, without cutting the programme', async () => {
    const { e, api, uuid } = await env({
      start: '2026-11-25T12:00:00Z',
      items: [['Movie', HOUR]],
      zone: 'UTC'
    })
    e.director.attach(uuid)
    await e.advance(10 * 60_000)
    await e.director.activateEmergency('Flood watch', 'crawl')
    await e.advance(60 * 60_000)
    const rows = (await api.asRun({ channel: uuid }))[0]!.rows.filter(
      (r) => r.kind === 'item' && r.title === 'Movie' && r.actualStart < '2026-11-25T13:00'
    )
    expect(rows.map((r) => [r.producerType, r.actualStart, r.actualEnd, r.status])).toEqual([
      ['normal', '2026-11-25T12:00:00.000Z', '2026-11-25T12:10:00.000Z', 'cut-short'],
      ['emergency-crawl', '2026-11-25T12:10:00.000Z', '2026-11-25T13:00:00.000Z', 'joined-late']
    ])
    // The item itself aired whole.
    const item = (await api.asRunReconcile({ channel: uuid })).items.find(
      (i) => i.scheduledStart === '2026-11-25T12:00:00.000Z'
    )
    expect(item).toMatchObject({ airedMs: HOUR })
  })

  it('records a slate for missing media as replaced, saying why', async () => {
    const { e, api, uuid } = await env({
      start: '2026-11-25T12:00:00Z',
      items: [['Lost Episode', 30 * 60_000]],
      zone: 'UTC'
    })
    e.pool.missingAssets.add('/media/fake.mp4')
    e.director.attach(uuid)
    await e.advance(30 * 60_000)
    const [row] = (await api.asRun({ channel: uuid }))[0]!.rows.filter((r) => r.kind === 'item')
    expect(row).toMatchObject({
      title: 'Lost Episode',
      status: 'replaced',
      reason: 'missing media',
      actualEnd: '2026-11-25T12:30:00.000Z'
    })
    const item = (await api.asRunReconcile({ channel: uuid })).items.find(
      (i) => i.scheduledStart === '2026-11-25T12:00:00.000Z'
    )
    expect(item).toMatchObject({ outcome: 'replaced', reason: 'missing media', airedMs: 0 })
  })

  it('shows an hour without viewers as that hour off air, and the item it missed as joined late', async () => {
    const { e, api, uuid } = await env({
      start: '2026-11-25T12:00:00Z',
      items: [['Marathon', 3 * HOUR]],
      zone: 'UTC'
    })
    // The 3 h loop item started at 12:00; nobody watches until 13:00.
    await e.advance(HOUR)
    e.director.attach(uuid)
    await e.advance(30 * 60_000)
    const rows = (await api.asRun({ channel: uuid }))[0]!.rows.filter(
      (r) => r.actualStart >= '2026-11-25T12:00'
    )
    expect(rows.map(brief)).toEqual([
      [
        'off-air',
        'Off air',
        '2026-11-25T12:00:00.000Z',
        '2026-11-25T13:00:00.000Z',
        'off-air',
        'no viewers'
      ],
      ['item', 'Marathon', '2026-11-25T13:00:00.000Z', null, 'joined-late', 'no viewers']
    ])
    expect((await api.asRunReconcile({ channel: uuid })).totals.offAirMs).toBeGreaterThanOrEqual(
      HOUR
    )
  })

  it('closes what aired before a crash at the last time it was known on air, and shows the downtime as off air', async () => {
    const first = await runtimeEnv({
      start: '2026-11-25T12:00:00Z',
      items: [['Movie', HOUR]],
      zone: 'UTC',
      sessionTimeoutMs: 86_400_000
    })
    first.pool.airSegments = true
    first.director.attach(first.channels[0]!.uuid)
    await first.advance(10 * 60_000 + 1_000) // on air; stamped every 2 s
    for (const cm of first.director.channelManagers()) cm.flushReports()
    first.crash()
    const e = track(await runtimeEnv({ dataDir: first.dataDir, start: '2026-11-25T12:20:00Z' }))
    const api = new StationFacade({
      clock: e.clock,
      store: e.store,
      schedule: e.schedule,
      director: e.director
    })
    const rows = (await api.asRun({ channel: e.channels[0]!.uuid }))[0]!.rows.filter(
      (r) => r.actualStart >= '2026-11-25T12:00'
    )
    expect(rows.map((r) => [r.kind, r.actualStart, r.actualEnd, r.status, r.reason])).toEqual([
      [
        'item',
        '2026-11-25T12:00:00.000Z',
        '2026-11-25T12:10:00.000Z',
        'cut-short',
        'station stopped'
      ],
      [
        'off-air',
        '2026-11-25T12:10:00.000Z',
        '2026-11-25T12:20:00.000Z',
        'off-air',
        'station not running'
      ],
      ['off-air', '2026-11-25T12:20:00.000Z', null, 'off-air', 'no viewers']
    ])
  })
})
