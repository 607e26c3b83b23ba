// ITU-R BS.1770-4 loudness and true peak, measured in JS on the s16le PCM the engine writes: no
// extra ffmpeg filter chain per output (see test/bench/health.bench.ts for what it costs).
//
// - K-weighting: BS.1770's two biquads (a high shelf, then a high pass), derived for the sample
//   rate from the analogue prototype (as libebur128 does), so 44.1 kHz reads as 48 kHz does.
// - Energy is summed per 100 ms block; momentary loudness is the mean of the last 4 blocks
//   (400 ms), short-term of the last 30 (3 s). Every 400 ms window ending on a block boundary is a
//   gating block (75 % overlap). Integrated loudness gates them at -70 LUFS absolute, then -10 LU
//   below the mean of what passed; blocks are kept in a 0.01 LU histogram (energy summed per bin),
//   so an item of hours costs constant memory. Loudness range (EBU Tech 3342) keeps the item's
//   short-term values (one every 100 ms once 3 s are in) in a histogram of the same kind.
// - True peak: BS.1770-4 Annex 2's 48-tap, 4-phase interpolator (4x oversampling). An interpolated
//   signal band-limited as the output's is peaks between two samples only beside a crest of |x|
//   (a sample at least as large as its neighbours), and an interpolated value cannot exceed
//   TP_GAIN times the samples it is made of: so only the intervals beside crests large enough to
//   beat the sample peak are interpolated (a 1 kHz tone: 2 crests in 48 samples), which keeps the
//   meter's cost per channel a fraction of a per cent of a core.
//
// Channels are summed with weight 1 (L, R; mono is one channel): the outputs carry no surround.
import { LEVELS_FLOOR_DBFS } from '../shared/api'

/** The lowest reading (silence, or nothing measured): the levels' floor. */
export const LOUDNESS_FLOOR = LEVELS_FLOOR_DBFS
/** The absolute gate of integrated loudness, LUFS. */
export const ABSOLUTE_GATE_LUFS = -70
/** The relative gate, LU below the absolute-gated level. */
export const RELATIVE_GATE_LU = -10
/** Loudness range (EBU Tech 3342): short-term values gated 20 LU below their mean, 10th to 95th percentile. */
export const LRA_RELATIVE_GATE_LU = -20
const BLOCK_MS = 100
const MOMENTARY_BLOCKS = 4
const SHORT_TERM_BLOCKS = 30
/** Histogram of gating blocks: 0.01 LU bins from the absolute gate up to +10 LUFS. */
const BIN_LU = 0.01
const BIN_COUNT = Math.ceil((10 - ABSOLUTE_GATE_LUFS) / BIN_LU)
const S16_SCALE = 1 / 32768

export interface Biquad {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
}

/** BS.1770's K-weighting (pre-filter, then RLB high pass) for a sample rate. */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  // The high shelf: +4 dB above about 1.7 kHz (a head's acoustic effect).
  let f0 = 1681.974450955533
  const g = 3.999843853973347
  let q = 0.7071752369554196
  let k = Math.tan((Math.PI * f0) / sampleRate)
  const vh = Math.pow(10, g / 20)
  const vb = Math.pow(vh, 0.4996667741545416)
  let a0 = 1 + k / q + k * k
  const shelf = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0
  }
  // The RLB high pass at about 38 Hz.
  f0 = 38.13547087602444
  q = 0.5003270373238773
  k = Math.tan((Math.PI * f0) / sampleRate)
  a0 = 1 + k / q + k * k
  const highPass = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0
  }
  return [shelf, highPass]
}

/** BS.1770-4 Annex 2: the 48-tap interpolator as 4 phases of 12 taps (phase p, tap t = h[4t + p]). */
export const TRUE_PEAK_PHASES: readonly Float64Array[] = [
  [
    0.001708984375, 0.010986328125, -0.0196533203125, 0.033203125, -0.0594482421875,
    0.1373291015625, 0.97216796875, -0.102294921875, 0.047607421875, -0.026611328125,
    0.014892578125, -0.00830078125
  ],
  [
    -0.0291748046875, 0.029296875, -0.0517578125, 0.089111328125, -0.16650390625, 0.465087890625,
    0.77978515625, -0.2003173828125, 0.1015625, -0.0582275390625, 0.0330810546875, -0.0189208984375
  ],
  [
    -0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625, -0.2003173828125, 0.77978515625,
    0.465087890625, -0.16650390625, 0.089111328125, -0.0517578125, 0.029296875, -0.0291748046875
  ],
  [
    -0.00830078125, 0.014892578125, -0.026611328125, 0.047607421875, -0.102294921875, 0.97216796875,
    0.1373291015625, -0.0594482421875, 0.033203125, -0.0196533203125, 0.010986328125, 0.001708984375
  ]
].map((p) => Float64Array.from(p))
const TAPS = 12
/** No interpolated value exceeds this multiple of the largest sample it is made of (the largest phase's sum of |taps|). */
export const TP_GAIN = Math.max(
  ...TRUE_PEAK_PHASES.map((p) => p.reduce((s, c) => s + Math.abs(c), 0))
)

/** The samples of s16le PCM as an Int16Array (copied only when the buffer is not 2-byte aligned). */
export function int16View(pcm: Buffer): Int16Array {
  const count = pcm.length >> 1
  if ((pcm.byteOffset & 1) === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, count)
  const copy = new Int16Array(count)
  new Uint8Array(copy.buffer).set(pcm.subarray(0, count * 2))
  return copy
}

/** LUFS of a mean square (sum over channels), floored. */
export function lufs(meanSquare: number): number {
  if (!(meanSquare > 0)) return LOUDNESS_FLOOR
  return Math.max(LOUDNESS_FLOOR, -0.691 + 10 * Math.log10(meanSquare))
}

/** dB of a linear amplitude (full scale 1), floored. */
export function dbOf(amplitude: number): number {
  if (!(amplitude > 0)) return LOUDNESS_FLOOR
  return Math.max(LOUDNESS_FLOOR, 20 * Math.log10(amplitude))
}

/**
 * True peak of one channel's stream, stretch by stretch: keeps the last 11 samples so that
 * intervals across stretch boundaries are interpolated too.
 */
export class TruePeakDetector {
  private buf = new Float64Array(TAPS + 4096)

  /** Largest absolute sample or interpolated value of `x` (full scale 1), with what came before it. */
  peak(x: Float64Array, n: number): number {
    if (this.buf.length < n + TAPS) {
      const grown = new Float64Array(n + TAPS)
      grown.set(this.buf.subarray(0, TAPS))
      this.buf = grown
    }
    const b = this.buf
    // b[0..10]: the previous stretch's last 11 samples; b[11..]: this stretch.
    let samplePeak = 0
    for (let i = 0; i < n; i++) {
      const v = x[i]!
      b[TAPS - 1 + i] = v
      const a = v < 0 ? -v : v
      if (a > samplePeak) samplePeak = a
    }
    let best = samplePeak
    const threshold = samplePeak / TP_GAIN
    if (threshold > 0) {
      const [p0, p1, p2, p3] = TRUE_PEAK_PHASES as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array
      ]
      // Output m interpolates between b[m-6] and b[m-5] (the taps of the largest weight). It is
      // worked out only next to a crest of |x| (a sample at least as large as its neighbours) that
      // is large enough for an interpolated value to beat the sample peak: a band-limited signal
      // peaks between samples only beside such a crest.
      // |b| at m-6, m-5, m-4 as m advances.
      let a6 = Math.abs(b[TAPS - 8]!)
      let a5 = Math.abs(b[TAPS - 7]!)
      let a4 = Math.abs(b[TAPS - 6]!)
      let next = a5 >= threshold && a5 >= a6 && a5 >= a4
      for (let m = TAPS - 1; m < n + TAPS - 1; m++) {
        const v = b[m - 4]!
        a6 = a5
        a5 = a4
        a4 = v < 0 ? -v : v
        const before = next
        next = a5 >= threshold && a5 >= a6 && a5 >= a4
        if (!before && !next) continue
        let y0 = 0
        let y1 = 0
        let y2 = 0
        let y3 = 0
        for (let t = 0; t < TAPS; t++) {
          const s = b[m - t]!
          y0 += p0[t]! * s
          y1 += p1[t]! * s
          y2 += p2[t]! * s
          y3 += p3[t]! * s
        }
        const a = Math.max(
          y0 < 0 ? -y0 : y0,
          y1 < 0 ? -y1 : y1,
          y2 < 0 ? -y2 : y2,
          y3 < 0 ? -y3 : y3
        )
        if (a > best) best = a
      }
    }
    // Keep the last 11 samples for the next stretch.
    b.copyWithin(0, n, n + TAPS - 1)
    return best
  }

  reset(): void {
    this.buf.fill(0)
  }
}

/** Gated loudness values in 0.01 LU bins (energy summed per bin, so means are exact). */
class GateHistogram {
  private readonly energy = new Float64Array(BIN_COUNT)
  private readonly count = new Uint32Array(BIN_COUNT)
  private n = 0

  /** Adds a block of mean square `e` unless it is below the absolute gate. */
  add(e: number): void {
    const l = lufs(e)
    if (l < ABSOLUTE_GATE_LUFS) return
    const bin = Math.min(BIN_COUNT - 1, Math.floor((l - ABSOLUTE_GATE_LUFS) / BIN_LU))
    this.energy[bin]! += e
    this.count[bin]!++
    this.n++
  }

  get size(): number {
    return this.n
  }

  /** The first bin at or above the level `gateLu` below the mean of everything added. */
  private relativeFrom(gateLu: number): number {
    let e = 0
    for (let i = 0; i < BIN_COUNT; i++) e += this.energy[i]!
    return Math.max(0, Math.ceil((lufs(e / this.n) + gateLu - ABSOLUTE_GATE_LUFS) / BIN_LU - 1e-9))
  }

  /** BS.1770 integrated loudness: the mean of the blocks above the relative gate. */
  gatedMean(gateLu: number): number {
    if (this.n === 0) return LOUDNESS_FLOOR
    let sum = 0
    let count = 0
    for (let i = this.relativeFrom(gateLu); i < BIN_COUNT; i++) {
      sum += this.energy[i]!
      count += this.count[i]!
    }
    return count === 0 ? LOUDNESS_FLOOR : lufs(sum / count)
  }

  /** Tech 3342 loudness range: 95th minus 10th percentile of the values above the relative gate. */
  range(gateLu: number): number {
    if (this.n === 0) return 0
    const from = this.relativeFrom(gateLu)
    let total = 0
    for (let i = from; i < BIN_COUNT; i++) total += this.count[i]!
    if (total === 0) return 0
    const percentile = (p: number): number => {
      const want = Math.floor(p * (total - 1))
      let seen = 0
      for (let i = from; i < BIN_COUNT; i++) {
        seen += this.count[i]!
        if (seen > want) return ABSOLUTE_GATE_LUFS + (i + 0.5) * BIN_LU
      }
      return ABSOLUTE_GATE_LUFS + BIN_COUNT * BIN_LU
    }
    return percentile(0.95) - percentile(0.1)
  }

  clear(): void {
    this.energy.fill(0)
    this.count.fill(0)
    this.n = 0
  }
}

/** A K-weighting filter chain's state for one channel. */
class KFilter {
  private x1 = 0
  private x2 = 0
  private y1 = 0
  private y2 = 0
  private z1 = 0
  private z2 = 0
  constructor(
    private readonly s: Biquad,
    private readonly h: Biquad
  ) {}

  /** Filters `n` samples of `x` and returns the sum of squares of the result. */
  sumSquares(x: Float64Array, n: number): number {
    const { b0, b1, b2, a1, a2 } = this.s
    const c1 = this.h.a1
    const c2 = this.h.a2
    let { x1, x2, y1, y2, z1, z2 } = this
    let sum = 0
    for (let i = 0; i < n; i++) {
      const v = x[i]!
      const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
      x2 = x1
      x1 = v
      // High pass (b = 1, -2, 1) on the shelf's output.
      const z = y - 2 * y1 + y2 - c1 * z1 - c2 * z2
      y2 = y1
      y1 = y
      z2 = z1
      z1 = z
      sum += z * z
    }
    // Denormals after long silence cost dearly: flush the state to zero when it is that small.
    if (Math.abs(z1) < 1e-20 && Math.abs(y1) < 1e-20) z1 = z2 = y1 = y2 = 0
    Object.assign(this, { x1, x2, y1, y2, z1, z2 })
    return sum
  }
}

/** What the meter reads at a moment: loudness in LUFS, true peak in dBTP, floored. */
export interface LoudnessReading {
  momentary: number
  shortTerm: number
  /** Integrated (gated) since the item began; the floor until a gating block passed. */
  integrated: number
  /** The largest true peak of what was measured since the previous take, dBTP. */
  truePeak: number
}

/**
 * A BS.1770 meter over a stream of interleaved s16le PCM. Feed it with `write`; read momentary and
 * short-term loudness any time; `startItem` begins a new integrated measurement.
 */
export class LoudnessMeter {
  private readonly filters: KFilter[]
  private readonly peaks: TruePeakDetector[]
  private readonly blockSamples: number
  /** Energy (sum over channels of the mean square) of the last 30 complete blocks, a ring. */
  private readonly blocks = new Float64Array(SHORT_TERM_BLOCKS)
  private blocksDone = 0
  private inBlock = 0
  private blockSum = 0
  private readonly gating = new GateHistogram()
  private readonly shortTerms = new GateHistogram()
  /** Gating blocks of the item so far: fewer than 4 blocks since its start make none. */
  private itemBlocks = 0
  private peakSince = 0
  /** Integrated loudness as of the last gating block (worked out when asked, once per block). */
  private integratedCache: number | null = null
  private scratch = new Float64Array(0)

  constructor(
    readonly sampleRate: number,
    readonly channels: number
  ) {
    const [s, h] = kWeighting(sampleRate)
    this.filters = Array.from({ length: channels }, () => new KFilter(s, h))
    this.peaks = Array.from({ length: channels }, () => new TruePeakDetector())
    this.blockSamples = Math.round((sampleRate * BLOCK_MS) / 1000)
  }

  /** Measures interleaved s16le sound. */
  write(pcm: Buffer): void {
    const ch = this.channels
    const s16 = int16View(pcm)
    const frames = Math.floor(s16.length / ch)
    let done = 0
    while (done < frames) {
      // Up to the end of the current 100 ms block.
      const n = Math.min(frames - done, this.blockSamples - this.inBlock)
      if (this.scratch.length < n) this.scratch = new Float64Array(n)
      const x = this.scratch
      let sum = 0
      for (let c = 0; c < ch; c++) {
        let at = done * ch + c
        for (let i = 0; i < n; i++, at += ch) x[i] = s16[at]! * S16_SCALE
        sum += this.filters[c]!.sumSquares(x, n)
        const p = this.peaks[c]!.peak(x, n)
        if (p > this.peakSince) this.peakSince = p
      }
      this.blockSum += sum
      this.inBlock += n
      done += n
      if (this.inBlock === this.blockSamples) this.endBlock()
    }
  }

  private endBlock(): void {
    this.blocks[this.blocksDone % SHORT_TERM_BLOCKS] = this.blockSum / this.blockSamples
    this.blocksDone++
    this.itemBlocks++
    this.blockSum = 0
    this.inBlock = 0
    if (this.itemBlocks >= MOMENTARY_BLOCKS) this.gating.add(this.meanOf(MOMENTARY_BLOCKS))
    this.integratedCache = null
    if (this.itemBlocks >= SHORT_TERM_BLOCKS) this.shortTerms.add(this.meanOf(SHORT_TERM_BLOCKS))
  }

  private meanOf(blocks: number): number {
    const have = Math.min(blocks, this.blocksDone)
    if (have === 0) return 0
    let s = 0
    for (let i = 1; i <= have; i++) s += this.blocks[(this.blocksDone - i) % SHORT_TERM_BLOCKS]!
    // Windows shorter than their length (the first seconds) read over what there is.
    return s / have
  }

  /** Momentary loudness (the last 400 ms), LUFS. */
  momentary(): number {
    return lufs(this.meanOf(MOMENTARY_BLOCKS))
  }

  /** Short-term loudness (the last 3 s), LUFS. */
  shortTerm(): number {
    return lufs(this.meanOf(SHORT_TERM_BLOCKS))
  }

  /** Integrated loudness since the item began (BS.1770 gating), LUFS; the floor before a block passed the gates. */
  integrated(): number {
    return (this.integratedCache ??= this.gating.gatedMean(RELATIVE_GATE_LU))
  }

  /** Loudness range of the item so far (EBU Tech 3342), LU; 0 before 3 s of it were measured. */
  loudnessRange(): number {
    return this.shortTerms.range(LRA_RELATIVE_GATE_LU)
  }

  /** The largest true peak since the previous call, dBTP. */
  takeTruePeak(): number {
    const p = this.peakSince
    this.peakSince = 0
    return dbOf(p)
  }

  /** Everything at once (takes the true peak). */
  read(): LoudnessReading {
    return {
      momentary: this.momentary(),
      shortTerm: this.shortTerm(),
      integrated: this.integrated(),
      truePeak: this.takeTruePeak()
    }
  }

  /** A new item: integrated loudness starts over (momentary and short-term go on: they are windows of what airs). */
  startItem(): void {
    this.gating.clear()
    this.shortTerms.clear()
    this.integratedCache = null
    this.itemBlocks = 0
  }
}
