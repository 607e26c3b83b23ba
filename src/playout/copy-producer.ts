// CopyProducer: normal programming at the cost of a copy (issue 28). When every item of the plan
// has a rendition in the channel's house format (copy-run.ts), the output is made by remuxing
// them: one short-lived ffmpeg per item (-c copy: no decoder, no encoder) writes the item's GOPs
// as MPEG-TS with its timestamps already placed on the output's timeline (-output_ts_offset at the
// item's scheduled frame), the segmenter (gop-cutter.ts) cuts segments on the keyframes and keeps
// the stream continuous across items, and the segments are listed in the output's HLS playlist
// as the MasterClock reaches them: a segment is listed one lead before its last frame airs, the
// lead the encode path keeps (a segment and a second), never by wall-clock (-re). The remux runs
// far ahead of real time and is held back (its pipe paused: it then sleeps) a few segments ahead;
// the next item's remux is started before it is needed (PREFETCH_S), so a boundary never waits
// for an ffmpeg to start.
//
// The output folder is laid out as the encoder's (index.m3u8, seg-<n>.ts, the last
// ENCODER_PLAYLIST_SEGMENTS listed, the delete threshold kept on disk), so the stream server's
// timeline, the continuous .ts and pushes read it unchanged. A join lands on the GOP holding the
// clock's position: at most one house GOP early (1 s at 30 fps), see copy-run.ts.
//
// Not yet (issue 28, later points): a gap, an item without a rendition or starting mid-GOP keep
// the channel on the encode path (copyRun says why); an emergency hand-over stops this output
// (the next producer opens its own; the timeline re-bases across it); output health is not
// watched per frame (there are no frames here).
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import {
  ENCODER_DELETE_THRESHOLD,
  ENCODER_PLAYLIST_SEGMENTS,
  SEGMENT_PATTERN
} from '../media/commands'
import { houseGopFrames } from '../media/conform'
import type { ManagedProcess } from '../media/process'
import type { PlayoutPlan } from '../shared/domain'
import type { TimerHandle } from '../shared/clock'
import {
  BaseProducer,
  type ProducerContext,
  type ProducerMeters,
  type ProducerStartOptions,
  type StreamEndpoint
} from './base'
import { copyRun, type CopyItem, type CopyRun } from './copy-run'
import { FIRST_SEGMENT_TIMEOUT_MS } from './engine'
import type { FfmpegProducerOptions } from './ffmpeg-producer'
import { type CutSegment, GopCutter } from './gop-cutter'
import { OUTPUT_KEEP_MS, OutputFolder } from './output-folder'

/** Output timestamps start this far in (seconds): nothing a remux writes is ever negative. */
const PTS_BASE_S = 10
/** Segments cut and waiting to be listed before the remux is held back. */
const AHEAD_SEGMENTS = 3
/**
 * The next item's remux is started this long (of the item's media left to cut) before it is
 * needed, its pipe left unread until then: at an item boundary its first GOP is there at once
 * instead of after an ffmpeg start (up to 3 s on a loaded machine with 20 channels turning over
 * together, where the encode path's lead is 2 s). Long enough for the paced starts of 100
 * channels turning over together (about 100 ms each).
 */
const PREFETCH_S = 30
/** How often the publisher looks at the clock. */
const PUBLISH_INTERVAL_MS = 100
/** Lines of a remux's stderr kept to explain a failure. */
const STDERR_LINES = 10

const seconds = (s: number): string => s.toFixed(6)

/** The remux of one item: its GOPs from `fromFrame`, onto the output's timeline at its frame. */
export function remuxArgs(item: CopyItem, fps: number): string[] {
  const frames = item.endFrame - item.startFrame
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-nostdin',
    // At a keyframe (a GOP boundary): input seeking lands on it exactly, and drops the sound before it.
    '-ss',
    seconds(item.fromFrame / fps),
    '-i',
    item.rendition.path,
    // A frame more than the slot: the segmenter drops what lies past the item's end.
    '-t',
    seconds((frames + 1) / fps),
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-output_ts_offset',
    seconds(PTS_BASE_S + item.startFrame / fps),
    '-avoid_negative_ts',
    'disabled',
    '-f',
    'mpegts',
    'pipe:1'
  ]
}

/** A running remux: its process, the item it writes, its output and the end of its log. */
interface Remux {
  process: ManagedProcess
  item: CopyItem
  stdout: Readable
  stderr: string[]
}

interface Listed {
  seq: number
  file: string
  startFrame: number
  durationS: number
}

export class CopyProducer extends BaseProducer {
  private run: CopyRun | null = null
  private folder: OutputFolder | null = null
  private cutter: GopCutter | null = null
  /** Items not yet remuxed, in order. */
  private queue: CopyItem[] = []
  private remux: Remux | null = null
  /** The next item's remux, started early (PREFETCH_S) and not read yet, or asked for. */
  private prefetched: Remux | { asked: CopyItem } | null = null
  /** Segments cut, waiting for their time to be listed. */
  private readonly ready: CutSegment[] = []
  private readonly listed: Listed[] = []
  /** Each listed segment's first frame, by file name (for segmentStartMs). */
  private readonly starts = new Map<string, number>()
  private nextSeq = 0
  private target = 1
  private timer: TimerHandle | null = null
  private readonly timers: TimerHandle[] = []
  private stopping = false
  private lastFrame = 0
  private firstListed: { resolve: () => void; reject: (e: Error) => void } | null = null

  constructor(
    context: ProducerContext,
    private readonly opts: FfmpegProducerOptions
  ) {
    super('normal', context)
  }

  /** The plan it airs (the last given). */
  get currentPlan(): PlayoutPlan | null {
    return this.plan
  }

  /** Why this plan cannot be copied from `startAtMs` on this profile, or null when it can. */
  static whyNot(
    plan: PlayoutPlan,
    startAtMs: number,
    opts: Pick<FfmpegProducerOptions, 'profile' | 'segmentSeconds'>
  ): string | null {
    const gop = houseGopFrames(opts.profile, opts.segmentSeconds)
    const run = copyRun(plan, startAtMs, opts.profile.fps, gop)
    return typeof run === 'string' ? run : null
  }

  private get fps(): number {
    return this.opts.profile.fps
  }

  private frameTime(frame: number): number {
    return this.run!.t0Ms + (frame * 1000) / this.fps
  }

  /** Lead of listing over airing: a segment and a second, as the encode path writes ahead. */
  private get leadMs(): number {
    return this.opts.segmentSeconds * 1000 + 1000
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    if (options?.overlay) throw new Error('a copy producer shows no emergency overlay yet')
    await options?.carryover?.close()
    const gop = houseGopFrames(this.opts.profile, this.opts.segmentSeconds)
    const run = copyRun(plan, startAtMs, this.fps, gop)
    if (typeof run === 'string') throw new Error(`the plan cannot be copied: ${run}`)
    this.plan = plan
    this.run = run
    this.status = 'starting'
    const folder = OutputFolder.fresh(this.context.outputDir, this.id)
    folder.prepare()
    this.folder = folder
    this.cutter = new GopCutter({
      fps: this.fps,
      sampleRate: this.opts.profile.sampleRate,
      minFrames: Math.max(1, Math.round(this.fps * this.opts.segmentSeconds) - gop + 1),
      onSegment: (s) => {
        this.ready.push(s)
        this.publish()
        this.prefetchIfDue(s.endFrame)
      }
    })
    this.queue = [...run.items]
    this.schedule(run.items)
    const first = new Promise<void>((resolve, reject) => (this.firstListed = { resolve, reject }))
    // The bound is on real processes in real time (station time may be simulated): a real timer.
    const deadline = setTimeout(
      () => this.firstListed?.reject(new Error('no output segment within the start timeout')),
      FIRST_SEGMENT_TIMEOUT_MS
    )
    this.timer = this.context.clock.every(PUBLISH_INTERVAL_MS, () => this.publish())
    this.nextRemux()
    try {
      await first
    } catch (err) {
      clearTimeout(deadline)
      this.lastError = (err as Error).message
      await this.end(0)
      this.status = 'failed'
      throw err
    }
    clearTimeout(deadline)
    this.status = 'running'
    this.startedAtMs = run.t0Ms
    this.setHealth('running')
    this.emit('started', { atMs: run.t0Ms })
  }

  /** As-run: each item begins and ends at its frames' times on the clock. */
  private schedule(items: CopyItem[], begunBefore = -Infinity): void {
    const clock = this.context.clock
    for (const item of items) {
      const seg = item.segment
      if (this.frameTime(item.startFrame) >= begunBefore)
        this.timers.push(
          clock.at(this.frameTime(item.startFrame), () =>
            this.emit('segment-began', {
              segment: seg,
              atMs: this.frameTime(item.startFrame),
              slate: false
            })
          )
        )
      this.timers.push(
        clock.at(this.frameTime(item.endFrame), () =>
          this.emit('segment-ended', {
            segment: seg,
            atMs: this.frameTime(item.endFrame),
            slate: false,
            status: 'aired'
          })
        )
      )
    }
  }

  /** Starts an item's remux; its output is not read until it becomes the current one. */
  private spawnRemux(item: CopyItem): Remux | null {
    const stderr: string[] = []
    const process = this.opts.processes.spawn(
      'remux',
      this.opts.tools.ffmpeg,
      remuxArgs(item, this.fps),
      {
        onStderr: (line) => {
          stderr.push(line)
          if (stderr.length > STDERR_LINES) stderr.shift()
        }
      }
    )
    const stdout = process.child.stdout
    if (!stdout) {
      void process.kill()
      return null
    }
    // execa sets the pipe flowing: what came before a reader was attached would be lost.
    stdout.pause()
    return { process, item, stdout, stderr }
  }

  /** Starts the next item's remux early when the current item has at most PREFETCH_S left to cut. */
  private prefetchIfDue(cutThroughFrame: number): void {
    const current = this.remux
    const next = this.queue[0]
    if (!current || !next || this.prefetched || this.stopping) return
    if (current.item.endFrame - cutThroughFrame > PREFETCH_S * this.fps) return
    const asked = { asked: next }
    this.prefetched = asked
    // Paced by the station's process group: many channels turning over together (the top of the
    // hour) must not start their next remuxes in one burst while segments are due to be listed.
    this.opts.processes.paced(() => {
      // Overtaken meanwhile: the item became current (spawned then), the plan changed, or the end.
      if (this.prefetched !== asked || this.stopping) return
      this.prefetched = this.spawnRemux(next)
    })
  }

  /** Drops an early remux that will not be used (the plan changed, or the producer ends). */
  private dropPrefetched(): Promise<void> | undefined {
    const p = this.prefetched
    this.prefetched = null
    return p && 'process' in p ? p.process.kill() : undefined
  }

  /** Makes the next item's remux the current one once the one before has finished. */
  private nextRemux(): void {
    if (this.remux || this.stopping) return
    const item = this.queue.shift()
    if (!item) {
      // The plan is written out: the last segment ends with it.
      const last = this.run!.items[this.run!.items.length - 1]!
      this.cutter!.close(last.endFrame)
      return
    }
    const early = this.prefetched
    let remux: Remux | null
    if (early && 'process' in early && early.item === item) {
      this.prefetched = null
      remux = early
    } else {
      void this.dropPrefetched()
      remux = this.spawnRemux(item)
    }
    if (!remux) {
      this.fail(new Error('a remux could not be started'))
      return
    }
    const { process, stdout, stderr } = remux
    this.remux = remux
    this.cutter!.beginItem(item.startFrame, item.endFrame)
    stdout.on('data', (chunk: Buffer) => {
      if (this.remux?.process !== process) return
      this.cutter!.push(chunk)
      this.holdBack()
    })
    this.holdBack()
    void process.exited.then(({ code, signal }) => {
      if (this.remux?.process !== process || this.stopping) return
      this.remux = null
      if (code !== 0) {
        const why = stderr.length ? `: ${stderr.slice(-3).join(' | ')}` : ''
        this.fail(
          new Error(
            `the remux of "${item.segment.title}" failed (${signal ?? `code ${code}`})${why}`
          )
        )
        return
      }
      this.nextRemux()
    })
    // An item shorter than the prefetch lead: its successor starts now.
    this.prefetchIfDue(item.startFrame)
  }

  /** The remux waits (its pipe paused) while enough segments are cut ahead of the clock. */
  private holdBack(): void {
    const stdout = this.remux?.stdout
    if (!stdout) return
    if (this.ready.length >= AHEAD_SEGMENTS) stdout.pause()
    else if (stdout.isPaused()) stdout.resume()
  }

  /** Lists every cut segment whose time has come (its last frame airs within the lead). */
  private publish(): void {
    if (this.stopping || !this.folder) return
    const now = this.context.clock.now()
    let changed = false
    while (this.ready.length > 0 && this.frameTime(this.ready[0]!.endFrame) - this.leadMs <= now) {
      const seg = this.ready.shift()!
      try {
        this.list(seg)
      } catch (err) {
        this.fail(err as Error)
        return
      }
      changed = true
    }
    if (!changed) return
    this.holdBack()
    this.firstListed?.resolve()
    this.firstListed = null
  }

  /** Writes a segment (temp file, renamed into place) and the playlist that lists it. */
  private list(seg: CutSegment): void {
    const dir = this.folder!.dir
    const file = `seg-${this.nextSeq}.ts`
    fs.writeFileSync(path.join(dir, `${file}.tmp`), seg.data)
    fs.renameSync(path.join(dir, `${file}.tmp`), path.join(dir, file))
    const durationS = (seg.endFrame - seg.startFrame) / this.fps
    this.listed.push({ seq: this.nextSeq, file, startFrame: seg.startFrame, durationS })
    this.starts.set(file, seg.startFrame)
    this.nextSeq++
    this.lastFrame = seg.endFrame
    this.target = Math.max(this.target, Math.ceil(durationS - 1e-6))
    this.context.counters?.segmentWritten()
    while (this.listed.length > ENCODER_PLAYLIST_SEGMENTS + ENCODER_DELETE_THRESHOLD) {
      const old = this.listed.shift()!
      this.starts.delete(old.file)
      fs.rmSync(path.join(dir, old.file), { force: true })
    }
    const shown = this.listed.slice(-ENCODER_PLAYLIST_SEGMENTS)
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${this.target}`,
      `#EXT-X-MEDIA-SEQUENCE:${shown[0]!.seq}`,
      '#EXT-X-INDEPENDENT-SEGMENTS'
    ]
    for (const s of shown) lines.push(`#EXTINF:${s.durationS.toFixed(6)},`, s.file)
    const playlist = this.folder!.playlist
    fs.writeFileSync(`${playlist}.tmp`, `${lines.join('\n')}\n`)
    fs.renameSync(`${playlist}.tmp`, playlist)
  }

  private fail(error: Error): void {
    if (this.stopping) return
    if (this.firstListed) {
      this.firstListed.reject(error)
      this.firstListed = null
      return
    }
    this.status = 'failed'
    this.lastError = error.message
    this.setHealth('stopped', error.message)
    void this.end(this.opts.outputKeepMs ?? OUTPUT_KEEP_MS)
    this.emit('failed', { error, atMs: this.context.clock.now() })
  }

  /**
   * A new plan: items not yet remuxed are replaced by the new plan's items after them, when it can
   * be copied from there; otherwise the producer fails, and supervision restarts the channel on
   * the encode path.
   */
  override async updatePlan(plan: PlayoutPlan): Promise<void> {
    const run = this.run
    if (!run || this.stopping) {
      this.plan = plan
      return
    }
    // Where the items not yet remuxed begin: the new plan takes over from there.
    const last = run.items[run.items.length - 1]!
    const fromFrame = this.queue[0]?.startFrame ?? last.endFrame
    const fromMs = this.frameTime(fromFrame)
    const rest = plan.segments.filter((s) => s.startMs >= fromMs - 1)
    const kept = run.items.filter((i) => i.endFrame <= fromFrame)
    if (rest.length === 0) {
      this.plan = plan
      return
    }
    const next = copyRun({ ...plan, segments: rest }, fromMs, this.fps, run.gopFrames)
    if (typeof next === 'string' || Math.abs(next.t0Ms - fromMs) > 1) {
      this.fail(
        new Error(
          `the new plan cannot be copied: ${typeof next === 'string' ? next : 'its next item starts mid-GOP'}`
        )
      )
      return
    }
    const shifted = next.items.map((i) => ({
      ...i,
      startFrame: i.startFrame + fromFrame,
      endFrame: i.endFrame + fromFrame
    }))
    for (const t of this.timers.splice(0)) t.cancel()
    void this.dropPrefetched()
    this.run = { ...run, items: [...kept, ...shifted] }
    this.plan = plan
    this.queue = shifted
    const now = this.context.clock.now()
    this.schedule(
      this.run.items.filter((i) => this.frameTime(i.endFrame) > now),
      now
    )
    this.nextRemux()
  }

  async stop(): Promise<void> {
    if (this.stopping) return
    await this.end(this.opts.outputKeepMs ?? OUTPUT_KEEP_MS)
    this.setHealth('stopped')
    this.emit('stopped', { atMs: this.context.clock.now() })
  }

  private async end(keepMs: number): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.status = 'stopping'
    this.timer?.cancel()
    for (const t of this.timers.splice(0)) t.cancel()
    const remux = this.remux
    this.remux = null
    await Promise.all([remux?.process.kill(), this.dropPrefetched()])
    this.folder?.removeLater(keepMs, (err) =>
      this.opts.log?.warn(
        { producer: this.id },
        `output folder could not be removed: ${err.message}`
      )
    )
    this.status = 'stopped'
  }

  override meters(): ProducerMeters | null {
    if (!this.run || this.listed.length === 0) return null
    // Listed through lastFrame: how far that is behind the clock plus the lead (negative: ahead).
    return {
      behindMs: this.context.clock.now() - (this.frameTime(this.lastFrame) - this.leadMs),
      loudness: null
    }
  }

  streamEndpoint(): StreamEndpoint | null {
    const folder = this.folder
    const run = this.run
    if (!folder || !run) return null
    return {
      kind: 'hls',
      id: path.basename(folder.dir),
      dir: folder.dir,
      playlist: folder.playlist,
      segmentStartMs: (file) => {
        if (!SEGMENT_PATTERN.test(file)) return null
        const frame = this.starts.get(file)
        return frame === undefined ? null : this.frameTime(frame)
      }
    }
  }
}
