// GET /metrics: Prometheus' text format that promtool accepts, opened by the API token or the
// read-only metrics token only, with the numbers the API reports, and the same verdict on what is
// degraded (and why) as /api/health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alarmKeys } from '../../src/runtime/alarm-keys'
import type { StationHealthDto } from '../../src/shared/api'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { promtoolCheck, sample } from '../helpers/prometheus'

const METRICS_TOKEN = 'metrics-read-only-0123456789'

describe('GET /metrics', () => {
  let env: HttpEnv
  const get = async (url: string, token?: string) =>
    env.app.inject({
      url,
      headers: { host: env.host, ...(token ? { authorization: `Bearer ${token}` } : {}) }
    })
  const metrics = async () => {
    const res = await get('/metrics', METRICS_TOKEN)
    expect(res.statusCode).toBe(200)
    return res.body
  }

  beforeAll(async () => {
    env = await httpEnv({ station: { metricsToken: METRICS_TOKEN } })
  })
  afterAll(() => env.close())

  it('answers only the API token or the metrics token, and the metrics token opens nothing else', async () => {
    expect((await get('/metrics')).statusCode).toBe(401)
    expect((await get('/metrics', 'wrong-token-0123456789')).statusCode).toBe(401)
    expect((await get('/metrics?access_token=' + env.token)).statusCode).toBe(401)
    const byApiToken = await get('/metrics', env.token)
    expect(byApiToken.statusCode).toBe(200)
    expect(byApiToken.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect((await get('/metrics', METRICS_TOKEN)).statusCode).toBe(200)
    expect((await get('/api/channels', METRICS_TOKEN)).statusCode).toBe(401)
    expect(
      env.app
        .routeTable()
        .filter((r) => r.access === 'metrics')
        .map((r) => r.url)
    ).toEqual(['/metrics', '/metrics'])
  })

  it('is text promtool accepts, per channel by uuid and number, with the viewers the API reports', async () => {
    const [uuid] = env.uuids as [string]
    const attach = await env.app.inject({
      method: 'POST',
      url: `/api/channels/${uuid}/viewers`,
      headers: { host: env.host, authorization: `Bearer ${env.token}` },
      payload: {}
    })
    expect(attach.statusCode).toBe(201)
    const text = await metrics()
    expect(promtoolCheck(text)).toBeNull()
    const channel = (await get(`/api/channels/${uuid}`, env.token)).json() as {
      viewerCount: number
    }
    expect(channel.viewerCount).toBe(1)
    expect(sample(text, 'retrovue_channel_viewers', { channel: uuid })).toBe(channel.viewerCount)
    expect(sample(text, 'retrovue_channel_on_air', { channel: uuid })).toBe(1)
    expect(sample(text, 'retrovue_channel_producer', { channel: uuid, state: 'running' })).toBe(1)
    expect(sample(text, 'retrovue_sessions', { purpose: 'viewer' })).toBe(1)
    expect(sample(text, 'retrovue_producer_budget')).toBe(16)
    expect(sample(text, 'retrovue_station_mode', { mode: 'normal' })).toBe(1)
    // Node's own: event-loop lag, CPU, memory.
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'retrovue_ffmpeg_cpu_seconds',
      'retrovue_ffmpeg_resident_memory_bytes'
    ])
      expect(Number.isFinite(sample(text, name)), name).toBe(true)
    // Requests by the route they matched, never by the ids in their path or a session id.
    expect(
      sample(text, 'retrovue_http_requests_total', {
        route: '/api/channels/:uuid/viewers',
        method: 'POST',
        status: '201'
      })
    ).toBeGreaterThanOrEqual(1)
    expect(text).not.toContain(`/api/channels/${uuid}`)
    const sessionId = (attach.json() as { sessionId: string }).sessionId
    expect(text).not.toContain(sessionId)
    expect(text).not.toContain(env.token)
  })

  it('agrees with /api/health on degraded and why', async () => {
    const uuid = env.uuids[1]!
    const health = async () => (await get('/api/health')).json() as StationHealthDto
    const agree = async () => {
      const h = await health()
      const text = await metrics()
      expect(sample(text, 'retrovue_station_degraded')).toBe(h.status === 'degraded' ? 1 : 0)
      expect(sample(text, 'retrovue_station_degraded_reasons')).toBe(h.reasons?.length ?? 0)
      return { h, text }
    }
    const before = await agree()
    expect(before.h.status).toBe('ok')
    const cm = env.station.director.channel(uuid)
    cm.alarms.raise(alarmKeys.outputCondition('black'), {
      kind: 'black',
      severity: 'critical',
      message: 'black on output',
      channelUuid: uuid
    })
    const during = await agree()
    expect(during.h.status).toBe('degraded')
    expect(during.h.reasons).toEqual(['Two: black on output'])
    // Why, in the metrics: the channel with the critical alarm.
    expect(
      sample(during.text, 'retrovue_channel_alarms_active', { channel: uuid, severity: 'critical' })
    ).toBe(1)
    expect(
      sample(during.text, 'retrovue_channel_alarms_active', {
        channel: env.uuids[0]!,
        severity: 'critical'
      })
    ).toBe(0)
    cm.alarms.clear(alarmKeys.outputCondition('black'))
    const after = await agree()
    expect(after.h.status).toBe('ok')
    expect(
      sample(after.text, 'retrovue_channel_alarms_active', { channel: uuid, severity: 'critical' })
    ).toBe(0)
  })
})
