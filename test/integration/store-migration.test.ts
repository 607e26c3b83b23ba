// Upgrading a station database in place: a version 5 database (before push outputs) with channels
// and viewer sessions in it opens as the latest version, every row kept, the sessions table now
// taking output sessions, and the foreign keys intact. A version 8 database (lists of names in
// CHECKs) loses them, every row of every table kept, and from then on the lists in shared/domain
// decide: a name outside them is refused, a name added to them needs no migration.
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { PRODUCER_TYPES } from '../../src/shared/domain'
import { Store } from '../../src/store'
import { LATEST_SCHEMA_VERSION, migrations } from '../../src/store/migrations'
import { VOCABULARY_COLUMNS } from '../../src/store/vocabularies'
import { tempDir } from '../helpers/tmp'

/** A database as a build of schema `version` left it. */
function databaseAt(file: string, version: number): Database.Database {
  const db = new Database(file)
  db.pragma('foreign_keys = ON')
  for (const m of migrations.filter((x) => x.version <= version)) db.exec(m.sql)
  db.pragma(`user_version = ${version}`)
  return db
}

/** Every row of every table of ours, table by table, in id order. */
function allRows(db: Database.Database): Record<string, unknown[]> {
  const tables = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    .all()
  return Object.fromEntries(
    tables.map(({ name }) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY rowid`).all()])
  )
}

/** A version 8 station with a row in every table, the emergency on, a logo and a number on its channel. */
function fillVersion8(db: Database.Database): void {
  db.exec(`
INSERT INTO channels (id, uuid, slug, name, timezone, rollover_minutes, kind, current_mode, viewer_count, producer_status, created_at, updated_at, number, logo_json)
VALUES (1, '11111111-1111-4111-8111-111111111111', 'one', 'One', 'UTC', 300, 'normal', 'emergency', 2, 'running', 1, 2, '7.1', '{"file":"a.png"}'),
       (2, '22222222-2222-4222-8222-222222222222', 'guide', 'Guide', 'Europe/Paris', 360, 'guide', 'guide', 0, 'stopped', 3, 4, NULL, NULL);
INSERT INTO assets (id, path, duration_ms, has_video, has_audio, width, height, frame_rate, audio_channels, size_bytes, mtime_ms, probe_json, probed_at)
VALUES (1, '/media/a.mp4', 60000, 1, 1, 640, 360, 25, 2, 1000, 5, '{}', 6);
INSERT INTO playlog_events (id, channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source)
VALUES (1, 1, 0, 60000, 'A', 'program', 1, 0, 'schedule'), (2, 1, 60000, 120000, 'A again', 'promo', 1, 500, 'loop');
INSERT INTO channel_loops (channel_id, epoch_ms, items_json, cycle_ms) VALUES (1, 0, '[]', 60000);
INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url)
VALUES ('sessionAAAAAAAAAAAAAAAAAA', 1, 'viewer', 10, 20, NULL, NULL, '{}', '/s/a'), ('sessionBBBBBBBBBBBBBBBBBB', 1, 'output', 10, 20, 30, 'gone', '{}', NULL);
INSERT INTO channel_producers (channel_id, producer_id, type, status, started_at, output_location, updated_at)
VALUES (1, 'p-1', 'emergency', 'running', 5, '/out/1', 6), (2, NULL, 'guide', 'stopped', NULL, NULL, 7);
INSERT INTO as_run (id, channel_id, broadcast_day, kind, title, asset_path, playlog_event_id, scheduled_start_ms, scheduled_end_ms,
                    actual_start_ms, actual_end_ms, last_seen_ms, producer_type, media, start_cause, end_cause, split_from, split_to)
VALUES (1, 1, '2026-12-06', 'item', 'A', '/media/a.mp4', 1, 0, 60000, 100, 60000, 59000, 'normal', 'aired', 'no viewers', 'ended', 1, 0),
       (2, 1, '2026-12-06', 'emergency', 'EAS', NULL, NULL, NULL, NULL, 60000, NULL, 61000, 'emergency-takeover', 'none', NULL, NULL, 0, 0),
       (3, 2, '2026-12-06', 'off-air', 'off air', NULL, NULL, NULL, NULL, 0, 10, NULL, NULL, 'none', NULL, 'station stopped', 0, 1);
UPDATE system_state SET global_mode = 'emergency', emergency_message = 'Storm', emergency_scope = 'takeover', emergency_since_ms = 60000, updated_at = 60000;
INSERT INTO audit_log (at_ms, actor, action, channel_id, details_json) VALUES (60000, 'operator', 'emergency', 1, '{}');
INSERT INTO alarms (id, channel_id, key, kind, severity, message, raised_at, cleared_at, acknowledged_at, acknowledged_by)
VALUES (1, 1, 'gap', 'schedule-gap', 'warning', 'nothing scheduled', 10, 20, NULL, NULL), (2, NULL, 'disk', 'disk', 'critical', 'full', 30, NULL, NULL, NULL);
INSERT INTO station_settings (key, value_json, updated_at) VALUES ('health', '{}', 1);
INSERT INTO channel_outputs (output_id, channel_id, url, enabled, created_at, updated_at) VALUES ('o-1', 1, 'rtmp://h/live/k', 1, 1, 1);
INSERT INTO asset_loudness (path, size_bytes, mtime_ms, integrated_lufs, true_peak_dbtp, range_lu, error, measured_at) VALUES ('/media/a.mp4', 1000, 5, -23, -1, 5, NULL, 9);
`)
}

describe('schema migrations on a database in use', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  it('takes a version 5 database with live and ended sessions to the latest version, keeping every row', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    const old = databaseAt(file, 5)
    old
      .prepare(
        "INSERT INTO channels (uuid, slug, name, timezone, created_at, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 'one', 'One', 'UTC', 1, 1)"
      )
      .run()
    const insert = old.prepare(
      'INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url) VALUES (?, 1, ?, 10, 20, ?, ?, ?, ?)'
    )
    insert.run(
      'sessionAAAAAAAAAAAAAAAAAA',
      'viewer',
      null,
      null,
      '{"via":"api"}',
      '/streams/sessionAAAAAAAAAAAAAAAAAA/index.m3u8'
    )
    insert.run('sessionBBBBBBBBBBBBBBBBBB', 'preview', 30, 'detached', '{}', null)
    const before = old.prepare('SELECT * FROM viewer_sessions ORDER BY id').all()
    old.close()

    const store = Store.openFile(file)
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      expect(store.db.prepare('SELECT * FROM viewer_sessions ORDER BY id').all()).toEqual(before)
      expect(store.db.pragma('foreign_key_check')).toEqual([])
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
      // The rebuilt table takes an output session, and still refuses what it never took.
      store.sessions.insert({
        sessionId: 'sessionCCCCCCCCCCCCCCCCCC',
        channelId: 1,
        purpose: 'output',
        startedAt: 40,
        clientInfo: {},
        streamUrl: ''
      })
      expect(() =>
        store.db
          .prepare(
            "INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at) VALUES ('x', 1, 'bogus', 1, 1)"
          )
          .run()
      ).toThrow(/viewer_sessions\.purpose must be one of: viewer, preview, output/)
      expect(() =>
        store.db
          .prepare(
            "INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at) VALUES ('y', 99, 'viewer', 1, 1)"
          )
          .run()
      ).toThrow(/FOREIGN KEY/)
      store.outputs.insert(
        { outputId: 'o-1', channelId: 1, url: 'rtmp://h/live/k', enabled: true },
        50
      )
      expect(store.outputs.ofChannel(1)).toEqual([
        expect.objectContaining({ outputId: 'o-1', enabled: true })
      ])
    } finally {
      store.close()
    }
  })

  it('takes a version 8 database out of its lists of names, keeping every row of every table', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    const old = databaseAt(file, 8)
    fillVersion8(old)
    const before = allRows(old)
    old.close()

    const store = Store.openFile(file)
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      // Version 10 (the media library) adds tables and asset columns, empty on rows that were there.
      const after = allRows(store.db) as Record<string, Array<Record<string, unknown>>>
      expect(after['library_folders']).toEqual([])
      expect(after['asset_analysis']).toEqual([])
      delete after['library_folders']
      delete after['asset_analysis']
      // Version 11 (programming) adds tables, and playlog columns empty on rows that were there.
      for (const table of ['collections', 'channel_templates', 'template_revisions']) {
        expect(after[table]).toEqual([])
        delete after[table]
      }
      // Version 14 (desks) adds a column each to alarms and system_state, empty on rows that were there.
      for (const table of ['assets', 'playlog_events', 'alarms', 'system_state']) {
        const oldColumns = Object.keys(
          (before as Record<string, Array<Record<string, unknown>>>)[table]![0]!
        )
        after[table] = after[table]!.map((r) => {
          for (const [k, v] of Object.entries(r)) if (!oldColumns.includes(k)) expect(v).toBeNull()
          return Object.fromEntries(oldColumns.map((k) => [k, r[k]]))
        })
      }
      // Version 12 (alarm webhooks) adds two tables, empty.
      expect([after['webhooks'], after['webhook_deliveries']]).toEqual([[], []])
      delete after['webhooks']
      delete after['webhook_deliveries']
      // Version 13 (conformed renditions) adds one table, empty.
      expect(after['renditions']).toEqual([])
      delete after['renditions']
      const oldColumns = Object.keys(
        (before as Record<string, Array<Record<string, unknown>>>)['assets']![0]!
      )
      after['assets'] = after['assets']!.map((r) => {
        for (const [k, v] of Object.entries(r)) if (!oldColumns.includes(k)) expect(v).toBeNull()
        return Object.fromEntries(oldColumns.map((k) => [k, r[k]]))
      })
      expect(after).toEqual(before)
      expect(store.db.pragma('foreign_key_check')).toEqual([])
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
      // No table restates a list any more; the checks that are not lists stay.
      const tables = store.db
        .prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table'")
        .all()
        .map((r) => r.sql)
        .join('\n')
      expect(tables).not.toMatch(
        /IN \('normal'|IN \('viewer'|IN \('item'|IN \('aired'|IN \('info'|IN \('crawl'|IN \('stopped'|IN \('schedule'/
      )
      expect(() => store.channels.setViewerCount(1, -1, 1)).toThrow(/CHECK/)
      // The rebuilt channels table is still the one every other table refers to: deleting a channel cascades.
      store.db.prepare('DELETE FROM channels WHERE id = 1').run()
      for (const table of [
        'playlog_events',
        'viewer_sessions',
        'channel_producers',
        'as_run',
        'channel_outputs',
        'channel_loops'
      ]) {
        expect(
          store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE channel_id = 1`).get()
        ).toEqual({ n: 0 })
      }
      expect(store.db.prepare('SELECT channel_id FROM alarms WHERE id = 1').get()).toEqual({
        channel_id: null
      })
    } finally {
      store.close()
    }
  })

  it('refuses a name outside its list in every vocabulary column, on insert and on update, saying which column takes what', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    const old = databaseAt(file, 8)
    fillVersion8(old)
    old.close()
    const store = Store.openFile(file)
    try {
      expect(VOCABULARY_COLUMNS.length).toBeGreaterThanOrEqual(14)
      // A library folder and a library asset, so their vocabulary columns have a row to refuse on.
      store.library.addFolder('tv', '/media/tv', 1)
      store.db
        .prepare(
          "UPDATE assets SET status = 'ok', kind = 'other' WHERE rowid = (SELECT min(rowid) FROM assets)"
        )
        .run()
      for (const { table, column, values } of VOCABULARY_COLUMNS) {
        const refusal = `${table}.${column} must be one of: ${values.join(', ')}`
        const row = store.db
          .prepare(`SELECT * FROM ${table} ORDER BY rowid LIMIT 1`)
          .get() as Record<string, unknown>
        expect(
          () =>
            store.db
              .prepare(
                `UPDATE ${table} SET ${column} = 'bogus' WHERE rowid = (SELECT min(rowid) FROM ${table})`
              )
              .run(),
          `${table}.${column}`
        ).toThrow(refusal)
        expect(store.db.prepare(`SELECT * FROM ${table} ORDER BY rowid LIMIT 1`).get()).toEqual(row)
        // No name of the list is refused by its check (another check may refuse the combination:
        // the system state's mode and scope go together); the row is put back as it was.
        for (const name of values) {
          try {
            store.db
              .prepare(
                `UPDATE ${table} SET ${column} = ? WHERE rowid = (SELECT min(rowid) FROM ${table})`
              )
              .run(name)
          } catch (err) {
            expect((err as Error).message).not.toContain('must be one of')
          }
        }
        store.db
          .prepare(
            `UPDATE ${table} SET ${column} = ? WHERE rowid = (SELECT min(rowid) FROM ${table})`
          )
          .run(row[column])
      }
      expect(() =>
        store.db
          .prepare(
            "INSERT INTO channel_producers (channel_id, type, status, updated_at) VALUES (2, 'bars', 'running', 1) ON CONFLICT (channel_id) DO UPDATE SET type = excluded.type"
          )
          .run()
      ).toThrow('channel_producers.type must be one of: normal, emergency, guide, slate')
      expect(() =>
        store.db
          .prepare(
            "INSERT INTO alarms (key, kind, severity, message, raised_at) VALUES ('k', 'bogus', 'info', 'm', 1)"
          )
          .run()
      ).toThrow(/alarms\.kind must be one of: media-missing, /)
      // A nullable vocabulary column stays nullable.
      store.db
        .prepare(
          "INSERT INTO as_run (channel_id, broadcast_day, kind, title, actual_start_ms, media) VALUES (1, '2026-12-07', 'off-air', 'off air', 1, 'none')"
        )
        .run()
    } finally {
      store.close()
    }
  })

  it('takes a name added to a list with no migration, and an open with the lists unchanged writes nothing', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    const first = Store.openFile(file)
    first.db
      .prepare(
        "INSERT INTO channels (uuid, slug, name, timezone, created_at, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 'one', 'One', 'UTC', 1, 1)"
      )
      .run()
    const schema = first.db.pragma('schema_version', { simple: true })
    first.close()
    const again = Store.openFile(file)
    expect(again.db.pragma('schema_version', { simple: true })).toBe(schema)
    again.close()

    // A build whose shared list of producer types has one more name: the same schema version opens it.
    const withBars = VOCABULARY_COLUMNS.map((c) =>
      c.table === 'channel_producers' && c.column === 'type'
        ? { ...c, values: [...PRODUCER_TYPES, 'bars'] }
        : c
    )
    const next = Store.openFile(file, { vocabularies: withBars })
    try {
      expect(next.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      next.db
        .prepare(
          "INSERT INTO channel_producers (channel_id, type, status, updated_at) VALUES (1, 'bars', 'running', 1)"
        )
        .run()
      expect(() =>
        next.db.prepare("UPDATE channel_producers SET type = 'tone' WHERE channel_id = 1").run()
      ).toThrow('channel_producers.type must be one of: normal, emergency, guide, slate, bars')
    } finally {
      next.close()
    }

    // Back on today's list: the stored row is kept as it is, a new write of the name is refused.
    const back = Store.openFile(file)
    try {
      expect(
        back.db.prepare('SELECT type FROM channel_producers WHERE channel_id = 1').get()
      ).toEqual({ type: 'bars' })
      expect(() =>
        back.db.prepare("UPDATE channel_producers SET type = 'bars' WHERE channel_id = 1").run()
      ).toThrow(/channel_producers\.type must be one of/)
    } finally {
      back.close()
    }
  })
})
