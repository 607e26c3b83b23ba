// Loudness control of one output, frame by frame as the engine drives it: the item's gain (a new
// target reaches the item on air, an unmeasured item keeps the safe 0 dB to its end and says so),
// readings at the frame on air, and LOUD / QUIET raised once short-term loudness has been more
// than the margin off the target for the set time while media airs (never on a slate or silence).
import { describe, expect, it } from 'vitest'
import { PROFILES } from '../../src/media/profiles'
import { LoudnessControl } from '../../src/playout/loudness-control'
import type { Slot } from '../../src/playout/slot-cursor'
import { DEFAULT_LOUDNESS, type LoudnessSettings } from '../../src/shared/domain'

const profile = PROFILES['360p']
const SAMPLES = profile.sampleRate / profile.fps

/** One frame of a 1 kHz stereo tone at `dbfs` peak (-23 dBFS reads -23 LUFS), or silence for null. */
function frame(dbfs: number | null, k: number): Buffer {
  const b = Buffer.alloc(SAMPLES * 4)
  if (dbfs === null) return b
  const a = 32767 * Math.pow(10, dbfs / 20)
  for (let i = 0; i < SAMPLES; i++) {
    const v = Math.round(
      a * Math.sin((2 * Math.PI * 1000 * (k * SAMPLES + i)) / profile.sampleRate)
    )
    b.writeInt16LE(v, i * 4)
    b.writeInt16LE(v, i * 4 + 2)
  }
  return b
}

const slot = (key: string, gainDb: number | null | undefined): Slot => ({
  key,
  startFrame: 0,
  endFrame: Infinity,
  open: () => {
    throw new Error('not opened here')
  },
  gainDb
})
const settings = (s: Partial<LoudnessSettings> = {}): LoudnessSettings => ({
  ...DEFAULT_LOUDNESS,
  alarm: { enabled: true, marginLu: 5, durationMs: 10_000 },
  ...s
})

/** Runs frames [from, to) of `dbfs` through the control as the engine does. */
function run(
  c: LoudnessControl,
  from: number,
  to: number,
  dbfs: number | null,
  s: Slot | null,
  media = true
) {
  for (let k = from; k < to; k++) c.measure(k, c.apply(frame(dbfs, k), s), media)
}

describe('loudness control', () => {
  it('brings an item to the target with its gain, and reads it at the frame on air', () => {
    const c = new LoudnessControl(profile, settings())
    // Mastered at -14: a gain of -9 dB.
    run(c, 0, 150, -14, slot('a', -9))
    const l = c.levels(149)!
    expect(l.momentary).toBeCloseTo(-23, 0)
    expect(l.shortTerm).toBeCloseTo(-23, 0)
    expect(l.integrated).toBeCloseTo(-23, 0)
    expect(l).toMatchObject({ gainDb: -9, measured: true, targetLufs: -23, limiterDb: 0 })
    expect(l.truePeak).toBeCloseTo(-23, 0)
  })

  it('an unmeasured item airs at 0 dB and says so, to its end even once a gain arrives; the next item takes its gain', () => {
    const c = new LoudnessControl(profile, settings())
    run(c, 0, 60, -20, slot('a', null))
    expect(c.levels(59)).toMatchObject({ gainDb: 0, measured: false })
    expect(c.levels(59)!.momentary).toBeCloseTo(-20, 0)
    run(c, 60, 120, -20, slot('a', -3))
    expect(c.levels(119)).toMatchObject({ gainDb: 0, measured: false })
    run(c, 120, 180, -20, slot('b', -3))
    expect(c.levels(179)).toMatchObject({ gainDb: -3, measured: true })
    expect(c.levels(179)!.momentary).toBeCloseTo(-23, 0)
    // The integrated reading is the new item's alone.
    expect(c.levels(179)!.integrated).toBeCloseTo(-23, 0)
  })

  it('a new target reaches the measured item on air at once; off applies no gain', () => {
    const c = new LoudnessControl(profile, settings())
    run(c, 0, 30, -20, slot('a', -3))
    run(c, 30, 90, -20, slot('a', -4))
    expect(c.levels(89)).toMatchObject({ gainDb: -4 })
    c.configure(settings({ standard: 'off' }))
    run(c, 90, 120, -20, slot('a', -4))
    expect(c.levels(119)).toMatchObject({ gainDb: 0 })
  })

  it('raises LOUD after the set time more than the margin over the target, clears it once back, dated on its frames', () => {
    const c = new LoudnessControl(profile, settings())
    // -14 LUFS unmeasured (0 dB): 9 LU over for 10 s (300 frames) raises, dated when it began.
    run(c, 0, 400, -14, slot('a', null))
    const raised = c.due(400)
    expect(raised).toHaveLength(1)
    expect(raised[0]).toMatchObject({ kind: 'loud', active: true })
    expect(raised[0]!.atFrame).toBeLessThan(100)
    expect(raised[0]!.dueFrame - raised[0]!.atFrame).toBeGreaterThanOrEqual(300)
    // Held until the frame it concerns is on air.
    run(c, 400, 700, -23, slot('b', 0))
    expect(c.due(400)).toEqual([])
    const cleared = c.due(700)
    expect(cleared).toHaveLength(1)
    expect(cleared[0]).toMatchObject({ kind: 'loud', active: false })
  })

  it('raises QUIET for a quiet item, never for silence, a slate or a card', () => {
    const c = new LoudnessControl(profile, settings())
    run(c, 0, 400, null, slot('a', 0))
    run(c, 400, 800, -35, slot('b', 0), false)
    expect(c.due(800)).toEqual([])
    run(c, 800, 1200, -35, slot('c', 0))
    expect(c.due(1200)).toMatchObject([{ kind: 'quiet', active: true }])
  })

  it('raises nothing with the alarm or loudness control off', () => {
    for (const s of [
      settings({ alarm: { enabled: false, marginLu: 5, durationMs: 10_000 } }),
      settings({ standard: 'off' })
    ]) {
      const c = new LoudnessControl(profile, s)
      run(c, 0, 400, -10, slot('a', null))
      expect(c.due(400)).toEqual([])
    }
  })
})
