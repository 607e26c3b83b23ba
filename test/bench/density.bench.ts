// Copy channels against encode channels (issue 28), on a real `serve` at 720p30 with real ffmpeg:
//
//   conform   the station conforms the loop's media (90 s: 60 s at 640x360, 30 s at 1280x720) into
//             the 720p house format: media seconds per CPU second of the station's process tree
//             (the real-time factor per core) and the cache's disk use per hour of media.
//   copy      N channels on the conformed loop at once (default 100), each with a viewer reading its
//             shared playlist and every new segment as a player does (once a second), for 10
//             minutes: on time when every segment is listed by the time its last frame is due on air
//             (EXT-X-PROGRAM-DATE-TIME + its duration, as the viewer saw the playlist); the station's
//             CPU (process and ffmpeg children), its event-loop delay (what listings and viewers'
//             requests waited behind: p99 and max), and memory per channel (the station's RSS
//             growth plus its ffmpegs' PSS: their shared libraries counted once, not per process).
//   encode    the same without conforming, at growing counts until one is not on time: the most on
//             time, with its CPU and RSS per channel.
//   start     attach -> first segment fetchable, for every channel started (copy against encode).
//
// Targets: at least 100 copy channels on time, a copy channel's CPU under 1/20 of an encode
// channel's, the copy start p95 no slower than the encode path's.
// RETROVUE_BENCH_QUICK=1: 20 copy channels and 1 minute a trial. RETROVUE_BENCH_DENSITY_COPY=N and
// RETROVUE_BENCH_DENSITY_SECONDS=S set the copy count and a trial's length,
// RETROVUE_BENCH_DENSITY_ENCODE=N the most encode channels tried (0: copy only). To see why:
// RETROVUE_BENCH_LOG=warn keeps each station's log (density-serve-<channels>.log in the temp
// folder), RETROVUE_BENCH_PROF=<dir> writes its CPU profile there (node --cpu-prof).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import type { ConformDto } from '../../src/shared/conform'
import { ensureFixtures, loopOf, stationFixture } from '../helpers/fixtures'
import { sleep } from '../helpers/playout'
import { startServe, type ServeHandle } from '../helpers/serve'
import { childrenOf, processCpu, pssKb, rssKb } from './proc'
import { percentile, type Figure } from './stats'

const QUICK = process.env['RETROVUE_BENCH_QUICK'] === '1'
const COPY_CHANNELS = Number(process.env['RETROVUE_BENCH_DENSITY_COPY'] ?? (QUICK ? 20 : 100))
const SECONDS = Number(process.env['RETROVUE_BENCH_DENSITY_SECONDS'] ?? (QUICK ? 60 : 600))
const LOOP = [
  { title: 'Numbers', asset: 'media/numbered-1.mp4', durationMs: 60_000 },
  { title: 'Numbers HD', asset: 'media/numbered-2.mp4', durationMs: 30_000 }
]
const LOOP_MEDIA_S = 90
const log = (msg: string) => process.stderr.write(`  [density] ${msg}\n`)

interface Station {
  serve: ServeHandle
  channels: ChannelStatusDto[]
  close: () => Promise<void>
}

async function station(n: number, conform: boolean): Promise<Station> {
  const t = stationFixture(
    Array.from({ length: n }, (_, i) => ({
      id: `ch-${i + 1}`,
      name: `Channel ${i + 1}`,
      timezone: 'UTC',
      loop: loopOf(...LOOP)
    })),
    'retrovue-bench-density-'
  )
  if (conform) {
    const file = JSON.parse(fs.readFileSync(t.file, 'utf8')) as Record<string, unknown>
    fs.writeFileSync(t.file, JSON.stringify({ ...file, conform: { aheadHours: 2 } }))
  }
  const serve = await startServe(
    path.join(t.dir, 'data'),
    [
      '--station',
      t.file,
      '--profile',
      '720p',
      '--max-producers',
      '1000',
      '--viewer-grace-ms',
      '0',
      '--session-timeout-ms',
      '3600000'
    ],
    {
      RETROVUE_LOG_LEVEL: process.env['RETROVUE_BENCH_LOG'] ?? 'error',
      ...(process.env['RETROVUE_BENCH_PROF']
        ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env['RETROVUE_BENCH_PROF']}` }
        : {})
    }
  )
  const { channels } = (await (await serve.api('/api/channels')).json()) as {
    channels: ChannelStatusDto[]
  }
  return {
    serve,
    channels,
    close: async () => {
      await serve.stop()
      if (process.env['RETROVUE_BENCH_LOG'])
        fs.writeFileSync(
          path.join(os.tmpdir(), `density-serve-${n}.log`),
          serve.stdout() + serve.stderr()
        )
      t.cleanup()
    }
  }
}

/** Waits for the loop's renditions; the conform's CPU and wall time and the cache's bytes. */
async function conformed(s: Station): Promise<Figure[]> {
  const pid = s.serve.child.pid!
  const cpu0 = processCpu(pid).tree
  const t0 = Date.now()
  const resets: string[] = []
  let c: ConformDto
  for (;;) {
    try {
      c = (await (await s.serve.api('/api/conform')).json()) as ConformDto
    } catch (err) {
      // Seen at the start of a 100-channel station: the connection reset (a client retries).
      resets.push(String((err as Error).cause ?? (err as Error).message))
      await sleep(1000)
      continue
    }
    if (c.renditions >= 2 && c.jobs.length === 0) break
    if (Date.now() - t0 > 30 * 60_000) throw new Error('the loop was not conformed in 30 minutes')
    await sleep(1000)
  }
  const cpuS = processCpu(pid).tree - cpu0
  const wallS = (Date.now() - t0) / 1000
  return [
    {
      name: 'conform: media seconds per CPU second (real-time factor per core)',
      value: LOOP_MEDIA_S / cpuS,
      unit: 'x',
      note: `${LOOP_MEDIA_S} s of media into 720p in ${wallS.toFixed(0)} s (niced, one at a time), ${cpuS.toFixed(0)} CPU s; ${resets.length} API requests reset meanwhile${resets.length ? ` (${resets[0]})` : ''}`
    },
    {
      name: "conform: the cache's disk use per hour of media",
      value: c.cacheBytes / 1024 ** 2 / (LOOP_MEDIA_S / 3600),
      unit: 'MiB/h',
      note: `${c.renditions} renditions, ${(c.cacheBytes / 1024 ** 2).toFixed(1)} MiB`
    }
  ]
}

/** When each segment was first seen in the playlist, and when its last frame was due on air. */
interface Sighting {
  seenAt: number
  dueAt: number
}

/** A player on a channel's shared playlist: reads it once a second and fetches each new segment. */
function viewer(
  base: string,
  streamUrl: string
): { sightings: Sighting[]; errors: string[]; stop: () => void } {
  const sightings: Sighting[] = []
  const errors: string[] = []
  const seen = new Set<string>()
  let stopped = false
  const playlist = new URL(streamUrl, base)
  void (async () => {
    while (!stopped) {
      const started = Date.now()
      try {
        const text = await (await fetch(playlist)).text()
        const seenAt = Date.now()
        let pdt: number | null = null
        let dur = 0
        const fresh: string[] = []
        for (const line of text.split('\n')) {
          if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25))
          else if (line.startsWith('#EXTINF:')) dur = Number.parseFloat(line.slice(8)) * 1000
          else if (line && !line.startsWith('#')) {
            if (!seen.has(line)) {
              seen.add(line)
              if (pdt !== null) sightings.push({ seenAt, dueAt: pdt + dur })
              fresh.push(line)
            }
            pdt = null
          }
        }
        for (const uri of fresh) await (await fetch(new URL(uri, playlist))).arrayBuffer()
      } catch (err) {
        // A player retries.
        errors.push(String((err as Error).cause ?? (err as Error).message))
      }
      await sleep(Math.max(0, 1000 - (Date.now() - started)))
    }
  })()
  return { sightings, errors, stop: () => (stopped = true) }
}

/** Attach -> the first segment of the viewer's playlist fetchable (ms). */
async function attachTimed(
  s: Station,
  uuid: string
): Promise<{ attach: ViewerAttachDto; startMs: number }> {
  const t0 = performance.now()
  const res = await s.serve.api(`/api/channels/${uuid}/viewers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}'
  })
  if (res.status !== 201) throw new Error(`attach failed: ${res.status} ${await res.text()}`)
  const attach = (await res.json()) as ViewerAttachDto
  const playlist = new URL(attach.streamUrl, s.serve.url)
  for (let i = 0; i < 600; i++) {
    const r = await fetch(playlist)
    if (r.ok) {
      const uri = (await r.text()).split('\n').find((l) => l && !l.startsWith('#'))
      if (uri && (await fetch(new URL(uri, playlist))).ok)
        return { attach, startMs: performance.now() - t0 }
    }
    await sleep(50)
  }
  throw new Error(`no segment within 30 s of attaching to ${uuid}`)
}

interface Trial {
  n: number
  onTime: boolean
  worstLateMs: number
  /** Channels with a segment seen after it was due. */
  lateChannels: number
  /** The viewers' failed requests (each retried a second later), and the first of them. */
  viewerErrors: number
  firstError: string | null
  /** Cores used per channel by the station process with its ffmpeg children. */
  cpuPerChannel: number
  rssMiBPerChannel: number
  starts: number[]
  encoders: number
  /** The station's event-loop delay over the measured time (prom-client's, from /metrics): p99 and max. */
  loopLagP99Ms: number
  loopLagMaxMs: number
}

/**
 * The station's event-loop delay since the last scrape (prom-client resets its histogram at each),
 * in ms: what a listing or a viewer's request waited behind.
 */
async function loopLag(s: Station): Promise<{ p99: number; max: number }> {
  const text = await (await s.serve.api('/metrics')).text()
  const read = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000
  return {
    p99: read('nodejs_eventloop_lag_p99_seconds'),
    max: read('nodejs_eventloop_lag_max_seconds')
  }
}

/** n channels of the station on air with a viewer each for `seconds`. */
async function trial(s: Station, n: number, seconds: number): Promise<Trial> {
  const pid = s.serve.child.pid!
  const rss0 = rssKb(pid)
  const viewers: Array<ReturnType<typeof viewer>> = []
  const starts: number[] = []
  const sessions: string[] = []
  try {
    for (const c of s.channels.slice(0, n)) {
      const { attach, startMs } = await attachTimed(s, c.uuid)
      starts.push(startMs)
      sessions.push(attach.sessionId)
      viewers.push(viewer(s.serve.url, attach.streamUrl))
    }
    // The start-up rush settles before measuring.
    await sleep(15_000)
    const kids = childrenOf(pid)
    const encoders = kids.filter((k) => {
      try {
        return fs.readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('libx264')
      } catch {
        return false
      }
    }).length
    const cpu0 = processCpu(pid).tree
    await loopLag(s)
    const from = Date.now()
    await sleep(seconds * 1000)
    const lag = await loopLag(s)
    const elapsed = (Date.now() - from) / 1000
    const cpu = (processCpu(pid).tree - cpu0) / elapsed
    const rss = rssKb(pid) - rss0 + childrenOf(pid).reduce((sum, k) => sum + pssKb(k), 0)
    let worst = -Infinity
    let lateChannels = 0
    for (const v of viewers) {
      let own = -Infinity
      for (const x of v.sightings) if (x.seenAt >= from) own = Math.max(own, x.seenAt - x.dueAt)
      if (own > 0) lateChannels++
      worst = Math.max(worst, own)
    }
    const errors = viewers.flatMap((v) => v.errors)
    return {
      n,
      onTime: worst <= 0,
      worstLateMs: worst,
      lateChannels,
      viewerErrors: errors.length,
      firstError: errors[0] ?? null,
      cpuPerChannel: cpu / n,
      rssMiBPerChannel: rss / 1024 / n,
      starts: starts.sort((a, b) => a - b),
      encoders,
      loopLagP99Ms: lag.p99,
      loopLagMaxMs: lag.max
    }
  } finally {
    viewers.forEach((v) => v.stop())
    for (const id of sessions) await s.serve.api(`/api/viewers/${id}`, { method: 'DELETE' })
  }
}

const pct = (cores: number) => `${(cores * 100).toFixed(2)} % of a core`
const lagOf = (t: Trial) =>
  `${t.loopLagP99Ms.toFixed(0)} ms p99, ${t.loopLagMaxMs.toFixed(0)} ms at most`

export async function run(): Promise<Figure[]> {
  await ensureFixtures()
  const figures: Figure[] = []

  log(`copy: conforming the loop, then ${COPY_CHANNELS} channels for ${SECONDS} s`)
  const cs = await station(COPY_CHANNELS, true)
  let copy: Trial
  try {
    figures.push(...(await conformed(cs)))
    copy = await trial(cs, COPY_CHANNELS, SECONDS)
  } finally {
    await cs.close()
  }
  log(
    `copy: ${copy.n} channels ${copy.onTime ? 'on time' : `${copy.lateChannels} late, worst by ${copy.worstLateMs.toFixed(0)} ms`}, ${pct(copy.cpuPerChannel)} each, ${copy.encoders} encoders, ${copy.viewerErrors} viewer requests failed, event loop delayed ${lagOf(copy)}`
  )

  // Encode channels: growing counts until one is late (the last on time is the most).
  let best: Trial | null = null
  // RETROVUE_BENCH_DENSITY_ENCODE=N: at most N encode channels (0: none, copy only).
  const encodeMost = Number(process.env['RETROVUE_BENCH_DENSITY_ENCODE'] ?? 16)
  const es = await station(Math.max(1, encodeMost), false)
  try {
    for (let n = 1; n <= encodeMost; n++) {
      log(`encode: ${n} channels for ${SECONDS} s`)
      const t = await trial(es, n, SECONDS)
      log(
        `encode: ${n} ${t.onTime ? 'on time' : `late by ${t.worstLateMs.toFixed(0)} ms`}, ${pct(t.cpuPerChannel)} each, event loop delayed ${lagOf(t)}`
      )
      if (!t.onTime) break
      best = t
      // Let the channels stop before the next count.
      await sleep(5000)
    }
  } finally {
    await es.close()
  }

  const ratio = best ? copy.cpuPerChannel / best.cpuPerChannel : NaN
  const copyP95 = percentile(copy.starts, 95)
  const encodeP95 = best ? percentile(best.starts, 95) : NaN
  figures.push(
    {
      name: `copy channels of 720p30 on time for ${SECONDS} s`,
      value: copy.onTime ? copy.n : 0,
      unit: 'channels',
      target: '>= 100',
      ok: copy.onTime && copy.n >= 100,
      note: `${copy.n} tried, ${copy.lateChannels} late; worst segment ${copy.worstLateMs.toFixed(0)} ms from due (<= 0: on time); ${copy.encoders} encoders running; ${copy.viewerErrors} viewer requests failed${copy.firstError ? ` (${copy.firstError})` : ''}; the station's event loop delayed ${lagOf(copy)}`
    },
    {
      name: `encode channels of 720p30 on time for ${SECONDS} s (most)`,
      value: best?.n ?? 0,
      unit: 'channels'
    },
    { name: 'CPU per copy channel', value: copy.cpuPerChannel * 100, unit: '% core' },
    { name: 'CPU per encode channel', value: (best?.cpuPerChannel ?? NaN) * 100, unit: '% core' },
    {
      name: 'copy / encode CPU per channel',
      value: ratio,
      unit: '',
      target: '< 0.05',
      ok: ratio < 0.05
    },
    {
      name: 'memory per copy channel (RSS + ffmpeg PSS)',
      value: copy.rssMiBPerChannel,
      unit: 'MiB'
    },
    {
      name: 'memory per encode channel (RSS + ffmpeg PSS)',
      value: best?.rssMiBPerChannel ?? NaN,
      unit: 'MiB'
    },
    {
      name: 'start (attach -> first segment) p95, copy',
      value: copyP95,
      unit: 'ms',
      target: `<= encode (${encodeP95.toFixed(0)} ms)`,
      ok: copyP95 <= encodeP95,
      note: `${copy.starts.length} starts, p50 ${percentile(copy.starts, 50).toFixed(0)} ms`
    },
    {
      name: 'start (attach -> first segment) p95, encode',
      value: encodeP95,
      unit: 'ms',
      note: `${best?.starts.length ?? 0} starts`
    }
  )
  return figures
}
