// Helpers for real-ffmpeg playout tests: plans over fixture media, and a collector that keeps every
// segment a producer writes (its own playlist only lists the live window).
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { probeMedia } from '../../src/media/probe'
import type { AssetInfo, PlayoutPlan, PlayoutSegment } from '../../src/shared/domain'
import { until } from './until'

export async function assetInfo(tools: FfmpegTools, file: string): Promise<AssetInfo> {
  try {
    const p = await probeMedia(tools, file)
    return {
      path: file,
      durationMs: p.durationMs,
      hasVideo: p.video !== null,
      hasAudio: p.audio !== null,
      width: p.video?.width ?? null,
      height: p.video?.height ?? null,
      frameRate: p.video?.frameRate ?? null,
      sizeBytes: p.sizeBytes,
      mtimeMs: p.mtimeMs
    }
  } catch {
    // Missing on purpose: what the schedule still says about it.
    return {
      path: file,
      durationMs: 60_000,
      hasVideo: true,
      hasAudio: true,
      width: 640,
      height: 360,
      frameRate: 30,
      sizeBytes: 1,
      mtimeMs: 1
    }
  }
}

export type PlanItem =
  { asset: string; inPointMs?: number; durationMs: number; title?: string } | { gapMs: number }

/** A plan whose first item starts at `firstStartMs`, items back to back. */
export async function planOf(
  tools: FfmpegTools,
  firstStartMs: number,
  items: PlanItem[]
): Promise<PlayoutPlan> {
  const segments: PlayoutSegment[] = []
  let t = firstStartMs
  let id = 1
  for (const it of items) {
    if ('gapMs' in it) {
      segments.push({ kind: 'gap', startMs: t, endMs: t + it.gapMs })
      t += it.gapMs
    } else {
      segments.push({
        kind: 'item',
        eventId: id,
        title: it.title ?? `item ${id}`,
        type: 'program',
        startMs: t,
        endMs: t + it.durationMs,
        inPointMs: it.inPointMs ?? 0,
        asset: await assetInfo(tools, it.asset)
      })
      id++
      t += it.durationMs
    }
  }
  return { channelUuid: 'test', fromMs: firstStartMs, toMs: t, segments }
}

/**
 * The same plan moved to start at `firstStartMs`. Probing takes seconds on a loaded machine: a
 * test that means to start "now" probes first (planOf at 0) and sets the times after.
 */
export function retime(plan: PlayoutPlan, firstStartMs: number): PlayoutPlan {
  const by = firstStartMs - plan.fromMs
  return {
    ...plan,
    fromMs: plan.fromMs + by,
    toMs: plan.toMs + by,
    segments: plan.segments.map((s) => ({ ...s, startMs: s.startMs + by, endMs: s.endMs + by }))
  }
}

/**
 * Copies each new segment of an HLS output folder as it appears; notes any discontinuity tag and
 * each segment's duration (its #EXTINF), so a test can wait until the output it holds reaches a
 * point: frames written to the encoder are not yet frames in a closed, listed segment.
 */
export class SegmentCollector {
  readonly files: string[] = []
  /** Each collected segment's duration in ms, in the order of `files`. */
  readonly durationsMs: number[] = []
  discontinuities = 0
  private timer: NodeJS.Timeout
  private readonly seen = new Set<string>()

  /**
   * `originMs`: the station time of the output's first frame (the start time given to the
   * producer that opened it), for waits in station time (untilAired). The collector must start
   * before the first segment leaves the encoder's playlist (right after the producer's start).
   */
  constructor(
    private readonly playlist: () => string | null,
    private readonly dir: string,
    private readonly originMs: number | null = null
  ) {
    fs.mkdirSync(dir, { recursive: true })
    this.timer = setInterval(() => this.poll(), 100)
  }

  poll(): void {
    const pl = this.playlist()
    if (!pl) return
    let text: string
    try {
      text = fs.readFileSync(pl, 'utf8')
    } catch {
      return
    }
    if (text.includes('#EXT-X-DISCONTINUITY\n') || /#EXT-X-DISCONTINUITY\s*$/m.test(text))
      this.discontinuities++
    let durationMs = NaN
    for (const line of text.split('\n')) {
      const name = line.trim()
      const inf = /^#EXTINF:([\d.]+)/.exec(name)
      if (inf) durationMs = Number(inf[1]) * 1000
      if (!name.endsWith('.ts') || this.seen.has(name)) continue
      try {
        const target = path.join(this.dir, `${String(this.files.length).padStart(5, '0')}.ts`)
        fs.copyFileSync(path.join(path.dirname(pl), name), target)
        this.seen.add(name)
        this.files.push(target)
        this.durationsMs.push(durationMs)
      } catch {
        // written a moment later; next poll
      }
    }
  }

  /** How much of the output the collected segments hold, in ms from its first frame. */
  get heldMs(): number {
    return this.durationsMs.reduce((sum, d) => sum + d, 0)
  }

  /**
   * Resolves once the collected segments hold the output's first `outputMs`; fails naming `what`
   * when they do not within the time that much output takes in real time plus `slackMs` (a start
   * on a loaded machine takes seconds).
   */
  async untilHolds(outputMs: number, what: string, slackMs = 20_000): Promise<void> {
    const timeoutMs = Math.max(0, outputMs - this.heldMs) + slackMs
    // Half a frame of rounding in the #EXTINF values summed.
    await until(`the output holds ${what} (${outputMs} ms)`, timeoutMs, () => {
      this.poll()
      return this.heldMs >= outputMs - 20 ? true : undefined
    }).catch((err: Error) => {
      throw new Error(`${err.message}; it holds ${Math.round(this.heldMs)} ms`)
    })
  }

  /**
   * Resolves once the collected segments hold the output up to station time `stationMs` (see
   * untilHolds). The output runs ahead of the clock (the engine writes frames a lead early): a
   * change made now lands on the next frame written, which a producer's handOverAt() dates, not
   * at clock.now().
   */
  untilAired(stationMs: number, what: string, slackMs?: number): Promise<void> {
    if (this.originMs === null) throw new Error('untilAired needs the output origin (originMs)')
    return this.untilHolds(stationMs - this.originMs, what, slackMs)
  }

  /** All collected segments concatenated into one transport stream file. */
  concat(file: string): string {
    this.poll()
    fs.writeFileSync(file, Buffer.concat(this.files.map((f) => fs.readFileSync(f))))
    return file
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

/**
 * Resolves once a producer's output has aired up to station time `stationMs`: its frames up to
 * then are written (analysed: the engine writes, and watches, a lead ahead of the clock) and the
 * clock has reached it (what they raised is told when their frame is on air, at the engine's next
 * tick: a tenth of a second allowed for it). Fails naming `what` when it has not within the time
 * left plus `slackMs`.
 */
export async function untilOnAir(
  producers: Array<{ handOverAt(): number | null }>,
  clock: { now(): number },
  stationMs: number,
  what: string,
  slackMs = 20_000
): Promise<void> {
  const timeoutMs = Math.max(0, stationMs - clock.now()) + slackMs
  await until(`${what} on air`, timeoutMs, () =>
    clock.now() >= stationMs + 100 &&
    producers.every((p) => (p.handOverAt() ?? -Infinity) > stationMs)
      ? true
      : undefined
  )
}

/** Packet timestamps of each stream of a file, in stream order. */
export async function packetTimes(
  tools: FfmpegTools,
  file: string
): Promise<{ video: number[]; audio: number[] }> {
  const { stdout } = await execa(
    tools.ffprobe,
    ['-v', 'error', '-show_entries', 'packet=codec_type,pts', '-of', 'csv=p=0', file],
    { maxBuffer: 2 ** 30 }
  )
  const video: number[] = []
  const audio: number[] = []
  for (const line of String(stdout).split('\n')) {
    const [type, pts] = line.split(',')
    if (pts === undefined || pts === 'N/A') continue
    if (type === 'video') video.push(Number(pts))
    else if (type === 'audio') audio.push(Number(pts))
  }
  return { video, audio }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
