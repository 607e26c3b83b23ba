// The XMLTV guide and the schedule API as media servers and the console ask for them, on the
// station's real HTTP app (test-double producers, so only the answer's cost is measured): time to
// first byte, whole answer, the longest event-loop stall while it is produced (every viewer and
// channel of the station waits that long), and RSS growth over repeated requests.
//   demo station  the demo's station file (3 loop channels of 5-25 s items and a guide channel)
//   50 channels   2-minute items in ten time zones: 72,000 programmes in 48 h
// RETROVUE_BENCH_REQUESTS sets the number of guide requests (20).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { createDemoStation, DEMO_DIR } from '../../src/schedule/demo-station'
import { ensureFixtures, fixture, loopOf, stationFixture } from '../helpers/fixtures'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { tempDir } from '../helpers/tmp'
import type { Figure } from './stats'

const execFileP = promisify(execFile)
const REQUESTS = Number(process.env['RETROVUE_BENCH_REQUESTS'] ?? 20)
const MB = 1024 * 1024
const log = (msg: string) => process.stderr.write(`  [iptv] ${msg}\n`)

interface Answer {
  status: number
  firstByteMs: number
  totalMs: number
  /** The longest event-loop stall while it was asked for and read, ms. */
  stallMs: number
  bytes: number
  etag: string | null
  /** CPU time this process (the station) spent meanwhile, ms: the cost whatever the machine's load. */
  cpuMs: number
}

/**
 * One request, read to its end by curl (the client's work stays out of this process, which is the
 * station), with the station's event loop watched throughout.
 */
async function ask(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const h = monitorEventLoopDelay({ resolution: 5 })
  const args = [
    '-s',
    '-o',
    '/dev/null',
    '-D',
    '-',
    '-w',
    '\n%{http_code} %{time_starttransfer} %{time_total} %{size_download}',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url
  ]
  // Watched from just after curl is spawned (a fork and exec on this loop that the bench does, not
  // the station), which is before its request can arrive.
  const cpu0 = process.cpuUsage()
  const answered = execFileP('curl', args)
  h.enable()
  const { stdout } = await answered
  h.disable()
  const cpu = process.cpuUsage(cpu0)
  const [status, firstByte, total, bytes] = stdout.trim().split('\n').at(-1)!.split(' ').map(Number)
  return {
    status: status!,
    firstByteMs: firstByte! * 1000,
    totalMs: total! * 1000,
    stallMs: h.max / 1e6,
    bytes: bytes!,
    etag: /^etag: (.*)$/im.exec(stdout)?.[1]?.trim() ?? null,
    cpuMs: (cpu.user + cpu.system) / 1000
  }
}

/** The demo station's own file over fixture media of sufficient length (the guide reads the playlog, not the pictures). */
async function demoEnv(): Promise<{ env: HttpEnv; cleanup: () => void }> {
  const t = tempDir('retrovue-bench-iptv-')
  const dataDir = path.join(t.dir, 'data')
  const media = path.join(dataDir, DEMO_DIR, 'media')
  fs.mkdirSync(media, { recursive: true })
  for (const name of [
    'toons-ident',
    'cartoon-hour',
    'space-patrol',
    'robo-pals',
    'headlines',
    'weather',
    'sports'
  ])
    fs.symlinkSync(fixture('numbered-1.mp4'), path.join(media, `${name}.mp4`))
  fs.symlinkSync(fixture('movie.mp4'), path.join(media, 'late-movie.mp4'))
  const stationFile = await createDemoStation(dataDir, await locateFfmpeg())
  const env = await httpEnv({ station: { dataDir, stationFile } })
  return { env, cleanup: t.cleanup }
}

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Chatham',
  'Europe/Berlin',
  'America/Los_Angeles'
]

async function fiftyEnv(): Promise<{ env: HttpEnv; cleanup: () => void }> {
  const channels = Array.from({ length: 50 }, (_, i) => ({
    id: `ch-${i + 1}`,
    name: `Channel ${i + 1}`,
    timezone: ZONES[i % ZONES.length],
    loop: loopOf(
      { title: `Show ${i + 1} & Friends`, asset: 'media/movie.mp4', durationMs: 120_000 },
      { title: `Movie ${i + 1} <uncut>`, asset: 'media/movie.mp4', durationMs: 120_000 }
    )
  }))
  const t = stationFixture(channels, 'retrovue-bench-iptv-')
  const env = await httpEnv({ station: { stationFile: t.file } })
  return { env, cleanup: t.cleanup }
}

/** The longest event-loop delay with nothing asked of the station for a while: what this machine's load alone causes. */
async function idleStall(ms = 3_000): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 5 })
  h.enable()
  await new Promise((r) => setTimeout(r, ms))
  h.disable()
  return h.max / 1e6
}

async function guideFigures(label: string, env: HttpEnv): Promise<Figure[]> {
  const url = `${env.base}/iptv/xmltv.xml`
  const idle = await idleStall()
  // The same request machinery on a tiny answer: what spawning curl and routing cost this process.
  const trivial = await ask(`${env.base}/lineup_status.json`)
  const rss0 = process.memoryUsage().rss
  const answers: Answer[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const a = await ask(url)
    if (a.status !== 200) throw new Error(`${url} answered ${a.status}`)
    answers.push(a)
    log(
      `${label} guide #${i + 1}: cpu ${a.cpuMs.toFixed(1)} ms, first byte ${a.firstByteMs.toFixed(1)} ms, total ${a.totalMs.toFixed(1)} ms, stall ${a.stallMs.toFixed(1)} ms, ${(a.bytes / MB).toFixed(2)} MB, rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB`
    )
  }
  const growth = (process.memoryUsage().rss - rss0) / MB
  const programmes = (await (await fetch(url)).text()).match(/<programme /g)?.length ?? 0
  const first = answers[0]!
  const later = answers.slice(1)
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN)
  const figures: Figure[] = [
    {
      name: `${label}: guide first byte, first request`,
      value: first.firstByteMs,
      unit: 'ms',
      target: '< 100 ms',
      ok: first.firstByteMs < 100,
      note: `${programmes.toLocaleString('en')} programmes, ${(first.bytes / MB).toFixed(1)} MB`
    },
    {
      name: `${label}: guide whole answer, first request`,
      value: first.totalMs,
      unit: 'ms',
      target: '< 500 ms',
      ok: first.totalMs < 500
    },
    {
      name: `${label}: station CPU time, first request (built)`,
      value: first.cpuMs,
      unit: 'ms',
      floor: trivial.cpuMs,
      note: `requests 2-${REQUESTS} (kept): worst ${max(later.map((a) => a.cpuMs)).toFixed(1)} ms`
    },
    {
      name: `${label}: guide first byte, worst of requests 2-${REQUESTS}`,
      value: max(later.map((a) => a.firstByteMs)),
      unit: 'ms',
      target: '< 100 ms',
      ok: max(later.map((a) => a.firstByteMs)) < 100
    },
    {
      name: `${label}: guide whole answer, worst of requests 2-${REQUESTS}`,
      value: max(later.map((a) => a.totalMs)),
      unit: 'ms',
      target: '< 500 ms',
      ok: max(later.map((a) => a.totalMs)) < 500
    },
    {
      name: `${label}: longest event-loop stall, ${REQUESTS} requests`,
      value: max(answers.map((a) => a.stallMs)),
      unit: 'ms',
      floor: idle,
      target: '< 50 ms',
      ok: max(answers.map((a) => a.stallMs)) < 50,
      note: `first request ${first.stallMs.toFixed(1)} ms; floor: 3 s idle; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} CPUs`
    },
    {
      name: `${label}: RSS growth over ${REQUESTS} requests`,
      value: growth,
      unit: 'MB',
      target: '< 20 MB',
      ok: growth < 20,
      note: `${(rss0 / MB).toFixed(0)} MB before`
    }
  ]
  // A media server that already has this guide asks with its ETag.
  if (first.etag) {
    const again = await ask(url, {
      'if-none-match': answers[answers.length - 1]!.etag ?? first.etag
    })
    figures.push({
      name: `${label}: guide revalidated (If-None-Match)`,
      value: again.totalMs,
      unit: 'ms',
      note: `status ${again.status}`
    })
  }
  return figures
}

async function scheduleFigures(label: string, env: HttpEnv): Promise<Figure[]> {
  const uuid = env.station.store.channels.listActive()[0]!.uuid
  const figures: Figure[] = []
  const idle = await idleStall()
  for (const days of [1, 8]) {
    const from = env.clock.now()
    const q = `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(from + days * 86_400_000).toISOString())}`
    const rss0 = process.memoryUsage().rss
    const a = await ask(`${env.base}/api/channels/${uuid}/schedule?${q}`, {
      authorization: `Bearer ${env.token}`
    })
    if (a.status !== 200) throw new Error(`schedule answered ${a.status}`)
    const growth = (process.memoryUsage().rss - rss0) / MB
    log(
      `${label} schedule ${days} d: total ${a.totalMs.toFixed(1)} ms, stall ${a.stallMs.toFixed(1)} ms, ${(a.bytes / MB).toFixed(2)} MB, rss +${growth.toFixed(0)} MB`
    )
    figures.push(
      {
        name: `${label}: schedule ${days * 24} h of the first channel, whole answer`,
        value: a.totalMs,
        unit: 'ms',
        note: `${(a.bytes / MB).toFixed(1)} MB, station CPU ${a.cpuMs.toFixed(0)} ms, RSS ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB`
      },
      {
        name: `${label}: schedule ${days * 24} h, longest event-loop stall`,
        value: a.stallMs,
        unit: 'ms',
        floor: idle,
        target: '< 50 ms',
        ok: a.stallMs < 50
      }
    )
  }
  return figures
}

export async function run(): Promise<Figure[]> {
  await ensureFixtures()
  const figures: Figure[] = []
  for (const [label, make] of [
    ['demo station', demoEnv],
    ['50 channels x 2 min', fiftyEnv]
  ] as const) {
    const { env, cleanup } = await make()
    try {
      figures.push(...(await guideFigures(label, env)), ...(await scheduleFigures(label, env)))
    } finally {
      await env.close()
      cleanup()
    }
  }
  return figures
}
