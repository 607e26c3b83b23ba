// Viewers' software against real ffmpeg output: the continuous MPEG-TS URL read by ffmpeg for 60 s
// across item boundaries (no decode error, timestamps only forward) while 19 more readers share the
// channel's one producer and one encoder; the HDHomeRun discovery chain ending in a decoded picture;
// the HLS channel URL played through its redirect on one session; the shared HLS for caches, its
// segments probed as MPEG-TS with H.264 and AAC and played by several clients on one session.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_VIEWER_LIMITS } from '../../src/server/viewer-limits'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { sleep } from '../helpers/playout'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { tools as getTools } from '../helpers/schedule-env'

/** Every frame line of ffmpeg's framecrc output: stream, dts, pts. */
function frames(stdout: string): Array<{ stream: string; ts: number; line: string }> {
  return stdout
    .split('\n')
    .filter((l) => /^\d+,/.test(l))
    .map((line) => {
      const [stream, dts, pts] = line.split(',').map((x) => x.trim())
      return { stream: stream!, ts: Number(pts ?? dts), line }
    })
}

function expectForwardOnly(lines: ReturnType<typeof frames>): void {
  const last = new Map<string, number>()
  for (const f of lines) {
    expect(f.ts, f.line).toBeGreaterThan(last.get(f.stream) ?? -Infinity)
    last.set(f.stream, f.ts)
  }
}

describe('IPTV streams (real ffmpeg)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  let uuid: string

  beforeAll(async () => {
    // Short items of different sizes, rates and audio layouts: a boundary every 10-15 s.
    t = stationFixture([
      {
        id: 'shorts',
        name: 'Shorts',
        number: '7',
        timezone: 'America/New_York',
        loop: loopOf(
          { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
          { title: 'One', asset: 'media/numbered-1.mp4', durationMs: 12_000 },
          { title: 'Two', asset: 'media/numbered-2.mp4', durationMs: 15_000 },
          { title: 'Three', asset: 'media/numbered-3.mp4', durationMs: 11_000 }
        )
      },
      {
        id: 'other',
        name: 'Other',
        timezone: 'UTC',
        loop: loopOf({ title: 'C', asset: 'media/c.mp4', durationMs: 6_000 })
      }
    ])
    // Twenty readers from one address: past the default per-address viewer limit.
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      sessionTimeoutMs: 10_000,
      policy: { viewerGraceMs: 1_000 },
      iptv: { limits: { ...DEFAULT_VIEWER_LIMITS, perAddress: 20 } }
    })
    base = await station.listen('127.0.0.1', 0)
    uuid = station.store.channels.bySlug('shorts')!.uuid
  })

  afterAll(async () => {
    await station.close()
    t.cleanup()
    expect(station.processes.live()).toEqual([])
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  const tsSessions = () =>
    station.store.db
      .prepare(
        "SELECT session_id, ended_at, end_reason FROM viewer_sessions WHERE client_info LIKE '%iptv-ts%'"
      )
      .all() as Array<{ ended_at: number | null; end_reason: string | null }>

  it('plays .ts for 60 s across item boundaries without a decode error, 20 readers on one producer and one encoder', async () => {
    const tools = await getTools()
    const url = `${base}/iptv/channels/7.ts`
    const started = station.clock.now()
    // Watch the channel's producers and the station's encoders all the while (a sampler for the
    // whole minute of reading, not a wait: it stops when the reading is done).
    const producerIds = new Set<string>()
    let maxEncoders = 0
    let maxViewers = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const out = station.director.channelOutput(uuid)
        if (out) producerIds.add(out.producerId)
        maxEncoders = Math.max(
          maxEncoders,
          station.processes.live().filter((p) => p.name === 'encoder').length
        )
        maxViewers = Math.max(maxViewers, station.director.channel(uuid).viewerCount)
        await sleep(250)
      }
    })()
    // 19 plain HTTP readers, each one connection and one session, reading as fast as bytes come.
    const aborts = Array.from({ length: 19 }, () => new AbortController())
    const received = new Array<number>(19).fill(0)
    const readers = aborts.map(async (a, i) => {
      const res = await fetch(url, { signal: a.signal })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('video/mp2t')
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          received[i]! += chunk.length
      } catch {
        // aborted
      }
    })
    const result = await execa(
      tools.ffmpeg,
      ['-hide_banner', '-v', 'error', '-i', url, '-t', '60', '-map', '0', '-f', 'framecrc', '-'],
      { reject: false, timeout: 120_000 }
    )
    for (const a of aborts) a.abort()
    await Promise.all(readers)
    sampling = false
    await sampler

    expect(result.exitCode).toBe(0)
    expect(String(result.stderr).trim()).toBe('')
    const lines = frames(String(result.stdout))
    expectForwardOnly(lines)
    expect(lines.filter((f) => f.stream === '0').length).toBeGreaterThanOrEqual(59 * 30)
    expect(lines.filter((f) => f.stream === '1').length).toBeGreaterThanOrEqual(59 * 46)
    // At least three boundaries went by while it read.
    const aired = station.schedule.itemsBetween(
      station.store.channels.bySlug('shorts')!.id,
      started,
      station.clock.now()
    )
    expect(aired.length).toBeGreaterThanOrEqual(4)

    expect(maxViewers).toBe(20)
    expect([...producerIds]).toHaveLength(1)
    expect(maxEncoders).toBe(1)
    // The other readers got the stream too (about 900 kbit/s for about a minute).
    for (const n of received) expect(n).toBeGreaterThan(3_000_000)

    // A reader that disconnects ends its session.
    await expect
      .poll(() => tsSessions().every((s) => s.ended_at !== null), { timeout: 5_000, interval: 100 })
      .toBe(true)
    const sessions = tsSessions()
    expect(sessions).toHaveLength(20)
    expect(
      sessions.every((s) => s.ended_at !== null && s.end_reason === 'client disconnected')
    ).toBe(true)
    expect(station.director.channel(uuid).viewerCount).toBe(0)
  }, 150_000)

  it('plays a channel found through the HDHomeRun discovery chain', async () => {
    const discover = (await (await fetch(`${base}/discover.json`)).json()) as {
      LineupURL: string
      DeviceID: string
      TunerCount: number
    }
    expect(discover.DeviceID).toMatch(/^[0-9A-F]{8}$/)
    const lineup = (await (await fetch(discover.LineupURL)).json()) as Array<{
      GuideNumber: string
      GuideName: string
      URL: string
    }>
    const entry = lineup.find((c) => c.GuideNumber === '7')!
    expect(entry.GuideName).toBe('Shorts')
    expect(entry.URL).not.toContain('?')
    const tools = await getTools()
    const result = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-i',
        entry.URL,
        '-t',
        '5',
        '-map',
        '0',
        '-f',
        'framecrc',
        '-'
      ],
      { reject: false, timeout: 60_000 }
    )
    expect(result.exitCode).toBe(0)
    expect(String(result.stderr).trim()).toBe('')
    const lines = frames(String(result.stdout))
    expectForwardOnly(lines)
    expect(lines.filter((f) => f.stream === '0').length).toBeGreaterThanOrEqual(4 * 30)
  }, 90_000)

  it('plays the HLS channel URL through its redirect on a single session', async () => {
    const before = (
      station.store.db
        .prepare("SELECT count(*) AS n FROM viewer_sessions WHERE client_info LIKE '%iptv-hls%'")
        .get() as { n: number }
    ).n
    const tools = await getTools()
    const result = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-i',
        `${base}/iptv/channels/other.m3u8`,
        '-t',
        '8',
        '-map',
        '0',
        '-f',
        'framecrc',
        '-'
      ],
      { reject: false, timeout: 60_000 }
    )
    expect(result.exitCode).toBe(0)
    expect(String(result.stderr).trim()).toBe('')
    expectForwardOnly(frames(String(result.stdout)))
    // Eight seconds of playlist refreshes and segments: one session.
    const after = (
      station.store.db
        .prepare("SELECT count(*) AS n FROM viewer_sessions WHERE client_info LIKE '%iptv-hls%'")
        .get() as { n: number }
    ).n
    expect(after - before).toBe(1)
  }, 90_000)

  it('serves the shared HLS for caches: real MPEG-TS segments, cache headers, one session for every client', async () => {
    const tools = await getTools()
    const live = `${base}/iptv/live/7`
    const sharedLive = () =>
      (
        station.store.db
          .prepare(
            "SELECT count(*) AS n FROM viewer_sessions WHERE ended_at IS NULL AND client_info LIKE '%iptv-shared%'"
          )
          .get() as { n: number }
      ).n
    const res = await fetch(`${live}/index.m3u8`, {
      headers: { 'user-agent': 'nginx/1.26 cache-a' }
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
    expect(res.headers.get('cache-control')).toBe('public, max-age=1')
    const names = (await res.text()).split('\n').filter((l) => l.endsWith('.ts'))
    expect(names.length).toBeGreaterThan(0)
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_-]{8}-\d+\.ts$/)

    const seg = await fetch(`${live}/${names[names.length - 1]}`, {
      headers: { 'user-agent': 'Varnish cache-b' }
    })
    expect(seg.status).toBe(200)
    expect(seg.headers.get('content-type')).toBe('video/mp2t')
    expect(seg.headers.get('cache-control')).toBe('public, max-age=86400, immutable')
    const bytes = Buffer.from(await seg.arrayBuffer())
    expect(Number(seg.headers.get('content-length'))).toBe(bytes.length)
    const file = path.join(t.dir, 'shared-segment.ts')
    fs.writeFileSync(file, bytes)
    const probe = await execa(tools.ffprobe, [
      '-v',
      'error',
      '-show_entries',
      'format=format_name:stream=codec_type,codec_name',
      '-of',
      'json',
      file
    ])
    const info = JSON.parse(String(probe.stdout)) as {
      format: { format_name: string }
      streams: Array<{ codec_type: string; codec_name: string }>
    }
    expect(info.format.format_name).toBe('mpegts')
    expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      'audio:aac',
      'video:h264'
    ])

    // A player on the shared URL while another client polls it: no decode error, and still one session.
    const result = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-user_agent',
        'player-c',
        '-i',
        `${live}/index.m3u8`,
        '-t',
        '6',
        '-map',
        '0',
        '-f',
        'framecrc',
        '-'
      ],
      { reject: false, timeout: 60_000 }
    )
    expect(result.exitCode).toBe(0)
    expect(String(result.stderr).trim()).toBe('')
    const lines = frames(String(result.stdout))
    expectForwardOnly(lines)
    expect(lines.filter((f) => f.stream === '0').length).toBeGreaterThanOrEqual(5 * 30)
    expect(
      (await fetch(`${live}/index.m3u8`, { headers: { 'user-agent': 'nginx/1.26 cache-a' } }))
        .status
    ).toBe(200)
    expect(sharedLive()).toBe(1)
    expect(station.director.channel(uuid).viewerCount).toBe(1)
  }, 90_000)
})
