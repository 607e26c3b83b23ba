// Outputs to a media server: one channel pushed to a real nginx-rtmp (the README's config), and
// 200 simulated HLS viewers (each polls its playlist every second and fetches every new segment,
// as a player does) reading it from nginx, then from the station directly (each with its own
// session, through the IPTV channel URL). For each: the station's CPU (its own process, and with
// its ffmpeg children), nginx's CPU, and the p95 time to fetch a segment, in one run. With nginx
// in front the station's CPU must not grow with the number of viewers: it is measured with none.
// Then the server goes away and comes back: the time to the output-down alarm and to the push
// being live again.
import fs from 'node:fs'
import path from 'node:path'
import type { ChannelStatusDto } from '../../src/shared/api'
import { ensureFixtures, stationFixture } from '../helpers/fixtures'
import { type Nginx, startNginx } from '../helpers/nginx'
import { sleep } from '../helpers/playout'
import { startServe, type ServeHandle } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { childrenOf, processCpu } from './proc'
import { percentile, type Figure } from './stats'

const VIEWERS = Number(process.env['RETROVUE_BENCH_VIEWERS'] ?? 200)
const PHASE_MS = Number(process.env['RETROVUE_BENCH_PHASE_MS'] ?? 30_000)
const log = (msg: string) => process.stderr.write(`  [outputs] ${msg}\n`)
const now = () => performance.now()

/** One simulated player: polls the playlist every target duration and fetches each new segment once. */
async function player(
  start: string,
  until: number,
  fetchTimes: number[],
  errors: string[],
  agent: string
): Promise<void> {
  const seen = new Set<string>()
  // A player starts at a random moment, not all in step.
  await sleep(Math.random() * 1_000)
  let playlistUrl = start
  while (now() < until) {
    const pollStart = now()
    try {
      const res = await fetch(playlistUrl, { headers: { 'user-agent': agent } })
      playlistUrl = res.url // after the IPTV URL's redirect, the session's own playlist
      const text = await res.text()
      if (!res.ok) throw new Error(`playlist ${res.status}`)
      const segments = text.split('\n').filter((l) => l && !l.startsWith('#'))
      // Joining: the live edge (the last three), as players start.
      const fresh = (seen.size === 0 ? segments.slice(-3) : segments).filter((s) => !seen.has(s))
      for (const s of segments) seen.add(s)
      for (const seg of fresh) {
        const t0 = now()
        const r = await fetch(new URL(seg, playlistUrl), { headers: { 'user-agent': agent } })
        const body = await r.arrayBuffer()
        if (!r.ok || body.byteLength < 188) throw new Error(`segment ${r.status}`)
        fetchTimes.push(now() - t0)
      }
    } catch (err) {
      errors.push((err as Error).message)
    }
    await sleep(Math.max(0, 1_000 - (now() - pollStart)))
  }
}

interface Phase {
  /** The pushing ffmpeg (a remux) alone. */
  push: number
  stationOwn: number
  stationTree: number
  nginx: number
  p95: number
  p50: number
  fetches: number
  errors: number
}

/** Children of `pid` whose command line contains `text` (arguments separated by NUL). */
function childrenWith(pid: number, text: string): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(text)
    } catch {
      return false
    }
  })
}

async function phase(
  serve: ServeHandle,
  nginx: Nginx,
  viewers: number,
  url: (i: number) => string
): Promise<Phase> {
  const fetchTimes: number[] = []
  const errors: string[] = []
  const pid = serve.child.pid!
  const until = now() + PHASE_MS
  const runs = Array.from({ length: viewers }, (_, i) =>
    player(url(i), until, fetchTimes, errors, `bench-player/${i}`)
  )
  // CPU from the second 5 s on: the players have joined.
  await sleep(5_000)
  const pusher = childrenWith(pid, '-f\0flv')[0]
  const p0 = pusher ? processCpu(pusher).own : 0
  const s0 = processCpu(pid)
  const n0 = processCpu(nginx.pid()!)
  const t0 = now()
  await Promise.all(runs)
  await sleep(Math.max(0, until - now()))
  const seconds = (now() - t0) / 1000
  const s1 = processCpu(pid)
  const n1 = processCpu(nginx.pid()!)
  const p1 = pusher ? processCpu(pusher).own : 0
  const sorted = [...fetchTimes].sort((a, b) => a - b)
  if (errors.length > 0) log(`${errors.length} errors, e.g. ${errors.slice(0, 3).join('; ')}`)
  return {
    push: ((p1 - p0) / seconds) * 100,
    stationOwn: ((s1.own - s0.own) / seconds) * 100,
    stationTree: ((s1.tree - s0.tree) / seconds) * 100,
    nginx: ((n1.tree - n0.tree) / seconds) * 100,
    p95: percentile(sorted, 95),
    p50: percentile(sorted, 50),
    fetches: fetchTimes.length,
    errors: errors.length
  }
}

export async function run(): Promise<Figure[]> {
  await ensureFixtures()
  const ngx = tempDir('retrovue-bench-nginx-')
  const nginx = await startNginx(ngx.dir)
  const t = stationFixture([
    {
      id: 'pushed',
      name: 'Pushed',
      number: '5',
      timezone: 'UTC',
      loop: {
        epoch: '2026-01-01T00:00:00Z',
        items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
      },
      outputs: [{ url: nginx.rtmpUrl('pushed') }]
    }
  ])
  const serve = await startServe(
    path.join(t.dir, 'data'),
    [
      '--station',
      t.file,
      '--max-viewers',
      '1000',
      '--max-viewers-per-channel',
      '1000',
      '--max-viewers-per-address',
      '1000',
      '--session-timeout-ms',
      '600000'
    ],
    { RETROVUE_LOG_LEVEL: 'error' }
  )
  const channel = async () =>
    ((await (await serve.api('/api/channels')).json()) as { channels: ChannelStatusDto[] })
      .channels[0]!
  try {
    const waitFor = async (
      what: string,
      ok: (c: ChannelStatusDto) => boolean,
      timeoutMs: number
    ) => {
      const t0 = now()
      while (!ok(await channel())) {
        if (now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
        await sleep(50)
      }
      return now() - t0
    }
    await waitFor('the push is live', (c) => c.outputs[0]?.state === 'live', 30_000)
    await sleep(5_000)

    // Quiet and nginx phases alternate around the direct one: the station's own load moves with its
    // items (a decoder per item), so each is read twice and compared by their means and spread.
    log(`no viewers, ${PHASE_MS / 1000} s`)
    const idleBefore = await phase(serve, nginx, 0, () => '')
    log(`${VIEWERS} viewers on nginx's HLS`)
    const nginxFirst = await phase(serve, nginx, VIEWERS, () => nginx.hlsUrl('pushed'))
    log(`${VIEWERS} viewers on the station's HLS`)
    const direct = await phase(serve, nginx, VIEWERS, () => `${serve.url}/iptv/channels/5.m3u8`)
    // The direct viewers' sessions end when they go silent; they are not watched meanwhile.
    log(`no viewers again, ${PHASE_MS / 1000} s`)
    const idleAfter = await phase(serve, nginx, 0, () => '')
    log(`${VIEWERS} viewers on nginx's HLS again`)
    const nginxSecond = await phase(serve, nginx, VIEWERS, () => nginx.hlsUrl('pushed'))
    const mean = (a: Phase, b: Phase): Phase => {
      const out = { ...a }
      for (const k of Object.keys(a) as Array<keyof Phase>) out[k] = (a[k] + b[k]) / 2
      return out
    }
    const idle = mean(idleBefore, idleAfter)
    const viaNginx = mean(nginxFirst, nginxSecond)
    viaNginx.p95 = Math.max(nginxFirst.p95, nginxSecond.p95)
    viaNginx.fetches = nginxFirst.fetches + nginxSecond.fetches
    viaNginx.errors = nginxFirst.errors + nginxSecond.errors
    const quietHigh = Math.max(idleBefore.stationOwn, idleAfter.stationOwn)

    // The channel's encoder (its producer): the same process before the fault and after the resume.
    const encoders = () => childrenWith(serve.child.pid!, 'libx264')
    const encoderBefore = encoders()
    log('nginx stops and starts again')
    await nginx.stop()
    const downMs = await waitFor(
      'output-down',
      (c) => c.alarms.some((a) => a.kind === 'output-down' && a.clearedAt === null),
      10_000
    )
    await sleep(3_000)
    await nginx.start()
    const resumeMs = await waitFor(
      'the push resumes',
      (c) => c.outputs[0]?.state === 'live',
      15_000
    )
    const producerSame =
      encoderBefore.length === 1 && JSON.stringify(encoders()) === JSON.stringify(encoderBefore)

    const pct = (n: number) => Math.round(n * 100) / 100
    const ms = (n: number) => Math.round(n * 10) / 10
    return [
      {
        name: 'station CPU (node), no viewers, pushing (mean of 2)',
        value: pct(idle.stationOwn),
        unit: '% core',
        note: `readings ${pct(idleBefore.stationOwn)}, ${pct(idleAfter.stationOwn)}`
      },
      {
        name: `station CPU (node), ${VIEWERS} viewers on nginx (mean of 2)`,
        value: pct(viaNginx.stationOwn),
        unit: '% core',
        target: 'within the quiet readings (+1 % core)',
        ok: viaNginx.stationOwn <= quietHigh + 1,
        floor: pct(idle.stationOwn),
        note: `readings ${pct(nginxFirst.stationOwn)}, ${pct(nginxSecond.stationOwn)}`
      },
      {
        name: `station CPU (node), ${VIEWERS} viewers direct`,
        value: pct(direct.stationOwn),
        unit: '% core',
        floor: pct(idle.stationOwn)
      },
      {
        name: 'the push itself (ffmpeg remuxing to RTMP), no viewers',
        value: pct(idleBefore.push),
        unit: '% core'
      },
      {
        name: 'station + ffmpeg CPU, no viewers, pushing',
        value: pct(idle.stationTree),
        unit: '% core'
      },
      {
        name: `station + ffmpeg CPU, ${VIEWERS} viewers on nginx`,
        value: pct(viaNginx.stationTree),
        unit: '% core',
        floor: pct(idle.stationTree)
      },
      {
        name: `station + ffmpeg CPU, ${VIEWERS} viewers direct`,
        value: pct(direct.stationTree),
        unit: '% core',
        floor: pct(idle.stationTree)
      },
      {
        name: `nginx CPU, ${VIEWERS} viewers on nginx`,
        value: pct(viaNginx.nginx),
        unit: '% core',
        floor: pct(idle.nginx)
      },
      {
        name: `segment fetch p50 / p95, on nginx (${viaNginx.fetches} fetches, ${viaNginx.errors} errors)`,
        value: ms(viaNginx.p95),
        unit: 'ms',
        note: `p50 ${ms(viaNginx.p50)} ms`
      },
      {
        name: `segment fetch p50 / p95, direct (${direct.fetches} fetches, ${direct.errors} errors)`,
        value: ms(direct.p95),
        unit: 'ms',
        note: `p50 ${ms(direct.p50)} ms`
      },
      {
        name: 'nginx stopped -> output-down alarm',
        value: Math.round(downMs),
        unit: 'ms',
        target: '<= 5000',
        ok: downMs <= 5_000
      },
      {
        name: 'nginx back -> push live again (same producer)',
        value: Math.round(resumeMs),
        unit: 'ms',
        target: '<= 10000',
        ok: resumeMs <= 10_000 && producerSame
      }
    ]
  } finally {
    await serve.stop()
    await nginx.stop()
    t.cleanup()
    ngx.cleanup()
  }
}
