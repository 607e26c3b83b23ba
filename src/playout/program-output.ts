// A channel's program output: one encoder, its output folder and the frame count that places every
// frame on the station clock (frame k airs at t0 + k / fps). It outlives the producer that opened
// it: a swap of producer type (an emergency takeover, its clear, a schedule that turns from slate
// to programming) hands it to the next producer as a carryover. The swap then spawns no encoder,
// the HLS timeline runs on with no discontinuity (viewers and pushes see one stream), and the new
// producer's first frames are listed as fast as a crawl is. A producer that fails, or stops for
// good, closes it.
import path from 'node:path'
import { SEGMENT_PATTERN, segmentStartFrame } from '../media/commands'
import type { FfmpegTools } from '../media/ffmpeg'
import type { ProcessGroup } from '../media/process'
import type { OutputProfile } from '../media/profiles'
import type { Carryover, OutputCounters } from './base'
import { Encoder } from './encoder'
import { OUTPUT_KEEP_MS, type OutputFolder } from './output-folder'

/** The engine writing into the output now: told when a pipe has room, and when the encoder died. */
export interface OutputFeeder {
  drained(): void
  failed(error: Error): void
}

export interface ProgramOutputOptions {
  tools: FfmpegTools
  profile: OutputProfile
  processes: ProcessGroup
  folder: OutputFolder
  t0Ms: number
  /**
   * The frame that airs at the moment the output was asked for (default 0). The frames before it
   * are a pre-roll: the schedule's picture for the seconds before, written as fast as the encoder
   * takes them, so that the first playlist a viewer gets already lasts three target durations
   * (RFC 8216 6.2.2) and players start that far back with a buffer, not at a live edge of one
   * short segment (VLC 3.0 then stalls whenever a segment comes late).
   */
  airFrame?: number
  segmentSeconds: number
  /** A folder removal that failed (after the close, on a timer). */
  onRemoveError: (err: Error) => void
  /** The channel's counters (segments written), whichever producer feeds this output. */
  counters?: OutputCounters
}

export class ProgramOutput implements Carryover {
  /** The output's identity in stream URLs: its folder's name. */
  readonly id: string
  /** Frames written so far; the next frame written is frame `written`. */
  written = 0
  /** Frames up to (not including) this one are written as soon as they are available (see PlayoutEngine.flush). */
  flushThrough = 0
  private encoder: Encoder | null = null
  private feeder: OutputFeeder | null = null
  private failure: Error | null = null
  private closing: Promise<void> | null = null
  /** Segments whose every frame went to the encoder, and the frame that completes the next. */
  private segmentsWritten = 0
  private segmentEnd: number

  constructor(private readonly o: ProgramOutputOptions) {
    this.id = path.basename(o.folder.dir)
    this.segmentEnd = segmentStartFrame(1, o.profile, o.segmentSeconds)
  }

  get folder(): OutputFolder {
    return this.o.folder
  }
  get t0Ms(): number {
    return this.o.t0Ms
  }
  get profile(): OutputProfile {
    return this.o.profile
  }
  get segmentSeconds(): number {
    return this.o.segmentSeconds
  }
  /** The first frame on air; the frames before it are the pre-roll. */
  get airFrame(): number {
    return this.o.airFrame ?? 0
  }
  /** When the output came on air on the station clock (its air frame's time). */
  get airsFromMs(): number {
    return this.o.t0Ms + (this.airFrame * 1000) / this.o.profile.fps
  }
  /**
   * When a segment's first frame airs on the station clock (frame k airs at t0 + k / fps), for
   * EXT-X-PROGRAM-DATE-TIME; null for a name it does not know. One function for the output's life,
   * so the stream endpoint every producer of it gives is the same.
   */
  readonly segmentStartMs = (file: string): number | null => {
    const m = SEGMENT_PATTERN.exec(file)
    if (!m) return null
    const { profile, segmentSeconds, t0Ms } = this.o
    return t0Ms + (segmentStartFrame(Number(m[1]), profile, segmentSeconds) * 1000) / profile.fps
  }

  /** The encoder runs (opened, not failed, not closed): a producer can take the output over. */
  get live(): boolean {
    return this.encoder !== null && this.failure === null && this.closing === null
  }
  get opened(): boolean {
    return this.encoder !== null
  }

  /** Creates the folder and starts the encoder. Throws when either cannot be made. */
  open(): void {
    if (this.encoder) throw new Error(`output ${this.id} is open already`)
    this.o.folder.prepare()
    this.encoder = new Encoder({
      tools: this.o.tools,
      profile: this.o.profile,
      processes: this.o.processes,
      folder: this.o.folder,
      segmentSeconds: this.o.segmentSeconds,
      onDrain: () => this.feeder?.drained(),
      onExit: (error) => {
        this.failure = error
        this.feeder?.failed(error)
      }
    })
  }

  /** The feeder writes from now on. Throws when the output can no longer take frames. */
  feedFrom(feeder: OutputFeeder): void {
    if (this.closing) throw new Error(`output ${this.id} was closed`)
    if (this.failure) throw this.failure
    if (!this.encoder) throw new Error(`output ${this.id} was never opened`)
    this.feeder = feeder
  }

  /** The feeder lets go (a hand-over): nobody writes until the next one feeds it. */
  endFeed(feeder: OutputFeeder): void {
    if (this.feeder === feeder) this.feeder = null
  }

  canWrite(): boolean {
    return this.encoder?.canWrite() ?? false
  }

  write(video: Buffer | Buffer[], audio: Buffer): void {
    this.encoder!.write(video, audio)
    this.written++
    if (this.written === this.segmentEnd) {
      this.segmentsWritten++
      this.segmentEnd = segmentStartFrame(
        this.segmentsWritten + 1,
        this.o.profile,
        this.o.segmentSeconds
      )
      this.o.counters?.segmentWritten()
    }
  }

  /** Resolves once the encoder's playlist lists a segment. */
  firstSegment(timeoutMs: number): Promise<void> {
    if (!this.encoder) return Promise.reject(new Error(`output ${this.id} was never opened`))
    return this.encoder.firstSegment(timeoutMs)
  }

  /** Kills the encoder, now and for good (a pump that failed); the folder stays until close. */
  kill(): Promise<void> {
    return this.encoder?.kill() ?? Promise.resolve()
  }

  /**
   * Ends the output: the encoder is killed and waited for, the folder removed after `keepMs`
   * (viewers may still fetch the last segments they were given). Idempotent.
   */
  close(keepMs = OUTPUT_KEEP_MS, onRemoveError = this.o.onRemoveError): Promise<void> {
    this.closing ??= (async () => {
      this.feeder = null
      await this.kill()
      this.o.folder.removeLater(keepMs, onRemoveError)
    })()
    return this.closing
  }
}
