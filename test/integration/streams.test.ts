// The stream server with real producers: session URLs and their cache headers, first-playlist
// latency, no path traversal, segment retention, emergency output, an outside ffmpeg client for
// 30 s, and no ffmpeg left over.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { decodeMarks, redFrames } from '../helpers/frames'
import { framecrcPackets } from '../helpers/framecrc'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { tools as getTools } from '../helpers/schedule-env'
import { until } from '../helpers/until'

describe('HLS stream server (real ffmpeg)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  let channels: ChannelStatusDto[] = []
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
  /** Sessions this test attached; each test detaches its own afterwards, so no test depends on another. */
  const attached: string[] = []
  const attach = async (slug: string, purpose = 'viewer'): Promise<ViewerAttachDto> => {
    const c = channels.find((x) => x.slug === slug)!
    const res = await api(`/api/channels/${c.uuid}/viewers`, {
      method: 'POST',
      body: JSON.stringify({ purpose })
    })
    expect(res.status).toBe(201)
    const a = (await res.json()) as ViewerAttachDto
    attached.push(a.sessionId)
    return a
  }
  afterEach(async () => {
    for (const id of attached.splice(0)) await api(`/api/viewers/${id}`, { method: 'DELETE' })
  })

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'numbers',
        name: 'Numbers',
        timezone: 'UTC',
        loop: loopOf(
          { title: 'One', asset: 'media/numbered-1.mp4', durationMs: 20_000 },
          { title: 'Two', asset: 'media/numbered-2.mp4', durationMs: 15_000 }
        )
      },
      {
        id: 'mixed',
        name: 'Mixed',
        timezone: 'Europe/Berlin',
        loop: loopOf(
          { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
          { title: 'C', asset: 'media/c.mp4', durationMs: 6_000 }
        )
      }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      sessionTimeoutMs: 8_000,
      policy: { viewerGraceMs: 1_000 }
    })
    base = await station.listen('127.0.0.1', 0)
    channels = ((await (await api('/api/channels')).json()) as { channels: ChannelStatusDto[] })
      .channels
  })

  afterAll(async () => {
    await station.close()
    t.cleanup()
    expect(station.processes.live()).toEqual([])
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  it('answers the first playlist as soon as the first segment exists, and serves its segments', async () => {
    const t0 = performance.now()
    const a = await attach('numbers')
    const res = await fetch(`${base}${a.streamUrl}`)
    const elapsed = performance.now() - t0
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/vnd.apple.mpegurl')
    // A session's URLs are its own: never kept by a shared cache.
    expect(res.headers.get('cache-control')).toBe('no-cache, no-store')
    const text = await res.text()
    expect(text).toMatch(/^#EXTM3U/)
    expect(text).not.toContain('#EXT-X-ENDLIST')
    const segment = text.split('\n').find((l) => l.endsWith('.ts'))!
    expect(segment).toMatch(/^[0-9a-f]{8}-normal-\d+-[0-9a-f]{6}\/seg-\d+\.ts$/)
    // A functional bound, not a benchmark (see npm run bench): no multi-second gate.
    expect(elapsed).toBeLessThan(3_000)
    const seg = await fetch(`${base}${a.streamUrl.replace('index.m3u8', segment)}`)
    expect(seg.status).toBe(200)
    expect(seg.headers.get('content-type')).toBe('video/mp2t')
    expect(seg.headers.get('cache-control')).toBe('private, max-age=60')
    const bytes = Buffer.from(await seg.arrayBuffer())
    expect(bytes[0]).toBe(0x47) // MPEG-TS sync byte
    // The first frame is what the schedule says is on air now.
    const segFile = path.join(t.dir, 'first.ts')
    fs.writeFileSync(segFile, bytes)
    const marks = await decodeMarks(await getTools(), segFile)
    expect(marks[0]!.id).toBeGreaterThan(0)
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  })

  it('refuses unknown and ended sessions, and never serves a file outside the live window', async () => {
    const a = await attach('mixed')
    const playlist = await (await fetch(`${base}${a.streamUrl}`)).text()
    const segment = playlist.split('\n').find((l) => l.endsWith('.ts'))!
    const producerId = segment.split('/')[0]!
    const root = `${base}/streams/${a.sessionId}`
    for (const probe of [
      `${root}/..%2F..%2Fstation.db`,
      `${root}/${producerId}/..%2F..%2F..%2Fapi-token`,
      `${root}/${producerId}/index.m3u8`,
      `${root}/other-producer/seg-1.ts`,
      `${root}/${producerId}/seg-999999.ts`,
      `${base}/streams/..%2F..%2Fapi-token/index.m3u8`
    ]) {
      const res = await fetch(probe)
      expect(res.status, probe).toBe(404)
      // Refusals are never cached, whether a stream route or no route at all answered.
      expect(res.headers.get('cache-control'), probe).toBe('no-store')
      const body = await res.text()
      expect(body).not.toContain(station.apiToken)
    }
    expect((await fetch(`${base}/streams/AAAAAAAAAAAAAAAAAAAAAAAA/index.m3u8`)).status).toBe(404)
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
    const ended = await fetch(`${base}${a.streamUrl}`)
    expect(ended.status).toBe(404)
    expect(ended.headers.get('cache-control')).toBe('no-store')
    expect(((await ended.json()) as { error: { code: string } }).error.code).toBe('unknown_session')
  })

  it('counts every request as activity, ends silent sessions, and keeps only recent segments on disk', async () => {
    const watched = await attach('mixed')
    const silent = await attach('mixed')
    await fetch(`${base}${silent.streamUrl}`)
    let lastSeq = -1
    let requests = 0
    /** What was wrong with a playlist the player fetched (noted, so the polling below cannot retry past it). */
    const wrong: string[] = []
    const playlistOfWatched = async () => {
      const text = await (await fetch(`${base}${watched.streamUrl}`)).text()
      requests++
      const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN)
      if (!(seq >= lastSeq)) wrong.push(`media sequence ${seq} after ${lastSeq}`)
      lastSeq = seq
      const listed = text.split('\n').filter((l) => l.endsWith('.ts')).length
      if (listed > 6) wrong.push(`${listed} segments listed`)
    }
    // A player asking about once a second, until the silent one has been ended (8 s timeout) and
    // the encoder has written more segments than it keeps.
    const uuid = channels.find((c) => c.slug === 'mixed')!.uuid
    const segmentsWritten = () =>
      Math.max(
        -1,
        ...fs
          .readdirSync(station.director.channelOutput(uuid)!.endpoint.dir)
          .map((f) => Number(/^seg-(\d+)\.ts$/.exec(f)?.[1] ?? -1))
      ) + 1
    await expect
      .poll(
        async () => (
          await playlistOfWatched(),
          !station.director.sessions.get(silent.sessionId) && segmentsWritten() > 14
        ),
        { timeout: 30_000, interval: 1_000 }
      )
      .toBe(true)
    expect(wrong).toEqual([])
    expect(requests).toBeGreaterThan(8)
    expect(station.director.sessions.get(watched.sessionId)).toBeDefined()
    // The other one made no request for longer than the 8 s session timeout.
    expect(station.director.sessions.get(silent.sessionId)).toBeUndefined()
    expect(station.store.sessions.get(silent.sessionId)?.endReason).toBe('inactive')
    const onDisk = fs
      .readdirSync(station.director.channelOutput(uuid)!.endpoint.dir)
      .filter((f) => f.endsWith('.ts'))
    expect(onDisk.length).toBeLessThanOrEqual(12)
    expect(onDisk).not.toContain('seg-0.ts')
  }, 60_000)

  it('puts the crawl on the running output; a takeover and its clear go on in the same output (one encoder, no discontinuity)', async () => {
    const a = await attach('numbers')
    await fetch(`${base}${a.streamUrl}`)
    const uuid = channels.find((c) => c.slug === 'numbers')!.uuid
    const before = station.director.channelOutput(uuid)!
    const encoderPid = () => {
      const dir = station.director.channelOutput(uuid)!.endpoint.dir
      return station.processes
        .live()
        .filter(
          (p) =>
            p.name === 'encoder' &&
            fs.readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8').includes(dir)
        )
        .map((p) => p.child.pid)
    }
    const encoder = encoderPid()
    expect(encoder).toHaveLength(1)
    expect(
      (
        await api('/api/emergency', {
          method: 'POST',
          body: JSON.stringify({ message: 'TEST ALERT: this is only a test', scope: 'crawl' })
        })
      ).status
    ).toBe(200)
    expect(station.director.channelOutput(uuid)!.producerId).toBe(before.producerId) // crawl: same producer, no restart

    const listed = async () =>
      (await (await fetch(`${base}${a.streamUrl}`)).text())
        .split('\n')
        .filter((l) => l.endsWith('.ts'))
    const seen = new Set<string>()
    /**
     * The picture of a segment listed after now: whether some frame shows (want) or lacks the red
     * of the emergency card (its dark red top) or of the crawl (its band, most of the bottom fifth).
     */
    const nextSegmentShows = async (band: 'top' | 'bottom', want: boolean): Promise<boolean> => {
      const shown = await until(
        `a segment whose ${band} ${want ? 'shows' : 'lacks'} the red`,
        10_000,
        async () => {
          for (const uri of await listed()) {
            if (seen.has(uri)) continue
            seen.add(uri)
            const file = path.join(t.dir, 'probe.ts')
            fs.writeFileSync(
              file,
              Buffer.from(
                await (
                  await fetch(`${base}${a.streamUrl.replace('index.m3u8', uri)}`)
                ).arrayBuffer()
              )
            )
            // The media here is never red there.
            if (
              (await redFrames(await getTools(), file, band, band === 'top' ? 0.85 : 0.5)).some(
                (red) => red === want
              )
            )
              return true
          }
          return undefined
        },
        250
      )
      return shown.value
    }
    const nextSegmentShowsCard = (want: boolean) => nextSegmentShows('top', want)
    // The crawl is on the output already listed or the next one (segments listed before the request may lack it).
    expect(await nextSegmentShows('bottom', true)).toBe(true)
    expect(
      (
        await api('/api/emergency', {
          method: 'POST',
          body: JSON.stringify({ message: 'Takeover test', scope: 'takeover' })
        })
      ).status
    ).toBe(200)
    const producerType = () => station.director.channelStatus(uuid)!.producerType
    expect(producerType()).toBe('emergency')
    // The emergency producer took the output over: same folder, same encoder process; the crawl is gone.
    expect(station.director.channelOutput(uuid)!.endpoint.id).toBe(before.endpoint.id)
    expect(station.director.channelOutput(uuid)!.producerId).not.toBe(before.producerId)
    expect(encoderPid()).toEqual(encoder)
    expect(await nextSegmentShowsCard(true)).toBe(true)

    expect((await api('/api/emergency', { method: 'DELETE' })).status).toBe(200)
    expect(producerType()).toBe('normal')
    expect(station.director.channelOutput(uuid)!.endpoint.id).toBe(before.endpoint.id)
    expect(encoderPid()).toEqual(encoder)
    expect(await nextSegmentShowsCard(false)).toBe(true)
    // Programming is back without the crawl (the clear ended the emergency).
    for (const uri of await listed()) seen.add(uri)
    expect(await nextSegmentShows('bottom', false)).toBe(true)
    // The as-run runs on without a hole: the item cut at the takeover, the emergency, the item rejoined at the clear.
    type Row = { kind: string; status: string; actualStart: string; actualEnd: string | null }
    const { days } = (await (await api(`/api/asrun?channel=${uuid}`)).json()) as {
      days: Array<{ rows: Row[] }>
    }
    const rows = days.flatMap((d) => d.rows)
    const e = rows.findLastIndex((r) => r.kind === 'emergency')
    expect(e).toBeGreaterThan(0)
    expect([rows[e - 1]!.kind, rows[e - 1]!.actualEnd]).toEqual(['item', rows[e]!.actualStart])
    expect([rows[e + 1]?.kind, rows[e + 1]?.actualStart]).toEqual(['item', rows[e]!.actualEnd])
    // Rejoined where the clear switched (an item boundary only by chance, then as scheduled).
    expect(['joined-late', 'as-scheduled']).toContain(rows[e + 1]!.status)
    // The viewer's playlist ran on through both switches: one output, no discontinuity.
    const text = await (await fetch(`${base}${a.streamUrl}`)).text()
    const uris = text.split('\n').filter((l) => l.endsWith('.ts'))
    expect(uris.length).toBeGreaterThan(3)
    expect(uris.every((u) => u.startsWith(`${before.endpoint.id}/seg-`))).toBe(true)
    // A discontinuity only where this output began (after an earlier test's), never inside it.
    const lines = text.split('\n')
    lines.forEach((l, i) => {
      if (l === '#EXT-X-DISCONTINUITY')
        expect(lines.slice(i).find((u) => u.endsWith('.ts'))).toBe(`${before.endpoint.id}/seg-0.ts`)
    })
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  }, 60_000)

  it('serves an outside ffmpeg client for 30 s without a decode error, timestamps only going forward', async () => {
    const a = await attach('mixed')
    const tools = await getTools()
    const result = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        `${base}${a.streamUrl}`,
        '-t',
        '30',
        '-map',
        '0',
        '-f',
        'framecrc',
        '-'
      ],
      {
        reject: false,
        timeout: 90_000
      }
    )
    expect(result.exitCode).toBe(0)
    expect(String(result.stderr).trim()).toBe('')
    const { video, audio, backwards } = framecrcPackets(String(result.stdout))
    expect(backwards).toEqual([])
    expect(video).toBeGreaterThanOrEqual(29 * 30)
    expect(audio).toBeGreaterThanOrEqual(29 * 46)
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  }, 120_000)

  it('stops the producer after the last viewer leaves, leaving no ffmpeg running for it', async () => {
    const a = await attach('numbers')
    expect((await fetch(`${base}${a.streamUrl}`)).status).toBe(200)
    const uuid = channels.find((c) => c.slug === 'numbers')!.uuid
    expect(station.director.channel(uuid).producerStatus).toBe('running')
    await api(`/api/viewers/${attached.pop()}`, { method: 'DELETE' })
    // The grace is 1 s; stopping takes a moment more.
    await expect
      .poll(
        () => channels.every((c) => station.director.channel(c.uuid).producerStatus === 'stopped'),
        { timeout: 10_000, interval: 100 }
      )
      .toBe(true)
    for (const c of channels)
      expect([
        c.slug,
        station.director.channel(c.uuid).producerStatus,
        station.director.channel(c.uuid).sessionCount
      ]).toEqual([c.slug, 'stopped', 0])
    expect(station.processes.live()).toEqual([])
  })
})
