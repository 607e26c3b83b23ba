// The channel logo on real ffmpeg output, checked on decoded frames: in its corner over programming
// and over the emergency crawl, absent on the takeover card and back on the first frame after the
// clear, absent during the item types it hides during, moved to another corner on air without a
// restart; and a logo that cannot be decoded raises an alarm while programming goes on.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import { EmergencyProducer, NormalProducer, type ProducerContext } from '../../src/playout'
import { LogoCache } from '../../src/playout/logo-overlay'
import { LOGO_CORNERS, type LogoCorner } from '../../src/shared/domain'
import { fixture } from '../helpers/fixtures'
import { decodeMarks } from '../helpers/frames'
import { cornerColours, isLogoGreen, logoSpec, makeLogo } from '../helpers/logo'
import { planOf, retime, SegmentCollector } from '../helpers/playout'
import { producerHooks } from '../helpers/producer-hooks'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

const PROFILE = PROFILES['360p']
let tools: FfmpegTools
beforeAll(async () => {
  tools = await getTools()
})
const { processes, cleanups } = producerHooks()

function setup() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const clock = new SystemClock()
  const context = (sequence: number): ProducerContext => ({
    channelUuid: '00000000-0000-4000-8000-00000000b0b0',
    channelName: 'Logo',
    outputDir: path.join(t.dir, 'out'),
    clock,
    sequence
  })
  // One cache per station, shared by its producers (as the factory does).
  const logos = new LogoCache({ tools, profile: PROFILE, processes })
  const opts = { tools, profile: PROFILE, segmentSeconds: 1, processes, logos }
  return { dir: t.dir, clock, context, opts }
}

/** The corners showing the logo on each frame. */
const cornersShowing = (frames: Awaited<ReturnType<typeof cornerColours>>) =>
  frames.map((f) => LOGO_CORNERS.filter((c) => isLogoGreen(f[c])))

/** For every frame: whether the crawl's red band shows at the bottom of the picture (rows 305-345 at 360p). */
async function crawlBand(file: string): Promise<boolean[]> {
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

describe('channel logo (real ffmpeg, decoded frames)', () => {
  it('is in its corner over programming and over the crawl, never on the takeover card, and back on the first frame after the clear', async () => {
    const { dir, clock, context, opts } = setup()
    const logo = logoSpec(await makeLogo(tools, path.join(dir, 'logo.png')), {
      corner: 'top-right'
    })
    const plan = retime(
      await planOf(tools, 0, [{ asset: fixture('numbered-1.mp4'), durationMs: 60_000 }]),
      clock.now() - 1_000
    )

    const a = new NormalProducer(context(1), opts)
    const t0 = clock.now()
    await a.start(plan, t0, { logo })
    const endpoint = a.streamEndpoint()!
    const collector = new SegmentCollector(() => endpoint.playlist, path.join(dir, 'capture'), t0)
    await collector.untilAired(t0 + 1_000, 'a second of programme before the crawl')
    await a.setOverlay({
      message: 'TEST ALERT: the logo stays over the crawl',
      scope: 'crawl',
      sinceMs: clock.now()
    })
    // On from the next frame written at the latest: the one handOverAt() dates.
    await collector.untilAired(a.handOverAt()! + 2_000, 'two seconds of the crawl')
    const cardFrom = a.handOverAt()!
    // The takeover is given the logo too: it must not show it.
    const e = new EmergencyProducer(context(2), opts)
    await e.start(plan, clock.now(), {
      overlay: { message: 'Takeover', scope: 'takeover', sinceMs: clock.now() },
      carryover: await a.handOver(),
      logo
    })
    await collector.untilAired(cardFrom + 1_500, 'a second and a half of the card')
    const backAt = e.handOverAt()!
    const b = new NormalProducer(context(3), opts)
    await b.start(plan, clock.now(), { carryover: await e.handOver(), logo })
    // A second of programme after the clear, and the 200 frames checked.
    await collector.untilAired(Math.max(backAt + 1_000, t0 + 7_000), 'programme after the clear')
    collector.poll()
    collector.stop()
    await b.stop()

    const file = collector.concat(path.join(dir, 'all.ts'))
    const [marks, corners, bands] = await Promise.all([
      decodeMarks(tools, file),
      cornerColours(tools, file, PROFILE, logo),
      crawlBand(file)
    ])
    const showing = cornersShowing(corners)
    expect(marks.length).toBeGreaterThan(200)
    const programme = marks.flatMap((m, k) => (m.id === 1 ? [k] : []))
    const card = marks.flatMap((m, k) => (m.id !== 1 ? [k] : []))
    const crawled = programme.filter((k) => bands[k])
    expect(card.length).toBeGreaterThan(30)
    expect(crawled.length).toBeGreaterThan(30)
    // Programming, with and without the crawl: the logo top right and nowhere else; the card: no logo at all.
    expect(programme.filter((k) => showing[k]!.join() !== 'top-right')).toEqual([])
    expect(card.filter((k) => showing[k]!.length > 0)).toEqual([])
    // After the clear, the first programme frame already carries it (the station had it decoded).
    const back = programme.find((k) => k > card.at(-1)!)!
    expect(back).toBe(card.at(-1)! + 1)
    expect(showing[back]).toEqual(['top-right'])
  }, 120_000)

  it('hides during the item types it is set to hide during, and moves corner on air without a restart', async () => {
    const { dir, clock, context, opts } = setup()
    const logo = logoSpec(await makeLogo(tools, path.join(dir, 'logo.png')), {
      corner: 'top-right',
      hideDuring: ['commercial']
    })
    const probed = await planOf(tools, 0, [
      { asset: fixture('numbered-1.mp4'), durationMs: 2_000 },
      { asset: fixture('numbered-2.mp4'), durationMs: 2_000 },
      { asset: fixture('numbered-1.mp4'), inPointMs: 2_000, durationMs: 30_000 }
    ])
    const [, commercial] = probed.segments
    if (commercial?.kind === 'item') commercial.type = 'commercial'
    const p = new NormalProducer(context(1), opts)
    const t0 = clock.now()
    await p.start(retime(probed, t0), t0, { logo })
    const collector = new SegmentCollector(
      () => p.streamEndpoint()?.playlist ?? null,
      path.join(dir, 'capture'),
      t0
    )
    // Moved once the commercial (2 s to 4 s) is out: the move lands in programming.
    await collector.untilAired(t0 + 4_000, 'the commercial')
    const moved = { ...logo, placement: { ...logo.placement, corner: 'top-left' as LogoCorner } }
    p.setLogo(moved)
    // From the next frame written, or a moment later when the moved logo must be rendered first.
    await collector.untilAired(p.handOverAt()! + 2_500, 'programming with the logo moved')
    collector.poll()
    collector.stop()
    await p.stop()

    const file = collector.concat(path.join(dir, 'all.ts'))
    const [marks, corners] = await Promise.all([
      decodeMarks(tools, file),
      cornerColours(tools, file, PROFILE, logo)
    ])
    const showing = cornersShowing(corners).map((c) => c.join())
    const during = (id: number) => marks.flatMap((m, k) => (m.id === id ? [showing[k]!] : []))
    // The commercial: no logo on any of its frames.
    expect(during(2).length).toBeGreaterThan(50)
    expect(during(2).filter((s) => s !== '')).toEqual([])
    // Programming: top right, then (after the change, with no restart) top left, never both or neither.
    const runs = during(1).reduce<Array<{ at: string; n: number }>>((acc, s) => {
      if (acc.at(-1)?.at === s) acc.at(-1)!.n++
      else acc.push({ at: s, n: 1 })
      return acc
    }, [])
    expect(runs.map((r) => r.at)).toEqual(['top-right', 'top-left'])
    expect(runs[1]!.n).toBeGreaterThan(30)
  }, 120_000)

  it('raises an alarm for a logo that cannot be decoded; programming airs without it', async () => {
    const { dir, clock, context, opts } = setup()
    const broken = path.join(dir, 'broken.png')
    fs.writeFileSync(broken, 'not a png at all')
    const plan = retime(
      await planOf(tools, 0, [{ asset: fixture('numbered-1.mp4'), durationMs: 60_000 }]),
      clock.now()
    )
    const p = new NormalProducer(context(1), opts)
    const alarms: string[] = []
    p.on('alarm', (a) => alarms.push(`${a.kind}: ${a.message}`))
    await p.start(plan, clock.now(), { logo: logoSpec(broken) })
    await expect
      .poll(() => alarms)
      .toEqual([
        expect.stringMatching(/^media-missing: the channel logo cannot be shown: logo failed/)
      ])
    expect(p.state().status).toBe('running')
    await p.stop()
  }, 60_000)
})
