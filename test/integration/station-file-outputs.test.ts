// Push outputs in the station file: validated with errors naming the JSON path, stored with the
// channel, replaced on re-import (a URL that stays keeps its id), left alone when a file omits them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const loop = {
  epoch: '2026-01-01T00:00:00Z',
  items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
}
const ch = (outputs?: unknown) => ({
  id: 'a',
  name: 'A',
  timezone: 'UTC',
  loop,
  ...(outputs === undefined ? {} : { outputs })
})

describe('push outputs in the station file', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  const outputs = () =>
    env.store.outputs.list().map((o) => ({ id: o.outputId, url: o.url, enabled: o.enabled }))

  it('stores outputs, keeps the id of a URL that stays, drops the ones a file no longer lists, leaves them alone when a file omits them', async () => {
    await env.importStation({
      version: 1,
      channels: [ch([{ url: 'rtmp://a/live/k1' }, { url: 'srt://b:9000', enabled: false }])]
    })
    const first = outputs()
    expect(first).toEqual([
      { id: expect.any(String), url: 'rtmp://a/live/k1', enabled: true },
      { id: expect.any(String), url: 'srt://b:9000', enabled: false }
    ])
    await env.importStation({
      version: 1,
      channels: [ch([{ url: 'rtmp://a/live/k1', enabled: false }, { url: 'rtmp://c/live/k2' }])]
    })
    const second = outputs()
    expect(second).toEqual([
      { id: first[0]!.id, url: 'rtmp://a/live/k1', enabled: false },
      { id: expect.any(String), url: 'rtmp://c/live/k2', enabled: true }
    ])
    // Each change is audited on its own, the key hidden.
    const audit = env.store.audit
      .recent(100)
      .filter((a) => a.action.startsWith('output-'))
      .map((a) => [a.action, a.details['url']])
    expect(audit.reverse()).toEqual([
      ['output-added', 'rtmp://a/live/****'],
      ['output-added', 'srt://b:9000'],
      ['output-disabled', 'rtmp://a/live/****'],
      ['output-added', 'rtmp://c/live/****'],
      ['output-removed', 'srt://b:9000']
    ])
    await env.importStation({ version: 1, channels: [ch()] })
    expect(outputs()).toEqual(second)
    await env.importStation({ version: 1, channels: [ch([])] })
    expect(outputs()).toEqual([])
  })

  it.each([
    [
      [{ url: 'http://a/live/k' }],
      '$.channels[0].outputs[0].url',
      'must be an rtmp://, rtmps:// or srt:// URL'
    ],
    [[{ url: 'rtmp://a/live' }], '$.channels[0].outputs[0].url', 'stream key'],
    [
      [{ url: 'rtmp://a/live/k', enabled: 'yes' }],
      '$.channels[0].outputs[0].enabled',
      'must be true or false'
    ],
    [[{ url: 'rtmp://a/live/k', key: 'x' }], '$.channels[0].outputs[0]', 'key'],
    [
      [{ url: 'rtmp://a/live/k' }, { url: 'rtmp://a/live/k' }],
      '$.channels[0].outputs[1].url',
      'the same destination as $.channels[0].outputs[0]'
    ],
    ['rtmp://a/live/k', '$.channels[0].outputs', 'must be an array']
  ])('refuses %j, naming %s, and changes nothing', async (value, where, message) => {
    await env.importStation({ version: 1, channels: [ch([{ url: 'rtmp://keep/live/me' }])] })
    const before = env.dump()
    const err = await env.importStation({ version: 1, channels: [ch(value)] }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationFileError)
    expect((err as StationFileError).problems).toContainEqual({
      path: where,
      message: expect.stringContaining(message)
    })
    expect(env.dump()).toBe(before)
    expect(outputs().map((o) => o.url)).toEqual(['rtmp://keep/live/me'])
  })
})
