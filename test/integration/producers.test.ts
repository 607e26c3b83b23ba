// The guide, slate and emergency producers and the producers' failure paths with real ffmpeg: an
// emergency crawl shows over the guide and the slate (the red band of the crawl in their picture,
// the alert tone in their sound), still cards are cached within a bound, and an output folder that
// becomes unwritable mid-air ends in a failure and alarms, never in an exception that would take
// the process down.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import {
  ffmpegProducerFactory,
  type EmergencyOverlay,
  type Producer,
  type ProducerContext
} from '../../src/playout'
import { StillCards } from '../../src/playout/still-cards'
import { Encoder, ENCODER_STALL_MS } from '../../src/playout/encoder'
import { OutputFolder } from '../../src/playout/output-folder'
import type { PlayoutPlan } from '../../src/shared/domain'
import { fixture } from '../helpers/fixtures'
import { planOf, SegmentCollector } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

const PROFILE = PROFILES['360p']
const FPS = PROFILE.fps
let tools: FfmpegTools
beforeAll(async () => {
  tools = await getTools()
})
const { processes, cleanups } = producerHooks()

const crawl: EmergencyOverlay = {
  message: 'TEST ALERT: this is only a test of the emergency crawl',
  scope: 'crawl',
  sinceMs: 0
}

function setup(outputKeepMs?: number) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const warnings: string[] = []
  const factory = ffmpegProducerFactory({
    tools,
    profile: PROFILE,
    segmentSeconds: 1,
    processes,
    log: { warn: (_details, message) => warnings.push(message) },
    outputKeepMs
  })
  const clock = new SystemClock()
  const context = (type: string): ProducerContext => ({
    channelUuid: '00000000-0000-4000-8000-00000000cafe',
    channelName: `Test ${type}`,
    outputDir: path.join(t.dir, 'outputs', type),
    clock,
    sequence: 1
  })
  return { dir: t.dir, factory, clock, context, warnings }
}

const emptyPlan = (at: number): PlayoutPlan => ({
  channelUuid: 'test',
  fromMs: at,
  toMs: at + 3_600_000,
  segments: [{ kind: 'gap', startMs: at, endMs: at + 3_600_000 }]
})

/** For every frame: whether the crawl's red band shows at the bottom of the picture. */
async function crawlBand(file: string): Promise<boolean[]> {
  // The crawl's box sits just above the bottom edge (rows ~297-347 at 360p): look at rows 305-345.
  const rows = 40
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-vf',
      `crop=${PROFILE.width}:${rows}:0:305,format=rgb24`,
      '-f',
      'rawvideo',
      'pipe:1'
    ],
    {
      encoding: 'buffer',
      maxBuffer: 2 ** 30
    }
  )
  const buf = Buffer.from(stdout)
  const size = PROFILE.width * rows * 3
  const bands: boolean[] = []
  for (let off = 0; off + size <= buf.length; off += size) {
    let red = 0
    for (let i = off; i < off + size; i += 3)
      if (buf[i]! > 120 && buf[i + 1]! < 70 && buf[i + 2]! < 70) red++
    bands.push(red > 1_000)
  }
  return bands
}

/** For every 100 ms of sound: whether the alert tone (853 Hz with 960 Hz) is in it. */
async function alertTone(file: string): Promise<boolean[]> {
  const rate = 48_000
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-map',
      '0:a:0',
      '-ac',
      '1',
      '-ar',
      String(rate),
      '-f',
      's16le',
      'pipe:1'
    ],
    {
      encoding: 'buffer',
      maxBuffer: 2 ** 30
    }
  )
  const buf = Buffer.from(stdout)
  const n = rate / 10
  // Goertzel: the power of one frequency in a window, relative to the window's whole power.
  const share = (off: number, hz: number) => {
    const k = 2 * Math.cos((2 * Math.PI * hz) / rate)
    let s1 = 0
    let s2 = 0
    let total = 0
    for (let i = 0; i < n; i++) {
      const x = buf.readInt16LE(off + i * 2) / 32768
      total += x * x
      const s0 = x + k * s1 - s2
      s2 = s1
      s1 = s0
    }
    const power = (s1 * s1 + s2 * s2 - k * s1 * s2) / (n / 2)
    return total < 1 ? 0 : power / total
  }
  const windows: boolean[] = []
  for (let off = 0; off + n * 2 <= buf.length; off += n * 2)
    windows.push(share(off, 853) > 0.2 && share(off, 960) > 0.2)
  return windows
}

/**
 * Starts a producer, waits until its output holds `beforeMs` of output, optionally changes
 * something mid-air and waits until the output holds `afterMs` past the frame the change lands on
 * (the next written: handOverAt), and returns its output as one file.
 */
async function capture(
  p: Producer,
  start: () => Promise<void>,
  beforeMs: number,
  midway: (() => Promise<void>) | null,
  afterMs: number,
  dir: string
): Promise<string> {
  await start()
  const collector = new SegmentCollector(
    () => p.streamEndpoint()?.playlist ?? null,
    path.join(dir, `capture-${p.id}`)
  )
  await collector.untilHolds(beforeMs, 'the output before the change')
  if (midway) {
    const startedAt = p.state().startedAtMs!
    await midway()
    await collector.untilHolds(p.handOverAt()! - startedAt + afterMs, 'the output after the change')
  }
  collector.poll()
  collector.stop()
  await p.stop()
  return collector.concat(path.join(dir, `${p.id}.ts`))
}

const share = (xs: boolean[]) => xs.filter(Boolean).length / Math.max(1, xs.length)

describe('emergency crawl over the guide and the slate (real ffmpeg)', () => {
  it('guide: the crawl appears when set mid-air, with the alert tone; a takeover is refused', async () => {
    const s = setup()
    const guide = s.factory('guide', s.context('guide'))
    const now = s.clock.now()
    const listings = [
      {
        channelUuid: 'other',
        channelName: 'RetroToons',
        timezone: 'America/New_York',
        nowTitle: 'Cartoon Hour',
        nowEndMs: now + 60_000,
        nextTitle: 'News',
        nextStartMs: now + 60_000
      }
    ]
    const file = await capture(
      guide,
      () => guide.start(emptyPlan(now), now, { listings }),
      // 2 s before the crawl, 3.5 s with it: over 5 s in all.
      2_000,
      async () => {
        await guide.setOverlay(crawl)
        await expect(guide.setOverlay({ ...crawl, scope: 'takeover' })).rejects.toThrow(
          /shows only a crawl/
        )
        expect(guide.state().overlay).toEqual(crawl)
      },
      3_500,
      s.dir
    )
    const bands = await crawlBand(file)
    const tone = await alertTone(file)
    expect(bands.length).toBeGreaterThan(5 * FPS)
    // Nothing before the crawl was set; the band on (nearly) every frame of the last second.
    expect(share(bands.slice(0, FPS))).toBe(0)
    expect(share(bands.slice(-FPS))).toBeGreaterThan(0.9)
    expect(share(tone.slice(0, 10))).toBe(0)
    expect(share(tone.slice(-10))).toBe(1)
  }, 60_000)

  it('slate: started during a crawl, it shows the crawl and sounds the tone from the start', async () => {
    const s = setup()
    const slate = s.factory('slate', s.context('slate'))
    const now = s.clock.now()
    const file = await capture(
      slate,
      () => slate.start(emptyPlan(now), now, { overlay: crawl }),
      2_500,
      null,
      0,
      s.dir
    )
    expect(slate.state().overlay).toEqual(crawl)
    const bands = await crawlBand(file)
    const tone = await alertTone(file)
    // The crawl enters from the right edge at once: on from its first tenths of a second.
    expect(share(bands.slice(FPS / 2, 2 * FPS))).toBe(1)
    expect(share(tone.slice(1, 20))).toBe(1)
  }, 60_000)
})

describe('still cards (real ffmpeg)', () => {
  it('keeps at most its capacity of recurring cards, least recently used out first', async () => {
    const cards = new StillCards({ tools, profile: PROFILE, processes, capacity: 3 })
    const first = cards.render('0x101820', ['Card 1'], true)
    for (let i = 2; i <= 5; i++) await cards.render('0x101820', [`Card ${i}`], true)
    await first
    expect(cards.size).toBe(3)
    const five = cards.render('0x101820', ['Card 5'], true)
    expect(cards.render('0x101820', ['Card 5'], true)).toBe(five) // cached
    expect(cards.render('0x101820', ['Card 1'], true)).not.toBe(first) // evicted, rendered again
    expect((await five).length).toBe(PROFILE.width * PROFILE.height * 1.5)
    await cards.render('0x101820', ['Card 1'], true)
    expect(cards.size).toBe(3)
  })
})

describe('a hung encoder', () => {
  it('is killed and reported as failed when it stops reading its input', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    // An "ffmpeg" that keeps its pipes open and never reads them.
    const fake = path.join(t.dir, 'ffmpeg')
    fs.writeFileSync(fake, '#!/bin/sh\nexec sleep 120\n', { mode: 0o755 })
    const folder = new OutputFolder(path.join(t.dir, 'out'))
    folder.prepare()
    const exits: Error[] = []
    const encoder = new Encoder({
      tools: { ...tools, ffmpeg: fake },
      profile: PROFILE,
      processes,
      folder,
      segmentSeconds: 1,
      onDrain: () => undefined,
      onExit: (e) => exits.push(e)
    })
    const frame = Buffer.alloc(PROFILE.width * PROFILE.height * 1.5)
    const audio = Buffer.alloc((PROFILE.sampleRate / PROFILE.fps) * 4)
    while (encoder.canWrite()) encoder.write(frame, audio)
    await expect.poll(() => exits.length, { timeout: 8_000, interval: 100 }).toBeGreaterThan(0)
    expect(exits.map((e) => e.message)).toEqual([
      `encoder stopped reading its input for ${ENCODER_STALL_MS / 1000} s`
    ])
    expect(processes.live()).toEqual([])
  }, 20_000)
})

describe('a hostile disk (real ffmpeg)', () => {
  it('an output folder that stops being a folder mid-air: failure and alarms, no exception', async () => {
    const s = setup(300)
    const ctx = s.context('normal')
    const p = s.factory('normal', ctx)
    const alarms: string[] = []
    const failures: Error[] = []
    p.on('alarm', (a) => alarms.push(`${a.kind}: ${a.message}`))
    p.on('failed', ({ error }) => failures.push(error))
    const now = s.clock.now()
    await p.start(
      await planOf(tools, now, [{ asset: fixture('numbered-1.mp4'), durationMs: 60_000 }]),
      now
    )
    // The channel's folder is replaced by a regular file (tests run as root: chmod would not stop us).
    fs.rmSync(ctx.outputDir, { recursive: true, force: true })
    fs.writeFileSync(ctx.outputDir, 'not a folder')
    // The encoder can write its segments no more: the producer fails, saying
    // why (ffmpeg exits, or sometimes hangs on its input threads and the stall watchdog ends it).
    await expect.poll(() => failures.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0)
    expect(failures.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^encoder exited \(code \d+\): .*(No such file or directory|Not a directory)|^encoder stopped reading its input for 5 s/
      )
    ])
    expect(p.state()).toMatchObject({ status: 'failed', health: 'stopped' })
    await p.stop()
    // Its folder cannot be removed: an alarm, and a log line (after stop nobody listens to alarms).
    await expect.poll(() => s.warnings.length, { timeout: 2_500, interval: 50 }).toBeGreaterThan(0)
    const removal = expect.stringMatching(/^output folder could not be removed: ENOTDIR/)
    expect(alarms).toEqual([`io-error: ${s.warnings[0]}`])
    expect(s.warnings).toEqual([removal])
  }, 60_000)
})
