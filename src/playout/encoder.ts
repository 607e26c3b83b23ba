// The encoder: one long-lived ffmpeg per producer, raw video in on stdin and raw audio on fd 3, HLS
// segments out into the output folder. This is the process and its pipes (backpressure, the wait
// for the first segment, an exit nobody asked for); the pacing pump decides what to write and when.
import fs from 'node:fs'
import type { Writable } from 'node:stream'
import { encoderArgs } from '../media/commands'
import type { FfmpegTools } from '../media/ffmpeg'
import type { ManagedProcess, ProcessGroup } from '../media/process'
import { audioBytesPerFrame, frameBytes, type OutputProfile } from '../media/profiles'
import type { OutputFolder } from './output-folder'

/** Lines of the encoder's stderr kept to explain a failure. */
const STDERR_LINES = 20
/** Frames of video, and of audio, that may wait in our pipe buffers before the pump waits for 'drain'. */
const VIDEO_BACKLOG_FRAMES = 4
const AUDIO_BACKLOG_FRAMES = 8
/**
 * An encoder that has read nothing for this long has hung (seen when its output folder vanished:
 * ffmpeg stops reading, then waits on its input threads instead of exiting). It is killed and
 * reported as failed, so supervision restarts it, rather than leaving the channel frozen.
 */
export const ENCODER_STALL_MS = 5_000

export interface EncoderOptions {
  tools: FfmpegTools
  profile: OutputProfile
  processes: ProcessGroup
  folder: OutputFolder
  segmentSeconds: number
  /** A pipe has room again. */
  onDrain: () => void
  /** The encoder exited on its own (not through kill()). */
  onExit: (error: Error) => void
}

export class Encoder {
  private readonly process: ManagedProcess
  private readonly video: Writable
  private readonly audio: Writable
  private readonly stderr: string[] = []
  private readonly videoBacklog: number
  private readonly audioBacklog: number
  private gone = false
  private stallTimer: NodeJS.Timeout | undefined

  /** Starts the encoder process. */
  constructor(private readonly o: EncoderOptions) {
    const { profile, folder } = o
    this.videoBacklog = frameBytes(profile) * VIDEO_BACKLOG_FRAMES
    this.audioBacklog = audioBytesPerFrame(profile) * AUDIO_BACKLOG_FRAMES
    const args = encoderArgs({ profile, outDir: folder.dir, segmentSeconds: o.segmentSeconds })
    this.process = o.processes.spawn('encoder', o.tools.ffmpeg, args, {
      stdin: 'pipe',
      extraInputPipes: 1,
      onStderr: (line) => {
        this.stderr.push(line)
        if (this.stderr.length > STDERR_LINES) this.stderr.shift()
      }
    })
    void this.process.exited.then(({ code, signal }) => {
      clearTimeout(this.stallTimer)
      if (this.gone) return
      this.gone = true
      o.onExit(new Error(`encoder exited (${signal ?? `code ${code}`})${this.tail()}`))
    })
    const video = this.process.child.stdin
    const audio = this.process.child.stdio[3] as Writable | undefined
    // No pipes: the spawn itself failed (EMFILE, ENOENT...); its exit reports why.
    if (!video || !audio) throw new Error('the encoder could not be started')
    this.video = video
    this.audio = audio
    for (const w of [video, audio]) {
      w.on('error', () => undefined) // EPIPE when the encoder dies; reported through its exit
      w.on('drain', () => {
        if (this.canWrite()) this.clearStall()
        o.onDrain()
      })
    }
  }

  /** The last lines the encoder wrote to stderr, for error messages ('' when none). */
  private tail(): string {
    return this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : ''
  }

  /** The encoder is keeping up: at most a few frames wait in our pipe buffers (else wait for onDrain). */
  canWrite(): boolean {
    const ok =
      this.video.writableLength < this.videoBacklog && this.audio.writableLength < this.audioBacklog
    if (!ok) this.watchStall()
    return ok
  }

  /** Waiting for the encoder to read: if it reads nothing for ENCODER_STALL_MS, it has hung. */
  private watchStall(): void {
    if (this.stallTimer || this.gone) return
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined
      if (this.gone) return
      this.gone = true
      const error = new Error(
        `encoder stopped reading its input for ${ENCODER_STALL_MS / 1000} s${this.tail()}`
      )
      void this.process.kill().then(() => this.o.onExit(error))
    }, ENCODER_STALL_MS)
  }

  private clearStall(): void {
    clearTimeout(this.stallTimer)
    this.stallTimer = undefined
  }

  /** Writes one frame's picture (one writev for the slices of a frame) and its sound. */
  write(video: Buffer | Buffer[], audio: Buffer): void {
    if (Array.isArray(video)) {
      this.video.cork()
      for (const slice of video) this.video.write(slice)
      this.video.uncork()
    } else {
      this.video.write(video)
    }
    this.audio.write(audio)
  }

  /**
   * Resolves once the playlist lists a segment. Woken by the encoder renaming its playlist into
   * place, with a slow poll as a safety net. The bound is on a real process in real time (station
   * time may be simulated): a real timer.
   */
  async firstSegment(timeoutMs: number): Promise<void> {
    let timedOut = false
    const deadline = setTimeout(() => (timedOut = true), timeoutMs)
    const watcher = fs.watch(this.o.folder.dir)
    let wake: () => void = () => undefined
    watcher.on('change', () => wake())
    watcher.on('error', () => wake())
    try {
      for (;;) {
        if (this.gone) throw new Error(`output stopped before its first segment${this.tail()}`)
        try {
          if (/\.ts\s*$/m.test(fs.readFileSync(this.o.folder.playlist, 'utf8'))) return
        } catch {
          // not written yet
        }
        if (timedOut)
          throw new Error(`no output segment within ${timeoutMs / 1000} s${this.tail()}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    } finally {
      clearTimeout(deadline)
      watcher.close()
    }
  }

  /** Kills the encoder at once (nobody needs its last partial segment) and resolves when it is gone. */
  kill(): Promise<void> {
    this.gone = true
    this.clearStall()
    return this.process.kill()
  }
}
