import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  AlarmDto,
  ChannelStatusDto,
  ModeDto,
  StationEvent,
  ViewerAttachDto
} from '../../src/shared/api'
import type { AlarmHistoryDto } from '../../src/shared/station-api'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'

describe('runtime API', () => {
  let t: ReturnType<typeof stationFixture>
  const pool = new TestProducerPool()
  let station: Station
  let base: string
  let uuids: string[] = []
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
  const post = (route: string, body: unknown) =>
    api(route, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
  const liveSessions = () => station.store.sessions.countLive()

  beforeAll(async () => {
    const loop = loopOf(
      { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
      { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 }
    )
    t = stationFixture([
      { id: 'one', name: 'One', timezone: 'UTC', loop },
      { id: 'two', name: 'Two', timezone: 'Europe/Paris', loop },
      { id: 'three', name: 'Three', timezone: 'Asia/Tokyo', loop }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      producerFactory: pool.factory,
      logger: silentLogger
    })
    base = await station.listen('127.0.0.1', 0)
    const list = (await (await api('/api/channels')).json()) as { channels: ChannelStatusDto[] }
    uuids = list.channels.map((c) => c.uuid)
  })
  afterAll(async () => {
    await station.close()
    t.cleanup()
  })

  it('attaches and detaches viewers; the first starts the producer', async () => {
    const res = await post(`/api/channels/${uuids[0]}/viewers`, { client: { app: 'test' } })
    expect(res.status).toBe(201)
    const a = (await res.json()) as ViewerAttachDto
    expect(a).toMatchObject({ channelUuid: uuids[0], purpose: 'viewer' })
    expect(a.streamUrl).toBe(`/streams/${a.sessionId}/index.m3u8`)
    await station.director.channel(uuids[0]!).whenIdle()
    expect(pool.aliveFor(uuids[0]!)).toHaveLength(1)
    const status = (await (await api(`/api/channels/${uuids[0]}`)).json()) as ChannelStatusDto
    expect(status).toMatchObject({
      viewerCount: 1,
      producerStatus: 'running',
      producerType: 'normal',
      tally: 'program'
    })
    expect(station.store.sessions.get(a.sessionId)?.clientInfo).toMatchObject({
      app: 'test',
      address: '127.0.0.1'
    })

    expect((await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    expect((await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })).status).toBe(404)
    expect(
      ((await (await api(`/api/channels/${uuids[0]}`)).json()) as ChannelStatusDto).viewerCount
    ).toBe(0)
  })

  it.each([
    ['{ not json', /json/i, undefined],
    [{ purpose: 'spectator' }, /body\.purpose: must be "viewer" or "preview"/, 'invalid_body'],
    [{ purpose: 'viewer', extra: 1 }, /body: .*extra/i, 'invalid_body'],
    [{ client: 'me' }, /body\.client: must be an object/, 'invalid_body']
  ])(
    'refuses attach body %j with a 400 naming the field, changing nothing',
    async (body, message, code) => {
      const before = liveSessions()
      const res = await post(`/api/channels/${uuids[1]}/viewers`, body)
      expect(res.status).toBe(400)
      const err = (await res.json()) as { error: { code: string; message: string } }
      expect(err.error.message).toMatch(message)
      if (code) expect(err.error.code).toBe(code)
      expect(liveSessions()).toBe(before)
    }
  )

  it('answers unknown channels with 404', async () => {
    expect(
      (await post('/api/channels/00000000-0000-4000-8000-000000000009/viewers', {})).status
    ).toBe(404)
  })

  it.each([
    [{}, /body\.message: is required/],
    [{ message: '   ', scope: 'crawl' }, /body\.message: must not be empty/],
    [{ message: 'x', scope: 'panic' }, /body\.scope: must be "crawl" or "takeover"/],
    [{ message: 'x'.repeat(501), scope: 'crawl' }, /at most 500 characters/],
    [{ message: 'x', scope: 'crawl', level: 3 }, /level/]
  ])('refuses emergency body %j with a 400, changing nothing', async (body, message) => {
    const res = await post('/api/emergency', body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message)
    expect(((await (await api('/api/mode')).json()) as ModeDto).mode).toBe('normal')
    expect(station.store.system.get().globalMode).toBe('normal')
  })

  it('activates and clears an emergency; a refusal is a 409 naming the channel', async () => {
    // Live on two channels, one of which will refuse the crawl.
    await post(`/api/channels/${uuids[1]}/viewers`, {})
    await post(`/api/channels/${uuids[2]}/viewers`, { purpose: 'preview' })
    await Promise.all(uuids.map((u) => station.director.channel(u).whenIdle()))
    pool.refuseOverlay.add(uuids[2]!)
    const refused = await post('/api/emergency', { message: 'Tornado warning', scope: 'crawl' })
    expect(refused.status).toBe(409)
    const err = (await refused.json()) as { error: { code: string; message: string } }
    expect(err.error.code).toBe('switch_refused')
    expect(err.error.message).toContain('"Three"')
    expect(((await (await api('/api/mode')).json()) as ModeDto).mode).toBe('normal')

    pool.refuseOverlay.clear()
    const ok = await post('/api/emergency', { message: ' Tornado warning ', scope: 'crawl' })
    expect(ok.status).toBe(200)
    const mode = (await ok.json()) as ModeDto
    expect(mode).toMatchObject({
      mode: 'emergency',
      emergency: { message: 'Tornado warning', scope: 'crawl' }
    })
    expect(mode.emergency!.since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(((await (await api(`/api/channels/${uuids[1]}`)).json()) as ChannelStatusDto).mode).toBe(
      'emergency'
    )

    const cleared = await api('/api/emergency', { method: 'DELETE' })
    expect(cleared.status).toBe(200)
    expect(await cleared.json()).toEqual({ mode: 'normal', emergency: null })
    // Clearing again is harmless.
    expect(
      ((await (await api('/api/emergency', { method: 'DELETE' })).json()) as ModeDto).mode
    ).toBe('normal')
  })

  it('lists alarm history by time and channel, and acknowledges a latched alarm (404 for an unknown one)', async () => {
    const a = (await (
      await post(`/api/channels/${uuids[0]}/viewers`, {})
    ).json()) as ViewerAttachDto
    await station.director.channel(uuids[0]!).whenIdle()
    const p = pool.aliveFor(uuids[0]!)[0]!
    p.report('health-changed', { health: 'degraded', reason: 'output 900 ms behind the clock' })
    p.report('health-changed', { health: 'running', reason: null })
    const history = (await (await api(`/api/alarms?channel=${uuids[0]}`)).json()) as AlarmHistoryDto
    const late = history.alarms.filter((x) => x.kind === 'late')
    expect(late).toHaveLength(1)
    expect(late[0]).toMatchObject({
      code: 'LATE',
      channelUuid: uuids[0],
      clearedAt: expect.any(String),
      acknowledgedAt: null,
      message: 'output degraded: output 900 ms behind the clock'
    })
    expect(
      (
        (await (await api(`/api/alarms?channel=${uuids[1]}`)).json()) as AlarmHistoryDto
      ).alarms.filter((x) => x.kind === 'late')
    ).toEqual([])
    // Latched in the channel's status until acknowledged.
    const status = () =>
      api(`/api/channels/${uuids[0]}`).then(
        async (r) => ((await r.json()) as ChannelStatusDto).alarms
      )
    expect((await status()).map((x) => x.id)).toContain(late[0]!.id)
    const ack = await post(`/api/alarms/${late[0]!.id}/acknowledge`, '')
    expect(ack.status).toBe(200)
    expect(((await ack.json()) as AlarmDto).acknowledgedAt).toEqual(expect.any(String))
    expect((await status()).map((x) => x.id)).not.toContain(late[0]!.id)
    expect(station.store.audit.recent(1)[0]).toMatchObject({
      actor: 'api',
      action: 'alarm-acknowledged'
    })
    expect((await post('/api/alarms/987654/acknowledge', '')).status).toBe(404)
    const bad = await api('/api/alarms?from=yesterday')
    expect(bad.status).toBe(400)
    expect(
      ((await bad.json()) as { error: { code: string; message: string } }).error.message
    ).toMatch(/"from"/)
    await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  })

  it('streams a snapshot then changes over a WebSocket, and refuses one without the token', async () => {
    const events: StationEvent[] = []
    const ws = new WebSocket(
      `${base.replace('http', 'ws')}/api/events?access_token=${station.apiToken}`
    )
    ws.onmessage = (m) => events.push(JSON.parse(String(m.data)) as StationEvent)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error('websocket failed'))
    })
    const waitFor = (pred: () => boolean) =>
      expect.poll(pred, { timeout: 2_000, interval: 10 }).toBe(true)
    await waitFor(() => events.length >= 1)
    expect(events[0]!.type).toBe('snapshot')
    const attach = (await (
      await post(`/api/channels/${uuids[0]}/viewers`, {})
    ).json()) as ViewerAttachDto
    await waitFor(() =>
      events.some(
        (e) =>
          e.type === 'changes' && e.channels.some((c) => c.uuid === uuids[0] && c.viewerCount === 1)
      )
    )
    ws.close()
    await api(`/api/viewers/${attach.sessionId}`, { method: 'DELETE' })

    const denied = new WebSocket(`${base.replace('http', 'ws')}/api/events`)
    const outcome = await new Promise<string>((resolve) => {
      denied.onopen = () => resolve('open')
      denied.onerror = () => resolve('error')
    })
    expect(outcome).toBe('error')
  })
})
