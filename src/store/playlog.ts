import type { Db } from './database'
import type { AssetInfo, PlaylogEvent, PlaylogSource } from '../shared/domain'

export type { PlaylogSource }

export interface AssetRow extends AssetInfo {
  id: number
  audioChannels: number | null
}

export interface NewAsset extends Omit<AssetRow, 'id'> {
  probeJson: string
  probedAt: number
}

interface RawAsset {
  id: number
  path: string
  duration_ms: number
  has_video: number
  has_audio: number
  width: number | null
  height: number | null
  frame_rate: number | null
  audio_channels: number | null
  size_bytes: number
  mtime_ms: number
}

const toAsset = (r: RawAsset): AssetRow => ({
  id: r.id,
  path: r.path,
  durationMs: r.duration_ms,
  hasVideo: r.has_video === 1,
  hasAudio: r.has_audio === 1,
  width: r.width,
  height: r.height,
  frameRate: r.frame_rate,
  audioChannels: r.audio_channels,
  sizeBytes: r.size_bytes,
  mtimeMs: r.mtime_ms
})

export class AssetsRepo {
  private readonly upsertStmt
  private readonly byIdStmt
  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO assets (path, duration_ms, has_video, has_audio, width, height, frame_rate, audio_channels,
                           size_bytes, mtime_ms, probe_json, probed_at)
       VALUES (@path, @durationMs, @hasVideo, @hasAudio, @width, @height, @frameRate, @audioChannels,
               @sizeBytes, @mtimeMs, @probeJson, @probedAt)
       ON CONFLICT (path) DO UPDATE SET duration_ms = excluded.duration_ms, has_video = excluded.has_video,
         has_audio = excluded.has_audio, width = excluded.width, height = excluded.height,
         frame_rate = excluded.frame_rate, audio_channels = excluded.audio_channels,
         size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, probe_json = excluded.probe_json,
         probed_at = excluded.probed_at
       RETURNING id`
    )
    this.byIdStmt = db.prepare<[number], RawAsset>('SELECT * FROM assets WHERE id = ?')
  }
  upsert(a: NewAsset): number {
    const row = this.upsertStmt.get({
      ...a,
      hasVideo: a.hasVideo ? 1 : 0,
      hasAudio: a.hasAudio ? 1 : 0
    }) as {
      id: number
    }
    return row.id
  }
  byId(id: number): AssetRow | undefined {
    const r = this.byIdStmt.get(id)
    return r && toAsset(r)
  }
  probeOf(path: string): { probeJson: string; sizeBytes: number; mtimeMs: number } | undefined {
    return this.db
      .prepare(
        'SELECT probe_json AS probeJson, size_bytes AS sizeBytes, mtime_ms AS mtimeMs FROM assets WHERE path = ?'
      )
      .get(path) as { probeJson: string; sizeBytes: number; mtimeMs: number } | undefined
  }
}

/** Playlog rows are the domain's playlog events (assetPath joined from assets). */
export type PlaylogEventRow = PlaylogEvent

/**
 * What the media library knows of a listing's asset (the assets table's library columns), for the
 * guide; all null for media outside the library and for events without an asset.
 */
export interface ListingMetadata {
  assetId: number | null
  show: string | null
  season: number | null
  episode: number | null
  episodeTitle: string | null
  year: number | null
  /** JSON array of strings, as stored. */
  genres: string | null
  plot: string | null
  /** The library has a poster of it (the analysis's frame or a sidecar picture): 1, else 0. */
  hasPoster: number
}

/** What a listing (the guide) shows of a playlog event. */
export type PlaylogListingRow = Pick<PlaylogEvent, 'id' | 'startMs' | 'endMs' | 'title' | 'type'> &
  ListingMetadata

const LISTING_COLUMNS = `e.id, e.start_ms AS startMs, e.end_ms AS endMs, e.title, e.type, e.asset_id AS assetId,
  a.show, a.season, a.episode, a.episode_title AS episodeTitle, a.year, a.genres, a.plot,
  (a.poster_path IS NOT NULL OR EXISTS (SELECT 1 FROM asset_analysis n
    WHERE n.asset_id = e.asset_id AND n.poster_file IS NOT NULL)) AS hasPoster`

export type NewPlaylogEvent = Omit<PlaylogEventRow, 'id' | 'channelId' | 'assetPath'>

const EVENT_COLUMNS = `e.id, e.channel_id AS channelId, e.start_ms AS startMs, e.end_ms AS endMs, e.title, e.type,
  e.asset_id AS assetId, e.in_point_ms AS inPointMs, e.source, a.path AS assetPath`

export class PlaylogRepo {
  private readonly insertStmt
  private readonly atStmt
  private readonly rangeStmt
  private readonly pageStmt
  private readonly listingPageStmt
  private readonly listingBeforeStmt
  private readonly nextStmt
  private readonly airsStmt
  private readonly prevStmt
  private readonly countStmt
  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO playlog_events (channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
    )
    // Items never overlap within a channel, so the last item starting at or before T is the only
    // candidate for "airing at T"; the index makes this a single seek.
    this.atStmt = db.prepare<[number, number], PlaylogEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND e.start_ms <= ? ORDER BY e.start_ms DESC LIMIT 1`
    )
    this.rangeStmt = db.prepare<[number, number, number], PlaylogEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND e.start_ms >= ? AND e.start_ms < ? ORDER BY e.start_ms`
    )
    // Keyset paging on (start, id), the index's order: each page is one seek, however deep into the range.
    this.pageStmt = db.prepare<[number, number, number, number, number], PlaylogEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND (e.start_ms, e.id) > (?, ?) AND e.start_ms < ? ORDER BY e.start_ms, e.id LIMIT ?`
    )
    // The same for listings (the guide): only what a listing shows, with the library's metadata of
    // the asset joined in the same read (one primary-key seek a row, no query per programme).
    this.listingPageStmt = db.prepare<[number, number, number, number, number], PlaylogListingRow>(
      `SELECT ${LISTING_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND (e.start_ms, e.id) > (?, ?) AND e.start_ms < ? ORDER BY e.start_ms, e.id LIMIT ?`
    )
    this.listingBeforeStmt = db.prepare<[number, number], PlaylogListingRow>(
      `SELECT ${LISTING_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND e.start_ms < ? ORDER BY e.start_ms DESC LIMIT 1`
    )
    this.airsStmt = db.prepare<[number, number, number], { one: number }>(
      `SELECT 1 AS one FROM playlog_events e JOIN channels c ON c.id = e.channel_id
       WHERE e.asset_id = ? AND e.start_ms < ? AND e.end_ms > ? AND c.is_active = 1 LIMIT 1`
    )
    this.nextStmt = db.prepare<[number, number], PlaylogEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND e.start_ms > ? ORDER BY e.start_ms LIMIT 1`
    )
    this.prevStmt = db.prepare<[number, number], PlaylogEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM playlog_events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE e.channel_id = ? AND e.start_ms < ? ORDER BY e.start_ms DESC LIMIT 1`
    )
    this.countStmt = db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM playlog_events WHERE channel_id = ?'
    )
  }

  insert(channelId: number, e: NewPlaylogEvent): void {
    this.insertStmt.run(
      channelId,
      e.startMs,
      e.endMs,
      e.title,
      e.type,
      e.assetId,
      e.inPointMs,
      e.source
    )
  }
  /** The last event starting at or before t (it may already have ended). */
  lastStartingAtOrBefore(channelId: number, t: number): PlaylogEventRow | undefined {
    return this.atStmt.get(channelId, t)
  }
  /** The last event starting strictly before t. */
  lastStartingBefore(channelId: number, t: number): PlaylogEventRow | undefined {
    return this.prevStmt.get(channelId, t)
  }
  firstStartingAfter(channelId: number, t: number): PlaylogEventRow | undefined {
    return this.nextStmt.get(channelId, t)
  }
  /** Events whose start lies in [from, to). */
  startingIn(channelId: number, from: number, to: number): PlaylogEventRow[] {
    return this.rangeStmt.all(channelId, from, to)
  }
  /**
   * One page of a range read in pages: up to `limit` events starting before `to` that come after
   * (afterStartMs, afterId) in start order (pass afterId -1 to include events starting at afterStartMs).
   */
  startingAfter(
    channelId: number,
    afterStartMs: number,
    afterId: number,
    to: number,
    limit: number
  ): PlaylogEventRow[] {
    return this.pageStmt.all(channelId, afterStartMs, afterId, to, limit)
  }
  /** startingAfter with only what a listing shows. */
  listingsAfter(
    channelId: number,
    afterStartMs: number,
    afterId: number,
    to: number,
    limit: number
  ): PlaylogListingRow[] {
    return this.listingPageStmt.all(channelId, afterStartMs, afterId, to, limit)
  }
  /** Whether an active channel's playlog airs the asset over part of [from, to). */
  airs(assetId: number, from: number, to: number): boolean {
    return this.airsStmt.get(assetId, to, from) !== undefined
  }
  /** lastStartingBefore with only what a listing shows. */
  listingBefore(channelId: number, t: number): PlaylogListingRow | undefined {
    return this.listingBeforeStmt.get(channelId, t)
  }
  /** [start, end) of the channel's events from one source that overlap [from, to), in order. */
  intervalsOf(
    channelId: number,
    source: PlaylogSource,
    from: number,
    to: number
  ): Array<[number, number]> {
    const rows = this.db
      .prepare(
        `SELECT start_ms AS s, end_ms AS e FROM playlog_events
         WHERE channel_id = ? AND source = ? AND start_ms < ? AND end_ms > ? ORDER BY start_ms`
      )
      .all(channelId, source, to, from) as Array<{ s: number; e: number }>
    return rows.map((r) => [r.s, r.e])
  }
  /** Deletes the source's events that ended before `cutoff` (an index range on start, then the end check). */
  pruneBefore(channelId: number, source: PlaylogSource, cutoff: number): number {
    return this.db
      .prepare(
        'DELETE FROM playlog_events WHERE channel_id = ? AND source = ? AND start_ms < ? AND end_ms < ?'
      )
      .run(channelId, source, cutoff, cutoff).changes
  }
  count(channelId: number): number {
    return this.countStmt.get(channelId)?.n ?? 0
  }
  deleteSource(channelId: number, source: PlaylogSource): number {
    return this.db
      .prepare('DELETE FROM playlog_events WHERE channel_id = ? AND source = ?')
      .run(channelId, source).changes
  }
}

export interface LoopRow {
  channelId: number
  epochMs: number
  itemsJson: string
  cycleMs: number
  materializedFromMs: number | null
  materializedUntilMs: number | null
}

export class LoopsRepo {
  private readonly getStmt
  private readonly allStmt
  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[number], LoopRow>(
      `SELECT channel_id AS channelId, epoch_ms AS epochMs, items_json AS itemsJson, cycle_ms AS cycleMs,
              materialized_from_ms AS materializedFromMs, materialized_until_ms AS materializedUntilMs
       FROM channel_loops WHERE channel_id = ?`
    )
    this.allStmt = db.prepare<[], LoopRow>(
      `SELECT channel_id AS channelId, epoch_ms AS epochMs, items_json AS itemsJson, cycle_ms AS cycleMs,
              materialized_from_ms AS materializedFromMs, materialized_until_ms AS materializedUntilMs
       FROM channel_loops ORDER BY channel_id`
    )
  }
  get(channelId: number): LoopRow | undefined {
    return this.getStmt.get(channelId)
  }
  all(): LoopRow[] {
    return this.allStmt.all()
  }
  put(channelId: number, epochMs: number, itemsJson: string, cycleMs: number): void {
    this.db
      .prepare(
        `INSERT INTO channel_loops (channel_id, epoch_ms, items_json, cycle_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET epoch_ms = excluded.epoch_ms, items_json = excluded.items_json,
           cycle_ms = excluded.cycle_ms, materialized_from_ms = NULL, materialized_until_ms = NULL`
      )
      .run(channelId, epochMs, itemsJson, cycleMs)
  }
  remove(channelId: number): void {
    this.db.prepare('DELETE FROM channel_loops WHERE channel_id = ?').run(channelId)
  }
  setMaterialized(channelId: number, fromMs: number, untilMs: number): void {
    this.db
      .prepare(
        'UPDATE channel_loops SET materialized_from_ms = ?, materialized_until_ms = ? WHERE channel_id = ?'
      )
      .run(fromMs, untilMs, channelId)
  }
}
