// Loudness end to end with real ffmpeg: an item mastered at -14 LUFS and one at -30 LUFS (a quiet
// bed with loud clicks, so that its gain would push peaks far over the ceiling) air back to back;
// the station measures both in the background, and a viewer's own HLS stream, read over HTTP and
// measured by ffmpeg's ebur128, carries each at -23 +-1 LU integrated with no true peak above
// -1 dBTP. The levels event reports the loudness too.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LoudnessMeter } from '../../src/playout/loudness-meter'
import { parseEbur128Summary } from '../../src/media/loudness-analysis'
import type { ChannelLevelsDto } from '../../src/shared/api'
import { Station } from '../../src/station'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { tools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const RATE = 48_000
const ITEM_S = 12

/** A pseudo-random pink-ish noise (white noise through a one-pole low pass and a little of the white). */
function noise(n: number, seed: number): Float64Array {
  const out = new Float64Array(n)
  let s = seed
  let lp = 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff
    const w = s / 0x7fffffff - 0.5
    lp = 0.97 * lp + 0.03 * w
    out[i] = 4 * lp + 0.1 * w
  }
  return out
}

/** Stereo s16le of `left` (right a little different), scaled by `gain`, plus `clicks` added unscaled. */
function pcmOf(left: Float64Array, gain: number, clicks?: (i: number) => number): Buffer {
  const b = Buffer.alloc(left.length * 4)
  for (let i = 0; i < left.length; i++) {
    const c = clicks?.(i) ?? 0
    const l = Math.max(-32767, Math.min(32767, Math.round((left[i]! * gain + c) * 32767)))
    const r = Math.max(
      -32767,
      Math.min(32767, Math.round((left[(i + 37) % left.length]! * gain + c) * 32767))
    )
    b.writeInt16LE(l, i * 4)
    b.writeInt16LE(r, i * 4 + 2)
  }
  return b
}

function integrated(pcm: Buffer): number {
  const m = new LoudnessMeter(RATE, 2)
  m.write(pcm)
  return m.integrated()
}

/** Scales the bed until the whole (clicks included) reads `target` LUFS on our meter. */
function mastered(target: number, seed: number, clicks?: (i: number) => number): Buffer {
  const bed = noise(RATE * ITEM_S, seed)
  let gain = 0.1
  for (let i = 0; i < 4; i++)
    gain *= Math.pow(10, (target - integrated(pcmOf(bed, gain, clicks))) / 20)
  return pcmOf(bed, gain, clicks)
}

function wav(pcm: Buffer): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0)
  h.writeUInt32LE(36 + pcm.length, 4)
  h.write('WAVEfmt ', 8)
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20)
  h.writeUInt16LE(2, 22)
  h.writeUInt32LE(RATE, 24)
  h.writeUInt32LE(RATE * 4, 28)
  h.writeUInt16LE(4, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36)
  h.writeUInt32LE(pcm.length, 40)
  return Buffer.concat([h, pcm])
}

describe("loudness through the station (real ffmpeg, the viewer's HLS stream)", () => {
  const t = tempDir()
  let station: Station
  let ffmpeg: string
  let uuid: string

  /** Encodes a clip: a plain colour (to find the item in the stream) over the sound. */
  const clip = (name: string, colour: string, pcm: Buffer) => {
    const audio = path.join(t.dir, `${name}.wav`)
    fs.writeFileSync(audio, wav(pcm))
    const file = path.join(t.dir, `${name}.mp4`)
    execFileSync(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `color=c=${colour}:s=640x360:r=30:d=${ITEM_S}`,
      '-i',
      audio,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-shortest',
      file
    ])
    return file
  }

  /** ffmpeg's ebur128 summary of `seconds` of the file's sound from `from`. */
  const ebur128 = (file: string, from: number, seconds: number) =>
    parseEbur128Summary(
      spawnSync(
        ffmpeg,
        [
          '-nostats',
          '-hide_banner',
          '-ss',
          String(from),
          '-t',
          String(seconds),
          '-i',
          file,
          '-map',
          '0:a:0',
          '-af',
          'ebur128=peak=true:framelog=verbose',
          '-f',
          'null',
          '-'
        ],
        { encoding: 'utf8' }
      ).stderr
    )

  beforeAll(async () => {
    ffmpeg = (await tools()).ffmpeg
    // -14 LUFS of noise; -30 LUFS of a quiet bed with a click at -1 dBFS every 3 s: brought up 7 dB it
    // would peak at +6 dBFS. (Short enough to be no part of the loudness: what a limiter takes off a
    // loud transient is loudness lost.)
    const loud = clip('loud', 'red', mastered(-14, 11))
    const quiet = clip(
      'quiet',
      'blue',
      mastered(-30, 29, (i) =>
        i % (RATE * 3) < 12 ? 0.89 * Math.sin((2 * Math.PI * 3000 * i) / RATE) : 0
      )
    )
    const file = path.join(t.dir, 'station.json')
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'mixed',
            name: 'Mixed',
            timezone: 'UTC',
            loop: {
              epoch: '2026-01-01T00:00:00Z',
              items: [
                { title: 'Loud', asset: loud, durationMs: ITEM_S * 1000 },
                { title: 'Quiet', asset: quiet, durationMs: ITEM_S * 1000 }
              ]
            }
          }
        ]
      })
    )
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: file,
      logger: silentLogger,
      sessionTimeoutMs: 300_000
    })
    uuid = station.store.channels.listActive()[0]!.uuid
  })

  afterAll(async () => {
    await station?.close()
    t.cleanup()
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  it('airs a -14 and a -30 LUFS item back to back at -23 +-1 LU each, no true peak above -1 dBTP', async () => {
    // The analysis runs in the background after the import: both files are measured once.
    await expect.poll(() => station.loudnessAnalysis.pending().length, { timeout: 60_000 }).toBe(0)
    await station.loudnessAnalysis.idle()
    const measured = station.store.db
      .prepare('SELECT integrated_lufs AS lufs FROM asset_loudness ORDER BY path')
      .all() as Array<{ lufs: number }>
    // As mastered, give or take what the AAC encoding of the files changed.
    expect(Math.abs(measured[0]!.lufs - -14)).toBeLessThanOrEqual(1)
    expect(Math.abs(measured[1]!.lufs - -30)).toBeLessThanOrEqual(1)

    const base = await station.listen('127.0.0.1', 0)
    const levels: ChannelLevelsDto[] = []
    const off = station.api.subscribe((e) => {
      if (e.type === 'levels') levels.push(...e.channels)
    })
    const viewer = await station.api.attach(uuid, 'viewer')
    // Read the stream as a viewer does (its playlist every 0.4 s), until the capture holds two whole
    // items of each kind: the one joined in progress, four whole ones and a second of the next.
    const capture = path.join(t.dir, 'capture.ts')
    const seen = new Set<string>()
    const wantMs = (5 * ITEM_S + 1) * 1000
    let heldMs = 0
    await until(
      `the capture holds ${wantMs} ms`,
      wantMs + 30_000,
      async () => {
        const playlist = await (await fetch(`${base}${viewer.streamUrl}`)).text()
        let durationMs = NaN
        for (const name of playlist.split('\n')) {
          const inf = /^#EXTINF:([\d.]+)/.exec(name)
          if (inf) durationMs = Number(inf[1]) * 1000
          if (!name.endsWith('.ts') || seen.has(name)) continue
          const res = await fetch(`${base}${viewer.streamUrl.replace('index.m3u8', name)}`)
          if (res.status !== 200) continue
          seen.add(name)
          fs.appendFileSync(capture, Buffer.from(await res.arrayBuffer()))
          heldMs += durationMs
        }
        return heldMs >= wantMs ? true : undefined
      },
      400
    )
    off()

    // Where each item is in the capture: its colour, 10 pictures a second.
    const rgb = execFileSync(
      ffmpeg,
      [
        '-v',
        'error',
        '-i',
        capture,
        '-vf',
        'fps=10,scale=1:1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-'
      ],
      { maxBuffer: 1 << 26 }
    )
    const colour: Array<'red' | 'blue' | 'other'> = []
    for (let i = 0; i + 2 < rgb.length; i += 3)
      colour.push(
        rgb[i]! > 150 && rgb[i + 2]! < 100
          ? 'red'
          : rgb[i + 2]! > 150 && rgb[i]! < 100
            ? 'blue'
            : 'other'
      )
    const runs: Array<{ colour: string; from: number; to: number }> = []
    colour.forEach((c, i) => {
      const last = runs.at(-1)
      if (last && last.colour === c) last.to = (i + 1) / 10
      else runs.push({ colour: c, from: i / 10, to: (i + 1) / 10 })
    })
    // Whole items only (not the one joined in progress, not the last one cut by the end of the capture).
    const whole = runs
      .slice(1, -1)
      .filter((r) => r.colour !== 'other' && r.to - r.from >= ITEM_S - 0.5)
    expect(whole.map((r) => r.colour)).toContain('red')
    expect(whole.map((r) => r.colour)).toContain('blue')
    for (const r of whole) {
      const m = ebur128(capture, r.from + 0.1, r.to - r.from - 0.2)
      expect(
        Math.abs(m.integratedLufs! - -23),
        `${r.colour} item at ${r.from} s: ${m.integratedLufs} LUFS`
      ).toBeLessThanOrEqual(1)
    }
    // True peak of everything the viewer got.
    const all = ebur128(capture, 0, 3600)
    expect(all.truePeakDbtp!, `true peak ${all.truePeakDbtp} dBTP`).toBeLessThanOrEqual(-1)

    // The levels event carried the loudness of what aired: measured items, their gain, the target.
    const metered = levels.filter((l) => l.uuid === uuid && l.loudness)
    expect(metered.length).toBeGreaterThan(50)
    expect(metered.every((l) => l.loudness!.measured && l.loudness!.targetLufs === -23)).toBe(true)
    expect(new Set(metered.map((l) => l.loudness!.gainDb))).toEqual(
      new Set(measured.map((m) => Math.round((-23 - m.lufs) * 10) / 10))
    )
    expect(Math.max(...metered.map((l) => l.loudness!.truePeak))).toBeLessThanOrEqual(-1)
    const shortTerms = metered.map((l) => l.loudness!.shortTerm).slice(60)
    expect(
      Math.abs(shortTerms.reduce((a, b) => a + b, 0) / shortTerms.length - -23)
    ).toBeLessThanOrEqual(1.5)
    await station.api.detach(viewer.sessionId)
  }, 180_000)
})
