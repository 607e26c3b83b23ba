// The loudness gain and true-peak limiter: whatever the gain, the output's true peak (measured as
// BS.1770-4 Annex 2 does) stays at or under the ceiling, and sound under it passes untouched.
import { describe, expect, it } from 'vitest'
import { TruePeakLimiter } from '../../src/playout/limiter'
import { LoudnessMeter } from '../../src/playout/loudness-meter'

const RATE = 48_000

function stereo(n: number, fn: (i: number) => number): Buffer {
  const out = Buffer.alloc(n * 4)
  for (let i = 0; i < n; i++) {
    const v = Math.max(-32767, Math.min(32767, Math.round(fn(i) * 32767)))
    out.writeInt16LE(v, i * 4)
    out.writeInt16LE(-v, i * 4 + 2)
  }
  return out
}

/** Runs the limiter over `pcm` in 1600-sample frames; returns the output and its true peak. */
function run(
  limiter: TruePeakLimiter,
  pcm: Buffer,
  gainDb: number
): { out: Buffer; truePeak: number } {
  const meter = new LoudnessMeter(RATE, 2)
  const parts: Buffer[] = []
  for (let at = 0; at < pcm.length; at += 6400) {
    const o = limiter.process(pcm.subarray(at, Math.min(pcm.length, at + 6400)), gainDb)
    meter.write(o)
    parts.push(o)
  }
  return { out: Buffer.concat(parts), truePeak: meter.takeTruePeak() }
}

describe('true-peak limiter', () => {
  it('holds a 12 kHz tone at 45 degrees (inter-sample peaks 3 dB over its samples), brought up 12 dB, under -1 dBTP', () => {
    const l = new TruePeakLimiter(RATE, 2, -1)
    const tone = stereo(
      RATE * 2,
      (i) => 0.5 * Math.sin((2 * Math.PI * 12_000 * i) / RATE + Math.PI / 4)
    )
    const { truePeak } = run(l, tone, 12)
    expect(truePeak).toBeLessThanOrEqual(-1 + 0.05)
    expect(truePeak).toBeGreaterThan(-2)
  })

  it('holds clicks and bursts on a quiet bed, brought up 20 dB, under -2 dBTP', () => {
    const l = new TruePeakLimiter(RATE, 2, -2)
    let seed = 7
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1
    const pcm = stereo(
      RATE * 3,
      (i) =>
        0.02 * noise() +
        (i % 9000 < 40 ? 0.9 * Math.sign(Math.sin(i)) : 0) +
        (i % 24_000 > 20_000 ? 0.3 * Math.sin(i / 3) : 0)
    )
    const { truePeak } = run(l, pcm, 20)
    expect(truePeak).toBeLessThanOrEqual(-2 + 0.05)
  })

  it('passes sound under the ceiling unchanged, delayed by the look-ahead, at the gain asked', () => {
    const l = new TruePeakLimiter(RATE, 2, -1)
    const tone = stereo(RATE, (i) => 0.1 * Math.sin((2 * Math.PI * 440 * i) / RATE))
    const { out } = run(l, tone, -6)
    expect(l.takeReductionDb()).toBe(0)
    const half = Math.pow(10, -6 / 20)
    for (const i of [1000, 12_345, 40_000]) {
      const want = Math.round(tone.readInt16LE((i - l.delay) * 4) * half)
      expect(Math.abs(out.readInt16LE(i * 4) - want)).toBeLessThanOrEqual(1)
    }
    expect(l.delay).toBeLessThan(RATE * 0.006)
  })

  it('reports the gain reduction it applied', () => {
    const l = new TruePeakLimiter(RATE, 2, -1)
    run(
      l,
      stereo(RATE, (i) => 0.9 * Math.sin((2 * Math.PI * 1000 * i) / RATE)),
      6
    )
    expect(l.takeReductionDb()).toBeLessThan(-5)
    expect(l.takeReductionDb()).toBe(0)
  })
})
