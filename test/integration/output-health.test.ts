// Output health at the producer, with real ffmpeg on generated media: a source that goes black,
// freezes and falls silent mid-item raises each condition dated when it began on air, reported
// within its duration plus 2 s, and clears it within 2 s of the picture or sound returning; small
// motion on a still picture (a clock, 1 % of it) is no freeze, a whole still picture is; the
// slate, the guide, an emergency takeover, a gap and missing media raise none; levels read what
// the source carries (a -20 dBFS RMS tone reads -20).
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import {
  ffmpegProducerFactory,
  type Producer,
  type ProducerContext,
  type ProducerEvents
} from '../../src/playout'
import { LEVELS_FLOOR_DBFS } from '../../src/shared/api'
import {
  DEFAULT_OUTPUT_HEALTH,
  type OutputHealthSettings,
  type PlayoutPlan
} from '../../src/shared/domain'
import { FAULT_SPECS, faultMedia } from '../helpers/fault-media'
import { fixture } from '../helpers/fixtures'
import { planOf, retime, sleep, untilOnAir } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

let tools: FfmpegTools
beforeAll(async () => {
  tools = await getTools()
})
const { processes, cleanups } = producerHooks()
const clock = new SystemClock()

/** Short durations, so a fault of 2-3 s is found well inside it. */
const HEALTH: OutputHealthSettings = {
  black: { ...DEFAULT_OUTPUT_HEALTH.black, durationMs: 1_000 },
  freeze: { ...DEFAULT_OUTPUT_HEALTH.freeze, durationMs: 1_500 },
  silence: { ...DEFAULT_OUTPUT_HEALTH.silence, durationMs: 1_000 }
}

type Condition = ProducerEvents['output-condition'][0] & { toldAtMs: number }

function setup(type: Parameters<ReturnType<typeof ffmpegProducerFactory>>[0], health = HEALTH) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const factory = ffmpegProducerFactory({
    tools,
    profile: PROFILES['360p'],
    segmentSeconds: 1,
    processes
  })
  const context: ProducerContext = {
    channelUuid: '00000000-0000-4000-8000-0000000000b1',
    channelName: `Health ${type}`,
    outputDir: path.join(t.dir, type),
    clock,
    sequence: 1,
    health
  }
  const producer = factory(type, context)
  const conditions: Condition[] = []
  producer.on('output-condition', (c) => conditions.push({ ...c, toldAtMs: clock.now() }))
  cleanups.push(() => producer.stop())
  return { producer, conditions }
}

const gapPlan = (at: number): PlayoutPlan => ({
  channelUuid: 'test',
  fromMs: at,
  toMs: at + 3_600_000,
  segments: [{ kind: 'gap', startMs: at, endMs: at + 3_600_000 }]
})

/** Reads a producer's levels every 100 ms for `ms`, as the levels hub does (a sampler, not a wait). */
async function readLevels(p: Producer, ms: number) {
  const out = []
  for (let waited = 0; waited < ms; waited += 100) {
    await sleep(100)
    const l = p.levels()
    if (l) out.push(l)
  }
  return out
}

describe('output health at the producer (real ffmpeg)', () => {
  it('black, frozen and silent mid-item: raised within duration + 2 s dated at the fault, cleared within 2 s of its end', async () => {
    const { producer, conditions } = setup('normal')
    const spec = FAULT_SPECS.faults
    const probed = await planOf(tools, 0, [
      { asset: faultMedia('faults'), durationMs: spec.durationS * 1000 }
    ])
    const t0 = clock.now()
    await producer.start(retime(probed, t0), t0)
    // Watched until the clip's end is on air and 2 s more (the bound on a clear after its fault's end).
    await untilOnAir([producer], clock, t0 + spec.durationS * 1000 + 2_000, 'the clip')

    const expected = [
      {
        kind: 'black',
        window: spec.black,
        durationMs: HEALTH.black.durationMs,
        severity: 'critical'
      },
      {
        kind: 'freeze',
        window: spec.freeze,
        durationMs: HEALTH.freeze.durationMs,
        severity: 'critical'
      },
      {
        kind: 'silence',
        window: spec.silence,
        durationMs: HEALTH.silence.durationMs,
        severity: 'warning'
      }
    ] as const
    expect(conditions.map((c) => `${c.kind}:${c.active}`).sort()).toEqual(
      expected.flatMap((e) => [`${e.kind}:false`, `${e.kind}:true`]).sort()
    )
    for (const e of expected) {
      const [from, to] = e.window.map((s) => t0 + s * 1000) as [number, number]
      const raised = conditions.find((c) => c.kind === e.kind && c.active)!
      const cleared = conditions.find((c) => c.kind === e.kind && !c.active)!
      // Dated when the fault began on air (to the analysed frame: 1/15 s), told once it lasted its duration.
      expect(Math.abs(raised.atMs - from), `${e.kind} raised at`).toBeLessThanOrEqual(150)
      expect(raised.toldAtMs - from, `${e.kind} told after`).toBeGreaterThanOrEqual(
        e.durationMs - 50
      )
      expect(raised.toldAtMs - from, `${e.kind} told after`).toBeLessThanOrEqual(
        e.durationMs + 2_000
      )
      expect(raised).toMatchObject({
        severity: e.severity,
        message: expect.stringContaining(`${e.durationMs / 1000} s`)
      })
      expect(Math.abs(cleared.atMs - to), `${e.kind} cleared at`).toBeLessThanOrEqual(150)
      expect(cleared.toldAtMs - to, `${e.kind} clear told after`).toBeLessThanOrEqual(2_000)
    }
  }, 60_000)

  it('with the default settings: a still card with a running clock and a still picture moving on 1 % of it raise no freeze; a fully frozen picture raises it within its duration + 2 s; black with motion on it is black', async () => {
    type Clip = 'still-clock' | 'still-region' | 'all-frozen' | 'black-region'
    const durationS = FAULT_SPECS['all-frozen'].durationS
    /** Airs clips side by side (two at a time: a busy two-core machine keeps them on time) until just before they end. */
    const air = async (names: Clip[]) => {
      const runs = names.map(() => setup('normal', DEFAULT_OUTPUT_HEALTH))
      const plans = await Promise.all(
        names.map((name) =>
          planOf(tools, 0, [{ asset: faultMedia(name), durationMs: durationS * 1000 }])
        )
      )
      const t0 = clock.now()
      await Promise.all(runs.map((r, i) => r.producer.start(retime(plans[i]!, t0), t0)))
      // The faults are there from the first frame, so they are on air once the output is (a loaded machine takes seconds to start one).
      const onAir = clock.now()
      // Watched until just before their ends are on air (their ends are slates, which end what was
      // raised: what counts is what was raised before).
      await untilOnAir(
        runs.map((r) => r.producer),
        clock,
        t0 + durationS * 1000 - 300,
        'the clips'
      )
      await Promise.all(runs.map((r) => r.producer.stop()))
      return { t0, onAir, raised: runs.map((r) => r.conditions.filter((c) => c.active)) }
    }
    const first = await air(['all-frozen', 'still-clock'])
    const [frozen, clock1] = first.raised as [Condition[], Condition[]]
    expect(frozen.map((c) => c.kind)).toEqual(['freeze'])
    // Frozen from its first picture (the second analysed frame is the first compared), told once it lasted 10 s.
    expect(Math.abs(frozen[0]!.atMs - first.t0)).toBeLessThanOrEqual(150)
    expect(frozen[0]!.toldAtMs - first.t0).toBeGreaterThanOrEqual(
      DEFAULT_OUTPUT_HEALTH.freeze.durationMs - 50
    )
    expect(frozen[0]!.toldAtMs - first.onAir).toBeLessThanOrEqual(
      DEFAULT_OUTPUT_HEALTH.freeze.durationMs + 2_000
    )
    expect(clock1).toEqual([])
    const second = await air(['still-region', 'black-region'])
    const [region, black] = second.raised as [Condition[], Condition[]]
    expect(region).toEqual([])
    expect(black.map((c) => c.kind)).toEqual(['black'])
    expect(black[0]!.toldAtMs - second.onAir).toBeLessThanOrEqual(
      DEFAULT_OUTPUT_HEALTH.black.durationMs + 2_000
    )
  }, 120_000)

  it('levels read the source: a -20 dBFS RMS tone on the left reads -20 +- 1, -30 on the right reads -30', async () => {
    const { producer, conditions } = setup('normal')
    const probed = await planOf(tools, 0, [
      { asset: faultMedia('tone'), durationMs: FAULT_SPECS.tone.durationS * 1000 }
    ])
    const t0 = clock.now()
    await producer.start(retime(probed, t0), t0)
    await untilOnAir([producer], clock, t0 + 1_000, 'the first second of the tone')
    const levels = await readLevels(producer, 2_000)
    expect(levels.length).toBeGreaterThanOrEqual(10)
    for (const l of levels) {
      expect(l.rms[0]).toBeGreaterThanOrEqual(-21)
      expect(l.rms[0]).toBeLessThanOrEqual(-19)
      expect(l.rms[1]).toBeGreaterThanOrEqual(-31)
      expect(l.rms[1]).toBeLessThanOrEqual(-29)
      // A sine's peak is 3 dB above its RMS.
      expect(l.peak[0]).toBeGreaterThanOrEqual(-18)
      expect(l.peak[0]).toBeLessThanOrEqual(-16)
    }
    expect(conditions).toEqual([])
  }, 60_000)

  it('the slate, the guide, a takeover, a gap and missing media raise no condition, though all are still and silent', async () => {
    // Durations far shorter than the run: any false condition would show.
    const quick: OutputHealthSettings = {
      black: { ...HEALTH.black, durationMs: 300 },
      freeze: { ...HEALTH.freeze, durationMs: 300 },
      silence: { ...HEALTH.silence, durationMs: 300 }
    }
    const slate = setup('slate', quick)
    const guide = setup('guide', quick)
    const takeover = setup('emergency', quick)
    const normal = setup('normal', quick)
    const items = await planOf(tools, 0, [
      { gapMs: 2_000 },
      { asset: fixture('missing-on-purpose.mp4'), durationMs: 3_000 }
    ])
    const media: string[] = []
    normal.producer.on('alarm', (a) => media.push(a.kind))
    const t0 = clock.now()
    const overlay = { message: 'Shelter in place', scope: 'takeover' as const, sinceMs: t0 }
    await Promise.all([
      slate.producer.start(gapPlan(t0), t0),
      guide.producer.start(gapPlan(t0), t0, { listings: [] }),
      takeover.producer.start(gapPlan(t0), t0, { overlay }),
      normal.producer.start(retime(items, t0), t0)
    ])
    const slateLevels = await readLevels(slate.producer, 500)
    const toneLevels = await readLevels(takeover.producer, 500)
    // Watched while the gap and the missing item (5 s) air on every producer: nothing raised meanwhile.
    await untilOnAir(
      [slate, guide, takeover, normal].map((s) => s.producer),
      clock,
      t0 + 5_000,
      'the gap and the missing item'
    )
    for (const s of [slate, guide, takeover, normal]) expect(s.conditions).toEqual([])
    // Missing media is its own alarm (with its slate), never black or silence.
    expect(media).toEqual(['media-missing'])
    // Levels are measured on every output: the slate is digital silence, the takeover sounds the alert tone.
    expect(slateLevels.at(-1)).toMatchObject({
      peak: [LEVELS_FLOOR_DBFS, LEVELS_FLOOR_DBFS],
      rms: [LEVELS_FLOOR_DBFS, LEVELS_FLOOR_DBFS]
    })
    expect(toneLevels.at(-1)!.rms[0]).toBeGreaterThan(-20)
  }, 60_000)
})
