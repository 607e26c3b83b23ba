// Helpers for real-ffmpeg playout tests: plans over fixture media, and a collector that keeps every
// segment a producer writes (its own playlist only lists the live window).
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { probeMedia } from '../../src/media/probe'
import type { AssetInfo, PlayoutPlan, PlayoutSegment } from '../../src/shared/domain'

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

/** Copies each new segment of an HLS output folder as it appears; notes any discontinuity tag. */
export class SegmentCollector {
  readonly files: string[] = []
  discontinuities = 0
  private timer: NodeJS.Timeout
  private readonly seen = new Set<string>()

  constructor(
    private readonly playlist: () => string | null,
    private readonly dir: string
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
    for (const line of text.split('\n')) {
      const name = line.trim()
      if (!name.endsWith('.ts') || this.seen.has(name)) continue
      try {
        const target = path.join(this.dir, `${String(this.files.length).padStart(5, '0')}.ts`)
        fs.copyFileSync(path.join(path.dirname(pl), name), target)
        this.seen.add(name)
        this.files.push(target)
      } catch {
        // written a moment later; next poll
      }
    }
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
