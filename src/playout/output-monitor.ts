// Watches what a producer sends to its encoder: black and frozen picture and silence while media
// airs, and the sound's levels always. It sees each frame as the pump writes it, which is ahead of
// the clock by the engine's lead; what it finds is held until the frame it concerns is on air, so
// an alarm is never reported before viewers could see the fault, and its time is when the fault
// began on air (not when its duration ran out).
//
// Only frames of media are watched: a slate (a gap, broken media), a card (an audio-only item,
// the guide, an emergency takeover) is deliberate and never black, frozen or silent as a fault.
// Every unwatched frame ends whatever was running, so the detectors start over with the media.
import type { OutputProfile } from '../media/profiles'
import type { AlarmSeverity, OutputHealthSettings } from '../shared/domain'
import { ConditionDetector, type ConditionChange } from './condition'
import {
  AudioBlockMeter,
  blackLevel,
  BLACK_PICTURE_RATIO,
  darkShare,
  LumaGrid,
  peakDb,
  RegionChange,
  rmsDb
} from './signal-analysis'
import type { Frame } from './sources'

export type OutputCondition = 'black' | 'freeze' | 'silence'

export interface MonitorChange extends ConditionChange {
  kind: OutputCondition
}

/** Audio levels in dBFS, [left, right]. */
export interface AudioLevels {
  peak: [number, number]
  rms: [number, number]
}

/**
 * Picture faults are critical (a viewer sees them at once); silence is a warning (X.733 colours:
 * red for video, yellow for audio, as multiviewers frame them).
 */
export const CONDITION_SEVERITY: Readonly<Record<OutputCondition, AlarmSeverity>> = {
  black: 'critical',
  freeze: 'critical',
  silence: 'warning'
}

/** The alarm text of a condition under the given settings. */
export function describeCondition(kind: OutputCondition, s: OutputHealthSettings): string {
  const secs = (ms: number) => `${ms / 1000} s`
  switch (kind) {
    case 'black':
      return `black picture for ${secs(s.black.durationMs)} or more (luma below ${Math.round(s.black.threshold * 100)}% on ${BLACK_PICTURE_RATIO * 100}% of the picture)`
    case 'freeze':
      return `frozen picture for ${secs(s.freeze.durationMs)} or more (no region of the picture changed by more than ${s.freeze.threshold} of full scale)`
    case 'silence':
      return `silence for ${secs(s.silence.durationMs)} or more (both channels below ${s.silence.thresholdDb} dBFS RMS)`
  }
}

/** The picture is analysed on one frame in this many (15 a second at 30 fps): plenty for conditions measured in seconds. */
export const PICTURE_STRIDE = 2
/** A condition clears once picture or sound has been good this long (a single good frame is not a recovery). */
export const CLEAR_HOLD_MS = 500
/**
 * A raised freeze counts the picture as moving while it changed this recently: a picture that
 * changes once a second (a clock's seconds) is not frozen, though most pictures between are the same.
 */
export const MOTION_WINDOW_MS = 1_000
/** Levels cover the frames since the last reading, at least 100 ms and at most 500 ms of them. */
const LEVELS_MIN_MS = 100
const LEVELS_MAX_MS = 500
/** Per-frame sound measurements kept: more than any lead of the pump ahead of the clock. */
const RING_FRAMES = 1024

export class OutputMonitor {
  private readonly grid: LumaGrid
  private readonly luma: Uint8Array
  private readonly change: RegionChange
  private readonly sound = new AudioBlockMeter()
  /** The last analysed frame on which some region changed. */
  private lastChange = -Infinity
  private settings!: OutputHealthSettings
  private detectors: Partial<Record<OutputCondition, ConditionDetector>> = {}
  private readonly pending: MonitorChange[] = []
  /** Per frame: peak L, peak R, sum of squares L, R, samples. */
  private readonly ring = new Float64Array(RING_FRAMES * 5)
  private lastWritten = -1
  private lastRead = -1

  constructor(
    private readonly profile: OutputProfile,
    settings: OutputHealthSettings
  ) {
    this.grid = new LumaGrid(profile.width, profile.height)
    this.luma = new Uint8Array(this.grid.size)
    this.change = new RegionChange(profile.width, profile.height)
    this.configure(settings)
  }

  private frames(ms: number): number {
    return Math.max(1, Math.round((ms * this.profile.fps) / 1000))
  }

  /** New thresholds: what was raised clears on the next frame, and every condition starts over. */
  configure(settings: OutputHealthSettings): void {
    for (const kind of Object.keys(this.detectors) as OutputCondition[])
      this.push(kind, this.detectors[kind]!.reset(this.lastWritten + 1))
    this.settings = settings
    const hold = this.frames(CLEAR_HOLD_MS)
    const detector = (on: { enabled: boolean; durationMs: number }) =>
      on.enabled ? new ConditionDetector({ on: this.frames(on.durationMs), hold }) : undefined
    this.detectors = {
      black: detector(settings.black),
      freeze: detector(settings.freeze),
      silence: detector(settings.silence)
    }
    this.change.reset()
  }

  /**
   * The output goes on at frame k after frames this monitor did not see (a producer back from a
   * stand-by): every condition starts over, and no levels are read from before k.
   */
  resumeAt(k: number): void {
    this.configure(this.settings)
    this.lastWritten = k - 1
    this.lastRead = k - 1
  }

  /** Frame k on its way to the encoder with the sound it carries; `watched` when it airs media (not a slate or a card). */
  frame(k: number, frame: Frame, audio: Buffer, watched: boolean): void {
    const block = this.sound.measure(audio, this.profile.audioChannels)
    const r = this.ring
    const at = (k % RING_FRAMES) * 5
    r[at] = block.peak[0]
    r[at + 1] = block.peak[1]
    r[at + 2] = block.sumSquares[0]
    r[at + 3] = block.sumSquares[1]
    r[at + 4] = block.samples
    this.lastWritten = k

    const silence = this.settings.silence
    const silent =
      Math.max(
        rmsDb(block.sumSquares[0], block.samples),
        rmsDb(block.sumSquares[1], block.samples)
      ) < silence.thresholdDb
    this.step('silence', k, watched && !frame.slate ? silent : null)

    if (!watched || frame.card) {
      this.change.reset()
      this.step('black', k, null)
      this.step('freeze', k, null)
    } else if (k % PICTURE_STRIDE === 0 && (this.detectors.black || this.detectors.freeze)) {
      this.picture(k, frame.video)
    }
  }

  private picture(k: number, video: Buffer | Buffer[]): void {
    this.grid.sample(video, this.luma)
    const black =
      darkShare(this.luma, blackLevel(this.settings.black.threshold)) >= BLACK_PICTURE_RATIO
    this.step('black', k, black)
    const freeze = this.detectors.freeze
    if (!freeze) return
    const threshold = this.settings.freeze.threshold
    const most = this.change.compare(this.luma, threshold)
    if (most === null) {
      this.push('freeze', freeze.reset(k))
      return
    }
    const changed = most > threshold
    if (changed) this.lastChange = k
    if (freeze.active) {
      // Raised: it clears once the picture has kept moving (changing at least once a window), or
      // has been black, for the hold.
      const moving = black || k - this.lastChange < this.frames(MOTION_WINDOW_MS)
      this.push('freeze', freeze.update(k, !moving))
    } else if (changed || black) {
      // Not raised yet: any change starts the count over (a picture is frozen only when no region
      // changes for the whole duration); a black picture is reported as black, not also as frozen.
      freeze.reset(k)
    } else {
      this.push('freeze', freeze.update(k, true))
    }
  }

  private step(kind: OutputCondition, k: number, bad: boolean | null): void {
    const d = this.detectors[kind]
    if (d) this.push(kind, bad === null ? d.reset(k) : d.update(k, bad))
  }

  private push(kind: OutputCondition, change: ConditionChange | null): void {
    if (change) this.pending.push({ kind, ...change })
  }

  /** The changes that are on air by frame k (the frame airing now), oldest first. */
  due(k: number): MonitorChange[] {
    let n = 0
    while (n < this.pending.length && this.pending[n]!.dueFrame <= k) n++
    return n === 0 ? [] : this.pending.splice(0, n)
  }

  /** Levels of the frames that aired since the last reading, up to frame k (the frame airing now); null before any aired. */
  levels(k: number): AudioLevels | null {
    const to = Math.min(k, this.lastWritten)
    const from = Math.max(
      Math.min(this.lastRead + 1, to - this.frames(LEVELS_MIN_MS) + 1),
      to - this.frames(LEVELS_MAX_MS) + 1,
      this.lastWritten - RING_FRAMES + 1,
      0
    )
    if (to < 0 || from > to) return null
    this.lastRead = to
    const r = this.ring
    let pl = 0
    let pr = 0
    let ql = 0
    let qr = 0
    let n = 0
    for (let f = from; f <= to; f++) {
      const at = (f % RING_FRAMES) * 5
      pl = Math.max(pl, r[at]!)
      pr = Math.max(pr, r[at + 1]!)
      ql += r[at + 2]!
      qr += r[at + 3]!
      n += r[at + 4]!
    }
    return { peak: [peakDb(pl), peakDb(pr)], rms: [rmsDb(ql, n), rmsDb(qr, n)] }
  }
}
