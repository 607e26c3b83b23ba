// What a copy channel costs against an encode channel (issue 28): N channels of each, one kind at a
// time, on the same plan of short numbered clips back to back (an item boundary every 3 s or so),
// 360p30, 1 s segments, the system clock. CPU is read from /proc for this process and its children
// (live and reaped) over the measured stretch, after the starts have settled.
//
//   npx tsx test/bench/copy-cost.ts [channels=3] [seconds=60] [itemSeconds]
//
// With itemSeconds, every item is one clip that long (a remux start per item: short items cost
// more, a start being most of a remux's CPU).
//
// Not part of `npm run bench`: `npm run bench -- density` measures the same at 720p on a real station.
import path from 'node:path'
import { execa } from 'execa'
import { conformArgs, conformFrames, houseGopFrames } from '../../src/media/conform'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { ProcessGroup } from '../../src/media/process'
import { PROFILES } from '../../src/media/profiles'
import { NormalProducer, type Producer } from '../../src/playout'
import { CopyProducer } from '../../src/playout/copy-producer'
import { SystemClock } from '../../src/runtime/clock'
import type { AssetInfo, PlayoutPlan, PlayoutSegment, RenditionRef } from '../../src/shared/domain'
import { renderNumbered } from '../helpers/frames'
import { assetInfo } from '../helpers/playout'
import { tempDir } from '../helpers/tmp'
import { processCpu } from './proc'

const channels = Number(process.argv[2] ?? 3)
const seconds = Number(process.argv[3] ?? 60)
const profile = PROFILES['360p']
const SEGMENT_SECONDS = 1
const GOP = houseGopFrames(profile, SEGMENT_SECONDS)
const CLIPS = process.argv[4]
  ? [{ id: 21, seconds: Number(process.argv[4]) }]
  : [
      { id: 21, seconds: 3.5 },
      { id: 22, seconds: 2.8 },
      { id: 23, seconds: 3.2 }
    ]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<void> {
  const tools = await locateFfmpeg()
  const work = tempDir('retrovue-copy-cost-')
  const processes = new ProcessGroup()
  try {
    const clips: Array<{ asset: AssetInfo; rendition: RenditionRef; ms: number }> = []
    for (const c of CLIPS) {
      const src = path.join(work.dir, `src-${c.id}.mp4`)
      const out = path.join(work.dir, `rendition-${c.id}.mp4`)
      await renderNumbered(tools, { file: src, id: c.id, durationS: c.seconds })
      const ms = c.seconds * 1000
      await execa(
        tools.ffmpeg,
        conformArgs({
          input: src,
          output: out,
          profile,
          gopFrames: GOP,
          durationMs: ms,
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
      clips.push({
        asset: await assetInfo(tools, src),
        rendition: { path: out, frames: conformFrames(ms, profile), gopFrames: GOP },
        ms
      })
    }
    const clock = new SystemClock()
    const planFrom = (startMs: number): PlayoutPlan => {
      const segments: PlayoutSegment[] = []
      let t = startMs
      for (let i = 0; t < startMs + (seconds + 20) * 1000; i++) {
        const c = clips[i % clips.length]!
        segments.push({
          kind: 'item',
          eventId: i + 1,
          title: `clip ${i}`,
          type: 'program',
          startMs: t,
          endMs: t + c.ms,
          inPointMs: 0,
          asset: c.asset,
          rendition: c.rendition
        })
        t += c.ms
      }
      return { channelUuid: 'bench', fromMs: startMs, toMs: t, segments }
    }
    const opts = { tools, profile, segmentSeconds: SEGMENT_SECONDS, processes, outputKeepMs: 0 }
    const results: Record<string, number> = {}
    for (const kind of ['copy', 'encode'] as const) {
      const producers: Producer[] = []
      const startAt = clock.now()
      for (let i = 0; i < channels; i++) {
        const context = {
          channelUuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          channelName: `${kind} ${i}`,
          outputDir: path.join(work.dir, kind),
          clock,
          sequence: 1
        }
        const p =
          kind === 'copy' ? new CopyProducer(context, opts) : new NormalProducer(context, opts)
        await p.start(planFrom(startAt), clock.now())
        producers.push(p)
      }
      await sleep(3000) // starts settle
      const before = processCpu(process.pid)
      const t = performance.now()
      await sleep(seconds * 1000)
      const wallS = (performance.now() - t) / 1000
      // The encoders are children still alive: read before they stop.
      const after = processCpu(process.pid)
      await Promise.all(producers.map((p) => p.stop()))
      const share = (after.tree - before.tree) / wallS / channels
      const own = (after.own - before.own) / wallS / channels
      results[kind] = share
      console.log(
        `${kind}: ${channels} channels, ${wallS.toFixed(0)} s: ${(share * 100).toFixed(2)} % of a core per channel ` +
          `(station process ${(own * 100).toFixed(2)} %, ffmpeg ${((share - own) * 100).toFixed(2)} %)`
      )
    }
    console.log(`copy / encode: ${(results.copy! / results.encode!).toFixed(3)}`)
  } finally {
    await processes.killAll()
    work.cleanup()
  }
}

await main()
