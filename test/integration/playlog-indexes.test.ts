// Migration 15 reshapes the playlog's indexes for materializing templated horizons (fewer and
// cheaper to keep up; see migrations.ts): a version 14 station keeps every playlog row, and every
// reader that used the dropped indexes (by channel and source; by asset and start) answers as before.
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '../../src/store'
import { LATEST_SCHEMA_VERSION, migrations } from '../../src/store/migrations'
import { tempDir } from '../helpers/tmp'

const MIN = 60_000

/** A version 14 station: a channel with schedule, loop and templated rows, and a second templated channel. */
function version14(file: string): void {
  const db = new Database(file)
  db.pragma('foreign_keys = ON')
  for (const m of migrations.filter((x) => x.version <= 14)) db.exec(m.sql)
  db.pragma('user_version = 14')
  db.exec(`
INSERT INTO channels (id, uuid, slug, name, timezone, created_at, updated_at)
VALUES (1, '11111111-1111-4111-8111-111111111111', 'one', 'One', 'UTC', 1, 1),
       (2, '22222222-2222-4222-8222-222222222222', 'two', 'Two', 'UTC', 1, 1);
INSERT INTO assets (id, path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at)
VALUES (1, '/media/show.mp4', 1800000, 1, 1, 1, 1, '{}', 1), (2, '/media/bump.mp4', 30000, 1, 1, 1, 1, '{}', 1);
INSERT INTO playlog_events (id, channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source,
                            draw_key, draw_count, draw_occurrence, draw_in_occurrence)
VALUES (1, 1, 0, ${30 * MIN}, 'Live', 'program', 1, 0, 'schedule', NULL, NULL, NULL, NULL),
       (2, 1, ${30 * MIN}, ${60 * MIN}, 'Loop', 'program', 1, 0, 'loop', NULL, NULL, NULL, NULL),
       (3, 1, ${60 * MIN}, ${90 * MIN}, 'Show', 'program', 1, 0, 'template', '#0', 1, ${60 * MIN}, 1),
       (4, 1, ${90 * MIN}, ${90 * MIN + 30_000}, 'Bump', 'filler', 2, 0, 'template', 'filler:bumps', 1, ${60 * MIN}, 1),
       (5, 2, ${60 * MIN}, ${60 * MIN + 30_000}, 'Bump', 'filler', 2, 0, 'template', 'filler:bumps', 1, ${60 * MIN}, 1),
       (6, 2, ${120 * MIN}, ${150 * MIN}, 'Show', 'program', 1, 0, 'template', '#0', 1, ${120 * MIN}, 1);
`)
  db.close()
}

describe('playlog indexes (migration 15)', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  it('keeps every playlog row of a version 14 station, and its readers by source and by asset answer as before', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    version14(file)
    const before = new Database(file, { readonly: true })
    const rows = before.prepare('SELECT * FROM playlog_events ORDER BY id').all()
    before.close()

    const store = Store.openFile(file)
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      expect(store.db.prepare('SELECT * FROM playlog_events ORDER BY id').all()).toEqual(rows)
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
      const indexes = (
        store.db.pragma('index_list(playlog_events)') as Array<{ name: string }>
      ).map((i) => i.name)
      expect(indexes.sort()).toEqual([
        'playlog_by_asset_channel_start',
        'playlog_by_channel_start',
        'playlog_by_draw'
      ])

      // By source (these used the dropped (channel, source, start) index).
      expect(store.playlog.intervalsOf(1, 'schedule', 0, 200 * MIN)).toEqual([[0, 30 * MIN]])
      expect(store.playlog.intervalsOf(1, 'loop', 0, 200 * MIN)).toEqual([[30 * MIN, 60 * MIN]])
      expect(store.programming.templatedFrom(1, 0)).toEqual([
        { startMs: 60 * MIN, assetId: 1 },
        { startMs: 90 * MIN, assetId: 2 }
      ])
      // By asset (these used the dropped (asset, start) index).
      expect(store.playlog.airs(2, 60 * MIN, 61 * MIN)).toBe(true)
      expect(store.playlog.airs(2, 61 * MIN, 90 * MIN)).toBe(false)
      expect(store.library.channelsAiring([2]).sort()).toEqual([1, 2])
      expect(store.library.scheduled(1, 40 * MIN)).toEqual([
        {
          channelUuid: '11111111-1111-4111-8111-111111111111',
          channelName: 'One',
          startMs: 30 * MIN
        },
        {
          channelUuid: '11111111-1111-4111-8111-111111111111',
          channelName: 'One',
          startMs: 60 * MIN
        },
        {
          channelUuid: '22222222-2222-4222-8222-222222222222',
          channelName: 'Two',
          startMs: 120 * MIN
        }
      ])
      // Deleting by source touches that source only.
      expect(
        store.programming.deleteTemplatedFrom(1, 0).sort((a, b) => a.startMs - b.startMs)
      ).toEqual([
        { startMs: 60 * MIN, assetId: 1 },
        { startMs: 90 * MIN, assetId: 2 }
      ])
      expect(store.playlog.pruneBefore(1, 'loop', 100 * MIN)).toBe(1)
      expect(store.playlog.deleteSource(2, 'template')).toBe(2)
      expect(store.db.prepare('SELECT id FROM playlog_events ORDER BY id').pluck().all()).toEqual([
        1
      ])
    } finally {
      store.close()
    }
  })
})
