// The producer package's parts that need no ffmpeg: which overlays each producer accepts (the
// ProgramDirector counts a channel as switched only when its producer accepted), producer ids from
// the channel's sequence, the output folder's removal failing as a report rather than a throw, and
// the process group ending its members.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { ProcessGroup, SPAWN_PACE_MS } from '../../src/media/process'
import { PROFILES } from '../../src/media/profiles'
import { SimulatedClock } from '../../src/runtime/clock'
import {
  BaseProducer,
  EmergencyProducer,
  GuideProducer,
  NormalProducer,
  SlateProducer,
  type EmergencyOverlay,
  type ProducerContext
} from '../../src/playout'
import { OutputFolder } from '../../src/playout/output-folder'
import { tempDir } from '../helpers/tmp'

// Never run: nothing here starts output.
const tools: FfmpegTools = {
  ffmpeg: '/nonexistent/ffmpeg',
  ffprobe: '/nonexistent/ffprobe',
  version: 'none',
  source: 'configured'
}
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function context(sequence = 1): ProducerContext {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return {
    channelUuid: '0123abcd-0000-4000-8000-000000000001',
    channelName: 'Test',
    outputDir: t.dir,
    clock: new SimulatedClock('2026-11-25T12:00:00Z'),
    sequence
  }
}
const options = () => ({
  tools,
  profile: PROFILES['360p'],
  segmentSeconds: 1,
  processes: new ProcessGroup()
})
const crawl: EmergencyOverlay = { message: 'Severe weather warning', scope: 'crawl', sinceMs: 0 }
const takeover: EmergencyOverlay = { message: 'Shelter in place', scope: 'takeover', sinceMs: 0 }

describe('overlays a producer accepts', () => {
  it.each([
    ['normal', (c: ProducerContext) => new NormalProducer(c, options())],
    ['guide', (c: ProducerContext) => new GuideProducer(c, options())],
    ['slate', (c: ProducerContext) => new SlateProducer(c, options())]
  ] as const)('%s: a crawl, never a takeover', async (_type, make) => {
    const p = make(context())
    await expect(p.setOverlay(takeover)).rejects.toThrow(/shows only a crawl/)
    expect(p.state().overlay).toBeNull()
    await p.setOverlay(crawl)
    expect(p.state().overlay).toEqual(crawl)
    await expect(p.setOverlay(takeover)).rejects.toThrow(/shows only a crawl/)
    expect(p.state().overlay).toEqual(crawl) // a refused switch changes nothing
    await p.setOverlay(null)
    expect(p.state().overlay).toBeNull()
  })

  it('emergency: a takeover only, and never nothing', async () => {
    const p = new EmergencyProducer(context(), options())
    await expect(p.setOverlay(crawl)).rejects.toThrow(/only a takeover/)
    await expect(p.setOverlay(null)).rejects.toThrow(/only a takeover/)
    expect(p.state().overlay).toBeNull()
    await p.setOverlay(takeover)
    expect(p.state().overlay).toEqual(takeover)
    await p.stop() // waits for the card render it asked for (which fails: no ffmpeg here)
  })

  it('a producer that does not say how to show an overlay refuses one', async () => {
    class Bare extends BaseProducer {
      async start(): Promise<void> {}
      async stop(): Promise<void> {}
      streamEndpoint() {
        return null
      }
    }
    const p = new Bare('normal', context())
    await expect(p.setOverlay(crawl)).rejects.toThrow(/cannot show an emergency crawl/)
    await p.setOverlay(null)
    expect(p.state().overlay).toBeNull()
  })
})

describe('producer identity', () => {
  it("is the channel, the type and the channel's sequence number; output folders never repeat", () => {
    const a = new NormalProducer(context(7), options())
    const b = new NormalProducer({ ...context(7) }, options())
    expect(a.id).toBe('0123abcd-normal-7')
    expect(new SlateProducer(context(8), options()).id).toBe('0123abcd-slate-8')
    expect(b.id).toBe(a.id)
    // Same id in another station run, yet its own folder: an earlier run's removal cannot reach it.
    const first = OutputFolder.fresh('/srv/out', a.id)
    const again = OutputFolder.fresh('/srv/out', b.id)
    expect(path.basename(first.dir)).toMatch(/^0123abcd-normal-7-[0-9a-f]{6}$/)
    expect(path.dirname(first.dir)).toBe('/srv/out')
    expect(first.dir).not.toBe(again.dir)
  })
})

describe('output folder', () => {
  it('reports a removal that fails on its timer (ENOTDIR) instead of throwing', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const notADir = path.join(t.dir, 'channel')
    fs.writeFileSync(notADir, 'a regular file where the channel folder was')
    const folder = new OutputFolder(path.join(notADir, 'producer'))
    const failed = await new Promise<Error>((resolve) => folder.removeLater(20, resolve))
    expect((failed as NodeJS.ErrnoException).code).toBe('ENOTDIR')
    // And at once (keep 0), still reported, not thrown.
    const errors: Error[] = []
    expect(() => folder.removeLater(0, (e) => errors.push(e))).not.toThrow()
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOTDIR'])
  })
})

describe('process group', () => {
  it('kills its members, and anything spawned into it after it was killed', async () => {
    const group = new ProcessGroup()
    const a = group.spawn('sleeper', 'sleep', ['30'])
    const b = group.spawn('sleeper', 'sleep', ['30'])
    expect(group.live()).toEqual([a, b])
    await group.killAll()
    expect(group.live()).toEqual([])
    expect([a.running, b.running]).toEqual([false, false])
    const late = group.spawn('late', 'sleep', ['30'])
    expect((await late.exited).signal).toBe('SIGKILL')
    expect(group.live()).toEqual([])
  })

  it('ends a killed child even when one of its pipes does not end with it', async () => {
    // As a decoder's stderr did during a full disk: the child died, the pipe stayed open (here a
    // process the child left behind holds it), and waiting for it kept the station from closing.
    const group = new ProcessGroup()
    const p = group.spawn('decoder', 'sh', [
      '-c',
      'sleep 30 </dev/null >/dev/null & echo $!; exec sleep 30'
    ])
    const holder = await new Promise<number>((resolve) =>
      p.child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
    )
    try {
      let timer: ReturnType<typeof setTimeout> | undefined
      const killed = await Promise.race([
        group.killAll().then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5_000)))
      ])
      clearTimeout(timer)
      expect(killed, 'the group killed its child within 5 s').toBe(true)
      expect(group.live()).toEqual([])
      expect(p.running).toBe(false)
    } finally {
      process.kill(holder, 'SIGKILL')
    }
  })

  it('paces early starts one at a time, SPAWN_PACE_MS apart, and drops those waiting when killed', async () => {
    vi.useFakeTimers()
    try {
      const group = new ProcessGroup()
      const ran: string[] = []
      for (const name of ['a', 'b', 'c', 'd']) group.paced(() => ran.push(name))
      expect(ran).toEqual([])
      await vi.advanceTimersByTimeAsync(0)
      expect(ran).toEqual(['a'])
      await vi.advanceTimersByTimeAsync(SPAWN_PACE_MS - 1)
      expect(ran).toEqual(['a'])
      await vi.advanceTimersByTimeAsync(1)
      expect(ran).toEqual(['a', 'b'])
      await group.killAll()
      await vi.advanceTimersByTimeAsync(SPAWN_PACE_MS * 5)
      expect(ran).toEqual(['a', 'b'])
      group.paced(() => ran.push('late'))
      await vi.advanceTimersByTimeAsync(SPAWN_PACE_MS * 5)
      expect(ran).toEqual(['a', 'b'])
    } finally {
      vi.useRealTimers()
    }
  })

  it('runs a short command to completion for its output, and bounds it', async () => {
    const group = new ProcessGroup()
    expect((await group.output('echo', 'printf', ['card'], 5_000)).toString()).toBe('card')
    await expect(group.output('stuck', 'sleep', ['30'], 100)).rejects.toThrow(
      /stuck took longer than 0.1 s/
    )
    await expect(group.output('false', 'false', [], 5_000)).rejects.toThrow(
      /false failed \(code 1\)/
    )
    expect(group.live()).toEqual([])
  })
})
