// A channel pushed to a real media server: nginx with the RTMP module (the README's config),
// read back from nginx's HLS by an outside ffmpeg across item boundaries, an emergency takeover
// and its clear, on one RTMP connection with a timeline that runs on, and across a producer that
// crashes and is restarted. Then the server goes away
// (output-down within 5 s, local viewers unaffected) and comes back (the push resumes within 10 s,
// the producer never restarted). The stream key never appears in the API or the logs.
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, OutputDto } from '../../src/shared/api'
import { Station } from '../../src/station'
import { stationFixture } from '../helpers/fixtures'
import { captureLogs } from '../helpers/log-capture'
import { freePort, type Nginx, startNginx } from '../helpers/nginx'
import { descendants } from '../helpers/processes'
import { tools as getTools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const KEY = 'sk_live_7f3c9a1b2d'

describe('push outputs to nginx-rtmp (real ffmpeg, real nginx)', () => {
  let t: ReturnType<typeof stationFixture>
  let ngx: ReturnType<typeof tempDir>
  let nginx: Nginx
  let station: Station
  let base: string
  let uuid: string
  const { logger, lines: logLines } = captureLogs('debug')

  const api = async <T>(
    route: string,
    init: RequestInit = {}
  ): Promise<{ status: number; body: T; text: string }> => {
    const res = await fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text }
  }
  const status = async () => (await api<ChannelStatusDto>(`/api/channels/${uuid}`)).body
  const output = async () => (await status()).outputs[0]!
  /** nginx's publishing client of the stream: its connection id and how long it has been connected. */
  const publisher = async () => {
    const client = (await nginx.stats()).split('<client>').find((c) => c.includes('<publishing/>'))
    const id = client && /<id>(\d+)<\/id>/.exec(client)?.[1]
    const time = client && /<time>(\d+)<\/time>/.exec(client)?.[1]
    return id && time ? { id, timeMs: Number(time) } : undefined
  }

  beforeAll(async () => {
    ngx = tempDir('retrovue-nginx-')
    nginx = await startNginx(ngx.dir)
    // Short items of different sizes, rates and sound: an item boundary every 6-7 s.
    t = stationFixture([
      {
        id: 'shorts',
        name: 'Shorts',
        timezone: 'UTC',
        loop: {
          epoch: '2026-01-01T00:00:00Z',
          items: [
            { title: 'A', asset: 'media/a.mp4', durationMs: 6_000 },
            { title: 'B', asset: 'media/b.mp4', durationMs: 7_000 },
            { title: 'C', asset: 'media/c.mp4', durationMs: 6_000 }
          ]
        },
        outputs: [{ url: nginx.rtmpUrl(KEY) }]
      }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger,
      sessionTimeoutMs: 10_000,
      policy: { viewerGraceMs: 1_000 }
    })
    base = await station.listen('127.0.0.1', 0)
    uuid = station.store.channels.bySlug('shorts')!.uuid
  })

  afterAll(async () => {
    await station?.close()
    await nginx?.stop()
    t?.cleanup()
    ngx?.cleanup()
    expect(station.processes.live()).toEqual([])
    expect(descendants().filter((p) => /ffmpeg|nginx/.test(p.cmd))).toEqual([])
  })

  it('an enabled output puts its channel on air with nobody watching: tally red, one output session, the key hidden', async () => {
    const { value: live } = await until('the push is live', 20_000, async () => {
      const o = await output()
      return o.state === 'live' ? o : undefined
    })
    expect(live.url).toBe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/****2d`)
    // Red, not green: the output counts as on air. (Waited for: a start on a loaded machine may run
    // late for a moment, and a late output's tally is fault until it has caught up.)
    const { value: s } = await until('tally program', 20_000, async () => {
      const now = await status()
      return now.tally === 'program' ? now : undefined
    })
    expect(s).toMatchObject({
      producerStatus: 'running',
      viewerCount: 0,
      previewCount: 0,
      outputCount: 1
    })
    const listed = await api<{ outputs: OutputDto[] }>(`/api/channels/${uuid}/outputs`)
    expect(listed.body.outputs).toEqual([
      expect.objectContaining({ id: live.id, state: 'live', enabled: true, connections: 1 })
    ])
    expect(listed.text).not.toContain(KEY)
    // nginx has the stream: its own HLS playlist lists segments.
    await until('nginx lists HLS segments', 10_000, async () => {
      const res = await fetch(nginx.hlsUrl(KEY))
      return res.ok && /\.ts/.test(await res.text()) ? true : undefined
    })
  })

  it("nginx's HLS decodes for 30 s across item boundaries, a takeover and its clear, on one connection whose timestamps run on", async () => {
    const tools = await getTools()
    const publisherBefore = await publisher()
    expect(publisherBefore).toBeDefined()
    const started = station.clock.now()
    const reader = execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-copyts',
        '-live_start_index',
        '-3',
        '-i',
        nginx.hlsUrl(KEY),
        '-t',
        '30',
        // Each frame's line as it is decoded: the switches wait on what the reader has read.
        '-flush_packets',
        '1',
        '-f',
        'framecrc',
        '-'
      ],
      { reject: false, timeout: 90_000 }
    )
    let framesRead = 0
    reader.stdout!.on('data', (chunk: Buffer) => {
      framesRead += (String(chunk).match(/^0,/gm) ?? []).length
    })
    /** Until the reader has decoded `s` more seconds of video: each switch comes in the middle of its read. */
    const untilRead = async (s: number, what: string) => {
      const target = framesRead + s * 30
      await until(`the reader decodes ${s} s of ${what}`, s * 1000 + 20_000, () =>
        framesRead >= target ? true : undefined
      )
    }
    await untilRead(8, 'programme')
    expect(
      (
        await api('/api/emergency', {
          method: 'POST',
          body: JSON.stringify({ message: 'Test of the emergency system', scope: 'takeover' })
        })
      ).status
    ).toBe(200)
    await untilRead(8, 'the read after the takeover')
    expect((await api('/api/emergency', { method: 'DELETE' })).status).toBe(200)
    const r = await reader
    const ended = station.clock.now()
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    // The schedule crossed at least two item boundaries while it read.
    const boundaries = station.schedule
      .itemsBetween(station.store.channels.bySlug('shorts')!.id, started, ended)
      .filter((e) => e.startMs > started && e.startMs < ended)
    expect(boundaries.length).toBeGreaterThanOrEqual(2)
    // Video frames: 30 s of them, every step forward and none longer than three frames (no jump at a swap).
    const video = r.stdout
      .split('\n')
      .filter((l) => /^0,/.test(l))
      .map((l) => Number(l.split(',')[2]))
    expect(video.length).toBeGreaterThan(25 * 30)
    const steps = video.slice(1).map((v, i) => v - video[i]!)
    const tb = /#tb 0: (\d+)\/(\d+)/.exec(r.stdout)!
    const frameTicks = Number(tb[2]) / Number(tb[1]) / 30
    expect(Math.min(...steps)).toBeGreaterThan(0)
    expect(Math.max(...steps)).toBeLessThanOrEqual(3 * frameTicks)
    // One connection all along: the station made one, and nginx's publisher has been on since before the read.
    const o = await output()
    expect(o).toMatchObject({ state: 'live', connections: 1 })
    const publisherAfter = await publisher()
    expect(publisherAfter?.id).toBe(publisherBefore!.id)
    expect(publisherAfter!.timeMs - publisherBefore!.timeMs).toBeGreaterThanOrEqual(
      ended - started - 1_000
    )
  }, 120_000)

  it('a producer that crashes is restarted while the push stays on its one connection, its timeline running on', async () => {
    const publisherBefore = await publisher()
    const producer = station.director.channelOutput(uuid)!.producerId
    const encoder = station.processes.live().find((p) => p.name === 'encoder')
    expect(encoder).toBeDefined()
    process.kill(encoder!.pid!, 'SIGKILL')
    await until('a new producer is on air', 20_000, () => {
      const now = station.director.channelOutput(uuid)?.producerId
      return now && now !== producer && station.director.channel(uuid).producerStatus === 'running'
        ? now
        : undefined
    })
    // nginx keeps receiving: its HLS decodes on, and the publisher is the same connection.
    const tools = await getTools()
    const r = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-live_start_index',
        '-3',
        '-i',
        nginx.hlsUrl(KEY),
        '-t',
        '4',
        '-f',
        'null',
        '-'
      ],
      { reject: false, timeout: 60_000 }
    )
    expect(r.stderr).toBe('')
    expect((await publisher())?.id).toBe(publisherBefore!.id)
    expect(await output()).toMatchObject({ state: 'live', connections: 1 })
  }, 60_000)

  it('a server that goes away raises output-down within 5 s without touching local viewers; back again, the push resumes within 10 s on the same producer', async () => {
    const producer = station.director.channelOutput(uuid)!.producerId
    const viewer = await api<{ sessionId: string; streamUrl: string }>(
      `/api/channels/${uuid}/viewers`,
      { method: 'POST', body: '{}' }
    )
    expect(viewer.status).toBe(201)

    await nginx.stop()
    const down = await until('output-down is raised', 5_000, async () =>
      (await status()).alarms.find((a) => a.kind === 'output-down' && a.clearedAt === null)
    )
    expect(down.value).toMatchObject({ code: 'OUT', severity: 'warning' })
    // The channel is on air to its own viewers: its tally stays red, the alarm says the feed beyond is down.
    await until('tally program while the output is down', 10_000, async () =>
      (await status()).tally === 'program' ? true : undefined
    )
    expect(down.value.message).not.toContain(KEY)
    expect((await output()).state).toBe('retrying')

    // The local viewer plays on: its playlist moves and its newest segment is served.
    const playlist = async () => (await fetch(`${base}${viewer.body.streamUrl}`)).text()
    const first = await playlist()
    // Within 2 s: two of its 1 s segments.
    const { value: later } = await until('the local playlist moves', 2_000, async () => {
      const now = await playlist()
      return now !== first ? now : undefined
    })
    const lastSegment = later.trim().split('\n').pop()!
    const seg = await fetch(new URL(lastSegment, `${base}${viewer.body.streamUrl}`))
    expect(seg.status).toBe(200)
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000)

    await nginx.start()
    const resumed = await until('the push resumes', 10_000, async () => {
      const o = await output()
      return o.state === 'live' ? o : undefined
    })
    expect(resumed.value.connections).toBe(2)
    const alarm = (await status()).alarms.find((a) => a.id === down.value.id)
    expect(alarm?.clearedAt).not.toBeNull()
    expect(station.director.channelOutput(uuid)!.producerId).toBe(producer)
    expect((await api(`/api/viewers/${viewer.body.sessionId}`, { method: 'DELETE' })).status).toBe(
      204
    )
  }, 60_000)

  it('a destination that refuses the connection is down at once (output-down, the reason without the key), retried, and removing it clears the alarm', async () => {
    const closed = await freePort()
    const added = await api<OutputDto>(`/api/channels/${uuid}/outputs`, {
      method: 'POST',
      body: JSON.stringify({ url: `rtmp://127.0.0.1:${closed}/live/${KEY}-2` })
    })
    expect(added.status).toBe(201)
    const { value: down } = await until('the refused output is down', 5_000, async () =>
      (await status()).outputs.find((o) => o.id === added.body.id && o.state === 'retrying')
    )
    expect(down.lastError).toMatch(/refused/i)
    expect(down.lastError).not.toContain(KEY)
    const alarm = (await status()).alarms.find(
      (a) => a.kind === 'output-down' && a.clearedAt === null
    )
    expect(alarm?.message).toContain(`rtmp://127.0.0.1:${closed}/live/****`)
    // The other output is not disturbed.
    expect((await output()).state).toBe('live')
    expect((await api(`/api/outputs/${added.body.id}`, { method: 'DELETE' })).status).toBe(204)
    const after = (await status()).alarms.find((a) => a.id === alarm!.id)
    expect(after?.clearedAt).not.toBeNull()
  }, 30_000)

  it('disabling the output ends its push and its session; the key was never logged', async () => {
    const o = await output()
    const off = await api<OutputDto>(`/api/outputs/${o.id}/disable`, { method: 'POST' })
    expect(off.body).toMatchObject({ id: o.id, enabled: false, state: 'off' })
    await until('the channel leaves the air', 10_000, async () =>
      (await status()).producerStatus === 'stopped' ? true : undefined
    )
    expect((await status()).outputCount).toBe(0)
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd) && p.cmd.includes('rtmp://'))).toEqual(
      []
    )
    const logs = logLines.join('')
    expect(logs).toContain('push output live')
    expect(logs).not.toContain(KEY)
  }, 30_000)
})
