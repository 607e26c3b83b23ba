// Push outputs through the HTTP API (the StationApi's adapters): add, enable, disable, remove;
// bad input is a 400 naming the field and changes nothing; the producer budget and duplicates are
// refused; the stream key never comes back in a response, the audit log or a log line.
import { afterEach, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, OutputDto } from '../../src/shared/api'
import { DEFAULT_POLICY } from '../../src/runtime/policy'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { captureLogs } from '../helpers/log-capture'
import { descendants } from '../helpers/processes'

const KEY = 'sk_test_5e6f7a8b9c'
const URL_ = `rtmp://127.0.0.1:1/live/${KEY}`

describe('push outputs over the HTTP API', () => {
  let env: HttpEnv
  const { logger, lines: logLines } = captureLogs()
  afterEach(async () => {
    await env.close()
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  const call = async <T>(method: string, route: string, body?: unknown) => {
    const res = await env.app.inject({
      method: method as never,
      url: route,
      headers: {
        authorization: `Bearer ${env.token}`,
        host: env.host,
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      payload: body === undefined ? undefined : JSON.stringify(body)
    })
    expect(res.body).not.toContain(KEY)
    return { status: res.statusCode, body: (res.body ? res.json() : undefined) as T }
  }
  const status = async (uuid: string) =>
    (await call<ChannelStatusDto>('GET', `/api/channels/${uuid}`)).body
  const stored = () => env.station.store.outputs.list()

  it('adds, enables, disables and removes an output; an enabled one holds the channel on air as an output session', async () => {
    env = await httpEnv({ logger })
    const [one] = env.uuids
    const added = await call<OutputDto>('POST', `/api/channels/${one}/outputs`, {
      url: URL_,
      enabled: false
    })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({
      channelUuid: one,
      url: 'rtmp://127.0.0.1:1/live/****9c',
      enabled: false,
      state: 'off',
      lastError: null,
      connections: 0
    })
    expect(await status(one!)).toMatchObject({
      outputCount: 0,
      producerStatus: 'stopped',
      outputs: [expect.objectContaining({ id: added.body.id, state: 'off' })]
    })

    const on = await call<OutputDto>('POST', `/api/outputs/${added.body.id}/enable`)
    expect(on.status).toBe(200)
    expect(on.body).toMatchObject({ enabled: true, state: 'connecting' })
    await env.station.director.channel(one!).whenIdle()
    expect(await status(one!)).toMatchObject({
      outputCount: 1,
      viewerCount: 0,
      previewCount: 0,
      producerStatus: 'running',
      // Nothing listens at the destination: the output holds the channel up but delivers nothing,
      // so the tally does not claim the air (only a live output or a viewer does).
      tally: 'preview'
    })
    expect(env.station.director.sessions.liveSessions().map((s) => s.purpose)).toEqual(['output'])
    // Outputs never time out like a silent viewer.
    env.clock.advance(env.station.director.sessions.timeoutMs * 3)
    expect(env.station.director.sessions.liveSessions()).toHaveLength(1)

    const off = await call<OutputDto>('POST', `/api/outputs/${added.body.id}/disable`)
    expect(off.body).toMatchObject({ enabled: false, state: 'off' })
    expect(env.station.director.sessions.liveSessions()).toEqual([])
    expect((await status(one!)).outputCount).toBe(0)

    const listed = await call<{ outputs: OutputDto[] }>('GET', `/api/channels/${one}/outputs`)
    expect(listed.body.outputs.map((o) => o.id)).toEqual([added.body.id])
    expect((await call('DELETE', `/api/outputs/${added.body.id}`)).status).toBe(204)
    expect((await call('DELETE', `/api/outputs/${added.body.id}`)).status).toBe(404)
    expect(
      (await call<{ outputs: OutputDto[] }>('GET', `/api/channels/${one}/outputs`)).body.outputs
    ).toEqual([])

    const audit = env.station.store.audit
      .recent(1000)
      .filter((a) => a.action.startsWith('output-'))
      .reverse()
    expect(audit.map((a) => a.action)).toEqual([
      'output-added',
      'output-enabled',
      'output-disabled',
      'output-removed'
    ])
    expect(JSON.stringify(audit)).not.toContain(KEY)
    expect(logLines.join('')).not.toContain(KEY)
  })

  it.each([
    [{ url: 'http://x/live/k' }, 'body.url: must be an rtmp://, rtmps:// or srt:// URL'],
    [
      { url: 'rtmp://x/live' },
      'body.url: an rtmp:// URL must name the application and the stream key'
    ],
    [{ url: URL_, enabled: 'yes' }, 'body.enabled: must be true or false'],
    [{ url: URL_, extra: 1 }, 'body'],
    [{}, 'body.url']
  ])('refuses %j with a 400 naming the field, changing nothing', async (body, message) => {
    env = await httpEnv()
    const before = env.station.store.audit.recent(1000).length
    const r = await call<{ error: { code: string; message: string } }>(
      'POST',
      `/api/channels/${env.uuids[0]}/outputs`,
      body
    )
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({
      code: 'invalid_body',
      message: expect.stringContaining(message)
    })
    expect(stored()).toEqual([])
    expect(env.station.store.audit.recent(1000)).toHaveLength(before)
  })

  it('refuses the same destination twice (409), an unknown output (404), a malformed id (400) and an unknown channel (404)', async () => {
    env = await httpEnv()
    const [one] = env.uuids
    await call('POST', `/api/channels/${one}/outputs`, { url: URL_, enabled: false })
    const dup = await call<{ error: { code: string } }>('POST', `/api/channels/${one}/outputs`, {
      url: URL_,
      enabled: false
    })
    expect([dup.status, dup.body.error.code]).toEqual([409, 'duplicate_output'])
    expect(
      (await call('POST', '/api/outputs/00000000-0000-4000-8000-000000000000/enable')).status
    ).toBe(404)
    expect((await call('POST', '/api/outputs/nope/enable')).status).toBe(400)
    expect(
      (
        await call('POST', '/api/channels/00000000-0000-4000-8000-000000000000/outputs', {
          url: URL_
        })
      ).status
    ).toBe(404)
    expect(stored()).toHaveLength(1)
  })

  it('respects the producer budget: past it an output is refused (503) and nothing is added or enabled', async () => {
    env = await httpEnv({ station: { maxProducers: 1 } })
    const [one, two] = env.uuids
    expect((await call('POST', `/api/channels/${two}/viewers`, {})).status).toBe(201)
    const refused = await call<{ error: { code: string } }>(
      'POST',
      `/api/channels/${one}/outputs`,
      { url: URL_ }
    )
    expect([refused.status, refused.body.error.code]).toEqual([503, 'capacity'])
    expect(stored()).toEqual([])
    const off = await call<OutputDto>('POST', `/api/channels/${one}/outputs`, {
      url: URL_,
      enabled: false
    })
    expect((await call('POST', `/api/outputs/${off.body.id}/enable`)).status).toBe(503)
    expect(stored()).toEqual([expect.objectContaining({ enabled: false })])
    expect((await status(one!)).outputCount).toBe(0)
  })

  it('an output enabled in the store but past the budget at start waits, down and retried, and goes on air when a slot frees', async () => {
    env = await httpEnv({ station: { maxProducers: 1 } })
    const [one, two] = env.uuids
    const first = await call<OutputDto>('POST', `/api/channels/${one}/outputs`, { url: URL_ })
    expect(first.status).toBe(201)
    // As a station file import or a restart would leave it: enabled in the store, not running.
    const second = await call<OutputDto>('POST', `/api/channels/${two}/outputs`, {
      url: `${URL_}-2`,
      enabled: false
    })
    env.station.store.outputs.setEnabled(second.body.id, true, env.clock.now())
    env.station.outputs.sync()
    const waiting = (await status(two!)).outputs[0]!
    expect(waiting).toMatchObject({
      id: second.body.id,
      enabled: true,
      state: 'retrying',
      lastError: expect.stringContaining('producer budget')
    })
    expect((await status(two!)).alarms).toContainEqual(
      expect.objectContaining({ kind: 'output-down', severity: 'warning', code: 'OUT' })
    )
    expect((await status(two!)).outputCount).toBe(0)

    expect((await call('POST', `/api/outputs/${first.body.id}/disable`)).status).toBe(200)
    // Channel one leaves the air after the viewer grace; the waiting output's next try finds the slot.
    env.clock.advance(DEFAULT_POLICY.viewerGraceMs + 1)
    await env.station.director.channel(one!).whenIdle()
    expect((await status(one!)).producerStatus).toBe('stopped')
    env.clock.advance(5_000)
    await env.station.director.channel(two!).whenIdle()
    expect((await status(two!)).outputCount).toBe(1)
    expect((await status(two!)).producerStatus).toBe('running')
  })

  it('caps a channel at 8 outputs (409) and knows a destination whatever the case of its host', async () => {
    env = await httpEnv()
    const [one] = env.uuids
    for (let i = 0; i < 8; i++)
      expect(
        (
          await call('POST', `/api/channels/${one}/outputs`, {
            url: `rtmp://Media.Example.com/live/k${i}`,
            enabled: false
          })
        ).status
      ).toBe(201)
    const ninth = await call<{ error: { code: string } }>('POST', `/api/channels/${one}/outputs`, {
      url: 'rtmp://media.example.com/live/k9',
      enabled: false
    })
    expect([ninth.status, ninth.body.error.code]).toEqual([409, 'output_limit'])
    const dup = await call<{ error: { code: string } }>('POST', `/api/channels/${one}/outputs`, {
      url: 'rtmp://media.example.com/live/k0',
      enabled: false
    })
    expect([dup.status, dup.body.error.code]).toEqual([409, 'duplicate_output'])
    expect(stored()).toHaveLength(8)
  })
})
