// The conform settings over HTTP (GET / PUT /api/conform): what the station answers (settings, the
// cache's use, the conform jobs), a bad request refused naming its field with nothing changed, a
// good one applied at once (the planner queues a conform job; turned off, the job is cancelled),
// audited, and kept across a restart; the station file's section still sets it.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConformDto } from '../../src/shared/conform'
import { Store } from '../../src/store'
import { httpEnv, type HttpEnv } from '../helpers/http-env'
import { until } from '../helpers/until'

describe('GET / PUT /api/conform', () => {
  let env: HttpEnv
  beforeEach(async () => {
    env = await httpEnv()
  })
  afterEach(async () => {
    await env.close()
  })

  const call = async (method: 'GET' | 'PUT', payload?: unknown) => {
    const res = await env.app.inject({
      method,
      url: '/api/conform',
      headers: { authorization: `Bearer ${env.token}`, host: env.host },
      ...(payload === undefined ? {} : { payload: payload as object })
    })
    return { status: res.statusCode, body: res.json() as ConformDto & { error?: unknown } }
  }
  const get = async (): Promise<ConformDto> => (await call('GET')).body
  const audits = () =>
    env.station.store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit_log').get()!.n

  it('answers the settings (off by default), the cache and the jobs', async () => {
    expect(await call('GET')).toEqual({
      status: 200,
      body: {
        enabled: false,
        aheadHours: 48,
        budgetGiB: 50,
        channels: null,
        copyShare: 0.125,
        available: true,
        profile: '360p',
        cacheBytes: 0,
        budgetBytes: 50 * 1024 ** 3,
        renditions: 0,
        jobs: []
      }
    })
  })

  it('refuses a bad value naming the field, and changes nothing', async () => {
    const before = await get()
    const auditBefore = audits()
    const cases: Array<[unknown, RegExp]> = [
      [{ aheadHours: 0 }, /^request\.aheadHours: must be from 1 to 168 hours$/],
      [{ aheadHours: 'soon' }, /^request\.aheadHours: must be a number of hours$/],
      [{ aheadHours: 2.5 }, /^request\.aheadHours: must be a whole number of hours$/],
      [{ budgetGiB: -1 }, /^request\.budgetGiB: must be more than 0 GiB$/],
      [{ enabled: 'yes' }, /^request\.enabled: must be true or false$/],
      [{ channels: 'one' }, /^request\.channels: must be an array of this file's channel ids$/],
      [{ channels: ['one', 'nope'] }, /^request\.channels\.1: there is no channel "nope"$/],
      [
        { channels: ['one', 'one'] },
        /^request\.channels\.1: "one" is listed twice \(first at 0\)$/
      ],
      [
        { copyShare: 0 },
        /^request\.copyShare: must be a share of an encode channel, from 0\.01 to 1$/
      ],
      [{ ahead: 3 }, /^request: unknown field "ahead"$/],
      [
        [1],
        /^request: must be an object \{ enabled\?, aheadHours\?, budgetGiB\?, channels\?, copyShare\? \}$/
      ]
    ]
    for (const [payload, message] of cases) {
      const r = await call('PUT', payload)
      expect(r.status, JSON.stringify(payload)).toBe(400)
      expect(r.body.error, JSON.stringify(payload)).toEqual({
        code: 'invalid_parameter',
        message: expect.stringMatching(message)
      })
    }
    expect(await get()).toEqual(before)
    expect(audits()).toBe(auditBefore)
  })

  it('applies a setting at once (a conform job queued; off cancels it), audited and kept across a restart', async () => {
    const put = await call('PUT', {
      aheadHours: 2,
      budgetGiB: 0.5,
      channels: ['one'],
      copyShare: 0.2
    })
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({
      enabled: true,
      aheadHours: 2,
      budgetGiB: 0.5,
      channels: ['one'],
      copyShare: 0.2,
      budgetBytes: 0.5 * 1024 ** 3
    })
    // The planner ran on the change: channel one's items within 2 h are queued (or conforming).
    expect(put.body.jobs.map((j) => [j.kind, ['queued', 'running'].includes(j.state)])).toEqual([
      ['conform', true]
    ])
    const job = put.body.jobs[0]!.id
    expect(env.station.store.audit.recent(1)[0]).toMatchObject({
      action: 'set-conform',
      details: { enabled: true, aheadHours: 2, budgetGiB: 0.5, channels: ['one'], copyShare: 0.2 }
    })

    // Turned off: the conform job is cancelled (its ffmpeg with it), the settings kept.
    const off = await call('PUT', { enabled: false, aheadHours: 2, budgetGiB: 0.5 })
    expect(off.status).toBe(200)
    expect(off.body).toMatchObject({ enabled: false, aheadHours: 2, channels: null, jobs: [] })
    await until('the conform job cancelled', 30_000, () =>
      env.station.library.queue.job(job)?.state === 'cancelled' ? true : undefined
    )
    const cache = path.join(path.dirname(env.stationFile), 'data', 'conform', '360p')
    const partial = fs.existsSync(cache)
      ? fs.readdirSync(cache).filter((f) => f.endsWith('.partial'))
      : []
    expect(partial).toEqual([])

    // Kept where the station keeps its settings: a restarted station reads them back.
    await env.app.close()
    await env.station.close()
    const again = Store.open(path.join(path.dirname(env.stationFile), 'data'))
    try {
      expect(again.renditions.settings()).toEqual({
        enabled: false,
        aheadHours: 2,
        budgetGiB: 0.5,
        channels: null,
        copyShare: 0.125
      })
    } finally {
      again.close()
    }
  })

  it('the station file still sets it: a file without the section leaves the console setting, one with it replaces it', async () => {
    expect((await call('PUT', { aheadHours: 5, channels: ['two'] })).status).toBe(200)
    const file = JSON.parse(fs.readFileSync(env.stationFile, 'utf8')) as Record<string, unknown>
    await env.station.importStationFile(env.stationFile)
    expect(await get()).toMatchObject({ enabled: true, aheadHours: 5, channels: ['two'] })
    fs.writeFileSync(
      env.stationFile,
      JSON.stringify({ ...file, conform: { enabled: false, aheadHours: 24 } })
    )
    await env.station.importStationFile(env.stationFile)
    expect(await get()).toMatchObject({
      enabled: false,
      aheadHours: 24,
      budgetGiB: 50,
      channels: null,
      jobs: []
    })
  })
})
