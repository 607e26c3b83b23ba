// Output health on this machine: what watching costs and how fast a fault becomes an alarm.
//
//   analysis  the output monitor on real decoded frames, in process: microseconds per frame, and
//             beside it what ffmpeg's own blackdetect + freezedetect + silencedetect + astats cost
//             on the same media (the alternative the engine's sampling replaces)
//   density   16 channels of 360p30 with watching on and off, each on its own headless station
//             (RETROVUE_OUTPUT_MONITOR=off): every segment on time, and the CPU of the station
//             process alone and with its ffmpeg children, per channel
//   logo      the channel logo blended onto decoded frames: per frame and % of a core per channel (logo-cost.ts)
//   loudness  the BS.1770 meter alone on 60 s of decoded PCM (a tone, and a noise programme: the
//             true peak costs most on dense full-band sound), and the engine's whole loudness path
//             per frame (gain, true-peak limiter, meter, LOUD / QUIET) beside the output monitor:
//             share of a core per channel (target: the meter under 0.3 %)
//   loudness-density  (not run by default) N channels (RETROVUE_BENCH_HEALTH_CHANNELS, default 4)
//             of 360p30 on a headless station with loudness control on and off
//             (RETROVUE_LOUDNESS=off): station process CPU per channel
//   latency   one station with default thresholds airing media that goes black (5-10 s), freezes
//             (15-30 s) and falls silent (35-50 s): alarm seen on the event WebSocket - fault, vs
//             the configured duration; the alarm's time vs the fault; clear seen - fault end
//
// `npm run bench -- health`; RETROVUE_BENCH_QUICK=1 measures density for 15 s instead of 60;
// RETROVUE_BENCH_HEALTH=analysis,logo,density,latency picks parts.
import path from 'node:path'
import { execa } from 'execa'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { OutputMonitor } from '../../src/playout/output-monitor'
import { LoudnessMeter } from '../../src/playout/loudness-meter'
import { LoudnessControl } from '../../src/playout/loudness-control'
import type { AlarmDto, ChannelStatusDto, StationEvent } from '../../src/shared/api'
import { DEFAULT_LOUDNESS, DEFAULT_OUTPUT_HEALTH } from '../../src/shared/domain'
import { ensureFaultMedia, FAULT_SPECS, faultMediaName } from '../helpers/fault-media'
import { ensureFixtures, fixture, stationFixture } from '../helpers/fixtures'
import { sleep } from '../helpers/playout'
import { startServe } from '../helpers/serve'
import { densityTrial } from './playout.bench'
import { processCpu } from './proc'
import { type Figure } from './stats'
import { logoCost } from './logo-cost'

const QUICK = process.env['RETROVUE_BENCH_QUICK'] === '1'
const P = PROFILES['360p']
const log = (msg: string) => process.stderr.write(`  [health] ${msg}\n`)

// ---- analysis -------------------------------------------------------------------------------

async function decode(tools: FfmpegTools, file: string, args: string[]): Promise<Buffer> {
  const { stdout } = await execa(tools.ffmpeg, ['-v', 'error', '-i', file, ...args, 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 2 ** 30
  })
  return Buffer.from(stdout)
}

/** CPU seconds an ffmpeg run takes (its user + system time, read from our reaped children). */
async function ffmpegCpu(tools: FfmpegTools, args: string[]): Promise<number> {
  const before = processCpu(process.pid)
  await execa(tools.ffmpeg, ['-hide_banner', '-v', 'error', ...args])
  const after = processCpu(process.pid)
  return after.tree - after.own - (before.tree - before.own)
}

async function analysis(tools: FfmpegTools): Promise<Figure[]> {
  const source = fixture('a.mp4') // moving test picture over a tone: the monitor's ordinary work
  const frameBytes = (P.width * P.height * 3) / 2
  const audioBytes = (P.sampleRate / P.fps) * 4
  const video = await decode(tools, source, [
    '-frames:v',
    '150',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p'
  ])
  const audio = await decode(tools, source, ['-t', '5', '-f', 's16le', '-ac', '2', '-ar', '48000'])
  const frames = Math.min(
    Math.floor(video.length / frameBytes),
    Math.floor(audio.length / audioBytes)
  )
  const monitor = new OutputMonitor(P, DEFAULT_OUTPUT_HEALTH)
  const run = (from: number, count: number) => {
    for (let k = from; k < from + count; k++) {
      const i = k % frames
      const a = audio.subarray(i * audioBytes, (i + 1) * audioBytes)
      monitor.frame(
        k,
        {
          video: video.subarray(i * frameBytes, (i + 1) * frameBytes),
          audio: a,
          slate: false,
          card: false
        },
        a,
        true
      )
      monitor.due(k)
    }
  }
  run(0, 3_000) // warm-up
  const n = 30_000
  const t0 = process.hrtime.bigint()
  run(3_000, n)
  const perFrameUs = Number(process.hrtime.bigint() - t0) / 1e3 / n

  // The alternative: ffmpeg's detection filters on the same media, over 30 s of it.
  const input = ['-stream_loop', '2', '-i', source]
  const bare = await ffmpegCpu(tools, [...input, '-f', 'null', '-'])
  const filtered = await ffmpegCpu(tools, [
    ...input,
    '-vf',
    'blackdetect=d=2:pix_th=0.10,freezedetect=n=0.001:d=10',
    '-af',
    'silencedetect=n=-60dB:d=10,astats=metadata=1:reset=3',
    '-f',
    'null',
    '-'
  ])
  const filterShare = (filtered - bare) / 30
  return [
    {
      name: 'analysis: output monitor per frame (picture 1 in 2, sound every frame)',
      value: perFrameUs,
      unit: 'us',
      note: `${frames} decoded 360p frames of a.mp4, ${n} frames timed`
    },
    {
      name: 'analysis: output monitor, share of a core per 360p30 channel',
      value: (perFrameUs * P.fps) / 1e4,
      unit: '%',
      floor: filterShare * 100,
      note: 'floor: ffmpeg blackdetect+freezedetect+silencedetect+astats on the same media'
    }
  ]
}

// ---- loudness -------------------------------------------------------------------------------

/** 60 s of a pink-ish noise programme, stereo s16le at the profile's rate. */
function noiseProgramme(seconds: number): Buffer {
  const n = P.sampleRate * seconds
  const b = Buffer.alloc(n * 4)
  let s = 1
  let lp = 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff
    const w = s / 0x7fffffff - 0.5
    lp = 0.97 * lp + 0.03 * w
    const v = Math.round((4 * lp + 0.1 * w) * 0.25 * 32767 * (0.6 + 0.4 * Math.sin(i / 20_000)))
    b.writeInt16LE(v, i * 4)
    b.writeInt16LE(-v, i * 4 + 2)
  }
  return b
}

/**
 * Best of `tries` runs of fn over the whole of `pcm` in frames: ms of CPU per second of sound. CPU
 * time of this process (not the wall clock), so that other work on a shared machine does not count.
 */
function msPerSecond(pcm: Buffer, fn: (frame: Buffer, k: number) => void, tries = 5): number {
  const bytes = (P.sampleRate / P.fps) * 4
  const seconds = pcm.length / 4 / P.sampleRate
  let best = Infinity
  for (let r = 0; r < tries; r++) {
    const t0 = process.cpuUsage()
    for (let k = 0, at = 0; at + bytes <= pcm.length; k++, at += bytes)
      fn(pcm.subarray(at, at + bytes), k)
    const used = process.cpuUsage(t0)
    best = Math.min(best, (used.user + used.system) / 1e3 / seconds)
  }
  return best
}

async function loudness(tools: FfmpegTools): Promise<Figure[]> {
  const seconds = 60
  // a.mp4's 10 s of tone, six times over.
  const ten = await decode(tools, fixture('a.mp4'), [
    '-t',
    '10',
    '-f',
    's16le',
    '-ac',
    '2',
    '-ar',
    String(P.sampleRate)
  ])
  const tone = Buffer.concat(Array.from({ length: seconds / 10 }, () => ten))
  const noise = noiseProgramme(seconds)
  const figures: Figure[] = []
  for (const [what, pcm] of [
    ['tone (a.mp4)', tone],
    ['noise programme', noise]
  ] as const) {
    const meter = new LoudnessMeter(P.sampleRate, 2)
    const ms = msPerSecond(pcm, (f) => meter.write(f))
    figures.push({
      name: `loudness: meter alone, ${what}, share of a core per channel`,
      value: ms / 10,
      unit: '%',
      target: '< 0.3 %',
      ok: ms / 10 < 0.3,
      note: `${seconds} s of 48 kHz stereo, process CPU time, best of 5`
    })
  }
  // The engine's audio path per frame: the output monitor alone, then with loudness control.
  const slot = {
    key: 'bench',
    startFrame: 0,
    endFrame: Infinity,
    open: () => {
      throw new Error('unused')
    },
    gainDb: 6
  }
  const video = Buffer.alloc((P.width * P.height * 3) / 2, 90)
  for (const [what, pcm] of [
    ['tone (a.mp4)', tone],
    ['noise programme, +6 dB into the limiter', noise]
  ] as const) {
    const monitor = new OutputMonitor(P, DEFAULT_OUTPUT_HEALTH)
    const frame = (a: Buffer) => ({ video, audio: a, slate: false, card: false })
    const bare = msPerSecond(pcm, (a, k) => monitor.frame(k, frame(a), a, true))
    const control = new LoudnessControl(P, DEFAULT_LOUDNESS)
    const withLoudness = msPerSecond(pcm, (a, k) => {
      const out = control.apply(a, slot)
      control.measure(k, out, true)
      monitor.frame(k, frame(out), out, true)
      control.due(k)
    })
    figures.push({
      name: `loudness: engine audio path per channel (gain, limiter, meter), ${what}`,
      value: (withLoudness - bare) / 10,
      unit: '% core',
      floor: bare / 10,
      note: 'floor: the output monitor alone on the same frames'
    })
  }
  return figures
}

async function loudnessDensity(): Promise<Figure[]> {
  const n = Number(process.env['RETROVUE_BENCH_HEALTH_CHANNELS'] ?? 4)
  const seconds = QUICK ? 15 : 60
  const results: Record<'off' | 'on', Awaited<ReturnType<typeof densityTrial>>> = {} as never
  for (const mode of ['off', 'on'] as const) {
    log(`loudness density: ${n} channels for ${seconds} s, loudness control ${mode}`)
    results[mode] = await densityTrial(
      n,
      seconds,
      null,
      mode === 'off' ? { RETROVUE_LOUDNESS: 'off' } : {}
    )
  }
  const per = (x: number) => (x * 100) / n
  return [
    {
      name: `loudness density: ${n} x 360p30, station process CPU per channel, loudness on`,
      value: per(results.on.station.own),
      unit: '% core',
      floor: per(results.off.station.own),
      note: 'floor: RETROVUE_LOUDNESS=off, same run'
    },
    {
      name: 'loudness density: loudness control per channel (on - off)',
      value: per(results.on.station.own - results.off.station.own),
      unit: '% core',
      note: 'noisy: two cores shared with other work'
    }
  ]
}

// ---- density and cost -----------------------------------------------------------------------

async function density(): Promise<Figure[]> {
  // 16 is the playout density target; RETROVUE_BENCH_HEALTH_CHANNELS finds what fits on a slower machine.
  const n = Number(process.env['RETROVUE_BENCH_HEALTH_CHANNELS'] ?? 16)
  const seconds = QUICK ? 15 : 60
  const figures: Figure[] = []
  const results: Record<'off' | 'on', Awaited<ReturnType<typeof densityTrial>>> = {} as never
  for (const mode of ['off', 'on'] as const) {
    log(`density: ${n} channels for ${seconds} s, watching ${mode}`)
    results[mode] = await densityTrial(
      n,
      seconds,
      null,
      mode === 'off' ? { RETROVUE_OUTPUT_MONITOR: 'off' } : {}
    )
  }
  for (const mode of ['on', 'off'] as const) {
    const r = results[mode]
    // Negative: the latest segment was still ready that long before its last frame was due.
    figures.push({
      name: `density: ${n} x 360p30 for ${seconds} s, watching ${mode}: latest segment vs due`,
      value: r.worstLateMs,
      unit: 'ms',
      target: '<= 0 ms (every segment on time)',
      ok: r.onTime,
      note: `machine CPU ${(r.cpu * 100).toFixed(0)}%`
    })
  }
  const per = (x: number) => (x * 100) / n
  figures.push(
    {
      name: 'cost: station process CPU per channel, watching on',
      value: per(results.on.station.own),
      unit: '% core',
      floor: per(results.off.station.own),
      note: 'floor: watching off, same run'
    },
    {
      name: 'cost: station + ffmpeg CPU per channel, watching on',
      value: per(results.on.station.tree),
      unit: '% core',
      floor: per(results.off.station.tree),
      note: 'floor: watching off, same run'
    },
    {
      name: 'cost: watching, per channel (station process, on - off)',
      value: per(results.on.station.own - results.off.station.own),
      unit: '% core',
      note: 'noisy: two cores shared with other work'
    }
  )
  return figures
}

// ---- fault to alarm -------------------------------------------------------------------------

interface Sighting {
  raisedSeen?: number
  alarm?: AlarmDto
  clearedSeen?: number
}

async function latency(): Promise<Figure[]> {
  const spec = FAULT_SPECS['bench-faults']
  const start = Math.ceil((Date.now() + 15_000) / 1000) * 1000 // after the station's start-up
  const t = stationFixture(
    [
      {
        id: 'faults',
        name: 'Faults',
        timezone: 'UTC',
        schedule: [
          {
            title: 'Faults',
            asset: `media/${faultMediaName('bench-faults')}`,
            start: new Date(start).toISOString(),
            durationMs: spec.durationS * 1000
          }
        ]
      }
    ],
    'retrovue-bench-health-'
  )
  const serve = await startServe(
    path.join(t.dir, 'data'),
    ['--station', t.file, '--session-timeout-ms', '600000'],
    { RETROVUE_LOG_LEVEL: 'error' }
  )
  const seen: Record<string, Sighting> = { black: {}, freeze: {}, silence: {} }
  const ws = new WebSocket(
    `${serve.url.replace('http', 'ws')}/api/events?access_token=${serve.token}`
  )
  ws.onmessage = (m) => {
    const at = Date.now()
    const event = JSON.parse(String(m.data)) as StationEvent
    if (event.type === 'levels' || event.type === 'library') return
    for (const a of event.channels.flatMap((c) => c.alarms)) {
      const s = seen[a.kind]
      if (!s) continue
      s.alarm ??= a
      s.raisedSeen ??= at
      if (a.clearedAt !== null && s.clearedSeen === undefined) [s.clearedSeen, s.alarm] = [at, a]
    }
  }
  try {
    const { channels } = (await (await serve.api('/api/channels')).json()) as {
      channels: ChannelStatusDto[]
    }
    const res = await serve.api(`/api/channels/${channels[0]!.uuid}/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    if (res.status !== 201) throw new Error(`attach failed: ${res.status}`)
    log(
      `latency: faults from ${new Date(start).toISOString()}, waiting ${Math.round((start + spec.silence[1] * 1000 + 3_000 - Date.now()) / 1000)} s`
    )
    await sleep(start + spec.silence[1] * 1000 + 3_000 - Date.now())
  } finally {
    ws.close()
    await serve.stop()
    t.cleanup()
  }
  const H = DEFAULT_OUTPUT_HEALTH
  const figures: Figure[] = []
  for (const [kind, window, durationMs] of [
    ['black', spec.black, H.black.durationMs],
    ['freeze', spec.freeze, H.freeze.durationMs],
    ['silence', spec.silence, H.silence.durationMs]
  ] as const) {
    const s = seen[kind]!
    const [from, to] = window.map((x) => start + x * 1000) as [number, number]
    if (!s.alarm || s.raisedSeen === undefined) {
      figures.push({
        name: `latency: ${kind} alarm`,
        value: NaN,
        unit: '',
        target: 'raised',
        ok: false,
        note: 'never raised'
      })
      continue
    }
    const seenAfter = s.raisedSeen - from
    const clearAfter = s.clearedSeen === undefined ? NaN : s.clearedSeen - to
    figures.push(
      {
        name: `latency: ${kind} fault -> alarm seen on the WebSocket`,
        value: seenAfter,
        unit: 'ms',
        target: `<= ${durationMs + 2_000} ms (duration ${durationMs / 1000} s + 2 s)`,
        ok: seenAfter <= durationMs + 2_000,
        note: `${seenAfter - durationMs >= 0 ? '+' : ''}${(seenAfter - durationMs).toFixed(0)} ms past the duration`
      },
      {
        name: `latency: ${kind} alarm time - fault time`,
        value: Date.parse(s.alarm.since) - from,
        unit: 'ms',
        note: 'the alarm is dated when the fault began on air'
      },
      {
        name: `latency: ${kind} picture/sound back -> clear seen`,
        value: clearAfter,
        unit: 'ms',
        target: '<= 2000 ms',
        ok: clearAfter <= 2_000
      }
    )
  }
  return figures
}

export async function run(): Promise<Figure[]> {
  const tools = await locateFfmpeg()
  await ensureFixtures(tools)
  await ensureFaultMedia(tools)
  const only = (
    process.env['RETROVUE_BENCH_HEALTH'] ?? 'analysis,logo,density,latency,loudness'
  ).split(',')
  const figures: Figure[] = []
  if (only.includes('analysis')) figures.push(...(await analysis(tools)))
  if (only.includes('logo')) figures.push(...(await logoCost(tools)))
  if (only.includes('density')) figures.push(...(await density()))
  if (only.includes('latency')) figures.push(...(await latency()))
  if (only.includes('loudness')) figures.push(...(await loudness(tools)))
  if (only.includes('loudness-density')) figures.push(...(await loudnessDensity()))
  return figures
}
