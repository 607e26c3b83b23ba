// The as-run log against real playout: a channel aired through three item boundaries by real
// ffmpeg logs each item's actual start and end within one segment of its schedule.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AsRunDayDto, ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { ON_TIME_MS } from '../../src/runtime/as-run'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { until } from '../helpers/until'

const SEGMENT_MS = 1_000

describe('as-run with real playout', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })

  beforeAll(async () => {
    const loop = loopOf(
      { title: 'Three A', asset: 'media/a.mp4', durationMs: 3_000 },
      { title: 'Three B', asset: 'media/b.mp4', durationMs: 3_000 }
    )
    t = stationFixture([{ id: 'short', name: 'Short Items', timezone: 'UTC', loop }])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      policy: { viewerGraceMs: 0 }
    })
    base = await station.listen('127.0.0.1', 0)
  })
  afterAll(async () => {
    await station.close()
    t.cleanup()
  })

  it('logs actual times within one segment of the schedule across three item boundaries', async () => {
    const [c] = ((await (await api('/api/channels')).json()) as { channels: ChannelStatusDto[] })
      .channels
    const a = (await (
      await api(`/api/channels/${c!.uuid}/viewers`, { method: 'POST', body: '{}' })
    ).json()) as ViewerAttachDto
    const asRunItems = async () => {
      const { days } = (await (await api(`/api/asrun?channel=${c!.uuid}`)).json()) as {
        days: AsRunDayDto[]
      }
      return days.flatMap((d) => d.rows).filter((r) => r.kind === 'item')
    }
    // A player: a playlist request every half second, until three whole items have aired and
    // ended (four boundaries, the first item joined mid-way: 3 s items, 12 s at most).
    await until(
      'three whole items aired and ended in the as-run',
      30_000,
      async () => {
        expect((await fetch(`${base}${a.streamUrl}`)).status).toBe(200)
        const ended = (await asRunItems()).filter(
          (r) => r.status === 'as-scheduled' && r.actualEnd !== null
        )
        return ended.length >= 3 ? true : undefined
      },
      500
    )
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
    const items = await asRunItems()
    // Whole items: aired from their scheduled start (the first one was joined mid-way).
    const whole = items.filter((r) => r.status === 'as-scheduled')
    expect(whole.length).toBeGreaterThanOrEqual(3)
    for (const r of whole) {
      expect(
        Math.abs(Date.parse(r.actualStart) - Date.parse(r.scheduledStart!)),
        r.title
      ).toBeLessThanOrEqual(SEGMENT_MS)
      expect(
        Math.abs(Date.parse(r.actualEnd!) - Date.parse(r.scheduledEnd!)),
        r.title
      ).toBeLessThanOrEqual(SEGMENT_MS)
    }
    // Boundaries follow one another: each item starts where the one before ended.
    for (let i = 1; i < items.length; i++)
      expect(items[i]!.actualStart).toBe(items[i - 1]!.actualEnd)
    // The first item was joined mid-way, unless the channel happened to start within ON_TIME_MS of
    // its start (a few times in a hundred with 3 s items): then it aired as scheduled.
    const first = items[0]!
    const lateBy = Date.parse(first.actualStart) - Date.parse(first.scheduledStart!)
    expect(first).toMatchObject(
      lateBy > ON_TIME_MS
        ? { status: 'joined-late', reason: 'no viewers' }
        : { status: 'as-scheduled', reason: null }
    )
  }, 60_000)
})
