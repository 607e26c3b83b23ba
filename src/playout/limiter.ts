// The loudness gain and a true-peak look-ahead limiter on the engine's s16le PCM, so that no gain
// (an item brought up 10 dB to the target, an unmeasured item at 0 dB) ever clips or puts a true
// peak above the station's ceiling.
//
// How it holds the ceiling: every sample of the gained sound, and every value BS.1770-4 Annex 2's
// 4x interpolator puts between samples, asks for a gain of at most ceiling / |value| there (1 when
// it is under the ceiling). The gain applied to a sample is the mean, over the last L samples,
// of the lowest gain asked for in the L samples around it: that mean is never above what any
// value within L samples asks for, so the ceiling holds while the gain moves smoothly (a ramp of
// L samples down before a peak, no step). The sound is delayed by the look-ahead (L + 5 samples,
// about 5 ms: far inside lip-sync tolerance) so the gain comes down before the peak. The gain
// recovers with a 100 ms release.
//
// Interpolating every sample would cost as much as the meter; values are interpolated only where
// one of the 12 samples they are made of is above ceiling / TP_GAIN (below that nothing can reach
// the ceiling), so sound well under the ceiling passes with a multiply and the ring bookkeeping.
import { int16View, TP_GAIN, TRUE_PEAK_PHASES } from './loudness-meter'

const TAPS = 12
/** Look-ahead: the gain ramps down over this long before a peak. */
export const LOOKAHEAD_MS = 5
/** After a peak the gain recovers with this time constant. */
export const RELEASE_MS = 100

export class TruePeakLimiter {
  readonly lookahead: number
  /** Samples (per channel) the output lags the input. */
  readonly delay: number
  private ceiling: number
  private readonly channels: number
  /** Gained input, per channel, a ring of `size` samples. */
  private readonly ring: Float64Array[]
  private readonly size: number
  /** Lowest gain asked for at each sample position, a ring. */
  private readonly asked: Float64Array
  /** Sliding minimum of `asked` over the look-ahead (a monotonic deque of positions). */
  private readonly deque: Int32Array
  private dqHead = 0
  private dqTail = 0
  /** The released minimum, and the box mean over the last L of them. */
  private held = 1
  private readonly box: Float64Array
  private boxSum: number
  private n = 0
  private readonly releaseCoef: number
  /** Where the next input goes: the newest sample is n - 1. */
  private minGain = 1
  /** No gain reduction pending or applied: samples pass through the delay line alone. */
  private resting = true
  /** Per channel, the newest position of a sample at or above ceiling / TP_GAIN. */
  private readonly lastBig: number[]

  constructor(sampleRate: number, channels: number, ceilingDbtp: number) {
    this.channels = channels
    this.lookahead = Math.max(TAPS, Math.round((sampleRate * LOOKAHEAD_MS) / 1000))
    this.delay = this.lookahead - 1 + 6
    this.size = 1 << Math.ceil(Math.log2(this.delay + TAPS + 2))
    this.ring = Array.from({ length: channels }, () => new Float64Array(this.size))
    this.asked = new Float64Array(this.size).fill(1)
    this.deque = new Int32Array(this.size)
    this.box = new Float64Array(this.lookahead).fill(1)
    this.boxSum = this.lookahead
    this.releaseCoef = Math.exp(-1 / ((sampleRate * RELEASE_MS) / 1000))
    this.ceiling = Math.pow(10, ceilingDbtp / 20)
    this.lastBig = Array.from({ length: channels }, () => -TAPS)
  }

  /** A new ceiling (dBTP) from the next sample. */
  setCeiling(dbtp: number): void {
    this.ceiling = Math.pow(10, dbtp / 20)
  }

  /** The lowest gain applied since the previous call (1: no limiting), in dB (<= 0). */
  takeReductionDb(): number {
    const g = this.minGain
    this.minGain = 1
    return g >= 1 ? 0 : 20 * Math.log10(g)
  }

  /**
   * Applies `gainDb` and limits; returns the output, as many samples as went in, delayed by
   * `delay` samples (s16le interleaved, a new buffer).
   */
  process(pcm: Buffer, gainDb: number): Buffer {
    const ch = this.channels
    const input = int16View(pcm)
    const frames = Math.floor(input.length / ch)
    const out = Buffer.alloc(frames * ch * 2)
    const o = new Int16Array(out.buffer, out.byteOffset, frames * ch)
    const gain = Math.pow(10, gainDb / 20) / 32768
    const mask = this.size - 1
    const ceiling = this.ceiling
    const threshold = ceiling / TP_GAIN
    const [p0, p1, p2, p3] = TRUE_PEAK_PHASES as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array
    ]
    const asked = this.asked
    const L = this.lookahead
    const ring = this.ring
    const lastBig = this.lastBig
    for (let f = 0; f < frames; f++) {
      const m = this.n++
      const at = m & mask
      // The newest sample position asks nothing yet beyond its own value.
      let ask = 1
      let recentBig = false
      for (let c = 0; c < ch; c++) {
        const v = input[f * ch + c]! * gain
        ring[c]![at] = v
        const a = v < 0 ? -v : v
        if (a > ceiling && ceiling / a < ask) ask = ceiling / a
        if (a >= threshold) lastBig[c] = m
        if (m - lastBig[c]! < TAPS) recentBig = true
      }
      asked[at] = ask
      const j = m - 6
      const d = m - this.delay
      // At rest (no reduction anywhere in the window, nothing near the ceiling): a delay line.
      if (this.resting && !recentBig && ask === 1 && (j < 0 || asked[j & mask] === 1)) {
        for (let c = 0; c < ch; c++) {
          const v = d >= 0 ? ring[c]![d & mask]! * 32768 : 0
          o[f * ch + c] = v >= 32767 ? 32767 : v <= -32768 ? -32768 : Math.round(v)
        }
        continue
      }
      // Values between m-6 and m-5, from the 12 newest samples, when any could reach the ceiling.
      if (recentBig && m >= TAPS) {
        let worst = 0
        for (let c = 0; c < ch; c++) {
          if (m - lastBig[c]! >= TAPS) continue
          const r = ring[c]!
          let y0 = 0
          let y1 = 0
          let y2 = 0
          let y3 = 0
          for (let t = 0; t < TAPS; t++) {
            const s = r[(m - t) & mask]!
            y0 += p0[t]! * s
            y1 += p1[t]! * s
            y2 += p2[t]! * s
            y3 += p3[t]! * s
          }
          worst = Math.max(
            worst,
            y0 < 0 ? -y0 : y0,
            y1 < 0 ? -y1 : y1,
            y2 < 0 ? -y2 : y2,
            y3 < 0 ? -y3 : y3
          )
        }
        if (worst > ceiling) {
          const g = ceiling / worst
          const i6 = (m - 6) & mask
          const i5 = (m - 5) & mask
          if (g < asked[i6]!) asked[i6] = g
          if (g < asked[i5]!) asked[i5] = g
        }
      }
      // Position m - 6 is final now: into the sliding minimum over the last L positions.
      let g = 1
      if (j >= 0) {
        const aj = asked[j & mask]!
        while (
          this.dqTail > this.dqHead &&
          asked[this.deque[(this.dqTail - 1) & mask]! & mask]! >= aj
        )
          this.dqTail--
        this.deque[this.dqTail++ & mask] = j
        while (this.deque[this.dqHead & mask]! <= j - L) this.dqHead++
        const windowMin = asked[this.deque[this.dqHead & mask]! & mask]!
        // Released: recovers towards 1, never above what the window asks.
        this.held = Math.min(windowMin, 1 - (1 - this.held) * this.releaseCoef)
        if (this.held > 1 - 1e-6 && windowMin === 1) this.held = 1
        const bi = j % L
        this.boxSum += this.held - this.box[bi]!
        this.box[bi] = this.held
        g = this.boxSum / L
        if (g > 1) g = 1
        // Back at rest once the whole box is at 1 again.
        if (this.held === 1 && this.boxSum > L - 1e-9) {
          this.box.fill(1)
          this.boxSum = L
          this.resting = true
        } else this.resting = false
      }
      if (g < this.minGain) this.minGain = g
      // Out goes the sample L - 1 positions before j (the box's window then spans it).
      for (let c = 0; c < ch; c++) {
        const v = d >= 0 ? ring[c]![d & mask]! * g * 32768 : 0
        o[f * ch + c] = v >= 32767 ? 32767 : v <= -32768 ? -32768 : Math.round(v)
      }
    }
    return out
  }
}
