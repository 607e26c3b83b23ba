// The splicer that keeps the continuous .ts one stream across an output restart: two real ffmpeg
// outputs (each starting its timeline and continuity counters over, as a restarted encoder does)
// spliced one after the other read by ffmpeg with no error, PTS only forward, every PID's
// continuity counter running on; the raw concatenation of the same two (what the .ts sent before)
// makes ffmpeg complain.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TsSplicer, tsDiff } from '../../src/media/ts-splice'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

interface Scan {
  /** Continuity errors: PID, packet index, expected and found counter. */
  ccErrors: string[]
  pcrs: number[]
  pts: Map<number, number[]>
}

/** Reads a transport stream the way a TR 101 290 probe would: counters, PCRs, PES timestamps. */
function scan(ts: Buffer): Scan {
  const last = new Map<number, number>()
  const out: Scan = { ccErrors: [], pcrs: [], pts: new Map() }
  for (let at = 0; at + 188 <= ts.length; at += 188) {
    expect(ts[at]).toBe(0x47)
    const pid = ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!
    const control = (ts[at + 3]! >> 4) & 3
    const cc = ts[at + 3]! & 15
    if (control & 1) {
      const prev = last.get(pid)
      if (prev !== undefined && cc !== ((prev + 1) & 15))
        out.ccErrors.push(`pid ${pid} packet ${at / 188}: ${(prev + 1) & 15} expected, ${cc}`)
      last.set(pid, cc)
    }
    let p = at + 4
    if (control & 2) {
      if (ts[at + 4]! > 0 && ts[at + 5]! & 0x10) {
        const b = at + 6
        out.pcrs.push(
          ts[b]! * 2 ** 25 +
            (ts[b + 1]! << 17) +
            (ts[b + 2]! << 9) +
            (ts[b + 3]! << 1) +
            (ts[b + 4]! >> 7)
        )
      }
      p += 1 + ts[at + 4]!
    }
    if (ts[at + 1]! & 0x40 && control & 1 && ts[p] === 0 && ts[p + 1] === 0 && ts[p + 2] === 1) {
      const id = ts[p + 3]!
      if (ts[p + 7]! & 0x80) {
        const t = p + 9
        const pts =
          ((ts[t]! >> 1) & 7) * 2 ** 30 +
          (ts[t + 1]! << 22) +
          ((ts[t + 2]! >> 1) << 15) +
          (ts[t + 3]! << 7) +
          (ts[t + 4]! >> 1)
        out.pts.set(id, [...(out.pts.get(id) ?? []), pts])
      }
    }
  }
  return out
}

const increasing = (xs: number[]): boolean =>
  xs.every((x, i) => i === 0 || tsDiff(x, xs[i - 1]!) > 0)

describe('TsSplicer', () => {
  let tmp: ReturnType<typeof tempDir>
  let ffmpeg: string
  let a: Buffer
  let b: Buffer

  /** A 3 s output as the station's encoder makes one: H.264 without B-frames, AAC, MPEG-TS. */
  const output = async (name: string, freq: number, extra: string[] = []): Promise<Buffer> => {
    const file = path.join(tmp.dir, name)
    await execa(ffmpeg, [
      ...['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=30'],
      ...['-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=48000`, '-t', '3'],
      ...['-c:v', 'libx264', '-g', '30', '-bf', '0', '-c:a', 'aac', ...extra, '-f', 'mpegts', file]
    ])
    return fs.readFileSync(file)
  }

  beforeAll(async () => {
    tmp = tempDir('retrovue-splice-')
    ffmpeg = (await getTools()).ffmpeg
    a = await output('a.ts', 440)
    b = await output('b.ts', 880)
  })
  afterAll(() => tmp.cleanup())

  /** ffmpeg's complaints reading `ts`, and its frames' PTS per stream. */
  const read = async (ts: Buffer) => {
    const file = path.join(tmp.dir, 'read.ts')
    fs.writeFileSync(file, ts)
    const r = await execa(
      ffmpeg,
      ['-hide_banner', '-v', 'warning', '-i', file, '-map', '0', '-f', 'framecrc', '-'],
      { reject: false }
    )
    const pts = new Map<string, number[]>()
    for (const line of r.stdout.split('\n').filter((l) => /^\d+,/.test(l))) {
      const [stream, , t] = line.split(',').map((x) => x.trim())
      pts.set(stream!, [...(pts.get(stream!) ?? []), Number(t)])
    }
    return { errors: r.stderr.trim(), pts }
  }

  it('the raw concatenation of two outputs is what readers complained of', () => {
    const raw = scan(Buffer.concat([a, b]))
    expect(raw.ccErrors.length).toBeGreaterThan(0)
    expect(increasing(raw.pcrs)).toBe(false)
    expect(increasing(raw.pts.get(0xe0)!)).toBe(false)
  })

  it('splices a restarted output on: counters continue, PCR and PTS only forward, ffmpeg reads it clean', async () => {
    const s = new TsSplicer()
    const untouched = Buffer.from(a)
    const first = s.push(a)
    s.splice()
    const second = s.push(b)
    const out = Buffer.concat([first, second])
    const sc = scan(out)
    expect(sc.ccErrors).toEqual([])
    expect(increasing(sc.pcrs)).toBe(true)
    for (const [id, list] of sc.pts)
      expect(increasing(list), `stream 0x${id.toString(16)}`).toBe(true)
    // The second output follows on where the first one's picture and sound end: its first picture
    // within an AAC frame (21 ms) of a frame after the first's last, no gap a player would notice.
    const video = sc.pts.get(0xe0)!
    const seam = video.indexOf(scan(second).pts.get(0xe0)![0]!)
    expect(tsDiff(video[seam]!, video[seam - 1]!)).toBeGreaterThanOrEqual(3_000)
    expect(tsDiff(video[seam]!, video[seam - 1]!)).toBeLessThanOrEqual(3_000 + 1_920 * 2)
    const r = await read(out)
    expect(r.errors).toBe('')
    for (const list of r.pts.values()) expect(increasing(list)).toBe(true)
    expect(r.pts.get('0')!.length).toBe(180)
    // The input is left as it was (segments are shared between readers).
    expect(a.equals(untouched)).toBe(true)
    expect(scan(b).pts.get(0xe0)![0]).toBe(scan(a).pts.get(0xe0)![0])
  })

  it('rewrites a segment given away in place, to the same bytes as a copy', () => {
    const copying = new TsSplicer()
    const inPlace = new TsSplicer()
    const want = [copying.push(a), (copying.splice(), copying.push(b))]
    const ownA = Buffer.from(a)
    const ownB = Buffer.from(b)
    const got = [inPlace.push(ownA, true), (inPlace.splice(), inPlace.push(ownB, true))]
    expect(got.map((g, i) => g.equals(want[i]!))).toEqual([true, true])
    // In place: the given buffer is the one rewritten (no copy of its bytes was made).
    expect(ownB.equals(b)).toBe(false)
  })

  it('re-bases across the 33-bit wrap (every 26.5 hours)', async () => {
    // An output whose clock wraps within it, then a restarted one spliced after it.
    const late = await output('late.ts', 440, ['-output_ts_offset', '95442'])
    expect(increasing(scan(late).pts.get(0xe0)!)).toBe(true)
    const s = new TsSplicer()
    const first = s.push(late)
    s.splice()
    const out = Buffer.concat([first, s.push(b)])
    const sc = scan(out)
    expect(sc.ccErrors).toEqual([])
    expect(increasing(sc.pcrs)).toBe(true)
    for (const list of sc.pts.values()) expect(increasing(list)).toBe(true)
  })
})
