// The copy producer with real ffmpeg (issue 28, point 2): numbered clips made into renditions by
// the conform command, a channel joined mid-item and played across item boundaries by remuxing
// them. What it puts out is one stream (no discontinuity, video PTS one frame apart throughout,
// sound always moving forward), every frame the one the schedule says (the frame code of each
// item's first frame on its scheduled frame), segments cut on the renditions' GOPs, the join at
// most one GOP early, a plan extension continued seamlessly, and no encoder running: only
// remuxes, all gone after stop.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conformArgs, conformFrames, houseGopFrames } from '../../src/media/conform'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import { CopyProducer, remuxArgs } from '../../src/playout/copy-producer'
import { type CutSegment, GopCutter } from '../../src/playout/gop-cutter'
import { copyRun } from '../../src/playout/copy-run'
import {
  ffmpegProducerFactory,
  NormalProducer,
  type ProgrammeProducer,
  type SegmentReport
} from '../../src/playout'
import type { PlayoutPlan, PlayoutSegment, RenditionRef } from '../../src/shared/domain'
import { ChannelTimeline, type SegmentEntry } from '../../src/server/timeline'
import { decodeMarks, renderNumbered } from '../helpers/frames'
import { packetTimes, SegmentCollector } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { descendants } from '../helpers/processes'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const profile = PROFILES['360p']
const FPS = profile.fps
const SEGMENT_SECONDS = 1
const GOP = houseGopFrames(profile, SEGMENT_SECONDS)

/** Clips by frame-code id and length; item lengths not whole GOPs, so boundaries fall mid-GOP of the output. */
const CLIPS = [
  { id: 11, seconds: 3.5 },
  { id: 12, seconds: 2.8 },
  { id: 13, seconds: 3.2 }
]

let tools: FfmpegTools
const renditions = new Map<number, RenditionRef>()
const media = tempDir('retrovue-copy-')

beforeAll(async () => {
  tools = await getTools()
  for (const c of CLIPS) {
    const src = path.join(media.dir, `src-${c.id}.mp4`)
    const out = path.join(media.dir, `rendition-${c.id}.mp4`)
    await renderNumbered(tools, { file: src, id: c.id, durationS: c.seconds })
    const durationMs = c.seconds * 1000
    await execa(
      tools.ffmpeg,
      conformArgs({
        input: src,
        output: out,
        profile,
        gopFrames: GOP,
        durationMs,
        hasVideo: true,
        hasAudio: true,
        gainDb: 0,
        truePeakDbtp: -1,
        detect: {
          black: { threshold: 0.1, durationMs: 2000 },
          freeze: { threshold: 0.004, durationMs: 10_000 },
          silence: { thresholdDb: -60, durationMs: 10_000 }
        }
      })
    )
    renditions.set(c.id, { path: out, frames: conformFrames(durationMs, profile), gopFrames: GOP })
  }
}, 240_000)

const { processes, cleanups } = producerHooks()
afterAll(() => media.cleanup())

/** Items back to back from `startMs`: each clip whole, by id. */
function planOf(startMs: number, ids: number[]): PlayoutPlan {
  const segments: PlayoutSegment[] = []
  let t = startMs
  ids.forEach((id, i) => {
    const clip = CLIPS.find((c) => c.id === id)!
    const durationMs = clip.seconds * 1000
    segments.push({
      kind: 'item',
      eventId: i + 1,
      title: `clip ${id}`,
      type: 'program',
      startMs: t,
      endMs: t + durationMs,
      inPointMs: 0,
      asset: null,
      rendition: renditions.get(id)!
    })
    t += durationMs
  })
  return { channelUuid: 'copy', fromMs: startMs, toMs: t, segments }
}

describe('segmenter', () => {
  it('cuts the same segments whatever sizes the remux is read in', async () => {
    const plan = planOf(0, [CLIPS[0]!.id, CLIPS[1]!.id])
    const run = copyRun(plan, 0, FPS, GOP)
    if (typeof run === 'string') throw new Error(run)
    const streams: Buffer[] = []
    for (const item of run.items) {
      const { stdout } = await execa(tools.ffmpeg, remuxArgs(item, FPS), {
        encoding: 'buffer',
        stripFinalNewline: false
      })
      streams.push(Buffer.from(stdout))
    }
    const cut = (chunkSize: (k: number) => number): CutSegment[] => {
      const out: CutSegment[] = []
      const cutter = new GopCutter({
        fps: FPS,
        sampleRate: profile.sampleRate,
        minFrames: Math.round(FPS * SEGMENT_SECONDS) - GOP + 1,
        onSegment: (seg) => out.push({ ...seg, data: Buffer.from(seg.data) })
      })
      run.items.forEach((item, i) => {
        cutter.beginItem(item.startFrame, item.endFrame)
        // A copy per item: the cutter rewrites the packets it is given in place.
        const data = Buffer.from(streams[i]!)
        for (let at = 0, k = 0; at < data.length; k++) {
          const n = chunkSize(k)
          cutter.push(data.subarray(at, at + n))
          at += n
        }
      })
      cutter.close(run.items.at(-1)!.endFrame)
      return out
    }
    const whole = cut(() => Number.MAX_SAFE_INTEGER)
    expect(whole.length).toBeGreaterThan(2)
    // Reads of a pipe: any size, packets split across them, some shorter than a packet.
    const sizes = [65_536, 1, 187, 188, 189, 100, 4_000, 376, 7]
    const ragged = cut((k) => sizes[k % sizes.length]!)
    expect(ragged.map((x) => [x.startFrame, x.endFrame])).toEqual(
      whole.map((x) => [x.startFrame, x.endFrame])
    )
    ragged.forEach((x, i) => expect(x.data.equals(whole[i]!.data)).toBe(true))
  }, 60_000)
})

describe('copy run', () => {
  const rendition: RenditionRef = { path: '/r.mp4', frames: 105, gopFrames: 30 }
  const item = (startMs: number, durationMs: number, extra: object = {}): PlayoutSegment => ({
    kind: 'item',
    eventId: 1,
    title: 'x',
    type: 'program',
    startMs,
    endMs: startMs + durationMs,
    inPointMs: 0,
    asset: null,
    rendition,
    ...extra
  })

  it('joins on the GOP holding the clock, at most one GOP early', () => {
    const plan = {
      channelUuid: 'c',
      fromMs: 0,
      toMs: 7000,
      segments: [item(0, 3500), item(3500, 3500)]
    }
    const run = copyRun(plan, 1_990, 30, 30)
    if (typeof run === 'string') throw new Error(run)
    expect(run.t0Ms).toBe(1000)
    expect(run.items.map((i) => [i.fromFrame, i.startFrame, i.endFrame])).toEqual([
      [30, 0, 75],
      [0, 75, 180]
    ])
    const exact = copyRun(plan, 2000, 30, 30)
    expect(typeof exact !== 'string' && exact.t0Ms).toBe(2000)
  })

  it('says why a plan cannot be copied', () => {
    const gap = { kind: 'gap' as const, startMs: 3500, endMs: 4000 }
    const plan = (segments: PlayoutSegment[]) => ({
      channelUuid: 'c',
      fromMs: 0,
      toMs: 9e3,
      segments
    })
    expect(copyRun(plan([item(0, 3500), gap]), 0, 30, 30)).toMatch(/gap/)
    expect(copyRun(plan([item(0, 3500, { rendition: null })]), 0, 30, 30)).toMatch(/no rendition/)
    expect(copyRun(plan([item(0, 3500), item(3500, 2000, { inPointMs: 500 })]), 0, 30, 30)).toMatch(
      /does not start on a GOP/
    )
    expect(copyRun(plan([item(0, 5000)]), 0, 30, 30)).toMatch(/shorter than its slot/)
    expect(copyRun(plan([item(0, 3500)]), 0, 30, 15)).toMatch(/GOPs of 30 frames, not 15/)
  })
})

describe('copy producer', () => {
  it('plays renditions across item boundaries by remuxing: one stream, every frame on time, no encoder', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const clock = new SystemClock()
    const ids = [11, 12, 13, 11]
    // Joined 1.7 s into the first item: the output starts on its GOP at 1 s.
    const itemStart = clock.now() - 1_700
    const plan = planOf(itemStart, ids)
    const producer = new CopyProducer(
      {
        channelUuid: '00000000-0000-4000-8000-0000000c0b1e',
        channelName: 'Copy',
        outputDir: path.join(t.dir, 'out'),
        clock,
        sequence: 1
      },
      { tools, profile, segmentSeconds: SEGMENT_SECONDS, processes }
    )
    const began: SegmentReport[] = []
    producer.on('segment-began', (r) => began.push(r))
    const startAt = itemStart + 1_700
    // Started on the first two items; the rest come as a plan extension (the re-plan's update).
    await producer.start({ ...plan, segments: plan.segments.slice(0, 2) }, startAt)
    cleanups.push(() => producer.stop())
    await producer.updatePlan(plan)
    const t0 = producer.state().startedAtMs!
    expect(t0).toBe(itemStart + 1000)
    expect(startAt - t0).toBeLessThanOrEqual((GOP * 1000) / FPS)
    const endpoint = producer.streamEndpoint()!
    const collector = new SegmentCollector(() => endpoint.playlist, path.join(t.dir, 'got'), t0)
    cleanups.push(() => collector.stop())

    // While it plays: remuxes only, no encoder anywhere under this process.
    const seen = new Set<string>()
    // The next item's remux starts before the one before has finished (a boundary never waits for
    // an ffmpeg to start).
    let mostAtOnce = 0
    const watch = setInterval(() => {
      const live = processes.live()
      for (const p of live) seen.add(p.name)
      mostAtOnce = Math.max(mostAtOnce, live.length)
    }, 50)
    cleanups.push(() => clearInterval(watch))
    // The stream server's timeline reads the output as it reads an encoder's.
    const incomplete: string[] = []
    const timeline = new ChannelTimeline(
      () => Date.now(),
      (file, problem) => incomplete.push(`${file}: ${problem}`)
    )
    const entries: SegmentEntry[] = []
    const follow = setInterval(() => {
      timeline.refresh(endpoint)
      entries.push(...timeline.after(entries.at(-1)?.seq ?? -1))
    }, 200)
    cleanups.push(() => clearInterval(follow))
    expect(descendants().filter((p) => /libx264|-c:v/.test(p.cmd))).toEqual([])
    const totalMs = plan.toMs - t0
    await collector.untilHolds(totalMs, 'the whole plan', 30_000)
    clearInterval(watch)
    timeline.refresh(endpoint)
    clearInterval(follow)
    entries.push(...timeline.after(entries.at(-1)?.seq ?? -1))
    expect([...seen]).toEqual(['remux'])
    expect(mostAtOnce).toBeGreaterThanOrEqual(2)
    collector.stop()
    await producer.stop()
    expect(processes.live()).toEqual([])
    expect(collector.discontinuities).toBe(0)

    // Every frame the one the schedule says.
    const file = collector.concat(path.join(t.dir, 'all.ts'))
    const marks = await decodeMarks(tools, file)
    const frames = Math.round((totalMs * FPS) / 1000)
    expect(marks.length).toBe(frames)
    const expected = (k: number) => {
      const at = t0 + (k * 1000) / FPS
      const seg = plan.segments.find((s) => s.startMs <= at + 1 && at + 1 < s.endMs)!
      const clip = ids[plan.segments.indexOf(seg)]!
      return { id: clip, n: Math.round(((at - seg.startMs) * FPS) / 1000) }
    }
    const wrong = marks
      .map((m, k) => ({ k, got: { id: m.id, n: m.n }, want: expected(k) }))
      .filter((x) => x.got.id !== x.want.id || x.got.n !== x.want.n)
    expect(wrong.slice(0, 5)).toEqual([])
    // Each item's first frame (frame code 0) on its scheduled frame.
    for (const seg of plan.segments.slice(1)) {
      const k = Math.round(((seg.startMs - t0) * FPS) / 1000)
      expect(marks[k]!.n).toBe(0)
      expect(marks[k - 1]!.n).not.toBe(0)
    }

    // One stream: pictures one frame apart throughout, sound never going back nor overlapping.
    const { video, audio } = await packetTimes(tools, file)
    expect(video.length).toBe(frames)
    expect([...new Set(video.slice(1).map((p, i) => p - video[i]!))]).toEqual([90_000 / FPS])
    const audioSteps = audio.slice(1).map((p, i) => p - audio[i]!)
    expect(Math.min(...audioSteps)).toBeGreaterThanOrEqual(1920)
    // A boundary may leave a gap of under one AAC frame, never more.
    expect(Math.max(...audioSteps)).toBeLessThan(2 * 1920)
    expect(Math.abs(audio[0]! - video[0]!)).toBeLessThan(1920)

    // Segments cut on the renditions' GOPs: each starts with a keyframe, on a GOP of its item.
    let k = 0
    for (const [i, seg] of collector.files.entries()) {
      expect(marks[k]!.n % GOP).toBe(0)
      const { stdout } = await execa(tools.ffprobe, [
        '-v',
        'error',
        '-select_streams',
        'v',
        '-show_entries',
        'packet=flags',
        '-read_intervals',
        '%+#1',
        '-of',
        'csv=p=0',
        seg
      ])
      expect(String(stdout).trim()).toMatch(/^K/)
      k += Math.round((collector.durationsMs[i]! * FPS) / 1000)
    }
    expect(k).toBe(frames)

    // The timeline: every segment whole, none marked discontinuous, each dated on the clock by its
    // first frame; what viewers get decodes with no warning (no corrupt packet, no DTS going back).
    expect(incomplete).toEqual([])
    expect(entries.length).toBe(collector.files.length)
    expect(entries.filter((e) => e.discontinuity)).toEqual([])
    let frame = 0
    for (const e of entries) {
      expect(e.programTimeMs).toBeCloseTo(t0 + (frame * 1000) / FPS, 6)
      frame += Math.round(e.duration * FPS)
    }
    const served = path.join(t.dir, 'served.ts')
    fs.writeFileSync(served, Buffer.concat(entries.map((e) => e.data)))
    const decoded = await execa(tools.ffmpeg, ['-v', 'warning', '-i', served, '-f', 'null', '-'])
    expect(decoded.stderr).toBe('')

    // As-run: every item after the join began at its scheduled time.
    expect(began.map((b) => b.atMs)).toEqual([t0, ...plan.segments.slice(1).map((s) => s.startMs)])
  }, 120_000)

  it('refuses a plan it cannot copy, starting nothing', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const clock = new SystemClock()
    const plan = planOf(clock.now(), [11])
    const noRendition: PlayoutPlan = {
      ...plan,
      segments: plan.segments.map((s) => ({ ...s, rendition: null }))
    }
    const producer = new CopyProducer(
      { channelUuid: 'c0c0', channelName: 'Copy', outputDir: t.dir, clock, sequence: 1 },
      { tools, profile, segmentSeconds: SEGMENT_SECONDS, processes }
    )
    await expect(producer.start(noRendition, clock.now())).rejects.toThrow(
      /"clip 11" .* has no rendition/
    )
    expect(processes.live()).toEqual([])
    expect(fs.readdirSync(t.dir)).toEqual([])
    await until('nothing left', 1000, () => (processes.live().length === 0 ? true : undefined))
  })

  it('fails the start naming the item when its rendition cannot be read, leaving nothing running', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const clock = new SystemClock()
    const plan = planOf(clock.now(), [11])
    const gone: PlayoutPlan = {
      ...plan,
      segments: plan.segments.map((s) =>
        s.kind === 'item'
          ? { ...s, rendition: { ...s.rendition!, path: path.join(t.dir, 'gone.mp4') } }
          : s
      )
    }
    const producer = new CopyProducer(
      { channelUuid: 'c0c1', channelName: 'Copy', outputDir: t.dir, clock, sequence: 1 },
      { tools, profile, segmentSeconds: SEGMENT_SECONDS, processes, outputKeepMs: 0 }
    )
    await expect(producer.start(gone, clock.now())).rejects.toThrow(
      /the remux of "clip 11" failed \(code \d+\).*gone\.mp4/
    )
    expect(producer.state().status).toBe('failed')
    expect(processes.live()).toEqual([])
  })
})

describe('programme producer (the factory with copy on)', () => {
  const context = (dir: string, clock: SystemClock) => ({
    channelUuid: '00000000-0000-4000-8000-0000000c0b1f',
    channelName: 'Programme',
    outputDir: path.join(dir, 'out'),
    clock,
    sequence: 1
  })

  it('airs a copyable plan by copy, goes to the encode path for a crawl, and an uncopyable plan by encoding', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const clock = new SystemClock()
    const factory = ffmpegProducerFactory({
      tools,
      profile,
      segmentSeconds: SEGMENT_SECONDS,
      processes,
      copy: true
    })
    const plan = planOf(clock.now(), [11, 12, 13, 11, 12])
    const p = factory('normal', context(t.dir, clock)) as ProgrammeProducer
    cleanups.push(() => p.stop())
    await p.start(plan, clock.now())
    expect(p.path).toBe('copy')
    expect(processes.live().map((x) => x.name)).not.toContain('encoder')
    const copied = p.streamEndpoint()!
    // A crawl needs pixels: over to the encode path, a new output.
    await p.setOverlay({ message: 'Test crawl', scope: 'crawl', sinceMs: clock.now() })
    expect(p.path).toBe('encode')
    expect(processes.live().map((x) => x.name)).toContain('encoder')
    expect(processes.live().map((x) => x.name)).not.toContain('remux')
    expect(p.streamEndpoint()!.id).not.toBe(copied.id)
    expect(p.state().overlay?.scope).toBe('crawl')
    await p.stop()
    expect(processes.live()).toEqual([])

    // Without renditions: the encode path from the start.
    const bare: PlayoutPlan = {
      ...plan,
      segments: plan.segments.map((s) => ({
        ...s,
        rendition: null,
        asset: s.kind === 'item' ? renditionAsset(s.rendition!.path) : null
      }))
    }
    const q = factory('normal', { ...context(t.dir, clock), sequence: 2 }) as ProgrammeProducer
    cleanups.push(() => q.stop())
    await q.start(bare, clock.now())
    expect(q.path).toBe('encode')
    await q.stop()
  }, 120_000)
})

describe('programme producer: a copy start that fails', () => {
  it('airs the plan through the encode path instead, and says so', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const clock = new SystemClock()
    const warnings: string[] = []
    const factory = ffmpegProducerFactory({
      tools,
      profile,
      segmentSeconds: SEGMENT_SECONDS,
      processes,
      log: { warn: (_d, message) => warnings.push(message) },
      copy: (uuid) => uuid.startsWith('c0')
    })
    // Its rendition gone since the plan was made; its asset still decodes.
    const plan = planOf(clock.now(), [12, 13])
    const gone: PlayoutPlan = {
      ...plan,
      segments: plan.segments.map((s) =>
        s.kind === 'item'
          ? {
              ...s,
              asset: renditionAsset(s.rendition!.path),
              rendition: { ...s.rendition!, path: path.join(t.dir, 'gone.mp4') }
            }
          : s
      )
    }
    const p = factory('normal', {
      channelUuid: 'c0ffee00-0000-4000-8000-000000000001',
      channelName: 'Fallback',
      outputDir: path.join(t.dir, 'out'),
      clock,
      sequence: 1
    }) as ProgrammeProducer
    cleanups.push(() => p.stop())
    await p.start(gone, clock.now())
    expect(p.path).toBe('encode')
    expect(p.state().status).toBe('running')
    expect(warnings).toEqual(['copy start failed: airing through the encode path'])
    expect(processes.live().map((x) => x.name)).toContain('encoder')
    await p.stop()
    expect(processes.live()).toEqual([])
    // The factory's per-channel choice: a channel it says no to gets the encode producer itself.
    const other = factory('normal', {
      channelUuid: 'ab000000-0000-4000-8000-000000000002',
      channelName: 'Other',
      outputDir: path.join(t.dir, 'out'),
      clock,
      sequence: 1
    })
    expect(other).toBeInstanceOf(NormalProducer)
  }, 120_000)
})

/** A rendition file as an asset the encode path can decode. */
function renditionAsset(file: string) {
  return {
    path: file,
    durationMs: 2800,
    hasVideo: true,
    hasAudio: true,
    width: 640,
    height: 360,
    frameRate: 30,
    sizeBytes: fs.statSync(file).size,
    mtimeMs: fs.statSync(file).mtimeMs
  }
}
