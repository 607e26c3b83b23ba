// The BS.1770 meter against the EBU's conformance signals (Tech 3341 for loudness and true peak,
// Tech 3342 for loudness range), generated here in JS as the documents specify them.
import { describe, expect, it } from 'vitest'
import { kWeighting, LoudnessMeter, TruePeakDetector } from '../../src/playout/loudness-meter'

const RATE = 48_000

/** Stereo s16le: a sine at `dbfs` peak (both channels in phase) for `seconds`. */
function sine(dbfs: number, seconds: number, freq = 1000, phase = 0): Buffer {
  const n = Math.round(seconds * RATE)
  const a = 32767 * Math.pow(10, dbfs / 20)
  const out = Buffer.alloc(n * 4)
  for (let i = 0; i < n; i++) {
    const v = Math.round(a * Math.sin((2 * Math.PI * freq * i) / RATE + phase))
    out.writeInt16LE(v, i * 4)
    out.writeInt16LE(v, i * 4 + 2)
  }
  return out
}

/** Writes in 1600-sample chunks (one 30 fps frame), as the engine does. */
function feed(meter: LoudnessMeter, pcm: Buffer): void {
  for (let at = 0; at < pcm.length; at += 1600 * 4)
    meter.write(pcm.subarray(at, Math.min(pcm.length, at + 1600 * 4)))
}

const sequence = (parts: Array<[number, number]>) =>
  Buffer.concat(parts.map(([db, s]) => sine(db, s)))

describe('loudness meter (BS.1770-4)', () => {
  it('reads a 1 kHz stereo sine at -23 dBFS as -23.0 LUFS momentary, short-term and integrated (Tech 3341 case 1)', () => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sine(-23, 20))
    expect(Math.abs(m.momentary() - -23)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(m.shortTerm() - -23)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(m.integrated() - -23)).toBeLessThanOrEqual(0.1)
  })

  it('reads -33 dBFS as -33.0 LUFS (case 2)', () => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sine(-33, 20))
    expect(Math.abs(m.momentary() - -33)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(m.shortTerm() - -33)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(m.integrated() - -33)).toBeLessThanOrEqual(0.1)
  })

  it.each([
    [
      'case 3: -36, -23, -36 dBFS for 10, 60, 10 s (relative gate)',
      [
        [-36, 10],
        [-23, 60],
        [-36, 10]
      ]
    ],
    [
      'case 4: -72, -36, -23, -36, -72 dBFS (absolute and relative gates)',
      [
        [-72, 10],
        [-36, 10],
        [-23, 60],
        [-36, 10],
        [-72, 10]
      ]
    ],
    [
      'case 5: -26, -20, -26 dBFS for 20, 20.1, 20 s',
      [
        [-26, 20],
        [-20, 20.1],
        [-26, 20]
      ]
    ]
  ] as Array<[string, Array<[number, number]>]>)('integrates %s to -23.0 LUFS', (_name, parts) => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sequence(parts))
    expect(Math.abs(m.integrated() - -23)).toBeLessThanOrEqual(0.1)
  })

  it('short-term reads -23.0 LUFS on 3 s of tone bursts of -20 and -30 dBFS (case 9: 1.34 s / 1.66 s)', () => {
    const m = new LoudnessMeter(RATE, 2)
    // Five bursts; short-term read at the end of each 3 s period.
    for (let i = 0; i < 5; i++) {
      feed(
        m,
        sequence([
          [-20, 1.34],
          [-30, 1.66]
        ])
      )
      expect(Math.abs(m.shortTerm() - -23)).toBeLessThanOrEqual(0.1)
    }
  })

  it('momentary reads -23.0 LUFS on 400 ms of -20 / -30 dBFS bursts (case 12: 0.18 s / 0.22 s)', () => {
    const m = new LoudnessMeter(RATE, 2)
    for (let i = 0; i < 10; i++) {
      feed(
        m,
        sequence([
          [-20, 0.18],
          [-30, 0.22]
        ])
      )
      expect(Math.abs(m.momentary() - -23)).toBeLessThanOrEqual(0.1)
    }
  })

  it('reads silence and the start of an item as the floor, not NaN', () => {
    const m = new LoudnessMeter(RATE, 2)
    expect(m.integrated()).toBe(-120)
    feed(m, Buffer.alloc(RATE * 4))
    expect(m.momentary()).toBe(-120)
    expect(m.integrated()).toBe(-120)
  })

  it('integrates per item: startItem forgets the previous item', () => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sine(-14, 10))
    m.startItem()
    feed(m, sine(-30, 10))
    expect(Math.abs(m.integrated() - -30)).toBeLessThanOrEqual(0.1)
  })

  it('derives K-weighting for 48 kHz as BS.1770 tabulates it', () => {
    const [shelf, hp] = kWeighting(48_000)
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 6)
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 6)
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 6)
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 6)
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 6)
    expect(hp.a1).toBeCloseTo(-1.99004745483398, 6)
    expect(hp.a2).toBeCloseTo(0.99007225036621, 6)
  })

  it('reads a 1 kHz sine at -23 dBFS at 44.1 kHz as -23.0 LUFS too', () => {
    const m = new LoudnessMeter(44_100, 2)
    const n = 44_100 * 5
    const pcm = Buffer.alloc(n * 4)
    for (let i = 0; i < n; i++) {
      const v = Math.round(
        32767 * Math.pow(10, -23 / 20) * Math.sin((2 * Math.PI * 1000 * i) / 44_100)
      )
      pcm.writeInt16LE(v, i * 4)
      pcm.writeInt16LE(v, i * 4 + 2)
    }
    m.write(pcm)
    expect(Math.abs(m.momentary() - -23)).toBeLessThanOrEqual(0.1)
  })
})

describe('true peak (BS.1770-4 Annex 2, Tech 3341 cases 15-19 tolerance +0.2 / -0.4 dB)', () => {
  // A sine at fs/4 sampled 45 degrees off its crests: every sample is 3 dB below the true peak.
  it.each([
    ['12 kHz at 45 degrees, true peak -6 dBTP (samples at -9 dBFS)', 12_000, Math.PI / 4, -6],
    ['1 kHz in phase, true peak -6 dBTP', 1000, 0, -6],
    ['9.6 kHz, true peak -3 dBTP', 9600, 0.3, -3],
    ['19.2 kHz, true peak -1 dBTP', 19_200, 0.5, -1]
  ] as Array<[string, number, number, number]>)('%s', (_name, freq, phase, expected) => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sine(expected, 2, freq, phase))
    const tp = m.takeTruePeak()
    expect(tp).toBeLessThanOrEqual(expected + 0.2)
    expect(tp).toBeGreaterThanOrEqual(expected - 0.4)
  })

  it('finds the inter-sample peak that the samples miss', () => {
    const d = new TruePeakDetector()
    const x = Float64Array.from(
      { length: 480 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 12_000 * i) / RATE + Math.PI / 4)
    )
    const samplePeak = Math.max(...x.map(Math.abs))
    expect(20 * Math.log10(samplePeak)).toBeCloseTo(-9.03, 1)
    expect(20 * Math.log10(d.peak(x, x.length))).toBeGreaterThan(-6.4)
  })
})

describe('loudness range (EBU Tech 3342)', () => {
  it.each([
    [
      'case 1: -20 then -30 dBFS, 20 s each, reads 10 LU +-1',
      [
        [-20, 20],
        [-30, 20]
      ],
      10
    ],
    [
      'case 2: -20 then -15 dBFS reads 5 LU +-1',
      [
        [-20, 20],
        [-15, 20]
      ],
      5
    ],
    [
      'case 3: -40 then -20 dBFS reads 20 LU +-1',
      [
        [-40, 20],
        [-20, 20]
      ],
      20
    ],
    [
      'case 4: -50, -35, -20, -35, -50 dBFS reads 15 LU +-1',
      [
        [-50, 20],
        [-35, 20],
        [-20, 20],
        [-35, 20],
        [-50, 20]
      ],
      15
    ]
  ] as Array<[string, Array<[number, number]>, number]>)('%s', (_name, parts, lra) => {
    const m = new LoudnessMeter(RATE, 2)
    feed(m, sequence(parts))
    expect(Math.abs(m.loudnessRange() - lra)).toBeLessThanOrEqual(1)
  })
})
