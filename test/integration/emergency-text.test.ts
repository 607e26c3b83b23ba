// Emergency text with real ffmpeg: a 500-character takeover card is the very picture the console
// previews (pixel for pixel, through the HTTP API), every word of the message drawn in its box, and
// it is what the emergency producer airs; a crawl fired after the output has run for minutes comes
// on air with its first word entering at the right edge (frames decoded from the stream).
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { FontMetrics, locateFont } from '../../src/media/font-metrics'
import { PROFILES } from '../../src/media/profiles'
import { crawlGeometry, wordBox } from '../../src/media/text-layout'
import { SimulatedClock, SystemClock } from '../../src/runtime/clock'
import {
  ffmpegProducerFactory,
  type EmergencyOverlay,
  type Producer,
  type ProducerContext
} from '../../src/playout'
import { CrawlOverlay, crawlStep } from '../../src/playout/crawl'
import { StillCards } from '../../src/playout/still-cards'
import type { EmergencyPreviewDto } from '../../src/shared/api'
import { DEFAULT_CRAWL_SPEED, type PlayoutPlan } from '../../src/shared/domain'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { SegmentCollector } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'
import { LONG_MESSAGE } from '../helpers/messages'

const PROFILE = PROFILES['360p']
const { width: W, height: H, fps: FPS } = PROFILE
let tools: FfmpegTools
const font = FontMetrics.load(locateFont())
const { processes, cleanups } = producerHooks()
beforeAll(async () => {
  tools = await getTools()
})

/** Any picture file (PNG, raw yuv420p) as rgb24 bytes, converted by ffmpeg. */
async function rgb(file: string, raw?: { width: number; height: number }): Promise<Buffer> {
  const input = raw
    ? [
        '-f',
        'rawvideo',
        '-pix_fmt',
        'yuv420p',
        '-video_size',
        `${raw.width}x${raw.height}`,
        '-i',
        file
      ]
    : ['-i', file]
  const { stdout } = await execa(
    tools.ffmpeg,
    ['-v', 'error', ...input, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 2 ** 28 }
  )
  return Buffer.from(stdout)
}

/** Frames of a media file as luma planes (as coded: limited range, like the frames the engine writes). */
async function lumaFrames(file: string): Promise<Buffer[]> {
  const { stdout } = await execa(
    tools.ffmpeg,
    ['-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 2 ** 31 - 1 }
  )
  const buf = Buffer.from(stdout)
  const frames: Buffer[] = []
  for (let off = 0; off + W * H * 1.5 <= buf.length; off += W * H * 1.5)
    frames.push(buf.subarray(off, off + W * H))
  return frames
}

describe('the takeover card is what the console previews (real ffmpeg, HTTP API)', () => {
  let env: HttpEnv
  beforeAll(async () => {
    env = await httpEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('a 500-character message: the preview and the card are the same pixels, every word drawn in its box', async () => {
    const res = await fetch(`${env.base}/api/emergency/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: LONG_MESSAGE, scope: 'takeover' })
    })
    expect(res.status).toBe(200)
    const preview = (await res.json()) as EmergencyPreviewDto
    expect(preview).toMatchObject({
      scope: 'takeover',
      frameWidth: W,
      frameHeight: H,
      passSeconds: null
    })
    expect(preview.pictures).toHaveLength(1)
    expect(preview.pageSeconds).toHaveLength(1)

    // The card as the emergency producer airs it (the same renderer, a cache of its own here).
    const card = await new StillCards({ tools, profile: PROFILE, processes }).emergencyCard(
      LONG_MESSAGE
    )
    expect(card.pages).toHaveLength(1)
    const { frame, picture } = card.pages[0]!
    const t = tempDir()
    cleanups.push(t.cleanup)
    const png = path.join(t.dir, 'preview.png')
    fs.writeFileSync(
      png,
      Buffer.from(preview.pictures[0]!.png.replace(/^data:image\/png;base64,/, ''), 'base64')
    )
    const yuv = path.join(t.dir, 'card.yuv')
    fs.writeFileSync(yuv, frame)
    const [previewPixels, cardPixels] = [await rgb(png), await rgb(yuv, { width: W, height: H })]
    expect(previewPixels.length).toBe(W * H * 3)
    expect(previewPixels.equals(cardPixels)).toBe(true)

    // Every word of the message is in the layout, and has ink (white text, luma far above the red) in its box.
    const words = picture.words.map((w) => w.text)
    expect(words.join(' ')).toContain(LONG_MESSAGE.replace(/\s+/g, ' '))
    const ink = (x: number, y: number) => frame[y * W + x]! > 150
    const inBox = new Uint8Array(W * H)
    for (const w of picture.words) {
      const b = wordBox(w, font)
      let count = 0
      for (let y = b.y; y < b.y + b.h; y++)
        for (let x = b.x; x < b.x + b.w; x++) if (ink(x, y)) count++
      // A word's glyphs cover a good part of its box (a bare "." would be the least: a few percent).
      expect(count, `ink of "${w.text}"`).toBeGreaterThan(Math.max(6, 0.04 * b.w * b.h))
      for (let y = b.y - 2; y < b.y + b.h + 2; y++)
        for (let x = b.x - 2; x < b.x + b.w + 2; x++) inBox[y * W + x] = 1
    }
    // And nothing is drawn anywhere else.
    let stray = 0
    for (let i = 0; i < W * H; i++) if (!inBox[i] && frame[i]! > 150) stray++
    expect(stray).toBe(0)
  }, 60_000)

  it('refuses what the API does not accept, with the same limit, and renders a crawl with its pass time', async () => {
    const post = (body: unknown) =>
      fetch(`${env.base}/api/emergency/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
    const tooLong = await post({ message: 'x'.repeat(501), scope: 'takeover' })
    expect(tooLong.status).toBe(400)
    expect(await tooLong.json()).toMatchObject({
      error: {
        code: 'invalid_body',
        message: expect.stringMatching(/body\.message: must be at most 500 characters/)
      }
    })
    const crawl = (await (
      await post({ message: 'Severe weather warning', scope: 'crawl' })
    ).json()) as EmergencyPreviewDto
    expect(crawl).toMatchObject({
      scope: 'crawl',
      pageSeconds: null,
      crawlSpeed: DEFAULT_CRAWL_SPEED
    })
    const strip = crawl.pictures[0]!
    expect(strip.height).toBe(crawlGeometry(H).bandHeight)
    // One pass: the picture's width and the strip's, at the crawl's step a frame.
    expect(crawl.passSeconds).toBeCloseTo(
      Math.ceil((W + strip.width) / crawlStep(DEFAULT_CRAWL_SPEED, PROFILE)) / FPS,
      1
    )
    expect(env.station.processes.live()).toEqual([])
  }, 60_000)
})

const emptyPlan = (at: number): PlayoutPlan => ({
  channelUuid: 'test',
  fromMs: at,
  toMs: at + 3_600_000,
  segments: [{ kind: 'gap', startMs: at, endMs: at + 3_600_000 }]
})

function producerSetup(clock: SimulatedClock | SystemClock) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const cards = new StillCards({ tools, profile: PROFILE, processes })
  const factory = ffmpegProducerFactory({
    tools,
    profile: PROFILE,
    segmentSeconds: 1,
    processes,
    cards
  })
  const context = (type: string): ProducerContext => ({
    channelUuid: '00000000-0000-4000-8000-00000000beef',
    channelName: `Test ${type}`,
    outputDir: path.join(t.dir, 'outputs', type),
    clock,
    sequence: 1
  })
  return { dir: t.dir, cards, factory, context }
}

/** Frames the producer has written to its output (the next one is this). */
const written = (p: Producer, t0: number) =>
  Math.round(((p.handOverAt() ?? t0) - t0) / (1000 / FPS))

describe('on air (real ffmpeg)', () => {
  it('the emergency producer airs the card', async () => {
    const s = producerSetup(new SystemClock())
    const message = LONG_MESSAGE
    const p = s.factory('emergency', s.context('emergency'))
    const now = Date.now()
    const collector = new SegmentCollector(
      () => p.streamEndpoint()?.playlist ?? null,
      path.join(s.dir, 'capture')
    )
    cleanups.push(async () => {
      collector.stop()
      await p.stop()
    })
    await p.start(emptyPlan(now), now, { overlay: { message, scope: 'takeover', sinceMs: now } })
    const card = await s.cards.emergencyCard(message)
    await expect
      .poll(() => collector.files.length, { timeout: 10_000, interval: 100 })
      .toBeGreaterThanOrEqual(3)
    const frames = await lumaFrames(collector.concat(path.join(s.dir, 'card.ts')))
    // The last frame: the card, as x264 left it (mean difference of a couple of levels).
    const last = frames.at(-1)!
    let diff = 0
    for (let i = 0; i < W * H; i++) diff += Math.abs(last[i]! - card.pages[0]!.frame[i]!)
    expect(diff / (W * H)).toBeLessThan(4)
  }, 60_000)

  it('a crawl that cannot be drawn is refused and changes nothing; so is a start with one', async () => {
    const clock = new SystemClock()
    const t = tempDir()
    cleanups.push(t.cleanup)
    class NoFont extends StillCards {
      override crawlStrip(): never {
        throw new Error('the on-air font DejaVuSans.ttf was not found')
      }
    }
    const cards = new NoFont({ tools, profile: PROFILE, processes })
    const factory = ffmpegProducerFactory({
      tools,
      profile: PROFILE,
      segmentSeconds: 1,
      processes,
      cards
    })
    const context: ProducerContext = {
      channelUuid: '00000000-0000-4000-8000-00000000f0f0',
      channelName: 'No font',
      outputDir: path.join(t.dir, 'out'),
      clock,
      sequence: 1
    }
    const crawl: EmergencyOverlay = {
      message: 'Severe weather warning',
      scope: 'crawl',
      sinceMs: 0
    }
    const refused = factory('slate', context)
    const now = clock.now()
    await expect(refused.start(emptyPlan(now), now, { overlay: crawl })).rejects.toThrow(
      /DejaVuSans\.ttf was not found/
    )
    expect(refused.streamEndpoint()).toBeNull()
    expect(processes.live()).toEqual([])
    const p = factory('slate', { ...context, sequence: 2 })
    cleanups.push(() => p.stop())
    await p.start(emptyPlan(now), now)
    await expect(p.setOverlay(crawl)).rejects.toThrow(/DejaVuSans\.ttf was not found/)
    expect(p.state().overlay).toBeNull()
  }, 60_000)

  it('a crawl fired after the output has run two minutes enters with its first word at the right edge', async () => {
    const clock = new SimulatedClock('2026-11-25T12:00:00Z')
    const s = producerSetup(clock)
    const p = s.factory('slate', s.context('slate'))
    const t0 = clock.now()
    cleanups.push(() => p.stop())
    await p.start(emptyPlan(t0), t0)
    // Two minutes of output, encoded as fast as the encoder goes (the engine writes what the clock says is due).
    clock.advance(120_000)
    await expect
      .poll(() => written(p, t0), { timeout: 120_000, interval: 100 })
      .toBeGreaterThanOrEqual(120 * FPS)

    const collector = new SegmentCollector(
      () => p.streamEndpoint()?.playlist ?? null,
      path.join(s.dir, 'capture')
    )
    cleanups.push(() => collector.stop())
    collector.poll() // the segments listed now are collected before the crawl
    const message = 'FLASH FLOOD WARNING: move to higher ground now. Shelters open at Central High.'
    const crawl: EmergencyOverlay = { message, scope: 'crawl', sinceMs: clock.now() }
    await p.setOverlay(crawl)
    const before = collector.files.length
    // Six more seconds on air, the clock moved on only once the output has caught up with it, and their segments collected.
    for (let i = 0; i < 60; i++) {
      clock.advance(100)
      await expect
        .poll(() => written(p, t0), { timeout: 10_000, interval: 20 })
        .toBeGreaterThanOrEqual(Math.floor((clock.now() - t0) / (1000 / FPS)))
    }
    await expect
      .poll(() => collector.files.length, { timeout: 10_000, interval: 100 })
      .toBeGreaterThanOrEqual(before + 5)
    await p.stop()
    const frames = await lumaFrames(collector.concat(path.join(s.dir, 'crawl.ts')))

    // The crawl's band: its top rows have the strip's red (no text reaches them) all across.
    const strip = await s.cards.crawlStrip(message)
    const red = strip.frame[0]!
    const { bandHeight, bottomMargin } = crawlGeometry(H)
    const top = H - bottomMargin - bandHeight
    const bandRed = (f: Buffer) => {
      let n = 0
      for (let x = 0; x < W; x += 4) if (Math.abs(f[(top + 2) * W + x]! - red) < 8) n++
      return n > (W / 4) * 0.9
    }
    const first = frames.findIndex(bandRed)
    expect(first).toBeGreaterThan(0) // frames without the crawl came first
    // The expected picture of the band, frame by frame from the one it went to air (the same strip, composited as the engine does).
    const expected = new CrawlOverlay(PROFILE, strip, 0, crawlStep(DEFAULT_CRAWL_SPEED, PROFILE))
    const blank = Buffer.alloc(W * H * 1.5, 16)
    const bandDiff = (decoded: Buffer, n: number) => {
      const want = Buffer.concat(expected.apply(n, blank) as Buffer[])
      let d = 0
      for (let y = top; y < top + bandHeight; y++)
        for (let x = 0; x < W; x++) d += Math.abs(decoded[y * W + x]! - want[y * W + x]!)
      return d / (W * bandHeight)
    }
    // The first frame carrying the crawl: red all across, the text only at the right edge.
    const f = frames[first]!
    let inkLeftmost = W
    for (let y = top; y < top + bandHeight; y++)
      for (let x = 0; x < W; x++) if (f[y * W + x]! > 150) inkLeftmost = Math.min(inkLeftmost, x)
    expect(inkLeftmost).toBeGreaterThan(W - 3 * expected.step)
    // And from it on, the message's first words come in exactly as laid out.
    for (const n of [0, 15, 45, 80])
      expect(bandDiff(frames[first + n]!, n), `frame ${n} of the crawl`).toBeLessThan(6)
    // A crawl that began mid-message would not match (the test can tell).
    expect(bandDiff(frames[first + 45]!, 45 + 60)).toBeGreaterThan(10)
  }, 180_000)
})
