// Renditions: assets made into a profile's house format (src/media/conform.ts), kept in the data
// folder's conform cache. A row is written only when its file is complete and probed; it is valid
// while the asset's file has the size and mtime it was made from and the station's loudness target
// is the one it was brought to. Also the station's conform settings (station_settings, key conform).
import { type ConformSettings, DEFAULT_CONFORM } from '../shared/conform'
import type { Db } from './database'

export interface RenditionRow {
  id: number
  assetId: number
  profile: string
  path: string
  sourceSizeBytes: number
  sourceMtimeMs: number
  bytes: number
  durationMs: number
  frames: number
  gopFrames: number
  gainDb: number
  targetLufs: number
  probeJson: string
  analysisJson: string
  createdAt: number
  lastAiredAt: number | null
}

export type NewRendition = Omit<RenditionRow, 'id' | 'lastAiredAt'>

/** An asset the playlog airs within a window that has no valid rendition. */
export interface UnrenderedAsset {
  assetId: number
  path: string
  durationMs: number
  hasVideo: boolean
  hasAudio: boolean
  sizeBytes: number
  mtimeMs: number
  /** Its first airing within the window. */
  firstStartMs: number
}

/** A rendition that airs within a window, with where and when it first does. */
export interface RenditionAiring {
  rendition: RenditionRow
  channelId: number
  channelUuid: string
  channelName: string
  startMs: number
  assetPath: string
}

const COLUMNS = `r.id, r.asset_id AS assetId, r.profile, r.path, r.source_size_bytes AS sourceSizeBytes,
  r.source_mtime_ms AS sourceMtimeMs, r.bytes, r.duration_ms AS durationMs, r.frames,
  r.gop_frames AS gopFrames, r.gain_db AS gainDb, r.target_lufs AS targetLufs, r.probe_json AS probeJson,
  r.analysis_json AS analysisJson, r.created_at AS createdAt, r.last_aired_at AS lastAiredAt`

/** The rendition is of the asset's file as it is now, at this loudness target. */
const VALID = `r.source_size_bytes = a.size_bytes AND r.source_mtime_ms = a.mtime_ms AND abs(r.target_lufs - ?) < 0.05`

const CONFORM_KEY = 'conform'

export class RenditionsRepo {
  constructor(private readonly db: Db) {}

  of(assetId: number, profile: string): RenditionRow | undefined {
    return this.db
      .prepare<[number, string], RenditionRow>(
        `SELECT ${COLUMNS} FROM renditions r WHERE r.asset_id = ? AND r.profile = ?`
      )
      .get(assetId, profile)
  }

  /** The rendition of an asset that is valid for its file as it is and this target, if any. */
  valid(assetId: number, profile: string, targetLufs: number): RenditionRow | undefined {
    return this.db
      .prepare<[number, string, number], RenditionRow>(
        `SELECT ${COLUMNS} FROM renditions r JOIN assets a ON a.id = r.asset_id
         WHERE r.asset_id = ? AND r.profile = ? AND ${VALID}`
      )
      .get(assetId, profile, targetLufs)
  }

  all(): RenditionRow[] {
    return this.db
      .prepare<[], RenditionRow>(`SELECT ${COLUMNS} FROM renditions r ORDER BY r.id`)
      .all()
  }

  /** Records a finished rendition (replacing the asset's older one for the profile). */
  put(r: NewRendition): RenditionRow {
    this.db
      .prepare(
        `INSERT INTO renditions (asset_id, profile, path, source_size_bytes, source_mtime_ms, bytes,
           duration_ms, frames, gop_frames, gain_db, target_lufs, probe_json, analysis_json, created_at)
         VALUES (@assetId, @profile, @path, @sourceSizeBytes, @sourceMtimeMs, @bytes, @durationMs,
           @frames, @gopFrames, @gainDb, @targetLufs, @probeJson, @analysisJson, @createdAt)
         ON CONFLICT (asset_id, profile) DO UPDATE SET path = excluded.path,
           source_size_bytes = excluded.source_size_bytes, source_mtime_ms = excluded.source_mtime_ms,
           bytes = excluded.bytes, duration_ms = excluded.duration_ms, frames = excluded.frames,
           gop_frames = excluded.gop_frames, gain_db = excluded.gain_db, target_lufs = excluded.target_lufs,
           probe_json = excluded.probe_json, analysis_json = excluded.analysis_json,
           created_at = excluded.created_at, last_aired_at = NULL`
      )
      .run(r)
    return this.of(r.assetId, r.profile)!
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM renditions WHERE id = ?').run(id)
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM renditions').get()!.n
  }

  totalBytes(): number {
    return this.db
      .prepare<[], { n: number }>('SELECT COALESCE(SUM(bytes), 0) AS n FROM renditions')
      .get()!.n
  }

  /**
   * Renditions that may be evicted, least recently aired first (never aired: by when they were
   * made): none whose asset airs on any channel within [from, to).
   */
  evictable(from: number, to: number): RenditionRow[] {
    return this.db
      .prepare<[number, number], RenditionRow>(
        `SELECT ${COLUMNS} FROM renditions r
         WHERE NOT EXISTS (SELECT 1 FROM playlog_events e WHERE e.asset_id = r.asset_id AND e.start_ms < ? AND e.end_ms > ?)
         ORDER BY COALESCE(r.last_aired_at, r.created_at), r.id`
      )
      .all(to, from)
  }

  /**
   * Assets the playlog of the channels (null: every channel) airs within [from, to) that can be
   * conformed (probed and playable) and have no valid rendition for the profile, earliest first.
   */
  unrendered(
    profile: string,
    channelIds: number[] | null,
    from: number,
    to: number,
    targetLufs: number
  ): UnrenderedAsset[] {
    const channels =
      channelIds === null
        ? ''
        : `AND e.channel_id IN (${channelIds.map(() => '?').join(',') || 'NULL'})`
    return this.db
      .prepare(
        `SELECT a.id AS assetId, a.path, a.duration_ms AS durationMs, a.has_video AS hasVideo,
           a.has_audio AS hasAudio, a.size_bytes AS sizeBytes, a.mtime_ms AS mtimeMs, MIN(e.start_ms) AS firstStartMs
         FROM playlog_events e JOIN assets a ON a.id = e.asset_id
         WHERE e.start_ms < ? AND e.end_ms > ? ${channels}
           AND (a.status IS NULL OR a.status = 'ok') AND a.duration_ms > 0
           AND NOT EXISTS (SELECT 1 FROM renditions r WHERE r.asset_id = a.id AND r.profile = ? AND ${VALID})
         GROUP BY a.id ORDER BY firstStartMs, a.id`
      )
      .all(to, from, ...(channelIds ?? []), profile, targetLufs)
      .map((row) => {
        const r = row as Omit<UnrenderedAsset, 'hasVideo' | 'hasAudio'> & {
          hasVideo: number
          hasAudio: number
        }
        return { ...r, hasVideo: r.hasVideo === 1, hasAudio: r.hasAudio === 1 }
      })
  }

  /** Valid renditions of the profile airing within [from, to), each with its airings, by start. */
  airing(profile: string, from: number, to: number, targetLufs: number): RenditionAiring[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS}, e.channel_id AS channelId, c.uuid AS channelUuid, c.name AS channelName,
           e.start_ms AS startMs, a.path AS assetPath
         FROM renditions r JOIN assets a ON a.id = r.asset_id
           JOIN playlog_events e ON e.asset_id = r.asset_id JOIN channels c ON c.id = e.channel_id
         WHERE r.profile = ? AND ${VALID} AND e.start_ms < ? AND e.end_ms > ?
         ORDER BY e.start_ms`
      )
      .all(profile, targetLufs, to, from) as Array<
      RenditionRow & Omit<RenditionAiring, 'rendition'>
    >
    return rows.map(
      ({ channelId, channelUuid, channelName, startMs, assetPath, ...rendition }) => ({
        rendition,
        channelId,
        channelUuid,
        channelName,
        startMs,
        assetPath
      })
    )
  }

  /** The station's conform settings: what the station file set, off by default. */
  settings(): ConformSettings {
    const row = this.db
      .prepare<[string], { value: string }>(
        'SELECT value_json AS value FROM station_settings WHERE key = ?'
      )
      .get(CONFORM_KEY)
    let stored: Partial<ConformSettings> = {}
    try {
      stored = row ? (JSON.parse(row.value) as Partial<ConformSettings>) : {}
    } catch {
      // An unreadable value reads as the defaults (conform off).
    }
    return {
      enabled: typeof stored.enabled === 'boolean' ? stored.enabled : DEFAULT_CONFORM.enabled,
      aheadHours:
        typeof stored.aheadHours === 'number' ? stored.aheadHours : DEFAULT_CONFORM.aheadHours,
      budgetGiB:
        typeof stored.budgetGiB === 'number' ? stored.budgetGiB : DEFAULT_CONFORM.budgetGiB,
      channels: Array.isArray(stored.channels)
        ? stored.channels.filter((c): c is string => typeof c === 'string')
        : null,
      copyShare:
        typeof stored.copyShare === 'number' && stored.copyShare >= 0.01 && stored.copyShare <= 1
          ? stored.copyShare
          : DEFAULT_CONFORM.copyShare
    }
  }

  setSettings(settings: ConformSettings, atMs: number): void {
    this.db
      .prepare(
        `INSERT INTO station_settings (key, value_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`
      )
      .run(CONFORM_KEY, JSON.stringify(settings), atMs)
  }
}
