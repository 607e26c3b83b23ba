// Cheap measurements of the raw frames on their way to the encoder: a sparse luma grid of the
// picture (black; frozen, judged per region) and one pass over the sound (peak and RMS per channel). Functions and
// per-output measuring objects over buffers, with no shared state, so they are tested on synthetic frames.
//
// Why a grid and not ffmpeg's blackdetect/freezedetect: the engine already holds every frame, so
// reading 3,600 bytes of one in two costs tens of microseconds, where an extra filter chain in each
// encoder would cost a share of a core per channel (see test/bench/health.bench.ts).
import { LEVELS_FLOOR_DBFS as LEVEL_FLOOR_DB } from '../shared/api'

/** The grid sampled from each analysed picture: 80 x 45 points whatever the picture size. */
export const GRID_COLUMNS = 80
export const GRID_ROWS = 45
/** A picture is black when at least this share of it is dark (blackdetect's picture_black_ratio_th). */
export const BLACK_PICTURE_RATIO = 0.98
const FULL_SCALE = 32768

/** Byte offsets, ascending, of an evenly spread grid of points in the Y plane of a yuv420p picture. */
export class LumaGrid {
  readonly offsets: Int32Array

  constructor(width: number, height: number, columns = GRID_COLUMNS, rows = GRID_ROWS) {
    const cols = Math.min(columns, width)
    const rws = Math.min(rows, height)
    this.offsets = new Int32Array(cols * rws)
    let i = 0
    for (let r = 0; r < rws; r++) {
      // The centre of each cell, so that the grid never sits on the picture's edges.
      const y = Math.floor(((r + 0.5) * height) / rws)
      for (let c = 0; c < cols; c++)
        this.offsets[i++] = y * width + Math.floor(((c + 0.5) * width) / cols)
    }
  }

  get size(): number {
    return this.offsets.length
  }

  /** Copies the grid's luma into `out` from a picture in one buffer or in consecutive slices. */
  sample(video: Buffer | Buffer[], out: Uint8Array): void {
    const offs = this.offsets
    if (!Array.isArray(video)) {
      for (let i = 0; i < offs.length; i++) out[i] = video[offs[i]!] ?? 0
      return
    }
    let si = 0
    let base = 0
    let s = video[0]
    for (let i = 0; i < offs.length; i++) {
      const off = offs[i]!
      while (s && off >= base + s.length) {
        base += s.length
        s = video[++si]
      }
      // A short picture (never expected) reads as black rather than failing the output.
      out[i] = s ? s[off - base]! : 0
    }
  }
}

/** The luma value (0-255) of a blackdetect pixel threshold: a fraction of the way from video black (16) to white (235). */
export function blackLevel(threshold: number): number {
  return 16 + threshold * 219
}

/** The share of samples at or below `level`. */
export function darkShare(samples: Uint8Array, level: number): number {
  let dark = 0
  for (let i = 0; i < samples.length; i++) if (samples[i]! <= level) dark++
  return samples.length === 0 ? 0 : dark / samples.length
}

/**
 * The grid's points grouped into regions of REGION_SIDE x REGION_SIDE points (16 x 9 regions of the
 * 80 x 45 grid, each 1/144 of the picture): change is judged per region, so that a small moving
 * element (a running clock, a crawl) counts as motion however still the rest is, where a mean over
 * the whole picture drowns it.
 */
export const REGION_SIDE = 5
/**
 * Luma differences of up to this many levels at a point are codec noise, not change: a still
 * picture coded again (each I-frame) moves points by 1-4 levels, a moving edge by tens.
 */
export const CHANGE_NOISE_LEVELS = 5

/** |d| with noise left out, for every difference d of two luma values, at index d + 255 (one lookup per point, no branch). */
const CHANGE_OF = Uint16Array.from({ length: 511 }, (_, i) =>
  Math.abs(i - 255) > CHANGE_NOISE_LEVELS ? Math.abs(i - 255) : 0
)

/**
 * Whether a picture changed, judged per region against a reference: the last picture that changed.
 * Comparing with the reference rather than with the previous picture means a slow change (a fade,
 * an element creeping a pixel at a time) adds up until it shows, and codec noise on a still
 * picture (an I-frame re-coding it, a few levels here and there) never does.
 */
export class RegionChange {
  /** Region index of each grid point. */
  private readonly region: Uint16Array
  /** Points per region (edge regions may hold fewer). */
  private readonly count: Float64Array
  private readonly sums: Int32Array
  private readonly reference: Uint8Array
  private hasReference = false

  constructor(width: number, height: number, columns = GRID_COLUMNS, rows = GRID_ROWS) {
    const cols = Math.min(columns, width)
    const rws = Math.min(rows, height)
    const regionCols = Math.ceil(cols / REGION_SIDE)
    this.region = new Uint16Array(cols * rws)
    this.count = new Float64Array(regionCols * Math.ceil(rws / REGION_SIDE))
    this.sums = new Int32Array(this.count.length)
    let i = 0
    for (let r = 0; r < rws; r++) {
      for (let c = 0; c < cols; c++) {
        const g = Math.floor(r / REGION_SIDE) * regionCols + Math.floor(c / REGION_SIDE)
        this.region[i++] = g
        this.count[g]!++
      }
    }
    this.reference = new Uint8Array(cols * rws)
  }

  /** Forget the reference: the next picture starts a new comparison. */
  reset(): void {
    this.hasReference = false
  }

  /**
   * The largest mean absolute luma difference of any region between `samples` and the reference,
   * noise left out, as a fraction of full scale (freezedetect's measure, per region); null when
   * there is no reference yet. When it exceeds `threshold` the picture changed and becomes the
   * reference. `samples` is not kept: the caller may reuse it.
   */
  compare(samples: Uint8Array, threshold: number): number | null {
    if (!this.hasReference) {
      this.reference.set(samples)
      this.hasReference = true
      return null
    }
    const sums = this.sums
    sums.fill(0)
    const ref = this.reference
    const region = this.region
    for (let i = 0; i < samples.length; i++)
      sums[region[i]!]! += CHANGE_OF[samples[i]! - ref[i]! + 255]!
    let most = 0
    for (let g = 0; g < sums.length; g++) {
      const m = sums[g]! / this.count[g]!
      if (m > most) most = m
    }
    most /= 255
    if (most > threshold) this.reference.set(samples)
    return most
  }
}

/** Peak (largest absolute sample) and sum of squares per channel of one stretch of sound. */
export interface AudioBlock {
  peak: [number, number]
  sumSquares: [number, number]
  /** Samples per channel. */
  samples: number
}

/**
 * Measures s16le interleaved sound (mono is read as both channels) in one pass. One per output:
 * it keeps the copy a chunk cut at an odd offset needs, so that no frame allocates one.
 */
export class AudioBlockMeter {
  private scratch = new Int16Array(0)

  measure(pcm: Buffer, channels: number): AudioBlock {
    const count = pcm.length >> 1
    let s: Int16Array
    if ((pcm.byteOffset & 1) === 0) s = new Int16Array(pcm.buffer, pcm.byteOffset, count)
    else {
      // A view needs 2-byte alignment; a chunk cut at an odd offset is copied once.
      if (this.scratch.length < count) this.scratch = new Int16Array(count)
      s = this.scratch.subarray(0, count)
      new Uint8Array(s.buffer, 0, count * 2).set(pcm.subarray(0, count * 2))
    }
    let pl = 0
    let pr = 0
    let ql = 0
    let qr = 0
    const step = channels >= 2 ? channels : 1
    const right = channels >= 2 ? 1 : 0
    for (let i = 0; i + right < count; i += step) {
      const l = s[i]!
      const r = s[i + right]!
      const al = l < 0 ? -l : l
      const ar = r < 0 ? -r : r
      if (al > pl) pl = al
      if (ar > pr) pr = ar
      ql += l * l
      qr += r * r
    }
    return { peak: [pl, pr], sumSquares: [ql, qr], samples: Math.floor(count / step) }
  }
}

/** dBFS of an amplitude given in sample units (full scale 32768), floored, to 0.1 dB. */
export function peakDb(amplitude: number): number {
  return toDb(20 * Math.log10(amplitude / FULL_SCALE))
}

/**
 * RMS in dBFS from a sum of squares over `samples` samples, to 0.1 dB. Referred to a full-scale
 * square wave, as ffmpeg's astats (a full-scale sine reads -3 dBFS).
 */
export function rmsDb(sumSquares: number, samples: number): number {
  if (samples <= 0) return LEVEL_FLOOR_DB
  return toDb(10 * Math.log10(sumSquares / samples / (FULL_SCALE * FULL_SCALE)))
}

function toDb(db: number): number {
  return Number.isFinite(db) ? Math.max(LEVEL_FLOOR_DB, Math.round(db * 10) / 10) : LEVEL_FLOOR_DB
}
