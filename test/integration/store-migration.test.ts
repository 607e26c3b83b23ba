// Upgrading a station database in place: a version 5 database (before push outputs) with channels
// and viewer sessions in it opens as the latest version, every row kept, the sessions table now
// taking output sessions, and the foreign keys intact.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store';
import { LATEST_SCHEMA_VERSION, migrations } from '../../src/store/migrations';
import { tempDir } from '../helpers/tmp';

describe('schema migrations on a database in use', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('takes a version 5 database with live and ended sessions to the latest version, keeping every row', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'station.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    for (const m of migrations.filter((x) => x.version <= 5)) old.exec(m.sql);
    old.pragma('user_version = 5');
    old.prepare("INSERT INTO channels (uuid, slug, name, timezone, created_at, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 'one', 'One', 'UTC', 1, 1)").run();
    const insert = old.prepare('INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url) VALUES (?, 1, ?, 10, 20, ?, ?, ?, ?)');
    insert.run('sessionAAAAAAAAAAAAAAAAAA', 'viewer', null, null, '{"via":"api"}', '/streams/sessionAAAAAAAAAAAAAAAAAA/index.m3u8');
    insert.run('sessionBBBBBBBBBBBBBBBBBB', 'preview', 30, 'detached', '{}', null);
    const before = old.prepare('SELECT * FROM viewer_sessions ORDER BY id').all();
    old.close();

    const store = Store.openFile(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(store.db.prepare('SELECT * FROM viewer_sessions ORDER BY id').all()).toEqual(before);
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      // The rebuilt table takes an output session, and still refuses what it never took.
      store.sessions.insert({ sessionId: 'sessionCCCCCCCCCCCCCCCCCC', channelId: 1, purpose: 'output', startedAt: 40, clientInfo: {}, streamUrl: '' });
      expect(() => store.db.prepare("INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at) VALUES ('x', 1, 'bogus', 1, 1)").run()).toThrow(/CHECK/);
      expect(() => store.db.prepare("INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at) VALUES ('y', 99, 'viewer', 1, 1)").run()).toThrow(/FOREIGN KEY/);
      store.outputs.insert({ outputId: 'o-1', channelId: 1, url: 'rtmp://h/live/k', enabled: true }, 50);
      expect(store.outputs.ofChannel(1)).toEqual([expect.objectContaining({ outputId: 'o-1', enabled: true })]);
    } finally {
      store.close();
    }
  });
});
