// The shared playlist's segment names: `<run>-<seq>.ts`, a run per timeline, found only by the run
// and a sequence number the timeline still remembers; the same window as a session's playlist.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ChannelTimeline, parseSharedSegment } from '../../src/server/timeline'
import { tempDir } from '../helpers/tmp'
import { syntheticSegment } from '../helpers/ts-segment'

const dirs: Array<ReturnType<typeof tempDir>> = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

/** An output folder (id `id`) whose playlist lists seg-<from>..seg-<to>. */
function output(id: string, from: number, to: number) {
  const t = tempDir()
  dirs.push(t)
  const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:2']
  for (let i = from; i <= to; i++) {
    lines.push('#EXTINF:2.000000,', `seg-${i}.ts`)
    fs.writeFileSync(path.join(t.dir, `seg-${i}.ts`), syntheticSegment(2))
  }
  const playlist = path.join(t.dir, 'index.m3u8')
  fs.writeFileSync(playlist, `${lines.join('\n')}\n`)
  return { kind: 'hls' as const, id, dir: t.dir, playlist }
}

describe('ChannelTimeline shared segment names', () => {
  it('names segments <run>-<seq>.ts across outputs, with the session playlist\u2019s window and discontinuities', () => {
    const timeline = new ChannelTimeline(() => Date.now())
    expect(timeline.run).toMatch(/^[A-Za-z0-9_-]{8}$/)
    timeline.refresh(output('aaaa0001-normal-1-0a0b0c', 0, 2))
    expect(
      timeline
        .sharedPlaylist()
        .split('\n')
        .filter((l) => l.endsWith('.ts'))
    ).toEqual([0, 1, 2].map((seq) => `${timeline.run}-${seq}.ts`))
    // A new output (the channel restarted): the numbers go on, the window moves to it, keeping
    // the earlier output's last segment so that it lasts three target durations (RFC 8216 6.2.2).
    timeline.refresh(output('aaaa0001-normal-2-0d0e0f', 0, 1))
    const shared = timeline.sharedPlaylist()
    const own = timeline.playlist()
    // Same tags, only the URIs differ.
    expect(shared.split('\n').filter((l) => l.startsWith('#'))).toEqual(
      own.split('\n').filter((l) => l.startsWith('#'))
    )
    expect(shared).toContain('#EXT-X-DISCONTINUITY\n')
    const names = shared.split('\n').filter((l) => l.endsWith('.ts'))
    expect(names).toEqual([2, 3, 4].map((seq) => `${timeline.run}-${seq}.ts`))
    const restarted = timeline.findShared(timeline.run, 3)!
    expect([restarted.outputId, restarted.file]).toEqual(['aaaa0001-normal-2-0d0e0f', 'seg-0.ts'])
    expect(timeline.sharedName(restarted)).toBe(names[1])
    // The earlier output's segments are still found while remembered.
    expect(timeline.findShared(timeline.run, 1)?.outputId).toBe('aaaa0001-normal-1-0a0b0c')
  })

  it('finds an entry only by its own run and a remembered seq', () => {
    const timeline = new ChannelTimeline(() => Date.now())
    const other = new ChannelTimeline(() => Date.now())
    expect(other.run).not.toBe(timeline.run)
    timeline.refresh(output('p1', 0, 3))
    expect(timeline.findShared(timeline.run, 2)?.file).toBe('seg-2.ts')
    expect(timeline.findShared(other.run, 2)).toBeUndefined()
    expect(timeline.findShared(timeline.run, 4)).toBeUndefined()
    // Far more segments than it remembers: the first ones are forgotten.
    timeline.refresh(output('p1', 4, 60))
    // One output goes on (across a hand-over from producer to producer too): no discontinuity.
    expect(timeline.playlist()).not.toContain('DISCONTINUITY\n')
    expect(timeline.findShared(timeline.run, 0)).toBeUndefined()
    expect(timeline.findShared(timeline.run, 60)?.file).toBe('seg-60.ts')
  })

  it('parses only the exact name form', () => {
    expect(parseSharedSegment('Ab-_x9Zq-17.ts')).toEqual({ run: 'Ab-_x9Zq', seq: 17 })
    expect(parseSharedSegment('Ab-_x9Zq-0.ts')).toEqual({ run: 'Ab-_x9Zq', seq: 0 })
    for (const bad of [
      'Ab-_x9Zq-017.ts',
      'Ab-_x9Zq-1.ts.ts',
      'Ab-_x9Z-1.ts',
      'Ab-_x9Zq-.ts',
      '../Ab-_x9Zq-1.ts',
      'Ab-_x9Zq-1.m3u8',
      'Ab-_x9Zq--1.ts',
      'Ab-_x9Zq-1e3.ts',
      'seg-1.ts',
      'Ab-_x9Zq-9999999999999999.ts'
    ]) {
      expect(parseSharedSegment(bad), bad).toBeNull()
    }
  })

  it('never lists a segment the encoder did not write whole (empty, cut mid-packet, pictures cut short), and reports each once', () => {
    const t = tempDir()
    dirs.push(t)
    const whole = syntheticSegment(1)
    const files: Record<string, Buffer> = {
      'seg-0.ts': whole,
      'seg-1.ts': Buffer.alloc(0),
      'seg-2.ts': whole.subarray(0, 4096),
      // A whole number of packets, but only the first half of the pictures.
      'seg-3.ts': whole.subarray(0, 188 * 15),
      'seg-4.ts': whole
    }
    const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:1']
    for (const [name, data] of Object.entries(files)) {
      fs.writeFileSync(path.join(t.dir, name), data)
      lines.push('#EXTINF:1.000000,', name)
    }
    const playlist = path.join(t.dir, 'index.m3u8')
    fs.writeFileSync(playlist, `${lines.join('\n')}\n`)
    const reported: string[] = []
    const timeline = new ChannelTimeline(
      () => Date.now(),
      (file, problem) => reported.push(`${file}: ${problem}`)
    )
    const endpoint = { kind: 'hls' as const, id: 'p1', dir: t.dir, playlist }
    timeline.refresh(endpoint)
    timeline.refresh(endpoint)
    expect(
      timeline
        .playlist()
        .split('\n')
        .filter((l) => l.endsWith('.ts'))
    ).toEqual(['p1/seg-0.ts', 'p1/seg-4.ts'])
    // The hole is marked: a player does not splice seg-4 onto seg-0 as if nothing were missing.
    expect(timeline.playlist()).toContain('#EXT-X-DISCONTINUITY\n#EXTINF:1.000000,\np1/seg-4.ts')
    expect(reported).toEqual([
      'seg-1.ts: it is empty',
      'seg-2.ts: its 4096 bytes are not a whole number of 188-byte packets',
      'seg-3.ts: its pictures span 0.47 s of the 1.00 s listed'
    ])
    expect(timeline.find('p1', 'seg-4.ts')?.bytes).toBe(whole.length)
  })
})

describe('ChannelTimeline live window', () => {
  /** An output whose playlist lists the given durations as seg-<first>..; each segment aired at t0 + its index seconds. */
  function listed(id: string, durations: number[], first = 0, t0 = 0) {
    const t = tempDir()
    dirs.push(t)
    const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:1']
    durations.forEach((d, i) => {
      lines.push(`#EXTINF:${d.toFixed(6)},`, `seg-${first + i}.ts`)
      fs.writeFileSync(path.join(t.dir, `seg-${first + i}.ts`), syntheticSegment(d))
    })
    const playlist = path.join(t.dir, 'index.m3u8')
    fs.writeFileSync(playlist, `${lines.join('\n')}\n`)
    const segmentStartMs = (file: string) => t0 + Number(/\d+/.exec(file)![0]) * 1000
    return { kind: 'hls' as const, id, dir: t.dir, playlist, segmentStartMs }
  }
  const seconds = (playlist: string) =>
    playlist
      .split('\n')
      .filter((l) => l.startsWith('#EXTINF:'))
      .reduce((sum, l) => sum + Number.parseFloat(l.slice(8)), 0)

  it('never lasts less than three target durations across a restart, its sequences never going back', () => {
    const timeline = new ChannelTimeline(() => Date.now())
    timeline.refresh(listed('p1', [0.33, 1, 1, 1, 1, 1, 1, 1]))
    const before = timeline.playlist()
    expect(seconds(before)).toBe(6)
    // The restarted output's first segment is a third of one: the earlier output's last stay listed.
    // (It airs after the first: a restart's segments dated within the earlier output's are left out.)
    const p2 = [0.33, 1, 1, 1, 1]
    let lastSeq = Number(/MEDIA-SEQUENCE:(\d+)/.exec(before)![1])
    for (let n = 1; n <= p2.length; n++) {
      timeline.refresh(listed('p2', p2.slice(0, n), 0, 8_000))
      const list = timeline.playlist()
      expect(seconds(list), list).toBeGreaterThanOrEqual(3)
      const seq = Number(/MEDIA-SEQUENCE:(\d+)/.exec(list)![1])
      expect(seq).toBeGreaterThanOrEqual(lastSeq)
      lastSeq = seq
      // The splice is marked before the restarted output's first segment while that is listed.
      expect(list.includes('#EXT-X-DISCONTINUITY\n'), list).toBe(list.includes('p2/seg-0.ts'))
      expect(list).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0\n')
    }
    expect(timeline.playlist()).not.toContain('p1/')
    // Once it ages out, the discontinuity is counted before the window.
    timeline.refresh(listed('p2', [0.33, 1, 1, 1, 1, 1, 1, 1], 0, 8_000))
    expect(timeline.playlist()).not.toContain('#EXT-X-DISCONTINUITY\n')
    expect(timeline.playlist()).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1\n')
    expect(timeline.playlist()).toContain('#EXT-X-TARGETDURATION:1\n')
  })

  it('does not list an earlier airing to a viewer tuning in after the channel was off air (no splice into the past)', () => {
    const start = Date.parse('2026-12-07T06:00:00Z')
    const timeline = new ChannelTimeline(() => now)
    timeline.refresh(listed('p1', [0.33, 1, 1, 1, 1, 1, 1, 1], 0, start))
    // Read as its last segment (start + 7 s to + 8 s) airs.
    let now = start + 8_000
    timeline.playlist()
    // Restarted a second later while players read the playlist: the earlier output's last
    // segments stay listed.
    now += 1_000
    timeline.refresh(listed('p2', [0.33], 0, now))
    expect(timeline.playlist()).toContain('p1/seg-7.ts')
    // Nobody read it for longer than three target durations (its viewers gone, the channel off
    // air), then tuned again: only the new airing.
    now += 5_000
    timeline.refresh(listed('p3', [0.33], 0, now))
    const list = timeline.playlist()
    expect(list.split('\n').filter((l) => l.endsWith('.ts'))).toEqual(['p3/seg-0.ts'])
    // Its sequence goes on from the earlier airings' (a player that kept reloading never goes back).
    expect(list).toContain('#EXT-X-MEDIA-SEQUENCE:9\n')
  })

  it('dates every segment by the station clock at its first frame, in the lowest version its tags need', () => {
    const timeline = new ChannelTimeline(() => Date.now())
    const t0 = Date.parse('2026-12-07T06:00:00Z')
    timeline.refresh(listed('p1', [1, 1, 1], 5, t0))
    const list = timeline.playlist()
    expect(list).toContain('#EXT-X-VERSION:3\n')
    expect(list).toContain(
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-07T06:00:07.000Z\n#EXTINF:1.000000,\np1/seg-7.ts'
    )
    expect(list.match(/#EXT-X-PROGRAM-DATE-TIME:/g)).toHaveLength(3)
  })
})
