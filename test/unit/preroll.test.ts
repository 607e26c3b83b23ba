// A new output's pre-roll (playout/preroll.ts): how long it is, what the as-run hears of the slots
// that begin in it, and that a restarted output's pre-roll never takes the channel's timeline back
// in time (server/timeline.ts).
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { segmentStartFrame } from '../../src/media/commands'
import { PROFILES } from '../../src/media/profiles'
import { PrerollReports, prerollFrames } from '../../src/playout/preroll'
import type { Slot } from '../../src/playout/slot-cursor'
import { ChannelTimeline } from '../../src/server/timeline'
import { tempDir } from '../helpers/tmp'
import { syntheticSegment } from '../helpers/ts-segment'

const slot = (key: string): Slot => ({ key, startFrame: 0, endFrame: 1, open: () => null as never })

function recorder() {
  const told: string[] = []
  return {
    told,
    events: {
      began: (s: Slot, atMs: number, slate: boolean) =>
        told.push(`began ${s.key} ${atMs} ${slate}`),
      ended: (s: Slot, atMs: number, outcome: string) =>
        told.push(`ended ${s.key} ${atMs} ${outcome}`),
      alarm: (s: Slot, kind: string) => told.push(`alarm ${s.key} ${kind}`)
    }
  }
}

describe('pre-roll', () => {
  it('lasts whole segments adding up to three target durations at least', () => {
    const p = PROFILES['360p']
    // 1 s segments at 30 fps: the first is a third (10 frames), then 30 each: 0.33 + 3 x 1 s.
    expect(prerollFrames(p, 1)).toBe(100)
    expect(prerollFrames(p, 1)).toBe(segmentStartFrame(4, p, 1))
    expect(prerollFrames(p, 2) / p.fps).toBeGreaterThanOrEqual(6)
  })

  it('reports a slot begun in the pre-roll as beginning on air, and not one that ended in it', () => {
    const r = recorder()
    const reports = new PrerollReports(1_000, () => r.events)
    const [tail, item, next] = [slot('tail'), slot('item'), slot('next')]
    reports.began(tail, 0, false)
    reports.alarm(tail, 'media-missing', 'x')
    reports.ended(tail, 400, 'aired')
    reports.began(item, 400, true)
    expect(r.told).toEqual(['alarm tail media-missing'])
    reports.onAir()
    reports.ended(item, 5_000, 'aired')
    reports.began(next, 5_000, false)
    expect(r.told).toEqual([
      'alarm tail media-missing',
      'began item 1000 true',
      'ended item 5000 aired',
      'began next 5000 false'
    ])
  })

  it('reports a slot that ends at the air frame as never aired, one that ends after it from air time', () => {
    const r = recorder()
    const reports = new PrerollReports(1_000, () => r.events)
    const [a, c] = [slot('a'), slot('c')]
    reports.began(a, 0, false)
    reports.ended(a, 1_000, 'aired')
    reports.began(slot('b'), 1_000, false)
    expect(r.told).toEqual(['began b 1000 false'])
    const r2 = recorder()
    const late = new PrerollReports(1_000, () => r2.events)
    late.began(c, 0, false)
    late.ended(c, 1_200, 'partial')
    expect(r2.told).toEqual(['began c 1000 false', 'ended c 1200 partial'])
  })

  it('passes every report as it is without a pre-roll', () => {
    const r = recorder()
    const reports = new PrerollReports(null, () => r.events)
    const a = slot('a')
    reports.began(a, 0, false)
    reports.ended(a, 10, 'aired')
    expect(r.told).toEqual(['began a 0 false', 'ended a 10 aired'])
  })
})

describe('a restarted output with a pre-roll in the channel timeline', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = []
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

  /** Output `id` listing 1 s segments from..to, its segment n dated t0Ms + n s. */
  function output(id: string, t0Ms: number, from: number, to: number) {
    const t = tempDir()
    dirs.push(t)
    const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:1']
    for (let i = from; i <= to; i++) {
      lines.push('#EXTINF:1.000000,', `seg-${i}.ts`)
      fs.writeFileSync(path.join(t.dir, `seg-${i}.ts`), syntheticSegment(1))
    }
    const playlist = path.join(t.dir, 'index.m3u8')
    fs.writeFileSync(playlist, `${lines.join('\n')}\n`)
    const segmentStartMs = (f: string) => t0Ms + Number(/seg-(\d+)/.exec(f)![1]) * 1000
    return { kind: 'hls' as const, id, dir: t.dir, playlist, segmentStartMs }
  }

  it('leaves out the segments that repeat seconds listed already', () => {
    const timeline = new ChannelTimeline(() => Date.now())
    timeline.refresh(output('first', 0, 0, 9))
    // Restarted at 10 s with a 4 s pre-roll: its seg 0-3 (6-10 s) were listed by the first output.
    const restarted = output('second', 6_000, 0, 5)
    timeline.refresh(restarted)
    const dates = [...timeline.playlist().matchAll(/PROGRAM-DATE-TIME:(\S+)/g)].map((m) =>
      Date.parse(m[1]!)
    )
    for (let i = 1; i < dates.length; i++) expect(dates[i]!).toBeGreaterThan(dates[i - 1]!)
    expect(timeline.playlist()).toContain('second/seg-4.ts')
    expect(timeline.playlist()).not.toContain('second/seg-3.ts')
  })
})
