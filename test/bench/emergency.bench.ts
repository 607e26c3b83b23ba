// Emergency switch timing, seen the way viewers see it: 8 live channels on a headless station, an
// emergency activated (and cleared) through the HTTP API, and the time until every channel's
// stream serves emergency output, found by reading each viewer's playlist and its segments:
//   takeover  a segment whose picture is the emergency card (its dark red top band, in any frame)
//   crawl     a segment whose picture carries the red crawl band at the bottom (in any frame)
//   clear     a segment whose last frame no longer shows it (programming again)
// 10 trials per switch; p50 and p95 of the slowest channel of each trial. Target p95 <= 1.5 s with
// 1 s segments. The media is a plain blue card, so red at the top can only be the emergency card,
// and at the bottom only the crawl (segment names say nothing: a takeover continues the output).
// RETROVUE_BENCH_EMERGENCY=crawl or =takeover runs one kind; RETROVUE_BENCH_TRIALS sets the number
// of trials; RETROVUE_BENCH_VERBOSE=1 prints every channel's time.
import fs from 'node:fs'
import path from 'node:path'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { ensureFixtures, loopOf, stationFixture } from '../helpers/fixtures'
import { redFrames } from '../helpers/frames'
import { sleep } from '../helpers/playout'
import { startServe, type ServeHandle } from '../helpers/serve'
import { percentile, type Figure } from './stats'

const CHANNELS = 8
const TRIALS = Number(process.env['RETROVUE_BENCH_TRIALS'] ?? 10)
/** Segments listed within this long after a switch are collected before any is judged. */
const WATCH_WINDOW_MS = 3_500
const log = (msg: string) => process.stderr.write(`  [emergency] ${msg}\n`)
const now = () => performance.now()

type Kind = 'emergency' | 'normal'

/** A viewer that keeps its session alive and reports the first new segment of the wanted kind. */
class Follower {
  private readonly seen = new Set<string>()
  constructor(
    private readonly base: string,
    private readonly session: ViewerAttachDto
  ) {}

  private async segments(): Promise<string[]> {
    const text = await (await fetch(`${this.base}${this.session.streamUrl}`)).text()
    return text.split('\n').filter((l) => l.endsWith('.ts'))
  }

  /** Marks what is listed now as old. */
  async reset(): Promise<void> {
    for (const s of await this.segments()) this.seen.add(s)
  }

  /**
   * Watches the playlist (every 50 ms) for a window of a few seconds, fetching each segment as it
   * is listed, and only then judges them: decoding segments here (an ffmpeg per segment, per
   * channel) would take CPU from the station while it switches and count the bench's own work
   * against it. Resolves with the time the first segment of the wanted kind was first listed.
   */
  async waitFor(
    tools: FfmpegTools,
    scope: 'crawl' | 'takeover',
    want: Kind,
    dir: string
  ): Promise<number> {
    const listed: Array<{ seg: string; at: number; body: Promise<Buffer> }> = []
    let judged = 0
    for (let window = 0; window < 5; window++) {
      const until = now() + WATCH_WINDOW_MS
      while (now() < until) {
        // Listed when the answer arrives: a playlist request made during a swap waits for the new
        // producer's first segment, so the moment it was asked says nothing.
        const segments = await this.segments()
        const at = now()
        for (const seg of segments) {
          if (this.seen.has(seg)) continue
          this.seen.add(seg)
          listed.push({ seg, at, body: this.fetchSegment(seg) })
        }
        await sleep(50)
      }
      for (; judged < listed.length; judged++) {
        const { seg, at, body } = listed[judged]!
        if (await this.isKind(tools, seg, await body, scope, want, dir)) return at
      }
    }
    throw new Error(`no ${want} segment listed within ${(5 * WATCH_WINDOW_MS) / 1000} s`)
  }

  private async fetchSegment(seg: string): Promise<Buffer> {
    return Buffer.from(
      await (
        await fetch(`${this.base}${this.session.streamUrl.replace('index.m3u8', seg)}`)
      ).arrayBuffer()
    )
  }

  private async isKind(
    tools: FfmpegTools,
    seg: string,
    body: Buffer,
    scope: 'crawl' | 'takeover',
    want: Kind,
    dir: string
  ): Promise<boolean> {
    const file = path.join(dir, seg.replace('/', '_'))
    fs.writeFileSync(file, body)
    // The crawl's band is a strip of the picture's bottom; the card fills the top.
    const frames =
      scope === 'crawl'
        ? await redFrames(tools, file, 'bottom', 4 / 512)
        : await redFrames(tools, file, 'top', 400 / 512)
    fs.rmSync(file, { force: true })
    // The first segment that carries output after the switch: for on, a frame with the crawl or the
    // card; for clear, gone by the segment's end (symmetric: the change shows within the segment).
    return want === 'emergency'
      ? frames.some(Boolean)
      : frames.length > 0 && !frames[frames.length - 1]
  }
}

async function switchTimes(
  serve: ServeHandle,
  followers: Follower[],
  tools: FfmpegTools,
  scope: 'crawl' | 'takeover',
  dir: string
) {
  const on: number[] = []
  const off: number[] = []
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const [want, times] of [
      ['emergency', on],
      ['normal', off]
    ] as const) {
      await Promise.all(followers.map((f) => f.reset()))
      const t0 = now()
      const request =
        want === 'emergency'
          ? serve.api('/api/emergency', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                message: `Bench alert ${trial}: this is a test of the emergency system`,
                scope
              })
            })
          : serve.api('/api/emergency', { method: 'DELETE' })
      const seen = followers.map((f) => f.waitFor(tools, scope, want, dir))
      const res = await request
      if (res.status !== 200)
        throw new Error(`${want} ${scope} answered ${res.status}: ${await res.text()}`)
      const at = await Promise.all(seen)
      times.push(Math.max(...at) - t0)
      if (process.env['RETROVUE_BENCH_VERBOSE'])
        log(`${scope} ${want}: ${at.map((x) => (x - t0).toFixed(0)).join(' ')}`)
      await sleep(2_000) // let the station settle before the next switch
    }
    log(
      `${scope} trial ${trial + 1}: on ${on.at(-1)!.toFixed(0)} ms, clear ${off.at(-1)!.toFixed(0)} ms`
    )
  }
  return { on: on.sort((a, b) => a - b), off: off.sort((a, b) => a - b) }
}

export async function run(): Promise<Figure[]> {
  const tools = await locateFfmpeg()
  await ensureFixtures(tools)
  const loop = loopOf({ title: 'Blue card', asset: 'media/c.mp4', durationMs: 6_000 })
  const t = stationFixture(
    Array.from({ length: CHANNELS }, (_, i) => ({
      id: `ch-${i + 1}`,
      name: `Channel ${i + 1}`,
      timezone: 'UTC',
      loop
    })),
    'retrovue-bench-emergency-'
  )
  const serve = await startServe(
    path.join(t.dir, 'data'),
    ['--station', t.file, '--segment-seconds', '1', '--session-timeout-ms', '600000'],
    { RETROVUE_LOG_LEVEL: 'error' }
  )
  try {
    const { channels } = (await (await serve.api('/api/channels')).json()) as {
      channels: ChannelStatusDto[]
    }
    const followers: Follower[] = []
    for (const c of channels) {
      const res = await serve.api(`/api/channels/${c.uuid}/viewers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}'
      })
      const session = (await res.json()) as ViewerAttachDto
      followers.push(new Follower(serve.url, session))
    }
    await Promise.all(followers.map((f) => f.reset())) // first playlists: every channel on air
    await sleep(3_000)
    const figures: Figure[] = []
    for (const scope of (process.env['RETROVUE_BENCH_EMERGENCY'] ?? 'crawl,takeover').split(
      ','
    ) as Array<'crawl' | 'takeover'>) {
      const { on, off } = await switchTimes(serve, followers, tools, scope, t.dir)
      const target = (xs: number[]) => ({ target: '<= 1500 ms', ok: percentile(xs, 95) <= 1500 })
      figures.push(
        {
          name: `${scope} p50 (API call -> all ${CHANNELS} streams)`,
          value: percentile(on, 50),
          unit: 'ms'
        },
        {
          name: `${scope} p95`,
          value: percentile(on, 95),
          unit: 'ms',
          ...target(on),
          note: `${on.length} trials, max ${on.at(-1)!.toFixed(0)} ms`
        },
        { name: `clear after ${scope} p50`, value: percentile(off, 50), unit: 'ms' },
        {
          name: `clear after ${scope} p95`,
          value: percentile(off, 95),
          unit: 'ms',
          ...target(off),
          note: `${off.length} trials, max ${off.at(-1)!.toFixed(0)} ms`
        }
      )
    }
    return figures
  } finally {
    await serve.stop()
    t.cleanup()
  }
}
