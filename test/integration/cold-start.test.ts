// A channel coming on air for its first viewer starts with a pre-roll (playout/preroll.ts): the
// first playlist already lasts three target durations (RFC 8216 6.2.2), where it used to list one
// 0.33 s segment, at which live edge VLC 3.0 started with a one-second cache and rebuffered when a
// segment came late. Every segment still shows the frame the schedule puts at its
// EXT-X-PROGRAM-DATE-TIME, and the as-run says the channel and its item began when the viewer
// asked, not in the pre-roll.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { decodeMarks } from '../helpers/frames'
import { silentLogger } from '../helpers/runtime-env'
import { tools as getTools } from '../helpers/schedule-env'

/** numbered-1.mp4 airs in a one-minute loop from a whole minute: its frame n (30 fps) at minute + n / 30 s. */
const ITEM_MS = 60_000
const SOURCE_FPS = 30

describe('a cold channel start (real ffmpeg)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'numbers',
        name: 'Numbers',
        number: '7',
        timezone: 'UTC',
        loop: loopOf({ title: 'One', asset: 'media/numbered-1.mp4', durationMs: ITEM_MS })
      }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger
    })
    base = await station.listen('127.0.0.1', 0)
  })

  afterAll(async () => {
    await station.close()
    t.cleanup()
  })

  it('lists three target durations in the first playlist, each segment on its scheduled frame, the as-run from the request', async () => {
    const tools = await getTools()
    const asked = station.clock.now()
    const list = await (await fetch(`${base}/iptv/live/7/index.m3u8`)).text()

    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(list)?.[1])
    const segments = [
      ...list.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(\S+\.ts)/g)
    ].map((m) => ({ atMs: Date.parse(m[1]!), duration: Number(m[2]), uri: m[3]! }))
    expect(segments.length, list).toBe(list.split('\n').filter((l) => l.endsWith('.ts')).length)
    const listed = segments.reduce((sum, s) => sum + s.duration, 0)
    expect(listed, list).toBeGreaterThanOrEqual(3 * target)
    // The pre-roll is the schedule's picture for the seconds before the request.
    expect(segments[0]!.atMs, list).toBeLessThan(asked - 2_000)

    // Each segment opens on the frame the schedule airs at its date (within a frame: the clock's
    // position falls between source frames).
    for (const s of segments) {
      const [first] = await decodeMarks(tools, `${base}/iptv/live/7/${s.uri}`, { maxSeconds: 0.1 })
      const expected = Math.floor(((s.atMs % ITEM_MS) * SOURCE_FPS) / 1000)
      expect(first?.id, s.uri).toBe(1)
      expect(
        Math.abs(first!.n - expected),
        `${s.uri}: frame ${first!.n}, ${expected} expected`
      ).toBeLessThanOrEqual(1)
    }

    // One start, at the request: nothing of the pre-roll is logged as aired.
    const channelId = station.store.channels.bySlug('numbers')!.id
    // (The off-air stretch before it is the station's start, before the request.)
    const rows = station.store.asRun.recent(channelId).filter((r) => r.kind !== 'off-air')
    expect(rows.length, JSON.stringify(rows)).toBeGreaterThan(0)
    for (const r of rows) expect(r.actualStartMs, JSON.stringify(r)).toBeGreaterThanOrEqual(asked)
    expect(rows.filter((r) => r.kind === 'item' && r.title === 'One').length).toBe(
      new Set(rows.filter((r) => r.title === 'One').map((r) => r.scheduledStartMs)).size
    )
  }, 60_000)
})
