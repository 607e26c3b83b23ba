// Alarm webhooks in the station file: stored with channels by uuid, replaced by id on re-import,
// left alone when a file omits them; a bad section is refused naming each JSON path, all or nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'

const loop = {
  epoch: '2026-01-01T00:00:00Z',
  items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
}
const channels = [
  { id: 'one', name: 'One', timezone: 'UTC', loop },
  { id: 'two', name: 'Two', timezone: 'UTC', loop }
]
const SECRET = 'the-receivers-shared-secret'

describe('webhooks in the station file', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  it('stores them with channels by uuid, replaces one by id, leaves them when a file omits them', async () => {
    await env.importStation({
      version: 1,
      channels,
      webhooks: [
        { id: 'phone', url: 'https://alerts.example/hook', secret: SECRET, channels: ['two'] },
        {
          id: 'pager',
          url: 'http://127.0.0.1:9/x',
          secret: SECRET,
          severities: ['critical'],
          enabled: false
        }
      ]
    })
    const two = env.store.channels.bySlug('two')!.uuid
    expect(env.store.webhooks.list()).toEqual([
      {
        id: 'pager',
        url: 'http://127.0.0.1:9/x',
        secret: SECRET,
        severities: ['critical'],
        channels: null,
        enabled: false
      },
      {
        id: 'phone',
        url: 'https://alerts.example/hook',
        secret: SECRET,
        severities: ['warning', 'critical'],
        channels: [two],
        enabled: true
      }
    ])
    await env.importStation({
      version: 1,
      channels,
      webhooks: [{ id: 'phone', url: 'https://alerts.example/other', secret: SECRET }]
    })
    expect(env.store.webhooks.get('phone')).toMatchObject({
      url: 'https://alerts.example/other',
      channels: null
    })
    await env.importStation({ version: 1, channels })
    expect(env.store.webhooks.list().map((w) => w.id)).toEqual(['pager', 'phone'])
    // The import's audit names them, never their secrets.
    expect(JSON.stringify(env.store.audit.recent(100))).not.toContain(SECRET)
  })

  it('refuses a bad section naming every problem, and changes nothing', async () => {
    const err = await env
      .importStation({
        version: 1,
        channels,
        webhooks: [
          { id: 'a', url: 'ftp://x/y', secret: SECRET },
          { id: 'b', url: 'https://ok.example', secret: 'short', channels: ['three'] },
          { id: 'b', url: 'https://ok.example', secret: SECRET, severities: ['loud'] }
        ]
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StationFileError)
    const problems = (err as StationFileError).problems.map((p) => `${p.path}: ${p.message}`)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.webhooks\[0\]\.url: must be an http:\/\/ or https:\/\/ URL/),
        expect.stringMatching(/^\$\.webhooks\[1\]\.secret: must be at least 16 characters/),
        expect.stringMatching(/^\$\.webhooks\[2\]\.severities\[0\]: must be/)
      ])
    )
    const second = await env
      .importStation({
        version: 1,
        channels,
        webhooks: [
          { id: 'b', url: 'https://ok.example', secret: SECRET, channels: ['three'] },
          { id: 'b', url: 'https://ok.example', secret: SECRET }
        ]
      })
      .catch((e: unknown) => e)
    expect((second as StationFileError).problems).toEqual([
      { path: '$.webhooks[0].channels[0]', message: 'no channel "three" in this file' },
      { path: '$.webhooks[1].id', message: 'the same id as $.webhooks[0]' }
    ])
    expect(env.store.webhooks.list()).toEqual([])
    expect(env.store.channels.list()).toEqual([])
  })
})
