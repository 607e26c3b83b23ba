// Output watching on synthetic frames: the luma grid (whole buffers and slices), black and change
// (per region, against the last changed picture) measures, one-pass sound levels, the condition detector's timing (raised after its duration at
// the time it began, cleared after a short hold at the time it ended), and the monitor as the
// engine drives it (only media is watched; a slate or a card resets; levels of what aired).
import { describe, expect, it } from 'vitest'
import { PROFILES } from '../../src/media/profiles'
import { ConditionDetector } from '../../src/playout/condition'
import { OutputMonitor, PICTURE_STRIDE } from '../../src/playout/output-monitor'
import {
  AudioBlockMeter,
  blackLevel,
  CHANGE_NOISE_LEVELS,
  darkShare,
  LumaGrid,
  peakDb,
  RegionChange,
  rmsDb
} from '../../src/playout/signal-analysis'
import type { Frame } from '../../src/playout/sources'
import { DEFAULT_OUTPUT_HEALTH, type OutputHealthSettings } from '../../src/shared/domain'
import { LEVELS_FLOOR_DBFS } from '../../src/shared/api'

const P = PROFILES['360p']
const W = P.width
const H = P.height
const FRAME = (W * H * 3) / 2
const SAMPLES = P.sampleRate / P.fps

/** A yuv420p picture of one luma value, with an optional moving bright square. */
function picture(luma: number, square?: number): Buffer {
  const b = Buffer.alloc(FRAME, 128)
  b.fill(luma, 0, W * H)
  if (square !== undefined)
    for (let y = 100; y < 200; y++) b.fill(235, y * W + square, y * W + square + 100)
  return b
}

/** One frame of stereo sound: sines of the given RMS levels (dBFS), or digital silence for null. */
function tone(rmsL: number | null, rmsR: number | null, phase = 0): Buffer {
  const b = Buffer.alloc(SAMPLES * 4)
  const amp = (db: number | null) => (db === null ? 0 : Math.SQRT2 * 10 ** (db / 20) * 32767)
  for (let i = 0; i < SAMPLES; i++) {
    const s = Math.sin((2 * Math.PI * 1000 * (i + phase)) / P.sampleRate)
    b.writeInt16LE(Math.round(amp(rmsL) * s), i * 4)
    b.writeInt16LE(Math.round(amp(rmsR) * s), i * 4 + 2)
  }
  return b
}

const media = (video: Buffer | Buffer[], audio = tone(-20, -20)): Frame => ({
  video,
  audio,
  slate: false,
  card: false
})

/** A still mid-grey picture with a 16x16 element (a clock's digit) in its bottom right corner at luma 90 + `delta`. */
function smallElement(delta: number): Buffer {
  const b = picture(90)
  for (let y = 320; y < 336; y++) b.fill(90 + delta, y * W + 600, y * W + 616)
  return b
}

describe('signal analysis', () => {
  it('samples an 80 x 45 grid the same from one buffer or from slices', () => {
    const grid = new LumaGrid(W, H)
    expect(grid.size).toBe(80 * 45)
    const pic = Buffer.alloc(FRAME)
    for (let i = 0; i < W * H; i++) pic[i] = (i * 7) % 251
    const whole = new Uint8Array(grid.size)
    const sliced = new Uint8Array(grid.size)
    grid.sample(pic, whole)
    grid.sample([pic.subarray(0, 1001), pic.subarray(1001, 150_000), pic.subarray(150_000)], sliced)
    expect(sliced).toEqual(whole)
    expect(whole[0]).toBe(pic[grid.offsets[0]!])
    // A short picture reads as black rather than throwing in the pump.
    grid.sample([pic.subarray(0, 1000)], sliced)
    expect(sliced.at(-1)).toBe(0)
  })

  it('finds black as blackdetect does: pixels below 10% of the 16-235 range', () => {
    const grid = new LumaGrid(W, H)
    const s = new Uint8Array(grid.size)
    expect(blackLevel(0.1)).toBeCloseTo(37.9, 1)
    grid.sample(picture(16), s)
    expect(darkShare(s, blackLevel(0.1))).toBe(1)
    grid.sample(picture(37), s)
    expect(darkShare(s, blackLevel(0.1))).toBe(1)
    grid.sample(picture(40), s)
    expect(darkShare(s, blackLevel(0.1))).toBe(0)
    grid.sample(picture(16, 300), s) // a bright square on black: about 4% of the picture
    expect(darkShare(s, blackLevel(0.1))).toBeLessThan(0.98)
  })

  it('judges change per region against the last picture that changed: a small element counts, codec noise does not', () => {
    const grid = new LumaGrid(W, H)
    const change = new RegionChange(W, H)
    const s = new Uint8Array(grid.size)
    const th = DEFAULT_OUTPUT_HEALTH.freeze.threshold
    grid.sample(picture(90), s)
    expect(change.compare(s, th)).toBeNull() // the first picture is the reference
    expect(change.compare(s, th)).toBe(0)
    // Noise of up to CHANGE_NOISE_LEVELS at every point (an I-frame coding the still again) is no change.
    const noisy = picture(90)
    for (let i = 0; i < W * H; i += 3) noisy[i] = 90 + CHANGE_NOISE_LEVELS
    grid.sample(noisy, s)
    expect(change.compare(s, th)).toBe(0)
    // A 16x16 element (0.1% of the picture) changing by 100 levels: under a mean over the whole
    // picture (0.0004 of full scale, below freezedetect's 0.001) but a clear change of its region.
    grid.sample(smallElement(0), s)
    const base = new Uint8Array(s)
    grid.sample(smallElement(100), s)
    const wholeMean = s.reduce((sum, v, i) => sum + Math.abs(v - base[i]!), 0) / s.length / 255
    expect(wholeMean).toBeLessThan(0.001)
    expect(change.compare(s, th)).toBeGreaterThan(10 * th)
    // The changed picture became the reference: the same picture again is no change.
    expect(change.compare(s, th)).toBe(0)
  })

  it('adds up a slow change against the reference, where picture to picture it stays under the noise', () => {
    const grid = new LumaGrid(W, H)
    const change = new RegionChange(W, H)
    const s = new Uint8Array(grid.size)
    const th = DEFAULT_OUTPUT_HEALTH.freeze.threshold
    const seen = []
    for (let step = 0; step <= 10; step++) {
      grid.sample(picture(90 + step), s) // one level a picture: a slow fade
      seen.push(change.compare(s, th))
    }
    expect(seen.slice(0, CHANGE_NOISE_LEVELS + 1)).toEqual([null, 0, 0, 0, 0, 0])
    expect(seen[CHANGE_NOISE_LEVELS + 1]).toBeGreaterThan(th)
  })

  it('reads a tone at its RMS and peak levels, left and right apart, in one pass', () => {
    const meter = new AudioBlockMeter()
    const b = meter.measure(tone(-20, -30), 2)
    expect(b.samples).toBe(SAMPLES)
    expect(rmsDb(b.sumSquares[0], b.samples)).toBeCloseTo(-20, 0)
    expect(rmsDb(b.sumSquares[1], b.samples)).toBeCloseTo(-30, 0)
    expect(peakDb(b.peak[0])).toBeCloseTo(-17, 0)
    expect(peakDb(b.peak[1])).toBeCloseTo(-27, 0)
    // A buffer at an odd offset (a chunk cut anywhere) reads the same.
    const odd = Buffer.alloc(SAMPLES * 4 + 1)
    tone(-20, -30).copy(odd, 1)
    expect(meter.measure(odd.subarray(1), 2)).toEqual(b)
    // ... and again once its copy buffer exists, and beside a second meter that has none yet.
    expect(meter.measure(odd.subarray(1), 2)).toEqual(b)
    expect(new AudioBlockMeter().measure(odd.subarray(1), 2)).toEqual(b)
  })

  it('floors digital silence at -120 dBFS (JSON has no -Infinity)', () => {
    const b = new AudioBlockMeter().measure(tone(null, null), 2)
    expect(peakDb(b.peak[0])).toBe(LEVELS_FLOOR_DBFS)
    expect(rmsDb(b.sumSquares[1], b.samples)).toBe(LEVELS_FLOOR_DBFS)
    expect(rmsDb(0, 0)).toBe(LEVELS_FLOOR_DBFS)
    expect(peakDb(32768)).toBe(0)
  })
})

describe('condition detector', () => {
  it('raises once the condition lasted its frames, dated when it began; clears after the hold, dated when it ended', () => {
    const d = new ConditionDetector({ on: 60, hold: 15 })
    const changes = []
    for (let k = 0; k < 300; k++) {
      const c = d.update(k, k >= 100 && k < 200)
      if (c) changes.push(c)
    }
    expect(changes).toEqual([
      { active: true, atFrame: 100, dueFrame: 160 },
      { active: false, atFrame: 200, dueFrame: 215 }
    ])
  })

  it('a short good blip inside a fault neither clears it nor restarts the count', () => {
    const d = new ConditionDetector({ on: 60, hold: 15 })
    const changes = []
    for (let k = 0; k < 200; k++) {
      const c = d.update(k, !(k >= 30 && k < 35))
      if (c) changes.push(c)
    }
    expect(changes).toEqual([{ active: true, atFrame: 0, dueFrame: 60 }])
  })

  it('a fault shorter than its duration raises nothing; reset ends a raised one at the reset frame', () => {
    const d = new ConditionDetector({ on: 60, hold: 15 })
    for (let k = 0; k < 59; k++) expect(d.update(k, true)).toBeNull()
    for (let k = 59; k < 100; k++) expect(d.update(k, false)).toBeNull()
    for (let k = 100; k <= 160; k++) d.update(k, true)
    expect(d.active).toBe(true)
    expect(d.reset(170)).toEqual({ active: false, atFrame: 170, dueFrame: 170 })
    expect(d.reset(171)).toBeNull()
  })
})

const settings = (
  over: Partial<{ [K in keyof OutputHealthSettings]: Partial<OutputHealthSettings[K]> }> = {}
): OutputHealthSettings => ({
  black: { ...DEFAULT_OUTPUT_HEALTH.black, durationMs: 1_000, ...over.black },
  freeze: { ...DEFAULT_OUTPUT_HEALTH.freeze, durationMs: 1_000, ...over.freeze },
  silence: { ...DEFAULT_OUTPUT_HEALTH.silence, durationMs: 1_000, ...over.silence }
})

/** Drives a monitor frame by frame; `at(k)` says what frame k is. Returns every change, as the engine would see it. */
function drive(
  m: OutputMonitor,
  frames: number,
  at: (k: number) => { frame: Frame; watched?: boolean }
) {
  const out = []
  for (let k = 0; k < frames; k++) {
    const { frame, watched = true } = at(k)
    m.frame(k, frame, frame.audio, watched)
    out.push(...m.due(k))
  }
  return out.map(({ kind, active, atFrame }) => ({ kind, active, atFrame }))
}

describe('output monitor', () => {
  it('black, frozen and silent media raise their conditions at the frame they began and clear when they end', () => {
    const m = new OutputMonitor(P, settings())
    const changes = drive(m, 600, (k) => {
      if (k >= 60 && k < 120) return { frame: media(picture(16)) }
      if (k >= 200 && k < 290) return { frame: media(picture(90, 50)) } // the square stops moving
      if (k >= 400 && k < 480) return { frame: media(picture(90, (k * 13) % 500), tone(-70, -65)) }
      return { frame: media(picture(90, (k * 13) % 500)) }
    })
    expect(changes).toEqual([
      { kind: 'black', active: true, atFrame: 60 },
      { kind: 'black', active: false, atFrame: 120 },
      // The first frozen picture is compared with the last moving one: frozen from the next analysed frame.
      { kind: 'freeze', active: true, atFrame: 200 + PICTURE_STRIDE },
      { kind: 'freeze', active: false, atFrame: 290 },
      { kind: 'silence', active: true, atFrame: 400 },
      { kind: 'silence', active: false, atFrame: 480 }
    ])
  })

  it('tells a change only when its frame is on air', () => {
    const m = new OutputMonitor(P, settings())
    for (let k = 0; k < 100; k++) m.frame(k, media(picture(16)), tone(-20, -20), true)
    expect(m.due(29)).toEqual([])
    expect(m.due(30)).toMatchObject([{ kind: 'black', active: true, atFrame: 0, dueFrame: 30 }])
    expect(m.due(99)).toEqual([])
  })

  it('watches nothing on a slate or a card, and ends a raised condition where one begins', () => {
    const m = new OutputMonitor(P, settings())
    const changes = drive(m, 400, (k) => {
      if (k < 100) return { frame: media(picture(16), tone(null, null)) }
      if (k < 300)
        return {
          frame: { video: picture(16), audio: tone(null, null), slate: true, card: true },
          watched: false
        } // a gap's slate
      return { frame: { video: picture(16), audio: tone(null, null), slate: false, card: true } } // an audio-only item over its card
    })
    expect(changes).toEqual([
      { kind: 'silence', active: true, atFrame: 0 },
      { kind: 'black', active: true, atFrame: 0 },
      { kind: 'silence', active: false, atFrame: 100 },
      { kind: 'black', active: false, atFrame: 100 },
      // The audio-only item's sound is media: its silence is watched; its card is not.
      { kind: 'silence', active: true, atFrame: 300 }
    ])
  })

  it('a still picture with a small element that changes once a second is not frozen; the same picture without it is', () => {
    const ticking = new OutputMonitor(P, settings({ freeze: { durationMs: 2_000 } }))
    // The element changes on one frame a second only (a clock's seconds), never on an analysed frame's neighbour.
    expect(
      drive(ticking, 600, (k) => ({
        frame: media(smallElement(Math.floor(k / 30) % 2 === 0 ? 0 : 100))
      }))
    ).toEqual([])
    const still = new OutputMonitor(P, settings({ freeze: { durationMs: 2_000 } }))
    expect(drive(still, 600, () => ({ frame: media(smallElement(0)) }))).toEqual([
      { kind: 'freeze', active: true, atFrame: PICTURE_STRIDE }
    ])
  })

  it('a raised freeze clears once the picture changes at least once a second for the hold, dated at the first change', () => {
    const m = new OutputMonitor(P, settings())
    const changes = drive(m, 400, (k) => ({
      frame: media(smallElement(k < 100 ? 0 : Math.floor((k - 100) / 30) % 2 === 0 ? 50 : 100))
    }))
    expect(changes).toEqual([
      { kind: 'freeze', active: true, atFrame: PICTURE_STRIDE },
      { kind: 'freeze', active: false, atFrame: 100 }
    ])
  })

  it('black with motion on it is black (the motion does not hide it), and not frozen', () => {
    const m = new OutputMonitor(P, settings({ silence: { enabled: false } }))
    // A 16x16 element moving over black: 0.1% of the picture.
    const changes = drive(m, 200, (k) => {
      const b = picture(16)
      const x = 100 + (k % 50) * 8
      for (let y = 320; y < 336; y++) b.fill(235, y * W + x, y * W + x + 16)
      return { frame: media(b) }
    })
    expect(changes).toEqual([{ kind: 'black', active: true, atFrame: 0 }])
  })

  it('a black picture is black, not also frozen; a disabled condition is never raised', () => {
    const m = new OutputMonitor(P, settings({ silence: { enabled: false } }))
    const changes = drive(m, 200, () => ({ frame: media(picture(16), tone(null, null)) }))
    expect(changes).toEqual([{ kind: 'black', active: true, atFrame: 0 }])
  })

  it('new settings end what was raised and apply from the next frame', () => {
    const m = new OutputMonitor(P, settings())
    drive(m, 60, () => ({ frame: media(picture(16)) }))
    m.configure(settings({ black: { durationMs: 3_000 } }))
    expect(m.due(60)).toMatchObject([{ kind: 'black', active: false, atFrame: 60 }])
    for (let k = 60; k < 200; k++) m.frame(k, media(picture(16)), tone(-20, -20), true)
    expect(m.due(149)).toEqual([])
    expect(m.due(150)).toMatchObject([{ kind: 'black', active: true, atFrame: 60 }])
  })

  it('levels: what aired since the last reading, left and right, floored in silence', () => {
    const m = new OutputMonitor(P, settings())
    expect(m.levels(0)).toBeNull()
    for (let k = 0; k < 90; k++)
      m.frame(k, media(picture(90)), k < 60 ? tone(-20, -30, k * SAMPLES) : tone(null, null), true)
    expect(m.levels(29)).toEqual({
      peak: [expect.closeTo(-17, 0), expect.closeTo(-27, 0)],
      rms: [expect.closeTo(-20, 0), expect.closeTo(-30, 0)]
    })
    expect(m.levels(89)).toEqual({
      peak: [LEVELS_FLOOR_DBFS, LEVELS_FLOOR_DBFS],
      rms: [LEVELS_FLOOR_DBFS, LEVELS_FLOOR_DBFS]
    })
    // Frames not written yet (the output is late) are not invented.
    expect(m.levels(200)).toEqual(m.levels(89))
  })
})
