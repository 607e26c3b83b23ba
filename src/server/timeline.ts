// One timeline of HLS segments per channel, across outputs: media sequence numbers keep counting
// when the channel's output changes (a producer restarted) and a discontinuity is marked only
// there, never between items of a plan, nor at a swap of producer type (an emergency takeover and
// its clear hand the output over: one encoder, one stream). Only segments the
// timeline knows are ever served, so no request can reach any other file. The viewers' HLS
// playlists (streams.ts) and the continuous MPEG-TS streams (iptv/ts-stream.ts) read the same
// timeline, so every viewer of a channel is fed by its one producer.
//
// The shared playlist (iptv/live.ts) names segments `<run>-<seq>.ts`: the seq counts across
// producers and the run is drawn at random when the timeline is made (each station start), so no
// name comes back with other content and a cache may keep a segment as long as it likes.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ENCODER_PLAYLIST_SEGMENTS, SEGMENT_PATTERN } from '../media/commands'
import { segmentProblem } from '../media/ts-segment'
import { TsSplicer } from '../media/ts-splice'
import type { StationRuntime } from './engine'
import { FIRST_SEGMENT_TIMEOUT_MS, type StreamEndpoint } from '../playout'
import { ApiError } from './errors'

export interface SegmentEntry {
  seq: number
  /** The output (encoder and folder) that wrote it: a producer's own, or one handed from producer to producer. */
  outputId: string
  file: string
  path: string
  duration: number
  /** Its size when it was checked whole: a file of another size is not this segment. */
  bytes: number
  /**
   * What viewers are served: the file as checked whole, re-based to run on from the segment
   * before it (ts-splice.ts), so the channel's segments are one stream across output restarts
   * for HLS clients that do not honour EXT-X-DISCONTINUITY (ffmpeg's, mpv's) as for the .ts.
   */
  data: Buffer
  discontinuity: boolean
  /** When its first frame aired on the station clock (EXT-X-PROGRAM-DATE-TIME), when the output says. */
  programTimeMs: number | null
}

/** A segment the encoder listed that was not written whole (its disk was full): never listed or served. */
export type IncompleteSegment = (file: string, problem: string) => void

/**
 * How many segments a viewer's playlist lists: the encoder's own list less a margin, so that a
 * segment handed to a slow client is still on disk when it asks for it.
 */
export const VIEWER_WINDOW = ENCODER_PLAYLIST_SEGMENTS - 2
/** Segments the timeline remembers: an output's window plus the one before a restart, with room. */
const TIMELINE_ENTRIES = 3 * VIEWER_WINDOW
/** How long a first request waits for the first segment: as long as a producer's start may take. */
export const FIRST_SEGMENT_WAIT_MS = FIRST_SEGMENT_TIMEOUT_MS

interface ParsedSegment {
  file: string
  duration: number
}

function parseProducerPlaylist(text: string): ParsedSegment[] {
  const out: ParsedSegment[] = []
  let duration = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8))
    else if (line && !line.startsWith('#') && SEGMENT_PATTERN.test(line)) {
      out.push({ file: line, duration })
      duration = 0
    }
  }
  return out
}

/** `<run>-<seq>.ts`; the run is base64url (it may hold `-`), the seq has no leading zeros. */
const SHARED_SEGMENT = /^([A-Za-z0-9_-]{8})-(0|[1-9]\d{0,14})\.ts$/

/** The run and sequence number a shared segment name carries, or null for anything else. */
export function parseSharedSegment(name: string): { run: string; seq: number } | null {
  const m = SHARED_SEGMENT.exec(name)
  return m ? { run: m[1]!, seq: Number(m[2]) } : null
}

export class ChannelTimeline {
  /** This timeline's run: 48 random bits, so two runs (this process's or an earlier one's) do not share segment names. */
  readonly run = crypto.randomBytes(6).toString('base64url')
  private entries: SegmentEntry[] = []
  private nextSeq = 0
  private discontinuitySeq = 0
  private lastOutput: string | null = null
  private readonly known = new Set<string>()
  /** Segments refused as incomplete (the newest few, so each is reported once). */
  private readonly refused: string[] = []
  /** Re-bases each output's segments after the last one's (the timeline is one stream). */
  private readonly splicer = new TsSplicer()
  /** A segment was left out: the next one listed follows a gap. */
  private gap = false
  /** EXT-X-TARGETDURATION: the longest segment yet, rounded up; it never changes down (RFC 8216 4.3.3.1). */
  private target = 1
  /** The first seq of the last window given: a window never starts earlier (its media sequence never goes back). */
  private windowFloor = 0

  /** When a playlist of this timeline was last given (station time), or null: never. */
  private readAtMs: number | null = null

  constructor(
    /** The station clock (MasterClock.now). */
    private readonly now: () => number,
    private readonly onIncomplete: IncompleteSegment = () => {}
  ) {}

  /** The segment if it is whole; null (reported once) if it is not, or cannot be read. */
  private check(key: string, file: string, duration: number): Buffer | null {
    if (this.refused.includes(key)) return null
    let problem: string
    try {
      const data = fs.readFileSync(file)
      const p = segmentProblem(data, duration)
      if (p === null) return data
      problem = p
    } catch (err) {
      problem = `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`
    }
    this.refused.push(key)
    if (this.refused.length > TIMELINE_ENTRIES) this.refused.shift()
    this.onIncomplete(path.basename(file), problem)
    return null
  }

  /** Reads the output's playlist and appends the segments not seen yet (and whole). */
  refresh(endpoint: StreamEndpoint): void {
    const outputId = endpoint.id
    let text: string
    try {
      text = fs.readFileSync(endpoint.playlist, 'utf8')
    } catch {
      return // not written yet
    }
    for (const seg of parseProducerPlaylist(text)) {
      const key = `${outputId}/${seg.file}`
      if (this.known.has(key)) continue
      const programTimeMs = endpoint.segmentStartMs?.(seg.file) ?? null
      if (this.repeats(outputId, programTimeMs, seg.duration)) {
        this.known.add(key)
        continue
      }
      const file = path.join(endpoint.dir, seg.file)
      const whole = this.check(key, file, seg.duration)
      if (whole === null) {
        this.gap = true
        continue
      }
      this.known.add(key)
      // After a segment left out, players must not splice across the hole as if it were not there.
      const discontinuity =
        (this.lastOutput !== null && this.lastOutput !== outputId) ||
        (this.gap && this.lastOutput !== null)
      this.gap = false
      this.lastOutput = outputId
      if (discontinuity) this.splicer.splice()
      // The file's bytes were read for this alone: rewritten in place.
      const data = this.splicer.push(whole, true)
      this.entries.push({
        seq: this.nextSeq++,
        outputId,
        file: seg.file,
        path: file,
        duration: seg.duration,
        bytes: data.length,
        data,
        discontinuity,
        programTimeMs
      })
      this.target = Math.max(this.target, Math.ceil(seg.duration))
    }
    while (this.entries.length > TIMELINE_ENTRIES) {
      const dropped = this.entries.shift()!
      this.known.delete(`${dropped.outputId}/${dropped.file}`)
      if (dropped.discontinuity) this.discontinuitySeq++
    }
  }

  /**
   * A restarted output's pre-roll (playout/preroll.ts) covers seconds the output before it listed
   * already: its segments that end by then are left out, so the timeline never goes back in time
   * (the window still lasts three target durations: the earlier output's segments stay listed).
   */
  private repeats(outputId: string, programTimeMs: number | null, duration: number): boolean {
    const last = this.entries[this.entries.length - 1]
    if (
      !last ||
      last.outputId === outputId ||
      programTimeMs === null ||
      last.programTimeMs === null
    )
      return false
    return programTimeMs + duration * 1000 <= last.programTimeMs + last.duration * 1000 + 1
  }

  /** Whether the given output has reached the timeline. */
  hasOutputFrom(outputId: string): boolean {
    return this.lastOutput === outputId
  }

  find(outputId: string, file: string): SegmentEntry | undefined {
    return this.entries.find((e) => e.outputId === outputId && e.file === file)
  }

  /** The entry a shared segment name (run, seq) stands for; none for another run or a forgotten seq. */
  findShared(run: string, seq: number): SegmentEntry | undefined {
    return run === this.run ? this.entries.find((e) => e.seq === seq) : undefined
  }

  /** A segment's name in the shared playlist. */
  sharedName(e: SegmentEntry): string {
    return `${this.run}-${e.seq}.ts`
  }

  /** Index of the first entry of the live window (see playlist()). */
  private windowStart(): number {
    const ownStart = this.entries.findIndex((e) => e.outputId === this.lastOutput)
    let from = Math.max(ownStart >= 0 ? ownStart : 0, this.entries.length - VIEWER_WINDOW)
    // Never shorter than three target durations (RFC 8216 6.2.2): an output just restarted (its
    // first segment a third of one) keeps the last of the earlier output's listed until its own
    // add up to that, across an EXT-X-DISCONTINUITY. That is for players reloading the playlist
    // through the restart; when nobody read it lately (the channel was off air between: it stops
    // only once its viewers have gone), a viewer tuning in gets the new airing alone, not the end
    // of a past one and a splice.
    let total = this.entries.slice(from).reduce((sum, e) => sum + e.duration, 0)
    const watched = this.readAtMs !== null && this.now() - this.readAtMs <= 3 * this.target * 1000
    while (watched && from > 0 && total < 3 * this.target) total += this.entries[--from]!.duration
    while (from < this.entries.length - 1 && this.entries[from]!.seq < this.windowFloor) from++
    if (this.entries[from]) this.windowFloor = this.entries[from]!.seq
    return from
  }

  /**
   * The entries after `seq`, in order, for a reader going through the output segment by segment.
   * A reader that fell so far behind that the next one was forgotten goes on from the live window.
   */
  after(seq: number): SegmentEntry[] {
    const i = this.entries.findIndex((e) => e.seq > seq)
    if (i < 0) return []
    return this.entries[i]!.seq === seq + 1
      ? this.entries.slice(i)
      : this.entries.slice(this.windowStart())
  }

  /** The newest entries of the current producer, at most `count`. */
  latest(count: number): SegmentEntry[] {
    return this.entries.slice(this.windowStart()).slice(-count)
  }

  /**
   * The live window: the current output's latest segments. Earlier outputs' segments stay listed
   * only until the new one has segments (a restart never leaves a viewer with an empty list), so
   * a viewer arriving after a channel restarted never starts in its past. Segment URIs are relative
   * to a session's playlist (`<output>/<file>`).
   */
  playlist(): string {
    return this.render((e) => `${e.outputId}/${e.file}`)
  }

  /** The same live window for the shared, session-less playlist: URIs `<run>-<seq>.ts`. */
  sharedPlaylist(): string {
    return this.render((e) => this.sharedName(e))
  }

  private render(uri: (e: SegmentEntry) => string): string {
    const from = this.windowStart()
    this.readAtMs = this.now()
    const window = this.entries.slice(from)
    const first = window[0]
    // Discontinuities before the window still count (EXT-X-DISCONTINUITY-SEQUENCE).
    let discSeq = this.discontinuitySeq
    for (const e of this.entries.slice(0, from)) if (e.discontinuity) discSeq++
    // Version 3 for decimal EXTINF durations; nothing here needs more (RFC 8216 7).
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${this.target}`,
      `#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? 0}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${discSeq}`,
      '#EXT-X-INDEPENDENT-SEGMENTS'
    ]
    window.forEach((e) => {
      if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY')
      // On every segment: a player joining anywhere ties the picture to the station clock.
      if (e.programTimeMs !== null)
        lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.programTimeMs).toISOString()}`)
      lines.push(`#EXTINF:${e.duration.toFixed(6)},`, uri(e))
    })
    return `${lines.join('\n')}\n`
  }
}

/** Resolves when something changes in the output folder (ffmpeg renames its playlist into place), or after a short poll. */
export function outputChanged(dir: string | undefined, pollMs = 25): Promise<void> {
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined
    const done = () => {
      clearTimeout(timer)
      watcher?.close()
      resolve()
    }
    const timer = setTimeout(done, dir ? pollMs : 5)
    if (!dir) return
    try {
      watcher = fs.watch(dir, done)
      watcher.on('error', done)
    } catch {
      // not created yet: the poll covers it
    }
  })
}

/** Every channel's timeline, read from the producer on air when asked. */
export class ChannelTimelines {
  private readonly timelines = new Map<string, ChannelTimeline>()

  constructor(
    private readonly director: StationRuntime,
    /** The station clock (MasterClock.now). */
    private readonly now: () => number
  ) {}

  of(channelUuid: string): ChannelTimeline {
    let t = this.timelines.get(channelUuid)
    if (!t)
      this.timelines.set(
        channelUuid,
        (t = new ChannelTimeline(this.now, (file, problem) =>
          this.director.segmentIncomplete(channelUuid, file, problem)
        ))
      )
    return t
  }

  /** Reads the current producer's output into the timeline; true once that output has segments. */
  refresh(channelUuid: string): boolean {
    const timeline = this.of(channelUuid)
    const output = this.director.channelOutput(channelUuid)
    if (!output) return false
    timeline.refresh(output.endpoint)
    return timeline.hasOutputFrom(output.endpoint.id)
  }

  /** The folder the channel's producer writes to now, if any (to watch for changes). */
  outputDir(channelUuid: string): string | undefined {
    return this.director.channelOutput(channelUuid)?.endpoint.dir
  }

  /**
   * Waits (and not a moment longer) until the producer now on air has its first segment, so a
   * viewer never starts in the output of an earlier run of the channel. Resolves false when the
   * client went away or `alive` turned false; throws 503 not_ready after the start-up bound.
   */
  async firstOutput(channelUuid: string, alive: () => boolean): Promise<boolean> {
    let timedOut = false
    const deadline = setTimeout(() => (timedOut = true), FIRST_SEGMENT_WAIT_MS)
    try {
      while (!this.refresh(channelUuid)) {
        if (timedOut)
          throw new ApiError(
            503,
            'not_ready',
            'the channel has not produced output yet; retry shortly',
            2
          )
        if (!alive()) return false
        await outputChanged(this.outputDir(channelUuid))
      }
      return true
    } finally {
      clearTimeout(deadline)
    }
  }
}
