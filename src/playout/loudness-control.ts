// Loudness control of one output: each item's gain (from its measured loudness, on the plan) and
// the true-peak limiter on the sound the sources give, then BS.1770 metering of what goes to the
// encoder, with the LOUD / QUIET watch. Like the output monitor, it sees frames as the pump writes
// them, ahead of the clock: readings are kept per frame and read at the frame on air, and a
// condition is held until the frame it concerns airs.
import type { OutputProfile } from '../media/profiles'
import type { ChannelLoudnessDto } from '../shared/api'
import type { LoudnessSettings } from '../shared/domain'
import { ConditionDetector, type ConditionChange } from './condition'
import { TruePeakLimiter } from './limiter'
import { ABSOLUTE_GATE_LUFS, dbOf, LOUDNESS_FLOOR, LoudnessMeter } from './loudness-meter'
import type { Slot } from './slot-cursor'

export type LoudnessCondition = 'loud' | 'quiet'

/**
 * Extra headroom under the station's ceiling that the limiter keeps: the AAC encoder's
 * reconstruction overshoots the PCM's true peak on transients (EBU R128 s1 advises a lower ceiling
 * for lossy delivery for the same reason), and the ceiling is judged on the encoded output. With
 * 1 dB, clicks in a quiet item raised 7 dB aired at -0.9 dBTP under a -1 dBTP ceiling (ffmpeg's
 * fast AAC coder): 1.1 dB of overshoot, so half a dB more.
 */
export const CODEC_HEADROOM_DB = 1.5
/** A condition clears once loudness has been back within the margin this long. */
const CLEAR_HOLD_MS = 2_000
/** Readings kept per frame: more than any lead of the pump ahead of the clock. */
const RING_FRAMES = 1024
/** Fields per frame in the ring. */
const F = 7

/** What the meter read at the frame on air, and how the item's gain is set (see ChannelLoudnessDto). */
export type LoudnessLevels = ChannelLoudnessDto

export interface LoudnessChange extends ConditionChange {
  kind: LoudnessCondition
}

/** The alarm text of a LOUD / QUIET condition. */
export function describeLoudness(kind: LoudnessCondition, s: LoudnessSettings): string {
  const secs = s.alarm.durationMs / 1000
  return kind === 'loud'
    ? `too loud: short-term loudness more than ${s.alarm.marginLu} LU above the ${s.targetLufs} LUFS target for ${secs} s or more`
    : `too quiet: short-term loudness more than ${s.alarm.marginLu} LU below the ${s.targetLufs} LUFS target for ${secs} s or more`
}

export class LoudnessControl {
  private readonly meter: LoudnessMeter
  private readonly limiter: TruePeakLimiter
  private settings!: LoudnessSettings
  private detectors: Partial<Record<LoudnessCondition, ConditionDetector>> = {}
  private readonly pending: LoudnessChange[] = []
  private readonly ring = new Float64Array(RING_FRAMES * F)
  private itemKey: string | null = null
  /** The gain the slot on air asks for: undefined for a slot that is not an item, null when not measured. */
  private slotGain: number | null | undefined = undefined
  private lastWritten = -1
  private lastRead = -1

  constructor(
    private readonly profile: OutputProfile,
    settings: LoudnessSettings
  ) {
    this.meter = new LoudnessMeter(profile.sampleRate, profile.audioChannels)
    this.limiter = new TruePeakLimiter(profile.sampleRate, profile.audioChannels, 0)
    this.configure(settings)
  }

  private frames(ms: number): number {
    return Math.max(1, Math.round((ms * this.profile.fps) / 1000))
  }

  /** New target, ceiling or alarm: applied from the next frame; a raised condition clears. */
  configure(settings: LoudnessSettings): void {
    for (const kind of Object.keys(this.detectors) as LoudnessCondition[])
      this.push(kind, this.detectors[kind]!.reset(this.lastWritten + 1))
    this.settings = settings
    // Off: no gain, and the limiter only keeps the sound from clipping.
    this.limiter.setCeiling(
      settings.standard === 'off' ? 0 : settings.truePeakDbtp - CODEC_HEADROOM_DB
    )
    const on = settings.standard !== 'off' && settings.alarm.enabled
    const make = () =>
      new ConditionDetector({
        on: this.frames(settings.alarm.durationMs),
        hold: this.frames(CLEAR_HOLD_MS)
      })
    this.detectors = on ? { loud: make(), quiet: make() } : {}
  }

  /** The output goes on at frame k after frames this control did not see: conditions start over. */
  resumeAt(k: number): void {
    this.configure(this.settings)
    this.lastWritten = k - 1
    this.lastRead = k - 1
  }

  /**
   * The sound of frame k from the slot on air, with the slot's gain applied and limited (delayed
   * by the limiter's look-ahead). A slot without a gain (a card, a gap) airs at 0 dB.
   */
  apply(audio: Buffer, slot: Slot | null): Buffer {
    const key = slot?.key ?? null
    if (key !== this.itemKey) {
      this.itemKey = key
      this.meter.startItem()
      this.slotGain = slot?.gainDb
    } else if (typeof this.slotGain === 'number' && typeof slot?.gainDb === 'number') {
      // A new target reaches the item on air at once; an item that began unmeasured keeps its
      // safe gain to its end (a jump of several dB in the middle of it would be worse).
      this.slotGain = slot.gainDb
    }
    return this.limiter.process(audio, this.gainDb)
  }

  private get gainDb(): number {
    const g = this.slotGain
    return this.settings.standard === 'off' || g === undefined || g === null ? 0 : g
  }

  private get measured(): boolean {
    return this.slotGain !== null
  }

  /** Frame k's sound as it goes to the encoder; `media` when it airs an item's sound (not a slate or a card's silence). */
  measure(k: number, audio: Buffer, media: boolean): void {
    const m = this.meter
    m.write(audio)
    const shortTerm = m.shortTerm()
    const r = this.ring
    const at = (k % RING_FRAMES) * F
    r[at] = m.momentary()
    r[at + 1] = shortTerm
    r[at + 2] = m.integrated()
    r[at + 3] = m.takeTruePeak()
    r[at + 4] = this.gainDb
    r[at + 5] = this.measured ? 1 : 0
    r[at + 6] = this.limiter.takeReductionDb()
    this.lastWritten = k
    // Below the absolute gate the sound is silence: the silence alarm's business, not QUIET's.
    const target = this.settings.targetLufs
    const margin = this.settings.alarm.marginLu
    const heard = media && shortTerm >= ABSOLUTE_GATE_LUFS
    this.step('loud', k, heard ? shortTerm > target + margin : null)
    this.step('quiet', k, heard ? shortTerm < target - margin : null)
  }

  private step(kind: LoudnessCondition, k: number, bad: boolean | null): void {
    const d = this.detectors[kind]
    if (d) this.push(kind, bad === null ? d.reset(k) : d.update(k, bad))
  }

  private push(kind: LoudnessCondition, change: ConditionChange | null): void {
    if (change) this.pending.push({ kind, ...change })
  }

  /** The changes that are on air by frame k, oldest first. */
  due(k: number): LoudnessChange[] {
    let n = 0
    while (n < this.pending.length && this.pending[n]!.dueFrame <= k) n++
    return n === 0 ? [] : this.pending.splice(0, n)
  }

  /** Momentary, short-term and integrated loudness at frame k (the frame on air), leaving the meters' reading alone; null before any aired. */
  reading(k: number): { momentary: number; shortTerm: number; integrated: number } | null {
    const to = Math.min(k, this.lastWritten)
    if (to < 0 || to <= this.lastWritten - RING_FRAMES) return null
    const at = (to % RING_FRAMES) * F
    const r = this.ring
    const round = (v: number) => Math.round(v * 10) / 10
    return { momentary: round(r[at]!), shortTerm: round(r[at + 1]!), integrated: round(r[at + 2]!) }
  }

  /** The readings at frame k (the frame on air), true peak and limiting since the last reading; null before any aired. */
  levels(k: number): LoudnessLevels | null {
    const to = Math.min(k, this.lastWritten)
    if (to < 0) return null
    const from = Math.max(
      this.lastRead + 1,
      to - RING_FRAMES + 1,
      this.lastWritten - RING_FRAMES + 1,
      0
    )
    this.lastRead = to
    const r = this.ring
    let tp = LOUDNESS_FLOOR
    let limiter = 0
    for (let f = from; f <= to; f++) {
      const i = (f % RING_FRAMES) * F
      tp = Math.max(tp, r[i + 3]!)
      limiter = Math.min(limiter, r[i + 6]!)
    }
    const at = (to % RING_FRAMES) * F
    const round = (v: number) => Math.round(v * 10) / 10
    return {
      momentary: round(r[at]!),
      shortTerm: round(r[at + 1]!),
      integrated: round(r[at + 2]!),
      truePeak: round(from > to ? dbOf(0) : tp),
      targetLufs: this.settings.targetLufs,
      gainDb: round(r[at + 4]!),
      measured: r[at + 5] === 1,
      limiterDb: round(limiter)
    }
  }
}
