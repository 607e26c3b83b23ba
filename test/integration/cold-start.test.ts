// A channel coming on air for its first viewer starts with a pre-roll (playout/preroll.ts): its
// first segment is the schedule's picture of 3.33 s before the request, where it used to be the
// picture at the request (a player starting there had no more than its own cache: VLC 3.0's one
// second ran dry when a segment came late), and the rest of the pre-roll follows faster than real
// time, so the list soon lasts three target durations (RFC 8216 6.2.2). Every segment shows the
// frame the schedule puts at its EXT-X-PROGRAM-DATE-TIME, and the as-run says the channel and its
// item began when the viewer asked, not in the pre-roll.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { decodeMarks } from '../helpers/frames'
import { silentLogger } from '../helpers/runtime-env'
import { until } from '../helpers/until'
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

  it('starts the output 3.33 s back, each segment on its scheduled frame, the as-run from the request', async () => {
    const tools = await getTools()
    const asked = station.clock.now()
    const playlist = async () => (await fetch(`${base}/iptv/live/7/index.m3u8`)).text()
    const firstList = await playlist()
    const firstDate = Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(firstList)![1]!)
    // The pre-roll is the schedule's picture for the seconds before the request.
    expect(firstDate, firstList).toBeLessThan(asked - 3_000)
    // The rest of it comes faster than real time: a functional bound, not a benchmark.
    let list = firstList
    const seconds = (text: string) =>
      [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
    await until('three target durations listed', 15_000, async () =>
      seconds((list = await playlist())) >= 3 ? true : undefined
    )

    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(list)?.[1])
    const segments = [
      ...list.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(\S+\.ts)/g)
    ].map((m) => ({ atMs: Date.parse(m[1]!), duration: Number(m[2]), uri: m[3]! }))
    expect(segments.length, list).toBe(list.split('\n').filter((l) => l.endsWith('.ts')).length)
    expect(target, list).toBe(1)
    expect(segments[0]!.atMs, list).toBeLessThan(asked)

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
