// Playout to viewers on this machine, with real ffmpeg, each figure beside its floor where one
// applies (a bare ffmpeg with the same settings, started by hand, measured in the same run).
//
//   start    viewer attach -> first segment fetchable (HTTP, as a player does), 20 trials
//   join     source position of the first frame served vs. the clock's position at attach
//   seams    100 items of 2 s: boundary error, discontinuities, A/V offset at the end
//   drift    4 channels for 10 minutes: output media time vs. clock time elapsed
//   density  most 360p30 channels live at once with every segment on time for 60 s
//   memory   station RSS with 16 live channels, ffmpeg RSS per channel
//
// `npm run bench -- playout` runs all; RETROVUE_BENCH_QUICK=1 shortens drift and density for a smoke run.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { decoderArgs, encoderArgs } from '../../src/media/commands'
import { ProcessGroup } from '../../src/media/process'
import { PROFILES } from '../../src/media/profiles'
import { SystemClock } from '../../src/runtime/clock'
import { NormalProducer } from '../../src/playout'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { ensureFixtures, fixture, loopOf, stationFixture } from '../helpers/fixtures'
import { decodeBeeps, decodeMarks } from '../helpers/frames'
import { packetTimes, planOf, SegmentCollector, sleep } from '../helpers/playout'
import { startServe, type ServeHandle } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { childrenOf, cpuBusy, processCpu, pssKb, rssKb } from './proc'
import { percentile, type Figure } from './stats'

const QUICK = process.env['RETROVUE_BENCH_QUICK'] === '1'
const FPS = 30
const now = () => performance.now()
const log = (msg: string) => process.stderr.write(`  [playout] ${msg}\n`)

interface Station {
  serve: ServeHandle
  channels: ChannelStatusDto[]
  dir: string
  close: () => Promise<void>
}

/** A headless station (its own process, as in production) with n loop channels over numbered media. */
const MIXED_LOOP = [
  { title: 'Numbers', asset: 'media/numbered-1.mp4', durationMs: 60_000 },
  { title: 'Numbers HD', asset: 'media/numbered-2.mp4', durationMs: 30_000 }
]
/** 640x360 sources only: what a 360p station typically plays (the cost of scaling HD sources is extra). */
const SD_LOOP = [
  { title: 'Numbers', asset: 'media/numbered-1.mp4', durationMs: 60_000 },
  { title: 'Cartoon', asset: 'media/a.mp4', durationMs: 10_000 }
]

async function station(
  n: number,
  items = MIXED_LOOP,
  extra: string[] = [],
  env: Record<string, string> = {}
): Promise<Station> {
  const loop = loopOf(...items)
  const t = stationFixture(
    Array.from({ length: n }, (_, i) => ({
      id: `ch-${i + 1}`,
      name: `Channel ${i + 1}`,
      timezone: 'UTC',
      loop
    })),
    'retrovue-bench-'
  )
  const serve = await startServe(
    path.join(t.dir, 'data'),
    [
      '--station',
      t.file,
      '--viewer-grace-ms',
      '0',
      '--max-producers',
      '64',
      '--session-timeout-ms',
      '600000',
      ...extra
    ],
    { RETROVUE_LOG_LEVEL: 'error', ...env }
  )
  const { channels } = (await (await serve.api('/api/channels')).json()) as {
    channels: ChannelStatusDto[]
  }
  return {
    serve,
    channels,
    dir: t.dir,
    close: async () => {
      await serve.stop()
      t.cleanup()
    }
  }
}

async function attach(s: Station, uuid: string): Promise<ViewerAttachDto> {
  const res = await s.serve.api(`/api/channels/${uuid}/viewers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}'
  })
  if (res.status !== 201) throw new Error(`attach failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as ViewerAttachDto
}

async function detach(s: Station, sessionId: string): Promise<void> {
  await s.serve.api(`/api/viewers/${sessionId}`, { method: 'DELETE' })
}

async function waitStopped(s: Station, uuid: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const c = (await (await s.serve.api(`/api/channels/${uuid}`)).json()) as ChannelStatusDto
    if (c.producerStatus === 'stopped') return
    await sleep(50)
  }
}

/** Where the loop of `station()` is at instant t: source id and position (ms) in that source. */
function loopPosition(tMs: number): { id: number; posMs: number } {
  const pos = (tMs - Date.parse('2026-01-01T00:00:00Z')) % 90_000
  return pos < 60_000 ? { id: 1, posMs: pos } : { id: 2, posMs: pos - 60_000 }
}

// ---- start and join ---------------------------------------------------------------------------

async function startAndJoin(tools: FfmpegTools): Promise<Figure[]> {
  const s = await station(1)
  const uuid = s.channels[0]!.uuid
  const starts: number[] = []
  const joins: number[] = []
  const floors: number[] = []
  const work = tempDir('retrovue-bench-floor-')
  try {
    for (let trial = 0; trial < 20; trial++) {
      // Ours: what a player sees.
      const attachAt = Date.now()
      const t0 = now()
      const a = await attach(s, uuid)
      const playlist = await (await fetch(`${s.serve.url}${a.streamUrl}`)).text()
      const seg = playlist.split('\n').find((l) => l.endsWith('.ts'))!
      const body = Buffer.from(
        await (await fetch(`${s.serve.url}${a.streamUrl.replace('index.m3u8', seg)}`)).arrayBuffer()
      )
      starts.push(now() - t0)
      const segFile = path.join(work.dir, `seg-${trial}.ts`)
      fs.writeFileSync(segFile, body)
      const first = (await decodeMarks(tools, segFile))[0]!
      const expected = loopPosition(attachAt)
      const srcFps = first.id === 2 ? 25 : 30
      if (first.id === expected.id) joins.push(Math.abs((first.n * 1000) / srcFps - expected.posMs))
      await detach(s, a.sessionId)
      await waitStopped(s, uuid)

      // The floor: one bare ffmpeg, same source position, same filters and encoder, no pacing.
      const out = path.join(work.dir, `floor-${trial}`)
      fs.mkdirSync(out)
      const pos = loopPosition(Date.now())
      const decode = decoderArgs({
        asset: fixture(pos.id === 1 ? 'numbered-1.mp4' : 'numbered-2.mp4'),
        offsetMs: pos.posMs,
        durationMs: 20_000,
        profile: PROFILES['360p'],
        sourceFps: pos.id === 1 ? 30 : 25,
        video: true,
        audio: false
      })
      const enc = encoderArgs({ profile: PROFILES['360p'], outDir: out, segmentSeconds: 1 })
      const vf = decode[decode.indexOf('-vf') + 1]!
      const encoderTail = enc.slice(enc.indexOf('-c:v'))
      const f0 = now()
      const ff = execa(
        tools.ffmpeg,
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-ss',
          (pos.posMs / 1000).toFixed(3),
          '-i',
          decode[decode.indexOf('-i') + 1]!,
          '-vf',
          vf,
          '-af',
          'aresample=48000,aformat=sample_fmts=s16:channel_layouts=stereo',
          ...encoderTail
        ],
        { reject: false }
      )
      for (;;) {
        const pl = path.join(out, 'index.m3u8')
        const name = fs.existsSync(pl)
          ? fs
              .readFileSync(pl, 'utf8')
              .split('\n')
              .find((l) => l.endsWith('.ts'))
          : undefined
        if (name) {
          fs.readFileSync(path.join(out, name))
          break
        }
        await sleep(10)
      }
      floors.push(now() - f0)
      ff.kill('SIGKILL')
      await ff
    }
  } finally {
    await s.close()
    work.cleanup()
  }
  starts.sort((a, b) => a - b)
  floors.sort((a, b) => a - b)
  joins.sort((a, b) => a - b)
  const p95 = percentile(starts, 95)
  const floor95 = percentile(floors, 95)
  return [
    {
      name: 'start p50 (attach -> first segment fetched)',
      value: percentile(starts, 50),
      unit: 'ms',
      floor: percentile(floors, 50)
    },
    {
      name: 'start p95',
      value: p95,
      unit: 'ms',
      floor: floor95,
      target: '<= 800 ms and <= 1.5 x floor',
      ok: p95 <= 800 && p95 <= 1.5 * floor95,
      note: '20 trials each, interleaved'
    },
    {
      name: 'join accuracy p95 (first frame vs clock)',
      value: percentile(joins, 95),
      unit: 'ms',
      target: '<= 33 ms (1 frame)',
      ok: percentile(joins, 95) <= 33.4,
      note: `${joins.length} joins, max ${joins.at(-1)?.toFixed(1)} ms`
    }
  ]
}

// ---- seams --------------------------------------------------------------------------------

async function seams(tools: FfmpegTools): Promise<Figure[]> {
  const items = QUICK ? 20 : 100
  const clock = new SystemClock()
  const t = tempDir('retrovue-bench-seams-')
  const t0 = clock.now() + 300
  const plan = await planOf(
    tools,
    t0,
    Array.from({ length: items }, (_, i) => ({
      asset: fixture(`numbered-${(i % 2) + 1}.mp4`),
      inPointMs: (i * 1_337) % 20_000,
      durationMs: 2_000
    }))
  )
  const producer = new NormalProducer(
    {
      channelUuid: '00000000-0000-4000-8000-0000000be0c4',
      channelName: 'Seams',
      outputDir: path.join(t.dir, 'out'),
      clock,
      sequence: 1
    },
    { tools, profile: PROFILES['360p'], segmentSeconds: 1, processes: new ProcessGroup() }
  )
  try {
    await producer.start(plan, t0)
    const collector = new SegmentCollector(
      () => producer.streamEndpoint()?.playlist ?? null,
      path.join(t.dir, 'capture')
    )
    log(`seams: airing ${items} items of 2 s`)
    await sleep(plan.toMs - clock.now() + 2_500)
    collector.stop()
    await producer.stop()
    const file = collector.concat(path.join(t.dir, 'all.ts'))
    const marks = await decodeMarks(tools, file)
    // Boundaries: the first frame of each item vs. its scheduled frame.
    let worst = 0
    let k = 0
    for (let i = 0; i < items; i++) {
      const scheduled = Math.round(((plan.segments[i]!.startMs - t0) * FPS) / 1000)
      const id = (i % 2) + 1
      while (k < marks.length && marks[k]!.id !== id) k++
      worst = Math.max(worst, Math.abs(k - scheduled))
      k = scheduled + 1
    }
    const { video, audio } = await packetTimes(tools, file)
    const jumps =
      video.slice(1).filter((p, i) => p - video[i]! !== 3000).length +
      audio.slice(1).filter((p, i) => p - audio[i]! !== 1920).length
    // A/V at the end: beeps against flashes over the last 10 s, both on the stream's own clock.
    const beeps = await decodeBeeps(tools, file)
    const v0 = video[0]! / 90
    const a0 = audio[0]! / 90
    const flashes = marks
      .map((m, i) => (m.flash ? v0 + (i * 1000) / FPS : null))
      .filter((x): x is number => x !== null)
    const end = v0 + (marks.length * 1000) / FPS
    const offsets: number[] = []
    for (const b of beeps) {
      const at = a0 + b * 1000
      if (at < end - 10_000) continue
      const nearest = flashes.reduce(
        (best, f) => (Math.abs(f - at) < Math.abs(best - at) ? f : best),
        Infinity
      )
      if (Math.abs(nearest - at) < 500) offsets.push(at - nearest)
    }
    const avOffset = offsets.length ? offsets.reduce((a, b) => a + b, 0) / offsets.length : NaN
    return [
      {
        name: `seams: largest boundary gap/overlap (${items} x 2 s)`,
        value: (worst * 1000) / FPS,
        unit: 'ms',
        target: '<= 33 ms (1 frame)',
        ok: worst <= 1,
        note: `${worst} frame(s)`
      },
      {
        name: 'seams: discontinuities (markers + timestamp jumps)',
        value: collector.discontinuities + jumps,
        unit: '',
        target: '0',
        ok: collector.discontinuities + jumps === 0
      },
      {
        name: 'seams: A/V offset at the end (audio - video)',
        value: avOffset,
        unit: 'ms',
        target: '<= 33 ms',
        ok: Math.abs(avOffset) <= 33.4,
        note: `${offsets.length} beep/flash pairs in the last 10 s`
      }
    ]
  } finally {
    await producer.stop()
    t.cleanup()
  }
}

// ---- drift --------------------------------------------------------------------------------

interface Appearance {
  at: number
  mediaEndMs: number
}

/** Records, from each playlist read, the segments not seen before and the media time each ends at. */
function appearanceRecorder() {
  const samples: Appearance[] = []
  const seen = new Set<string>()
  let media = 0
  return {
    samples,
    read(text: string): void {
      const at = Date.now()
      const lines = text.split('\n')
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!
        if (!l.endsWith('.ts') || seen.has(l)) continue
        seen.add(l)
        media += Number.parseFloat(lines[i - 1]!.slice(8)) * 1000
        samples.push({ at, mediaEndMs: media })
      }
    }
  }
}

/** Follows a viewer's playlist and records when each segment appears and the media time it ends at. */
function follow(s: Station, streamUrl: string): { samples: Appearance[]; stop: () => void } {
  const recorder = appearanceRecorder()
  let stopped = false
  void (async () => {
    while (!stopped) {
      try {
        recorder.read(await (await fetch(`${s.serve.url}${streamUrl}`)).text())
      } catch {
        // keep following
      }
      await sleep(50)
    }
  })()
  return { samples: recorder.samples, stop: () => (stopped = true) }
}

async function drift(): Promise<Figure[]> {
  const minutes = QUICK ? 1 : 10
  const s = await station(4)
  try {
    const follows = []
    for (const c of s.channels) follows.push(follow(s, (await attach(s, c.uuid)).streamUrl))
    log(`drift: 4 channels for ${minutes} min`)
    await sleep(minutes * 60_000 + 3_000)
    follows.forEach((f) => f.stop())
    let worst = 0
    const notes: string[] = []
    for (const f of follows) {
      // Offset of output media time from clock time elapsed, per segment; compare the first minute with the last.
      const t0 = f.samples[0]!.at - f.samples[0]!.mediaEndMs
      const offsets = f.samples.map((x) => ({ at: x.at, off: x.mediaEndMs - (x.at - t0) }))
      const window = Math.min(60_000, (minutes * 60_000) / 3)
      const head = offsets.filter((o) => o.at - offsets[0]!.at < window).map((o) => o.off)
      const tail = offsets.filter((o) => offsets.at(-1)!.at - o.at < window).map((o) => o.off)
      // The earliest appearance in a window is the least delayed by polling and encoding jitter.
      const d = Math.max(...tail) - Math.max(...head)
      worst = Math.max(worst, Math.abs(d))
      notes.push(`${d >= 0 ? '+' : ''}${d.toFixed(0)}`)
    }
    return [
      {
        name: `drift: output media time vs clock over ${minutes} min (4 channels)`,
        value: worst,
        unit: 'ms',
        target: '<= 33 ms (1 frame)',
        ok: worst <= 33.4,
        note: `per channel ${notes.join(', ')} ms`
      }
    ]
  } finally {
    await s.close()
  }
}

// ---- density and memory -------------------------------------------------------------------

/**
 * Watches a channel's output folder and records when each segment appears, without loading the
 * station with requests (players poll about once a segment; the measurement must not cost more).
 */
function watchOutput(channelDir: string): { samples: Appearance[]; stop: () => void } {
  const recorder = appearanceRecorder()
  let producerDir: string | null = null
  const read = () => {
    if (!producerDir) {
      const sub = fs.existsSync(channelDir)
        ? fs.readdirSync(channelDir).find((d) => d.includes('-normal-'))
        : undefined
      if (!sub) return
      producerDir = path.join(channelDir, sub)
    }
    try {
      recorder.read(fs.readFileSync(path.join(producerDir, 'index.m3u8'), 'utf8'))
    } catch {
      // not written yet
    }
  }
  let watcher: fs.FSWatcher | null = null
  const poll = setInterval(() => {
    read()
    if (!watcher && producerDir) {
      watcher = fs.watch(producerDir, () => read())
      watcher.on('error', () => undefined)
    }
  }, 20)
  return {
    samples: recorder.samples,
    stop: () => {
      clearInterval(poll)
      watcher?.close()
    }
  }
}

export interface DensityResult {
  onTime: boolean
  worstLateMs: number
  /** Share of the whole machine busy over the measurement. */
  cpu: number
  /** Cores used by the station process alone, and with its ffmpeg children. */
  station: { own: number; tree: number }
}

/**
 * n channels live for `seconds`: is every segment available by the time its last frame airs?
 * `env` goes to the station process (the health bench turns output watching off with it).
 */
export async function densityTrial(
  n: number,
  seconds: number,
  memory: Figure[] | null,
  env: Record<string, string> = {}
): Promise<DensityResult> {
  const s = await station(n, SD_LOOP, [], env)
  try {
    const follows = []
    const starts: number[] = []
    const outputs = path.join(s.dir, 'data', 'outputs')
    for (const c of s.channels) {
      starts.push(Date.now())
      await attach(s, c.uuid)
      follows.push(watchOutput(path.join(outputs, c.uuid)))
    }
    // Every channel tuned in at the same instant: let the start-up rush settle before measuring.
    await sleep(15_000)
    const pid = s.serve.child.pid!
    const cpu0 = cpuBusy()
    const proc0 = processCpu(pid)
    const from = Date.now()
    await sleep(seconds * 1000)
    const cpu1 = cpuBusy()
    const proc1 = processCpu(pid)
    const elapsed = (Date.now() - from) / 1000
    if (memory) {
      const kids = childrenOf(pid)
      const ffmpegKb = kids.reduce((sum, k) => sum + rssKb(k), 0)
      const ffmpegPss = kids.reduce((sum, k) => sum + pssKb(k), 0)
      memory.push(
        {
          name: `memory: station process RSS, ${n} live channels`,
          value: rssKb(pid) / 1024,
          unit: 'MiB'
        },
        {
          name: 'memory: ffmpeg RSS per channel',
          value: ffmpegKb / 1024 / n,
          unit: 'MiB',
          note: `${kids.length} ffmpeg processes (encoder + decoder); shared libraries counted in each`
        },
        {
          name: 'memory: ffmpeg PSS per channel',
          value: ffmpegPss / 1024 / n,
          unit: 'MiB',
          note: 'shared pages divided among the processes'
        }
      )
    }
    follows.forEach((f) => f.stop())
    // On time: a segment is fetchable before the station time at which its last frame is due on
    // air (the channel's start + its media end), so a viewer at the live edge never stalls. The
    // attach request's time stands for the start (the producer's own start is a little later,
    // which only makes this stricter).
    let worst = -Infinity
    follows.forEach((f, i) => {
      const lates = f.samples
        .filter((x) => x.at >= from)
        .map((x) => x.at - (starts[i]! + x.mediaEndMs))
      if (process.env['RETROVUE_BENCH_DEBUG'])
        log(`channel ${i}: ${lates.map((l) => l.toFixed(0)).join(' ')}`)
      for (const l of lates) worst = Math.max(worst, l)
    })
    const cpu = (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)
    const station = {
      own: (proc1.own - proc0.own) / elapsed,
      tree: (proc1.tree - proc0.tree) / elapsed
    }
    return { onTime: worst <= 0, worstLateMs: worst, cpu, station }
  } finally {
    await s.close()
  }
}

async function density(): Promise<Figure[]> {
  const seconds = QUICK ? 15 : 60
  const memory: Figure[] = []
  let best = 0
  let bestCpu = 0
  const notes: string[] = []
  for (const n of [16, 18, 20, 22, 24, 28, 32]) {
    log(`density: ${n} channels for ${seconds} s`)
    const r = await densityTrial(n, seconds, n === 16 ? memory : null)
    notes.push(
      `${n}: ${r.onTime ? 'on time' : 'late'} (worst ${r.worstLateMs.toFixed(0)} ms, CPU ${(r.cpu * 100).toFixed(0)}%)`
    )
    if (!r.onTime) break
    best = n
    bestCpu = r.cpu
  }
  return [
    {
      name: `density: most 360p30 channels with every segment on time for ${seconds} s`,
      value: best,
      unit: 'channels',
      target: '>= 16',
      ok: best >= 16,
      note: `640x360 sources; machine CPU ${(bestCpu * 100).toFixed(0)}% at ${best}`
    },
    ...memory,
    { name: 'density trials', value: notes.length, unit: 'runs', note: notes.join('; ') }
  ]
}

export async function run(): Promise<Figure[]> {
  await ensureFixtures()
  const tools = await locateFfmpeg()
  const only = (process.env['RETROVUE_BENCH_PLAYOUT'] ?? 'start,seams,drift,density').split(',')
  const figures: Figure[] = []
  if (only.includes('start')) figures.push(...(await startAndJoin(tools)))
  if (only.includes('seams')) figures.push(...(await seams(tools)))
  if (only.includes('drift')) figures.push(...(await drift()))
  if (only.includes('density')) figures.push(...(await density()))
  return figures
}
