// Conformed playout in the plan (issue 28): the schedule's plan carries each item's rendition only
// for channels the conform settings include, and only while the rendition is valid (its asset's
// file as it was, the station's loudness target) and on disk at its recorded size.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/clock'
import { planRenditions } from '../../src/schedule/renditions'
import { ScheduleService } from '../../src/schedule/service'
import { DEFAULT_CONFORM, type ConformSettings } from '../../src/shared/conform'
import { DEFAULT_LOUDNESS, type PlayoutPlan } from '../../src/shared/domain'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'

const t = tempDir('retrovue-plan-renditions-')
const clock = new SimulatedClock('2026-12-07T12:00:00Z')
const now = clock.now()
let store: Store
let schedule: ScheduleService
let asset: number
let file: string

const settings = (s: Partial<ConformSettings>): void =>
  store.renditions.setSettings({ ...DEFAULT_CONFORM, enabled: true, ...s }, now)
const renditions = (channelId: number): Array<unknown> =>
  schedule
    .playoutPlan({ id: channelId, uuid: `u-${channelId}` }, now, 60_000)
    .segments.map((s: PlayoutPlan['segments'][number]) => (s.kind === 'item' ? s.rendition : 'gap'))

beforeAll(() => {
  store = Store.open(path.join(t.dir, 'data'))
  store.db
    .prepare(
      "INSERT INTO channels (id, uuid, slug, name, timezone, created_at, updated_at) VALUES (1, 'u-1', 'one', 'One', 'UTC', 0, 0), (2, 'u-2', 'two', 'Two', 'UTC', 0, 0)"
    )
    .run()
  asset = Number(
    store.db
      .prepare(
        `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at)
         VALUES ('/media/a.mp4', 30000, 1, 1, 100, 1, '{}', 0)`
      )
      .run().lastInsertRowid
  )
  for (const channel of [1, 2])
    store.db
      .prepare(
        "INSERT INTO playlog_events (channel_id, start_ms, end_ms, title, asset_id, source) VALUES (?, ?, ?, 'A', ?, 'schedule'), (?, ?, ?, 'A', ?, 'schedule')"
      )
      .run(channel, now - 10_000, now + 20_000, asset, channel, now + 20_000, now + 50_000, asset)
  file = path.join(t.dir, 'rendition.mp4')
  fs.writeFileSync(file, Buffer.alloc(1000))
  store.renditions.put({
    assetId: asset,
    profile: '360p',
    path: file,
    sourceSizeBytes: 100,
    sourceMtimeMs: 1,
    bytes: 1000,
    durationMs: 30_000,
    frames: 900,
    gopFrames: 30,
    gainDb: 0,
    targetLufs: DEFAULT_LOUDNESS.targetLufs,
    probeJson: '{}',
    analysisJson: '{}',
    createdAt: now
  })
  schedule = new ScheduleService(store, clock)
  schedule.renditions = planRenditions(store, '360p')
})

afterAll(() => {
  store.close()
  t.cleanup()
})

describe('renditions in the playout plan', () => {
  const ref = () => ({ path: file, frames: 900, gopFrames: 30 })

  it('carries none while conforming is off (the plan as before)', () => {
    expect(renditions(1)).toEqual([undefined, undefined, 'gap'])
    settings({ enabled: false })
    expect(renditions(1)).toEqual([undefined, undefined, 'gap'])
  })

  it("carries each item's rendition on the channels the settings include", () => {
    settings({ channels: null })
    expect(renditions(1)).toEqual([ref(), ref(), 'gap'])
    expect(renditions(2)).toEqual([ref(), ref(), 'gap'])
    settings({ channels: ['one'] })
    expect(renditions(1)).toEqual([ref(), ref(), 'gap'])
    expect(renditions(2)).toEqual([undefined, undefined, 'gap'])
  })

  it('carries none for another profile, a rendition cut short on disk, or another loudness target', () => {
    settings({ channels: null })
    schedule.renditions = planRenditions(store, '720p')
    expect(renditions(1)).toEqual([null, null, 'gap'])
    schedule.renditions = planRenditions(store, '360p')
    fs.truncateSync(file, 500)
    expect(renditions(1)).toEqual([null, null, 'gap'])
    fs.writeFileSync(file, Buffer.alloc(1000))
    expect(renditions(1)).toEqual([ref(), ref(), 'gap'])
    store.db.prepare('UPDATE renditions SET target_lufs = ?').run(DEFAULT_LOUDNESS.targetLufs - 1)
    expect(renditions(1)).toEqual([null, null, 'gap'])
  })
})
