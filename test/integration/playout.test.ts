// NormalProducer with real ffmpeg on generated media: frame-accurate join, seamless seams across
// mixed sources, the output handed over at a swap (takeover and back) frame-accurately, programming
// kept rolling off air under a takeover and continued at the clear, a missing file airing a slate
// for exactly its slot, and no process left behind.
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import { EmergencyProducer, NormalProducer, type SegmentReport } from '../../src/playout'
import type { PlayoutPlan } from '../../src/shared/domain'
import { fixture } from '../helpers/fixtures'
import { decodeMarks, type FrameMark } from '../helpers/frames'
import { packetTimes, planOf, retime, SegmentCollector, type PlanItem } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'
import { type EmergencyCard, StillCards } from '../../src/playout/still-cards'

const FPS = 30
const SOURCE_FPS: Record<number, number> = { 1: 30, 2: 25, 3: 24 }
const numbered = (id: number) => fixture(`numbered-${id}.mp4`)

let tools: FfmpegTools
beforeAll(async () => {
  tools = await getTools()
})
const { processes, cleanups } = producerHooks()

interface Run {
  producer: NormalProducer
  /** The output from the frame that aired at t0 (after the pre-roll of a join mid-item, playout/preroll.ts). */
  marks: FrameMark[]
  /** The pre-roll's frames: the schedule's picture for the seconds before t0. */
  preroll: FrameMark[]
  began: SegmentReport[]
  ended: Array<SegmentReport & { status: string }>
  alarms: string[]
  discontinuities: number
  t0: number
  file: string
}

/** A channel on one long item of numbered media, joined `joinMs` in, for the swap tests. */
async function swapChannel(uuidTail: string, joinMs: number, inPointMs: number) {
  const clock = new SystemClock()
  const t0 = clock.now()
  const plan = await planOf(tools, t0 - joinMs, [
    { asset: numbered(1), inPointMs, durationMs: 60_000 }
  ])
  const t = tempDir()
  cleanups.push(t.cleanup)
  const context = (sequence: number) => ({
    channelUuid: `00000000-0000-4000-8000-00000000${uuidTail}`,
    channelName: 'Test',
    outputDir: path.join(t.dir, 'out'),
    clock,
    sequence
  })
  const opts = { tools, profile: PROFILES['360p'], segmentSeconds: 1, processes }
  const pids = (name: string) =>
    processes
      .live()
      .filter((p) => p.name === name)
      .map((p) => p.child.pid)
  return { clock, t0, plan, dir: t.dir, context, opts, pids }
}

/**
 * Ends a takeover-and-clear test (the producer on air stops, no process is left) and checks what it
 * put out: programme, the card, programme again, one run each, every programme frame the one the
 * clock says, in one stream (timestamps run on across both switches).
 */
async function programmeCardProgramme(
  collector: SegmentCollector,
  onAir: NormalProducer,
  file: string,
  plan: PlayoutPlan,
  t0: number
): Promise<Array<{ card: boolean; from: number }>> {
  collector.poll()
  collector.stop()
  await onAir.stop()
  expect(processes.live()).toEqual([])
  expect(collector.discontinuities).toBe(0)
  collector.concat(file)
  const marks = await decodeMarks(tools, file)
  const runs: Array<{ card: boolean; from: number }> = []
  marks.forEach((m, k) => {
    const card = m.id !== 1
    if (runs.at(-1)?.card !== card) runs.push({ card, from: k })
  })
  expect(runs.map((r) => r.card)).toEqual([false, true, false])
  let worst = 0
  marks.forEach((m, k) => {
    if (m.id === 1) worst = Math.max(worst, Math.abs(m.n - expectedFrame(plan, t0, k)!.n))
  })
  expect(worst).toBeLessThanOrEqual(1)
  const { video, audio } = await packetTimes(tools, file)
  expect([...new Set(video.slice(1).map((p, i) => p - video[i]!))]).toEqual([3000])
  expect([...new Set(audio.slice(1).map((p, i) => p - audio[i]!))]).toEqual([1920])
  return runs
}

/**
 * Starts a producer on the plan at t0, waits until its collected segments hold its first `seconds`
 * of output, and decodes what it put out. `midway` acts once its `afterItems`-th item began on air.
 */
async function air(
  plan: PlayoutPlan,
  t0: number,
  seconds: number,
  clock: SystemClock,
  midway?: { afterItems: number; act: (p: NormalProducer) => Promise<void> }
): Promise<Run> {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const producer = new NormalProducer(
    {
      channelUuid: '00000000-0000-4000-8000-00000000abcd',
      channelName: 'Test',
      outputDir: path.join(t.dir, 'out'),
      clock,
      sequence: 1
    },
    { tools, profile: PROFILES['360p'], segmentSeconds: 1, processes }
  )
  const began: SegmentReport[] = []
  const ended: Array<SegmentReport & { status: string }> = []
  const alarms: string[] = []
  producer.on('segment-began', (r) => began.push(r))
  producer.on('segment-ended', (r) => ended.push(r))
  producer.on('alarm', (a) => alarms.push(`${a.kind}: ${a.message}`))
  let failure: Error | null = null
  producer.on('failed', (f) => (failure = f.error))
  await producer.start(plan, t0)
  const collector = new SegmentCollector(
    () => producer.streamEndpoint()?.playlist ?? null,
    path.join(t.dir, 'capture')
  )
  if (midway) {
    await until(`item ${midway.afterItems} on air`, seconds * 1000 + 20_000, () =>
      began.length >= midway.afterItems ? true : undefined
    )
    await midway.act(producer)
  }
  // Frames before the one airing at t0 are the output's pre-roll.
  const endpoint = producer.streamEndpoint()!
  const airFrame = Math.round(
    ((endpoint.airsFromMs! - endpoint.segmentStartMs!('seg-0.ts')!) * FPS) / 1000
  )
  await collector.untilHolds(seconds * 1000 + (airFrame * 1000) / FPS, 'what the test decodes')
  collector.poll()
  collector.stop()
  await producer.stop()
  expect(failure).toBeNull()
  const file = collector.concat(path.join(t.dir, 'all.ts'))
  const all = await decodeMarks(tools, file)
  return {
    producer,
    marks: all.slice(airFrame),
    preroll: all.slice(0, airFrame),
    began,
    ended,
    alarms,
    discontinuities: collector.discontinuities,
    t0,
    file
  }
}

/** The source frame an item should show at output frame k (the producer's own arithmetic). */
function expectedFrame(plan: PlayoutPlan, t0: number, k: number): { id: number; n: number } | null {
  const frameAt = (ms: number) => Math.round(((ms - t0) * FPS) / 1000)
  for (const s of plan.segments) {
    const start = Math.max(0, frameAt(s.startMs))
    const end = frameAt(s.endMs)
    if (k < start || k >= end) continue
    if (s.kind === 'gap' || !s.asset || !/numbered-(\d)/.test(s.asset.path)) return null
    const id = Number(/numbered-(\d)/.exec(s.asset.path)![1])
    const posMs = s.inPointMs + (t0 + (start * 1000) / FPS - s.startMs) + ((k - start) * 1000) / FPS
    return { id, n: (Math.max(0, posMs) * SOURCE_FPS[id]!) / 1000 }
  }
  return null
}

describe('NormalProducer (real ffmpeg)', () => {
  it('joins the item on air at the exact frame, not at its start', async () => {
    const clock = new SystemClock()
    const t0 = clock.now()
    // The item began 4.2 s ago with a 1 s in point: frame 156 (5.2 s) is on air now.
    const plan = await planOf(tools, t0 - 4_200, [
      { asset: numbered(1), inPointMs: 1_000, durationMs: 40_000 }
    ])
    // Two seconds of output: the 60 frames checked.
    const run = await air(plan, t0, 2, clock)
    const first = run.marks[0]!
    expect(first.id).toBe(1)
    expect(Math.abs(first.n - 156)).toBeLessThanOrEqual(1)
    // And it plays on from there, one source frame per output frame.
    for (let k = 1; k < 60; k++) expect(run.marks[k]!.n - first.n).toBe(k)
    expect(run.began[0]).toMatchObject({ atMs: t0, slate: false })
    // The output starts with a pre-roll of the seconds before (3.33 s), frame for frame.
    expect(run.preroll.length).toBe(100)
    run.preroll.forEach((m, k) => expect([m.id, first.n - m.n]).toEqual([1, 100 - k]))
    expect(run.began).toHaveLength(1)
  })

  it('plays 24 items of mixed sources back to back with no gap, overlap or discontinuity', async () => {
    const clock = new SystemClock()
    const items: PlanItem[] = []
    for (let i = 0; i < 24; i++) {
      const id = (i % 3) + 1
      // Durations that are not whole frames, and in points all over the sources.
      items.push({
        asset: numbered(id),
        inPointMs: (i * 737) % 20_000,
        durationMs: 700 + ((i * 211) % 900)
      })
    }
    // Times set after probing: a start seconds late would run the initial plan out before the extension.
    const probed = await planOf(tools, 0, items)
    const t0 = clock.now() + 200
    const full = retime(probed, t0)
    // The producer starts with the first 16 items; half way through, a re-plan hands it all 24
    // (a plan extension), which must not interrupt or shift anything.
    const plan = full
    const initial = {
      ...full,
      segments: full.segments.slice(0, 16),
      toMs: full.segments[15]!.endMs
    }
    const total = (plan.toMs - t0) / 1000
    // The extension once the eighth item is on air: half way through the initial plan's 16.
    const run = await air(initial, t0, total, clock, {
      afterItems: 8,
      act: (p) => p.updatePlan({ ...full, fromMs: clock.now() })
    })
    const frames = Math.round(((plan.toMs - t0) * FPS) / 1000)
    expect(run.marks.length).toBeGreaterThanOrEqual(frames)

    let worst = 0
    const boundaryErrors: number[] = []
    let prevId = -2
    for (let k = 0; k < frames; k++) {
      const want = expectedFrame(plan, t0, k)!
      const got = run.marks[k]!
      expect(got.id, `frame ${k}`).toBe(want.id)
      worst = Math.max(worst, Math.abs(got.n - want.n))
      if (got.id !== prevId) boundaryErrors.push(k)
      prevId = got.id
    }
    // Each source frame is where the schedule puts it, within one frame.
    expect(worst).toBeLessThanOrEqual(1)
    // Every boundary fell on its scheduled frame: no gap, no overlap.
    const scheduled = plan.segments.map((s) =>
      Math.max(0, Math.round(((s.startMs - t0) * FPS) / 1000))
    )
    expect(boundaryErrors).toEqual(scheduled)
    // Reported as aired at the scheduled times.
    expect(run.began.map((b) => b.atMs)).toEqual(
      plan.segments.map(
        (s) => t0 + (Math.max(0, Math.round(((s.startMs - t0) * FPS) / 1000)) * 1000) / FPS
      )
    )
    expect(run.ended.every((e) => e.status === 'aired')).toBe(true)

    // No discontinuity marker, and timestamps continuous across every seam.
    expect(run.discontinuities).toBe(0)
    const { video, audio } = await packetTimes(tools, run.file)
    const vd = new Set(video.slice(1).map((p, i) => p - video[i]!))
    expect([...vd]).toEqual([3000]) // 90 kHz / 30 fps
    const ad = new Set(audio.slice(1).map((p, i) => p - audio[i]!))
    expect([...ad]).toEqual([1920]) // 1024 samples at 48 kHz
    // Audio and video still line up after every item: their ends are within one frame.
    const vEnd = video.at(-1)! + 3000
    const aEnd = audio.at(-1)! + 1920
    expect(Math.abs(vEnd - aEnd) / 90).toBeLessThanOrEqual(34)
  }, 120_000)

  it('hands its output over at a swap: a takeover and the return air on their frames, in one stream from one encoder', async () => {
    const { clock, t0, plan, dir, context, pids } = await swapChannel('abcd', 4_200, 1_000)
    // The cards asked for: the emergency card must carry the message, also when it takes an output over.
    const rendered: string[][] = []
    class RecordingCards extends StillCards {
      override render(background: string, lines: string[], cache: boolean): Promise<Buffer> {
        rendered.push(lines)
        return super.render(background, lines, cache)
      }
      override emergencyCard(message: string): Promise<EmergencyCard> {
        rendered.push(['EMERGENCY ALERT', message])
        return super.emergencyCard(message)
      }
    }
    const opts = {
      tools,
      profile: PROFILES['360p'],
      segmentSeconds: 1,
      processes,
      cards: new RecordingCards({ tools, profile: PROFILES['360p'], processes })
    }
    const encoders = () => pids('encoder')

    const a = new NormalProducer(context(1), opts)
    const aEnded: SegmentReport[] = []
    a.on('segment-ended', (r) => aEnded.push(r))
    await a.start(plan, t0)
    const endpoint = a.streamEndpoint()!
    // The output's frame 0: the start of its pre-roll (a join mid-item), 3.33 s before t0.
    const origin = endpoint.segmentStartMs!('seg-0.ts')!
    expect(origin).toBeCloseTo(t0 - 10_000 / 3, 6)
    const collector = new SegmentCollector(
      () => endpoint.playlist,
      path.join(dir, 'capture'),
      origin
    )
    const encoder = encoders()
    expect(encoder).toHaveLength(1)
    await collector.untilAired(t0 + 1_000, 'a second of programme before the takeover')

    const takeoverAt = a.handOverAt()!
    const toEmergency = await a.handOver()
    expect(toEmergency?.id).toBe(endpoint.id)
    expect(a.state().status).toBe('stopped')
    const e = new EmergencyProducer(context(2), opts)
    await e.start(plan, clock.now(), {
      overlay: { message: 'Swap test', scope: 'takeover', sinceMs: clock.now() },
      carryover: toEmergency
    })
    expect(e.streamEndpoint()).toEqual(endpoint)
    expect(encoders()).toEqual(encoder)
    expect(rendered).toEqual([['EMERGENCY ALERT', 'Swap test']])
    await collector.untilAired(takeoverAt + 1_000, 'a second of the card')

    const switchAt = e.handOverAt()!
    const back = await e.handOver()
    const b = new NormalProducer(context(3), opts)
    const bBegan: SegmentReport[] = []
    b.on('segment-began', (r) => bBegan.push(r))
    const clearedAt = clock.now()
    await b.start(plan, clearedAt, { carryover: back })
    expect(b.streamEndpoint()).toEqual(endpoint)
    expect(encoders()).toEqual(encoder)
    await collector.untilAired(switchAt + 1_500, 'programme after the clear')
    const runs = await programmeCardProgramme(collector, b, path.join(dir, 'all.ts'), plan, origin)
    // The switches are on the frames the producers reported: the item cut at the first, rejoined at the
    // second (one lead after the clear was asked for), the hand-over's own time said beforehand.
    const frameMs = 1000 / FPS
    expect(aEnded.at(-1)!.atMs).toBeCloseTo(origin + runs[1]!.from * frameMs, 6)
    expect(bBegan[0]!.atMs).toBeCloseTo(origin + runs[2]!.from * frameMs, 6)
    expect(bBegan[0]!.atMs).toBe(switchAt)
    expect(switchAt).toBeGreaterThan(clearedAt)
  }, 120_000)

  it('keeps programming rolling off air under a takeover; the clear continues it on the frame the clock says, starting no decoder', async () => {
    const { clock, t0, plan, dir, context, opts, pids } = await swapChannel('abce', 4_200, 1_000)

    const a = new NormalProducer(context(1), opts)
    const aReports: string[] = []
    a.on('segment-began', () => aReports.push('began'))
    a.on('segment-ended', (r) => aReports.push(`ended at ${r.atMs}`))
    await a.start(plan, t0)
    const endpoint = a.streamEndpoint()!
    // The output's frame 0: the start of its pre-roll (a join mid-item), 3.33 s before t0.
    const origin = endpoint.segmentStartMs!('seg-0.ts')!
    expect(origin).toBeCloseTo(t0 - 10_000 / 3, 6)
    const collector = new SegmentCollector(
      () => endpoint.playlist,
      path.join(dir, 'capture'),
      origin
    )
    const encoder = pids('encoder')
    await collector.untilAired(t0 + 1_000, 'a second of programme before the takeover')

    const takeoverAt = a.handOverAt()!
    const { carryover: toEmergency, cued } = await a.handOverCued()
    expect(toEmergency?.id).toBe(endpoint.id)
    expect(cued).not.toBeNull()
    // The producer is gone (one producer per channel); its decoder rolls on for the cued programme.
    expect(a.state().status).toBe('stopped')
    const decoders = pids('decoder')
    expect(decoders).toHaveLength(1)
    const e = new EmergencyProducer(context(2), opts)
    await e.start(plan, clock.now(), {
      overlay: { message: 'Cue test', scope: 'takeover', sinceMs: clock.now() },
      carryover: toEmergency
    })
    // Watched while the card airs 1.5 s with the cued programme rolling off air behind it: its item
    // ended at the takeover's frame; nothing more was reported off air.
    await collector.untilAired(takeoverAt + 1_500, 'the card, programme rolling off air')
    expect(aReports).toEqual(['began', `ended at ${takeoverAt}`])

    const clearAt = e.handOverAt()!
    const back = await e.handOver()
    const b = new NormalProducer(context(3), opts)
    const bBegan: SegmentReport[] = []
    b.on('segment-began', (r) => bBegan.push(r))
    const started: number[] = []
    b.on('started', ({ atMs }) => started.push(atMs))
    await b.start(plan, clock.now(), { carryover: back, cued })
    expect(b.streamEndpoint()).toEqual(endpoint)
    expect(started).toEqual([clearAt])
    await cued!.close() // taken over: closing it now does nothing
    await collector.untilAired(clearAt + 1_500, 'programme after the clear')
    // The same decoder and encoder throughout: the clear started no process.
    expect(pids('decoder')).toEqual(decoders)
    expect(pids('encoder')).toEqual(encoder)
    const runs = await programmeCardProgramme(collector, b, path.join(dir, 'all.ts'), plan, origin)
    const frameMs = 1000 / FPS
    expect(takeoverAt).toBeCloseTo(origin + runs[1]!.from * frameMs, 6)
    expect(bBegan.map((r) => r.atMs)).toEqual([clearAt])
    expect(clearAt).toBeCloseTo(origin + runs[2]!.from * frameMs, 6)
  }, 120_000)

  it('closes a cued programme that nobody takes without touching the output, and takes none for another output', async () => {
    const { clock, t0, plan, context, opts, pids } = await swapChannel('abcf', 1_000, 0)
    const a = new NormalProducer(context(1), opts)
    await a.start(plan, t0)
    const { carryover, cued } = await a.handOverCued()
    const e = new EmergencyProducer(context(2), opts)
    await e.start(plan, clock.now(), {
      overlay: { message: 'Close test', scope: 'takeover', sinceMs: clock.now() },
      carryover
    })
    await e.stop() // the output ends (a failure, say): the cued programme cannot continue it
    const b = new NormalProducer(context(3), opts)
    await b.start(plan, clock.now(), { cued })
    expect(b.streamEndpoint()!.id).not.toBe(carryover!.id)
    // Not taken: still rolling, off air, until its holder closes it.
    expect(pids('decoder')).toHaveLength(2)
    await cued!.close()
    expect(pids('decoder')).toHaveLength(1)
    expect(b.state().status).toBe('running')
    await b.stop()
    expect(processes.live()).toEqual([])
  }, 60_000)

  it('airs a slate for exactly the slot of a missing file, raises an alarm, and starts the next item on time', async () => {
    const clock = new SystemClock()
    const probed = await planOf(tools, 0, [
      { asset: numbered(1), inPointMs: 2_000, durationMs: 2_000 },
      { asset: '/nonexistent/lost-episode.mp4', durationMs: 2_000, title: 'Lost Episode' },
      { asset: fixture('corrupt.mp4'), durationMs: 1_000, title: 'Corrupt Episode' },
      { gapMs: 1_000 },
      { asset: numbered(2), inPointMs: 0, durationMs: 2_000 }
    ])
    const t0 = clock.now() + 200
    const plan = retime(probed, t0)
    // The 8 s plan and half a second past it: its last item has ended on air.
    const run = await air(plan, t0, 8.5, clock)
    // Slate frames carry no source strip (it reads as id 0 or unreadable).
    const ids = run.marks.slice(0, 240).map((m) => (m.id > 0 ? m.id : 0))
    // 60 frames of item 1, 60 + 30 + 30 of slate, then item 2 right on frame 180.
    expect(ids.slice(0, 60)).toEqual(Array(60).fill(1))
    expect(ids.slice(60, 180)).toEqual(Array(120).fill(0))
    expect(ids.slice(180, 240)).toEqual(Array(60).fill(2))
    expect(run.marks[180]!.n).toBe(0)
    expect(run.alarms).toEqual([
      expect.stringMatching(/^media-missing: asset missing: \/nonexistent\/lost-episode\.mp4/),
      expect.stringMatching(/^media-corrupt: asset could not be decoded: .*corrupt\.mp4/)
    ])
    expect(run.ended.map((e) => e.status)).toEqual(['aired', 'slate', 'slate', 'slate', 'aired'])
    expect(run.began[1]).toMatchObject({ atMs: t0 + 2_000, slate: true })
    expect(run.began[4]!.atMs).toBe(t0 + 6_000)
  }, 60_000)

  it('leaves no ffmpeg behind when stopped while starting', async () => {
    const clock = new SystemClock()
    const t = tempDir()
    cleanups.push(t.cleanup)
    const plan = await planOf(tools, clock.now(), [{ asset: numbered(1), durationMs: 30_000 }])
    const producer = new NormalProducer(
      {
        channelUuid: '00000000-0000-4000-8000-00000000abce',
        channelName: 'Test',
        outputDir: t.dir,
        clock,
        sequence: 1
      },
      { tools, profile: PROFILES['360p'], segmentSeconds: 1, processes }
    )
    const starting = producer.start(plan, clock.now()).catch((e: Error) => e)
    // Stopped once its ffmpeg children run, before its first segment is out.
    await expect
      .poll(() => processes.live().length, { timeout: 10_000, interval: 10 })
      .toBeGreaterThan(0)
    expect(producer.state().status).toBe('starting')
    await producer.stop()
    await starting
    expect(processes.live()).toEqual([])
  })
})
