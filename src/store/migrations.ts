// Versioned schema. Each migration runs once, in order, inside a transaction (foreign keys off,
// checked before it commits); PRAGMA user_version records how far a database has come. Never edit
// a released migration: add the next one. Lists of names (producer types, as-run kinds...) are not
// restated here: the store generates their checks from shared/domain at open (vocabularies.ts).
//
// Instants are stored as INTEGER epoch milliseconds (UTC): exact, cheap to index and compare.

export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'station foundation',
    sql: `
CREATE TABLE channels (
  id               INTEGER PRIMARY KEY,
  uuid             TEXT    NOT NULL UNIQUE,
  slug             TEXT    NOT NULL UNIQUE,
  name             TEXT    NOT NULL,
  timezone         TEXT    NOT NULL,
  rollover_minutes INTEGER NOT NULL DEFAULT 360 CHECK (rollover_minutes BETWEEN 0 AND 1439),
  kind             TEXT    NOT NULL DEFAULT 'normal' CHECK (kind IN ('normal', 'guide')),
  is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  current_mode     TEXT    NOT NULL DEFAULT 'normal' CHECK (current_mode IN ('normal', 'emergency', 'guide')),
  viewer_count     INTEGER NOT NULL DEFAULT 0 CHECK (viewer_count >= 0),
  producer_status  TEXT    NOT NULL DEFAULT 'stopped'
                   CHECK (producer_status IN ('stopped', 'starting', 'running', 'stopping', 'failed')),
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);

-- Media the schedule refers to, with what ffprobe found at import.
CREATE TABLE assets (
  id             INTEGER PRIMARY KEY,
  path           TEXT    NOT NULL UNIQUE,
  duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
  has_video      INTEGER NOT NULL CHECK (has_video IN (0, 1)),
  has_audio      INTEGER NOT NULL CHECK (has_audio IN (0, 1)),
  width          INTEGER,
  height         INTEGER,
  frame_rate     REAL,
  audio_channels INTEGER,
  size_bytes     INTEGER NOT NULL,
  mtime_ms       INTEGER NOT NULL,
  probe_json     TEXT    NOT NULL,
  probed_at      INTEGER NOT NULL
);

-- The playlog: what airs when, per channel. Owned by the ScheduleService.
CREATE TABLE playlog_events (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  start_ms    INTEGER NOT NULL,
  end_ms      INTEGER NOT NULL,
  title       TEXT    NOT NULL,
  type        TEXT    NOT NULL DEFAULT 'program',
  asset_id    INTEGER REFERENCES assets(id),
  in_point_ms INTEGER NOT NULL DEFAULT 0 CHECK (in_point_ms >= 0),
  source      TEXT    NOT NULL CHECK (source IN ('schedule', 'loop')),
  CHECK (end_ms > start_ms)
);
CREATE INDEX playlog_by_channel_start ON playlog_events (channel_id, start_ms);
CREATE INDEX playlog_by_channel_source_start ON playlog_events (channel_id, source, start_ms);

-- An epoch-anchored rotation; the horizon builder materializes it into playlog_events.
CREATE TABLE channel_loops (
  channel_id            INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  epoch_ms              INTEGER NOT NULL,
  items_json            TEXT    NOT NULL,
  cycle_ms              INTEGER NOT NULL CHECK (cycle_ms > 0),
  materialized_from_ms  INTEGER,
  materialized_until_ms INTEGER
);

CREATE TABLE viewer_sessions (
  id               INTEGER PRIMARY KEY,
  session_id       TEXT    NOT NULL UNIQUE,
  channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  purpose          TEXT    NOT NULL DEFAULT 'viewer' CHECK (purpose IN ('viewer', 'preview')),
  started_at       INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  ended_at         INTEGER,
  end_reason       TEXT,
  client_info      TEXT    NOT NULL DEFAULT '{}',
  stream_url       TEXT
);
CREATE INDEX viewer_sessions_live ON viewer_sessions (channel_id) WHERE ended_at IS NULL;

-- The Producer currently (or last) running per channel. Runtime state, reset at boot.
CREATE TABLE channel_producers (
  channel_id      INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  producer_id     TEXT,
  type            TEXT    NOT NULL CHECK (type IN ('normal', 'emergency', 'guide', 'slate')),
  status          TEXT    NOT NULL CHECK (status IN ('stopped', 'starting', 'running', 'stopping', 'failed')),
  started_at      INTEGER,
  output_location TEXT,
  updated_at      INTEGER NOT NULL
);

-- What actually aired (as opposed to what the playlog said), grouped by broadcast day.
CREATE TABLE as_run (
  id                 INTEGER PRIMARY KEY,
  channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  broadcast_day      TEXT    NOT NULL,
  title              TEXT    NOT NULL,
  asset_id           INTEGER REFERENCES assets(id),
  playlog_event_id   INTEGER,
  scheduled_start_ms INTEGER,
  scheduled_end_ms   INTEGER,
  actual_start_ms    INTEGER NOT NULL,
  actual_end_ms      INTEGER,
  producer_type      TEXT    NOT NULL,
  status             TEXT    NOT NULL CHECK (status IN ('aired', 'slate', 'partial')),
  note               TEXT
);
CREATE INDEX as_run_by_channel_day ON as_run (channel_id, broadcast_day);

-- Station-wide state: one row.
CREATE TABLE system_state (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  global_mode        TEXT    NOT NULL DEFAULT 'normal' CHECK (global_mode IN ('normal', 'emergency')),
  emergency_message  TEXT,
  emergency_scope    TEXT    CHECK (emergency_scope IN ('crawl', 'takeover')),
  emergency_since_ms INTEGER,
  updated_at         INTEGER NOT NULL,
  CHECK ((global_mode = 'normal') = (emergency_scope IS NULL))
);
INSERT INTO system_state (id, global_mode, updated_at) VALUES (1, 'normal', 0);

-- Operator and system actions, append-only.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY,
  at_ms        INTEGER NOT NULL,
  actor        TEXT    NOT NULL,
  action       TEXT    NOT NULL,
  channel_id   INTEGER REFERENCES channels(id) ON DELETE SET NULL,
  details_json TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);
`
  },
  {
    version: 2,
    name: 'alarm history',
    sql: `
-- Every alarm occurrence: raised, cleared (its condition went), acknowledged by an operator.
CREATE TABLE alarms (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER REFERENCES channels(id) ON DELETE SET NULL,
  key             TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  severity        TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message         TEXT    NOT NULL,
  raised_at       INTEGER NOT NULL,
  cleared_at      INTEGER,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  CHECK (cleared_at IS NULL OR cleared_at >= raised_at)
);
CREATE INDEX alarms_by_raised ON alarms (raised_at);
CREATE INDEX alarms_open ON alarms (id) WHERE cleared_at IS NULL OR acknowledged_at IS NULL;
`
  },
  {
    version: 3,
    name: 'as-run facts',
    sql: `
-- One row per stretch of output: an item (or part of one), a schedule gap, an emergency, the guide,
-- a slate, or time off air. Facts only; reports derive "joined late", "cut short", "replaced".
CREATE TABLE as_run_v3 (
  id                 INTEGER PRIMARY KEY,
  channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  broadcast_day      TEXT    NOT NULL,
  kind               TEXT    NOT NULL CHECK (kind IN ('item', 'gap', 'emergency', 'guide', 'slate', 'off-air')),
  title              TEXT    NOT NULL,
  asset_path         TEXT,
  playlog_event_id   INTEGER,
  scheduled_start_ms INTEGER,
  scheduled_end_ms   INTEGER,
  actual_start_ms    INTEGER NOT NULL,
  actual_end_ms      INTEGER,
  last_seen_ms       INTEGER,
  producer_type      TEXT    CHECK (producer_type IN ('normal', 'emergency-crawl', 'emergency-takeover', 'guide', 'slate')),
  media              TEXT    NOT NULL CHECK (media IN ('aired', 'slate', 'partial', 'none')),
  start_cause        TEXT,
  end_cause          TEXT,
  split_from         INTEGER NOT NULL DEFAULT 0 CHECK (split_from IN (0, 1)),
  split_to           INTEGER NOT NULL DEFAULT 0 CHECK (split_to IN (0, 1)),
  CHECK (actual_end_ms IS NULL OR actual_end_ms >= actual_start_ms)
);
INSERT INTO as_run_v3 (id, channel_id, broadcast_day, kind, title, asset_path, playlog_event_id, scheduled_start_ms,
                       scheduled_end_ms, actual_start_ms, actual_end_ms, producer_type, media, end_cause, split_from, split_to)
SELECT r.id, r.channel_id, r.broadcast_day,
       CASE WHEN r.playlog_event_id IS NULL THEN 'gap' ELSE 'item' END,
       r.title, a.path, r.playlog_event_id, r.scheduled_start_ms, r.scheduled_end_ms, r.actual_start_ms,
       max(coalesce(r.actual_end_ms, r.actual_start_ms), r.actual_start_ms),
       CASE r.producer_type WHEN 'normal' THEN 'normal' WHEN 'guide' THEN 'guide' WHEN 'slate' THEN 'slate' ELSE 'emergency-takeover' END,
       r.status, coalesce(r.note, CASE WHEN r.actual_end_ms IS NULL THEN 'station stopped' ELSE 'ended' END),
       CASE WHEN r.note LIKE 'carryover%' THEN 1 ELSE 0 END,
       CASE WHEN r.note LIKE 'continues%' THEN 1 ELSE 0 END
FROM as_run r LEFT JOIN assets a ON a.id = r.asset_id;
DROP TABLE as_run;
ALTER TABLE as_run_v3 RENAME TO as_run;
CREATE INDEX as_run_by_channel_day ON as_run (channel_id, broadcast_day, actual_start_ms);
CREATE INDEX as_run_open ON as_run (id) WHERE actual_end_ms IS NULL;
`
  },
  {
    version: 4,
    name: 'station settings',
    sql: `
-- Station-wide settings from the station file (the output health thresholds), one JSON value per key.
CREATE TABLE station_settings (
  key        TEXT    PRIMARY KEY,
  value_json TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);
`
  },
  {
    version: 5,
    name: 'channel numbers',
    sql: `
-- A stable channel number from the station file ("7", "7.1"), for viewers' guides and tuners.
ALTER TABLE channels ADD COLUMN number TEXT;
CREATE UNIQUE INDEX channels_by_number ON channels (number) WHERE number IS NOT NULL;
`
  },
  {
    version: 6,
    name: 'push outputs',
    sql: `
-- Push destinations per channel (RTMP/SRT ingests). The URL holds the stream key: it never leaves
-- the store unredacted.
CREATE TABLE channel_outputs (
  id         INTEGER PRIMARY KEY,
  output_id  TEXT    NOT NULL UNIQUE,
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  url        TEXT    NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (channel_id, url)
);

-- An enabled output holds a session of its own ('output'); the purpose check is rebuilt to allow it.
CREATE TABLE viewer_sessions_v6 (
  id               INTEGER PRIMARY KEY,
  session_id       TEXT    NOT NULL UNIQUE,
  channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  purpose          TEXT    NOT NULL DEFAULT 'viewer' CHECK (purpose IN ('viewer', 'preview', 'output')),
  started_at       INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  ended_at         INTEGER,
  end_reason       TEXT,
  client_info      TEXT    NOT NULL DEFAULT '{}',
  stream_url       TEXT
);
INSERT INTO viewer_sessions_v6 SELECT id, session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url FROM viewer_sessions;
DROP TABLE viewer_sessions;
ALTER TABLE viewer_sessions_v6 RENAME TO viewer_sessions;
CREATE INDEX viewer_sessions_live ON viewer_sessions (channel_id) WHERE ended_at IS NULL;
`
  },
  {
    version: 7,
    name: 'channel logos',
    sql: `
-- A channel's logo (its bug): the PNG's name in the data folder's logos/, its size and placement, as JSON.
ALTER TABLE channels ADD COLUMN logo_json TEXT;
`
  },
  {
    version: 8,
    name: 'asset loudness',
    sql: `
-- Each asset's measured loudness (ffmpeg ebur128), kept for the file's size and mtime: a file
-- that changed is measured again. integrated_lufs NULL: nothing audible (silent, or no sound);
-- error set: the analysis failed, and is not retried until the file changes.
CREATE TABLE asset_loudness (
  path            TEXT    PRIMARY KEY,
  size_bytes      INTEGER NOT NULL,
  mtime_ms        INTEGER NOT NULL,
  integrated_lufs REAL,
  true_peak_dbtp  REAL,
  range_lu        REAL,
  error           TEXT,
  measured_at     INTEGER NOT NULL
);
`
  },
  {
    version: 9,
    name: 'vocabularies from the shared lists',
    sql: `
-- The lists of names (producer types, as-run kinds, alarm severities...) leave the schema: each
-- table that restated one in a CHECK is rebuilt once without it, every row kept, and from here on
-- the store's open generates the checks from the lists in shared/domain (store/vocabularies.ts),
-- so adding a name needs no migration. Checks that are not lists (ranges, flags, the one-row
-- system state) stay. Foreign keys are off while this runs and checked before it commits.
CREATE TABLE channels_v9 (
  id               INTEGER PRIMARY KEY,
  uuid             TEXT    NOT NULL UNIQUE,
  slug             TEXT    NOT NULL UNIQUE,
  name             TEXT    NOT NULL,
  timezone         TEXT    NOT NULL,
  rollover_minutes INTEGER NOT NULL DEFAULT 360 CHECK (rollover_minutes BETWEEN 0 AND 1439),
  kind             TEXT    NOT NULL DEFAULT 'normal',
  is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  current_mode     TEXT    NOT NULL DEFAULT 'normal',
  viewer_count     INTEGER NOT NULL DEFAULT 0 CHECK (viewer_count >= 0),
  producer_status  TEXT    NOT NULL DEFAULT 'stopped',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  number           TEXT,
  logo_json        TEXT
);
INSERT INTO channels_v9 (id, uuid, slug, name, timezone, rollover_minutes, kind, is_active, current_mode, viewer_count,
                         producer_status, created_at, updated_at, number, logo_json)
SELECT id, uuid, slug, name, timezone, rollover_minutes, kind, is_active, current_mode, viewer_count,
       producer_status, created_at, updated_at, number, logo_json FROM channels;
DROP TABLE channels;
ALTER TABLE channels_v9 RENAME TO channels;
CREATE UNIQUE INDEX channels_by_number ON channels (number) WHERE number IS NOT NULL;

CREATE TABLE playlog_events_v9 (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  start_ms    INTEGER NOT NULL,
  end_ms      INTEGER NOT NULL,
  title       TEXT    NOT NULL,
  type        TEXT    NOT NULL DEFAULT 'program',
  asset_id    INTEGER REFERENCES assets(id),
  in_point_ms INTEGER NOT NULL DEFAULT 0 CHECK (in_point_ms >= 0),
  source      TEXT    NOT NULL,
  CHECK (end_ms > start_ms)
);
INSERT INTO playlog_events_v9 (id, channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source)
SELECT id, channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source FROM playlog_events;
DROP TABLE playlog_events;
ALTER TABLE playlog_events_v9 RENAME TO playlog_events;
CREATE INDEX playlog_by_channel_start ON playlog_events (channel_id, start_ms);
CREATE INDEX playlog_by_channel_source_start ON playlog_events (channel_id, source, start_ms);

CREATE TABLE viewer_sessions_v9 (
  id               INTEGER PRIMARY KEY,
  session_id       TEXT    NOT NULL UNIQUE,
  channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  purpose          TEXT    NOT NULL DEFAULT 'viewer',
  started_at       INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  ended_at         INTEGER,
  end_reason       TEXT,
  client_info      TEXT    NOT NULL DEFAULT '{}',
  stream_url       TEXT
);
INSERT INTO viewer_sessions_v9 (id, session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url)
SELECT id, session_id, channel_id, purpose, started_at, last_activity_at, ended_at, end_reason, client_info, stream_url FROM viewer_sessions;
DROP TABLE viewer_sessions;
ALTER TABLE viewer_sessions_v9 RENAME TO viewer_sessions;
CREATE INDEX viewer_sessions_live ON viewer_sessions (channel_id) WHERE ended_at IS NULL;

CREATE TABLE channel_producers_v9 (
  channel_id      INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  producer_id     TEXT,
  type            TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  started_at      INTEGER,
  output_location TEXT,
  updated_at      INTEGER NOT NULL
);
INSERT INTO channel_producers_v9 (channel_id, producer_id, type, status, started_at, output_location, updated_at)
SELECT channel_id, producer_id, type, status, started_at, output_location, updated_at FROM channel_producers;
DROP TABLE channel_producers;
ALTER TABLE channel_producers_v9 RENAME TO channel_producers;

CREATE TABLE as_run_v9 (
  id                 INTEGER PRIMARY KEY,
  channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  broadcast_day      TEXT    NOT NULL,
  kind               TEXT    NOT NULL,
  title              TEXT    NOT NULL,
  asset_path         TEXT,
  playlog_event_id   INTEGER,
  scheduled_start_ms INTEGER,
  scheduled_end_ms   INTEGER,
  actual_start_ms    INTEGER NOT NULL,
  actual_end_ms      INTEGER,
  last_seen_ms       INTEGER,
  producer_type      TEXT,
  media              TEXT    NOT NULL,
  start_cause        TEXT,
  end_cause          TEXT,
  split_from         INTEGER NOT NULL DEFAULT 0 CHECK (split_from IN (0, 1)),
  split_to           INTEGER NOT NULL DEFAULT 0 CHECK (split_to IN (0, 1)),
  CHECK (actual_end_ms IS NULL OR actual_end_ms >= actual_start_ms)
);
INSERT INTO as_run_v9 (id, channel_id, broadcast_day, kind, title, asset_path, playlog_event_id, scheduled_start_ms, scheduled_end_ms,
                       actual_start_ms, actual_end_ms, last_seen_ms, producer_type, media, start_cause, end_cause, split_from, split_to)
SELECT id, channel_id, broadcast_day, kind, title, asset_path, playlog_event_id, scheduled_start_ms, scheduled_end_ms,
       actual_start_ms, actual_end_ms, last_seen_ms, producer_type, media, start_cause, end_cause, split_from, split_to FROM as_run;
DROP TABLE as_run;
ALTER TABLE as_run_v9 RENAME TO as_run;
CREATE INDEX as_run_by_channel_day ON as_run (channel_id, broadcast_day, actual_start_ms);
CREATE INDEX as_run_open ON as_run (id) WHERE actual_end_ms IS NULL;

CREATE TABLE system_state_v9 (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  global_mode        TEXT    NOT NULL DEFAULT 'normal',
  emergency_message  TEXT,
  emergency_scope    TEXT,
  emergency_since_ms INTEGER,
  updated_at         INTEGER NOT NULL,
  CHECK ((global_mode = 'normal') = (emergency_scope IS NULL))
);
INSERT INTO system_state_v9 (id, global_mode, emergency_message, emergency_scope, emergency_since_ms, updated_at)
SELECT id, global_mode, emergency_message, emergency_scope, emergency_since_ms, updated_at FROM system_state;
DROP TABLE system_state;
ALTER TABLE system_state_v9 RENAME TO system_state;

CREATE TABLE alarms_v9 (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER REFERENCES channels(id) ON DELETE SET NULL,
  key             TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  severity        TEXT    NOT NULL,
  message         TEXT    NOT NULL,
  raised_at       INTEGER NOT NULL,
  cleared_at      INTEGER,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  CHECK (cleared_at IS NULL OR cleared_at >= raised_at)
);
INSERT INTO alarms_v9 (id, channel_id, key, kind, severity, message, raised_at, cleared_at, acknowledged_at, acknowledged_by)
SELECT id, channel_id, key, kind, severity, message, raised_at, cleared_at, acknowledged_at, acknowledged_by FROM alarms;
DROP TABLE alarms;
ALTER TABLE alarms_v9 RENAME TO alarms;
CREATE INDEX alarms_by_raised ON alarms (raised_at);
CREATE INDEX alarms_open ON alarms (id) WHERE cleared_at IS NULL OR acknowledged_at IS NULL;
`
  },
  {
    version: 10,
    name: 'media library',
    sql: `
-- The media library: folders the station knows, and the files found in them. A library file is a
-- row of assets (so the playlog's asset_id keeps pointing at it when the file is renamed or moved:
-- the path is joined, never copied). Rows the station file imported have status NULL; library rows
-- have a status (its names checked from the shared list, store/vocabularies.ts). A pending row has
-- not been probed yet: its probe columns hold placeholders (duration 0, probe_json '{}').
CREATE TABLE library_folders (
  id           TEXT    PRIMARY KEY,
  path         TEXT    NOT NULL UNIQUE,
  added_at     INTEGER NOT NULL,
  last_scan_at INTEGER,
  state        TEXT    NOT NULL DEFAULT 'idle'
);

ALTER TABLE assets ADD COLUMN folder_id     TEXT REFERENCES library_folders(id) ON DELETE SET NULL;
ALTER TABLE assets ADD COLUMN rel_path      TEXT;
ALTER TABLE assets ADD COLUMN fingerprint   TEXT;
ALTER TABLE assets ADD COLUMN status        TEXT;
ALTER TABLE assets ADD COLUMN reason        TEXT;
ALTER TABLE assets ADD COLUMN kind          TEXT;
ALTER TABLE assets ADD COLUMN title         TEXT;
ALTER TABLE assets ADD COLUMN show          TEXT;
ALTER TABLE assets ADD COLUMN season        INTEGER;
ALTER TABLE assets ADD COLUMN episode       INTEGER;
ALTER TABLE assets ADD COLUMN episode_title TEXT;
ALTER TABLE assets ADD COLUMN year          INTEGER;
ALTER TABLE assets ADD COLUMN genres        TEXT;
ALTER TABLE assets ADD COLUMN plot          TEXT;
ALTER TABLE assets ADD COLUMN poster_path   TEXT;
ALTER TABLE assets ADD COLUMN added_at      INTEGER;

-- Search: the sort keys with id (keyset pages), and the filters. Each sort index also carries every
-- column a search filters on (the words: title, show, file name; kind, folder, status, duration):
-- those columns were added after probe_json, so in the table they sit behind its overflow pages, and
-- a search that read rows to filter read every asset's probe (60 to 200 ms at 20,000 assets). From
-- the index it reads only the rows of the page it answers.
CREATE INDEX assets_library_title ON assets
  (title COLLATE NOCASE, id, show, rel_path, kind, folder_id, status, probed_at, duration_ms)
  WHERE status IS NOT NULL;
CREATE INDEX assets_library_duration ON assets
  (duration_ms, id, title, show, rel_path, kind, folder_id, status, probed_at)
  WHERE status IS NOT NULL;
CREATE INDEX assets_library_added ON assets
  (added_at, id, title, show, rel_path, kind, folder_id, status, probed_at, duration_ms)
  WHERE status IS NOT NULL;
CREATE INDEX assets_library_folder ON assets (folder_id, rel_path) WHERE folder_id IS NOT NULL;
CREATE INDEX assets_library_status ON assets (status) WHERE status IS NOT NULL;
CREATE INDEX assets_library_show ON assets (show COLLATE NOCASE) WHERE show IS NOT NULL;
CREATE INDEX assets_library_fingerprint ON assets (fingerprint) WHERE fingerprint IS NOT NULL;
-- Where an asset airs (its detail, the pre-air check, whether a removed folder's file is kept).
CREATE INDEX playlog_by_asset_start ON playlog_events (asset_id, start_ms) WHERE asset_id IS NOT NULL;

-- What the background analysis found in a library file: loudness (also kept in asset_loudness,
-- where playout's gain reads it), black and silence at the head and tail, pictures for the console.
CREATE TABLE asset_analysis (
  asset_id          INTEGER PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
  integrated_lufs   REAL,
  range_lu          REAL,
  true_peak_dbtp    REAL,
  head_black_ms     INTEGER NOT NULL DEFAULT 0,
  head_silence_ms   INTEGER NOT NULL DEFAULT 0,
  tail_black_ms     INTEGER NOT NULL DEFAULT 0,
  tail_silence_ms   INTEGER NOT NULL DEFAULT 0,
  poster_file       TEXT,
  poster_w          INTEGER,
  poster_h          INTEGER,
  filmstrip_file    TEXT,
  filmstrip_w       INTEGER,
  filmstrip_h       INTEGER,
  probe_detail_json TEXT,
  error             TEXT,
  analysed_at       INTEGER NOT NULL
);
`
  },
  {
    version: 11,
    name: 'programming: collections, templates, revisions, positions',
    sql: `
-- Programming a channel: collections of library assets (a definition as JSON: a show, a folder, a
-- list or a filter), each channel's weekly template (the published one and an unpublished draft,
-- which survives a restart), every publish as a revision, and on each templated playlog row the
-- draw it made, so the next plan resumes after it (sequential positions, shuffle passes).
CREATE TABLE collections (
  id              TEXT    PRIMARY KEY,
  definition_json TEXT    NOT NULL,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE channel_templates (
  channel_id         INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  published_json     TEXT,
  published_revision INTEGER,
  published_at       INTEGER,
  published_by       TEXT,
  draft_json         TEXT,
  draft_saved_at     INTEGER,
  draft_by           TEXT,
  -- The playlog is materialized from the template up to here.
  materialized_until INTEGER
);

CREATE TABLE template_revisions (
  id            INTEGER PRIMARY KEY,
  channel_id    INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  template_json TEXT    NOT NULL,
  at            INTEGER NOT NULL,
  by            TEXT    NOT NULL,
  note          TEXT,
  restored_from INTEGER,
  added         INTEGER NOT NULL DEFAULT 0,
  removed       INTEGER NOT NULL DEFAULT 0,
  moved         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX template_revisions_by_channel ON template_revisions (channel_id, id);

ALTER TABLE playlog_events ADD COLUMN draw_key        TEXT;
ALTER TABLE playlog_events ADD COLUMN draw_count      INTEGER;
ALTER TABLE playlog_events ADD COLUMN draw_occurrence INTEGER;
ALTER TABLE playlog_events ADD COLUMN draw_in_occurrence INTEGER;
CREATE INDEX playlog_by_draw ON playlog_events (channel_id, draw_key, start_ms) WHERE draw_key IS NOT NULL;
`
  },
  {
    version: 12,
    name: 'alarm webhooks',
    sql: `
-- Where alarms are posted (ops/webhooks.ts): each webhook's receiver, secret and filters, and every
-- notification for it, kept from the moment it is queued (pending) until delivered, given up or
-- dropped, so a station restarted while a receiver is down still sends what it owed, in order.
-- Finished rows are the delivery log (the last ones per webhook are kept).
CREATE TABLE webhooks (
  id              TEXT    PRIMARY KEY,
  url             TEXT    NOT NULL,
  secret          TEXT    NOT NULL,
  severities_json TEXT    NOT NULL,
  channels_json   TEXT,
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  id           INTEGER PRIMARY KEY,
  webhook_id   TEXT    NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  sequence     INTEGER NOT NULL,
  event        TEXT    NOT NULL,
  alarm_code   TEXT,
  payload      TEXT    NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'delivered', 'failed', 'dropped')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  last_status  INTEGER,
  last_error   TEXT,
  UNIQUE (webhook_id, sequence)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, id) WHERE state = 'pending';
`
  },
  {
    version: 13,
    name: 'conformed renditions',
    sql: `
-- Assets made into the house format of a profile (src/media/conform.ts), in the data folder's
-- conform cache: one row per asset and profile, written only once the file is complete and probed
-- (a conform interrupted leaves no row). Valid while the asset's file keeps the size and mtime it
-- was made from and the station keeps the loudness target it was brought to. last_aired_at orders
-- eviction (least recently aired first); analysis_json holds the black, freeze and silence the
-- conform pass found.
CREATE TABLE renditions (
  id                INTEGER PRIMARY KEY,
  asset_id          INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  profile           TEXT    NOT NULL,
  path              TEXT    NOT NULL UNIQUE,
  source_size_bytes INTEGER NOT NULL,
  source_mtime_ms   INTEGER NOT NULL,
  bytes             INTEGER NOT NULL CHECK (bytes >= 0),
  duration_ms       INTEGER NOT NULL CHECK (duration_ms >= 0),
  frames            INTEGER NOT NULL CHECK (frames > 0),
  gop_frames        INTEGER NOT NULL CHECK (gop_frames > 0),
  gain_db           REAL    NOT NULL,
  target_lufs       REAL    NOT NULL,
  probe_json        TEXT    NOT NULL,
  analysis_json     TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  last_aired_at     INTEGER,
  UNIQUE (asset_id, profile)
);
CREATE INDEX renditions_by_aired ON renditions (profile, last_aired_at);
`
  },
  {
    version: 14,
    name: 'desks',
    sql: `
-- The console desk that acknowledged an alarm and the one that fired the emergency on air, as the
-- operator named it (a console asks once), so every desk and the history can say who did it.
ALTER TABLE alarms ADD COLUMN acknowledged_desk TEXT;
ALTER TABLE system_state ADD COLUMN emergency_desk TEXT;
`
  },
  {
    version: 15,
    name: 'playlog indexes for materializing',
    sql: `
-- A templated horizon writes hundreds of thousands of rows (50 channels padded with bumpers for
-- 14 days: 440,000), so each index costs. By (channel, source, start) is dropped: every query
-- naming a source also names the channel and a start bound, and by (channel, start) serves it.
-- By asset gains the channel before the start: a channel's horizon then adds to one run of each
-- asset's entries instead of slotting into every channel's (each commit rewrote most of that
-- index: 590 MB written for the 440,000 rows, 182 MB now). Reads by asset still seek on it.
DROP INDEX playlog_by_channel_source_start;
DROP INDEX playlog_by_asset_start;
CREATE INDEX playlog_by_asset_channel_start ON playlog_events (asset_id, channel_id, start_ms)
  WHERE asset_id IS NOT NULL;
`
  }
]

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]?.version ?? 0
