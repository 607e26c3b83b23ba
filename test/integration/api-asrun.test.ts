// The as-run API over HTTP: JSON rows per broadcast day, the same rows as RFC 4180 CSV (parsed
// with a maintained CSV library), and the reconciliation. A real station with test-double
// producers that report their segments, on a simulated clock.
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/clock'
import type { AsRunDayDto, AsRunReconcileDto, ChannelStatusDto } from '../../src/shared/api'
import { AS_RUN_CSV_COLUMNS } from '../../src/station-facade'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'

describe('as-run API', () => {
  let t: ReturnType<typeof stationFixture>
  const pool = new TestProducerPool()
  pool.airSegments = true
  const clock = new SimulatedClock('2026-11-25T12:00:14Z')
  let station: Station
  let base: string
  let uuids: string[] = []
  const api = (route: string) =>
    fetch(`${base}${route}`, { headers: { authorization: `Bearer ${station.apiToken}` } })

  beforeAll(async () => {
    const loop = loopOf(
      { title: 'A, "quoted"', asset: 'media/a.mp4', durationMs: 10_000 },
      { title: 'B, a "second" part', asset: 'media/b.mp4', durationMs: 8_000 }
    )
    t = stationFixture([
      { id: 'one', name: 'One', timezone: 'UTC', loop },
      { id: 'two', name: 'Two', timezone: 'Asia/Tokyo', loop }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      producerFactory: pool.factory,
      logger: silentLogger,
      clock,
      sessionTimeoutMs: 86_400_000
    })
    base = await station.listen('127.0.0.1', 0)
    uuids = (
      (await (await api('/api/channels')).json()) as { channels: ChannelStatusDto[] }
    ).channels.map((c) => c.uuid)
    // The loop (18 s cycle from the 2026 epoch) is 4 s into item B at 12:00:14Z; air 39 s of it on channel one.
    await fetch(`${base}/api/channels/${uuids[0]}/viewers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${station.apiToken}`, 'content-type': 'application/json' },
      body: '{}'
    })
    await clock.advanceAsync(39_000)
  })
  afterAll(async () => {
    await station.close()
    t.cleanup()
  })

  it('lists what aired as JSON, and the same rows as CSV that a CSV library parses', async () => {
    const json = (
      (await (await api(`/api/asrun?channel=${uuids[0]}`)).json()) as { days: AsRunDayDto[] }
    ).days
    expect(json).toHaveLength(1)
    const rows = json[0]!.rows.filter((r) => r.actualStart >= '2026-11-25T12:00')
    // 12:00:14-12:00:18 the rest of B (joined late), then A, B, A, B... each as scheduled.
    expect(rows[0]).toMatchObject({
      title: 'B, a "second" part',
      status: 'joined-late',
      reason: 'no viewers',
      actualStart: '2026-11-25T12:00:14.000Z',
      actualEnd: '2026-11-25T12:00:18.000Z'
    })
    expect(rows.slice(1, 4).map((r) => [r.title, r.status, r.durationMs])).toEqual([
      ['A, "quoted"', 'as-scheduled', 10_000],
      ['B, a "second" part', 'as-scheduled', 8_000],
      ['A, "quoted"', 'as-scheduled', 10_000]
    ])

    const res = await api(`/api/asrun?channel=${uuids[0]}&format=csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const text = await res.text()
    expect(text.split('\r\n')[0]).toBe(AS_RUN_CSV_COLUMNS.join(','))
    const records = parse(text, { columns: true, skip_empty_lines: true }) as Array<
      Record<string, string>
    >
    const asText = (v: unknown) => (v === null || v === undefined ? '' : String(v))
    expect(records).toEqual(
      json[0]!.rows.map((r) => Object.fromEntries(AS_RUN_CSV_COLUMNS.map((c) => [c, asText(r[c])])))
    )
  })

  it('covers every channel without ?channel=, each on its own broadcast day', async () => {
    const days = ((await (await api('/api/asrun')).json()) as { days: AsRunDayDto[] }).days
    expect(days.map((d) => [d.channelUuid, d.broadcastDay])).toEqual([
      [uuids[0], '2026-11-25'],
      [uuids[1], '2026-11-25'] // 21:00 in Tokyo, still the day that began at 06:00 local
    ])
    // Channel two had no viewers: off air since the station started, and before that the station
    // had not yet aired it (its first start), not "not running".
    expect(days[1]!.rows.map((r) => [r.status, r.reason])).toEqual([
      ['off-air', "before the station's first start"],
      ['off-air', 'no viewers']
    ])
  })

  it('reconciles the schedule against what aired, with totals', async () => {
    const rec = (await (
      await api(`/api/asrun/reconcile?channel=${uuids[0]}`)
    ).json()) as AsRunReconcileDto
    const aired = rec.items.filter(
      (i) =>
        i.scheduledEnd > '2026-11-25T12:00:14.000Z' && i.scheduledStart < '2026-11-25T12:00:53.000Z'
    )
    expect(aired.map((i) => i.outcome)).toEqual([
      'late',
      'as-scheduled',
      'as-scheduled',
      'as-scheduled',
      'on-air'
    ])
    expect(aired[0]).toMatchObject({ reason: 'no viewers', airedMs: 4_000, scheduledMs: 8_000 })
    expect(rec.totals.late).toBe(1)
    // The day's items before 12:00, when the station first aired the channel: not "not aired".
    expect(rec.totals.beforeFirstStart).toBeGreaterThan(0)
    expect(rec.totals.notAired).toBe(0)
    expect(rec.firstStart).toMatch(/^2026-11-25T12:00/)
    expect(rec.items.some((i) => i.outcome === 'upcoming')).toBe(true)
  })

  it('refuses bad parameters with a 400 naming them', async () => {
    for (const [route, name] of [
      ['/api/asrun?day=2026-02-30', 'day'],
      ['/api/asrun?day=yesterday', 'day'],
      ['/api/asrun?format=xml', 'format'],
      ['/api/asrun/reconcile', 'channel'],
      ['/api/asrun?channel=nope', 'channel']
    ] as const) {
      const res = await api(route)
      expect(res.status, route).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message, route).toMatch(
        new RegExp(`${name}|not a channel uuid`)
      )
    }
  })
})
