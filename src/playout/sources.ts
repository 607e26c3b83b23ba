// Frame sources feed the playout engine exactly one video frame and its audio at a time.
//
// An item source runs one decoder with video on stdout and audio on fd 3, each read into its own
// queue so that neither pipe can stall the other; a source that ends early or fails is topped up
// with the slate (and silence) so that the item still fills exactly its slot and the next item
// starts on time.
import fs from 'node:fs'
import type { Readable } from 'node:stream'
import type { FfmpegTools } from '../media/ffmpeg'
import { decoderArgs } from '../media/commands'
import type { ManagedProcess, ProcessGroup } from '../media/process'
import { audioBytesPerFrame, frameBytes, type OutputProfile } from '../media/profiles'
import type { AssetInfo } from '../shared/domain'
import { ByteQueue } from './byte-queue'

export interface Frame {
  /** One frame of raw video, possibly in several slices. */
  video: Buffer | Buffer[]
  audio: Buffer
  /** The slate stood in for this frame's media (picture and sound). */
  slate: boolean
  /** The picture is a card (a slate, a still, the card an audio-only item airs over), not decoded media. */
  card: boolean
}

export type SourceOutcome = 'aired' | 'slate' | 'partial'

export interface FrameSource {
  /** The next frame, or null when it is not decoded yet (call onReady to hear when it is). */
  next(): Frame | null
  onReady(fn: () => void): void
  /** How the frames delivered so far came out. */
  outcome(): SourceOutcome
  /** Why the source fell back to the slate, if it did. */
  problem(): { kind: 'media-missing' | 'media-corrupt'; message: string } | null
  close(): Promise<void>
}

/** A still picture (slate, emergency card, listings) with silence. */
export class StillSource implements FrameSource {
  constructor(
    private frame: Buffer | (() => Buffer),
    private readonly silence: Buffer,
    private readonly isSlate: boolean
  ) {}
  setFrame(frame: Buffer | (() => Buffer)): void {
    this.frame = frame
  }
  next(): Frame {
    return {
      video: typeof this.frame === 'function' ? this.frame() : this.frame,
      audio: this.silence,
      slate: this.isSlate,
      card: true
    }
  }
  onReady(fn: () => void): void {
    queueMicrotask(fn)
  }
  outcome(): SourceOutcome {
    return this.isSlate ? 'slate' : 'aired'
  }
  problem(): null {
    return null
  }
  async close(): Promise<void> {}
}

export interface ItemSourceOptions {
  tools: FfmpegTools
  /** The decoder runs in this group. */
  processes: ProcessGroup
  profile: OutputProfile
  asset: AssetInfo
  offsetMs: number
  durationMs: number
  /** The picture that stands in for broken media (asked for only when needed: rendering costs CPU). */
  slate: () => Buffer
  silence: Buffer
}

/** Plays an asset from an offset; falls back to the slate where the asset is missing, unreadable or short. */
export class ItemSource implements FrameSource {
  private decoder: ManagedProcess | null = null
  private vq: ByteQueue | null = null
  private aq: ByteQueue | null = null
  private readonly vBytes: number
  private readonly aBytes: number
  private realFrames = 0
  private slateFrames = 0
  private failure: { kind: 'media-missing' | 'media-corrupt'; message: string } | null = null
  private videoStderr: string[] = []

  constructor(private readonly o: ItemSourceOptions) {
    this.vBytes = frameBytes(o.profile)
    this.aBytes = audioBytesPerFrame(o.profile)
    const a = o.asset
    // A file that is gone or changed since it was probed is not even attempted.
    let stat: fs.Stats | undefined
    try {
      stat = fs.statSync(a.path)
    } catch {
      this.failure = { kind: 'media-missing', message: `asset missing: ${a.path}` }
      return
    }
    if (!stat.isFile()) {
      this.failure = { kind: 'media-missing', message: `asset is not a file: ${a.path}` }
      return
    }
    const decode = {
      asset: a.path,
      offsetMs: Math.max(0, o.offsetMs),
      durationMs: o.durationMs,
      profile: o.profile,
      sourceFps: a.frameRate
    }
    if (!a.hasVideo && !a.hasAudio) return
    const both = a.hasVideo && a.hasAudio
    this.decoder = o.processes.spawn(
      'decoder',
      o.tools.ffmpeg,
      decoderArgs({ ...decode, video: a.hasVideo, audio: a.hasAudio }),
      {
        // Video on stdout, audio on fd 3 (or on stdout when there is no video).
        extraOutputPipes: both ? 1 : 0,
        onStderr: (line) => {
          if (this.videoStderr.length < 5) this.videoStderr.push(line)
        }
      }
    )
    const stdout = this.decoder.child.stdout
    const audio = both ? (this.decoder.child.stdio[3] as Readable | undefined) : stdout
    // No pipes: the spawn itself failed (EMFILE, ENOENT...), not the media. The output fails (and restarts).
    if (!stdout || !audio) throw new Error(`the decoder for ${a.path} could not be started`)
    if (a.hasVideo) this.vq = new ByteQueue(stdout, this.vBytes * 6)
    if (a.hasAudio) this.aq = new ByteQueue(audio, Math.max(this.aBytes * 30, 65_536))
  }

  onReady(fn: () => void): void {
    if (!this.vq && !this.aq) return queueMicrotask(fn)
    let called = false
    const once = () => {
      if (!called) {
        called = true
        fn()
      }
    }
    this.vq?.onData(once)
    this.aq?.onData(once)
  }

  private pendingVideo: Buffer | Buffer[] | null = null
  private pendingSlate = false
  private pendingCard = false

  private takeVideo(): boolean {
    if (this.failure || !this.vq) {
      // Failed, or an audio-only asset (which airs over the slate picture without being a fault).
      this.pendingVideo = this.o.slate()
      this.pendingSlate = this.failure !== null
      this.pendingCard = true
      return true
    }
    const v = this.vq.takeSlices(this.vBytes)
    if (!v && this.aq?.isPaused) this.aq.relieve() // the decoder may be blocked writing audio we are not reading
    if (v) {
      this.pendingVideo = v
      this.pendingSlate = false
      this.pendingCard = false
      return true
    }
    if (!this.vq.ended) return false
    // The decoder ended before the slot did: an unreadable or truncated file.
    this.failure =
      this.realFrames === 0
        ? {
            kind: 'media-corrupt',
            message: `asset could not be decoded: ${this.o.asset.path}${this.videoStderr[0] ? ` (${this.videoStderr[0]})` : ''}`
          }
        : {
            kind: 'media-corrupt',
            message: `asset ended early after ${this.realFrames} frames: ${this.o.asset.path}`
          }
    this.pendingVideo = this.o.slate()
    this.pendingSlate = true
    this.pendingCard = true
    return true
  }

  private takeAudio(): Buffer | null {
    if (this.failure || !this.aq) return this.o.silence
    const a = this.aq.take(this.aBytes)
    if (!a && this.vq?.isPaused) this.vq.relieve()
    if (a) return a
    return this.aq.ended ? this.o.silence : null
  }

  next(): Frame | null {
    if (!this.pendingVideo && !this.takeVideo()) return null
    const audio = this.takeAudio()
    if (!audio) return null // the picture waits in pendingVideo for its sound
    const frame = {
      video: this.pendingVideo!,
      audio,
      slate: this.pendingSlate,
      card: this.pendingCard
    }
    this.pendingVideo = null
    if (frame.slate) this.slateFrames++
    else this.realFrames++
    return frame
  }

  outcome(): SourceOutcome {
    if (this.slateFrames === 0) return 'aired'
    return this.realFrames === 0 ? 'slate' : 'partial'
  }

  problem() {
    return this.failure
  }

  async close(): Promise<void> {
    await this.decoder?.kill()
  }
}
