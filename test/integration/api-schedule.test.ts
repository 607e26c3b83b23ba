import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BroadcastDayDto, ChannelStatusDto, ScheduleItemDto } from '../../src/shared/api'
import { SimulatedClock } from '../../src/runtime/clock'
import { Station } from '../../src/station'
import { stationFixture } from '../helpers/fixtures'

describe('schedule API', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  const clock = new SimulatedClock('2026-11-26T05:30:00+09:00')
  const get = (route: string, token = station.apiToken) =>
    fetch(`${base}${route}`, { headers: { authorization: `Bearer ${token}` } })

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'tokyo-movies',
        name: 'Tokyo Movies',
        timezone: 'Asia/Tokyo',
        schedule: [
          {
            title: 'The Late Movie',
            asset: 'media/movie.mp4',
            start: '2026-11-26T05:00:00+09:00',
            durationMs: 7_200_000
          },
          {
            title: 'Morning Cartoon',
            asset: 'media/a.mp4',
            start: '2026-11-26T07:00:00+09:00',
            durationMs: 10_000,
            inPointMs: 0
          }
        ]
      },
      { id: 'guide', name: 'Guide', timezone: 'UTC', kind: 'guide' }
    ])
    station = await Station.open({ dataDir: path.join(t.dir, 'data'), clock, stationFile: t.file })
    base = await station.listen('127.0.0.1', 0)
  })
  afterAll(async () => {
    await station.close()
    t.cleanup()
  })

  const uuid = async () =>
    ((await (await get('/api/channels')).json()) as { channels: ChannelStatusDto[] }).channels.find(
      (c) => c.slug === 'tokyo-movies'
    )!.uuid

  it('lists channels with identity, now playing with offset, next and broadcast day', async () => {
    const res = await get('/api/channels')
    expect(res.status).toBe(200)
    const { channels } = (await res.json()) as { channels: ChannelStatusDto[] }
    expect(channels.map((c) => c.slug)).toEqual(['tokyo-movies', 'guide'])
    const c = channels[0]!
    expect(c).toMatchObject({
      name: 'Tokyo Movies',
      timezone: 'Asia/Tokyo',
      kind: 'normal',
      mode: 'normal',
      producerStatus: 'stopped',
      viewerCount: 0
    })
    expect(c.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(c.nowPlaying).toMatchObject({
      title: 'The Late Movie',
      start: '2026-11-26T05:00:00.000+09:00',
      end: '2026-11-26T07:00:00.000+09:00',
      offsetMs: 30 * 60_000
    })
    expect(c.next).toMatchObject({
      title: 'Morning Cartoon',
      start: '2026-11-26T07:00:00.000+09:00'
    })
    expect(c.broadcastDay).toEqual({
      label: '2026-11-25',
      start: '2026-11-25T06:00:00.000+09:00',
      end: '2026-11-26T06:00:00.000+09:00'
    })
    const one = await get(`/api/channels/${c.uuid}`)
    expect(((await one.json()) as ChannelStatusDto).uuid).toBe(c.uuid)
  })

  it('serves a schedule range and the broadcast day with its carryover', async () => {
    const id = await uuid()
    const sched = await get(
      `/api/channels/${id}/schedule?from=${encodeURIComponent('2026-11-26T06:00:00+09:00')}&to=${encodeURIComponent('2026-11-26T08:00:00+09:00')}`
    )
    expect(sched.status).toBe(200)
    const body = (await sched.json()) as { items: ScheduleItemDto[] }
    expect(body.items.map((i) => i.title)).toEqual(['The Late Movie', 'Morning Cartoon'])
    const day = (await (
      await get(
        `/api/channels/${id}/broadcast-day?at=${encodeURIComponent('2026-11-26T06:00:00+09:00')}`
      )
    ).json()) as BroadcastDayDto
    expect(day).toMatchObject({
      label: '2026-11-26',
      start: '2026-11-26T06:00:00.000+09:00',
      end: '2026-11-27T06:00:00.000+09:00',
      timezone: 'Asia/Tokyo',
      rolloverMinutes: 360
    })
    expect(day.carryover).toMatchObject({
      title: 'The Late Movie',
      start: '2026-11-26T05:00:00.000+09:00',
      end: '2026-11-26T07:00:00.000+09:00'
    })
    const before = (await (
      await get(
        `/api/channels/${id}/broadcast-day?at=${encodeURIComponent('2026-11-26T05:59:59.999+09:00')}`
      )
    ).json()) as BroadcastDayDto
    expect(before).toMatchObject({ label: '2026-11-25', carryover: null })
  })

  it.each([
    ['schedule?from=tomorrow', 'from', /"from": "tomorrow" is not an ISO 8601 instant with a zone/],
    ['schedule?from=2026-11-26T06:00:00', 'from', /with a zone/],
    [
      'schedule?to=2026-11-26T00:00:00Z&from=2026-11-27T00:00:00Z',
      'to',
      /"to" must be after "from"/
    ],
    ['schedule?from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z', 'from', /span more than 8 days/],
    ['schedule?frm=2026-11-01T00:00:00Z', 'frm', /unknown query parameter "frm"/],
    ['broadcast-day?at=noon', 'at', /"at": "noon"/]
  ])('rejects %s with a 400 naming the parameter', async (route, name, message) => {
    const res = await get(`/api/channels/${await uuid()}/${route}`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('invalid_parameter')
    expect(body.error.message).toContain(`"${name}"`)
    expect(body.error.message).toMatch(message)
  })

  it('answers unknown and malformed channel ids with 404 and 400', async () => {
    expect((await get('/api/channels/00000000-0000-4000-8000-000000000000')).status).toBe(404)
    expect((await get('/api/channels/not-a-uuid/schedule')).status).toBe(400)
    expect((await get('/api/channels', 'wrong-token')).status).toBe(401)
  })
})
