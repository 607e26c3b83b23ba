// Each asset's measured loudness, valid for the file's size and mtime as they were measured: an
// unchanged file is never measured twice, a changed one is measured again.
import type { Db } from './database'

export interface LoudnessMeasurement {
  path: string
  sizeBytes: number
  mtimeMs: number
  /** Integrated loudness, LUFS; null when nothing in the file is audible (silent, or no sound). */
  integratedLufs: number | null
  truePeakDbtp: number | null
  rangeLu: number | null
  /** Why the analysis failed; the file is not analysed again until it changes. */
  error: string | null
  measuredAt: number
}

/** An asset the playlog refers to that has no measurement for its current size and mtime. */
export interface UnmeasuredAsset {
  path: string
  sizeBytes: number
  mtimeMs: number
}

const COLUMNS = `path, size_bytes AS sizeBytes, mtime_ms AS mtimeMs, integrated_lufs AS integratedLufs,
  true_peak_dbtp AS truePeakDbtp, range_lu AS rangeLu, error, measured_at AS measuredAt`

export class LoudnessRepo {
  private readonly getStmt
  private readonly putStmt
  private readonly unmeasuredStmt
  private readonly channelsStmt
  constructor(db: Db) {
    this.channelsStmt = db.prepare<[string], { id: number }>(
      `SELECT DISTINCT e.channel_id AS id FROM playlog_events e JOIN assets a ON a.id = e.asset_id WHERE a.path = ?`
    )
    this.getStmt = db.prepare<[string, number, number], LoudnessMeasurement>(
      `SELECT ${COLUMNS} FROM asset_loudness WHERE path = ? AND size_bytes = ? AND mtime_ms = ?`
    )
    this.putStmt = db.prepare(
      `INSERT INTO asset_loudness (path, size_bytes, mtime_ms, integrated_lufs, true_peak_dbtp, range_lu, error, measured_at)
       VALUES (@path, @sizeBytes, @mtimeMs, @integratedLufs, @truePeakDbtp, @rangeLu, @error, @measuredAt)
       ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms,
         integrated_lufs = excluded.integrated_lufs, true_peak_dbtp = excluded.true_peak_dbtp,
         range_lu = excluded.range_lu, error = excluded.error, measured_at = excluded.measured_at`
    )
    // Assets with sound that the playlog refers to (schedules and materialized loops), oldest asset first.
    this.unmeasuredStmt = db.prepare<[], UnmeasuredAsset>(
      `SELECT a.path, a.size_bytes AS sizeBytes, a.mtime_ms AS mtimeMs FROM assets a
       LEFT JOIN asset_loudness l ON l.path = a.path AND l.size_bytes = a.size_bytes AND l.mtime_ms = a.mtime_ms
       WHERE l.path IS NULL AND a.has_audio = 1 AND EXISTS (SELECT 1 FROM playlog_events e WHERE e.asset_id = a.id)
       ORDER BY a.id`
    )
  }

  /** The measurement of this file as it is (same size and mtime), if there is one. */
  of(path: string, sizeBytes: number, mtimeMs: number): LoudnessMeasurement | undefined {
    return this.getStmt.get(path, sizeBytes, mtimeMs)
  }

  put(m: LoudnessMeasurement): void {
    this.putStmt.run(m)
  }

  /** The channels whose playlog airs the file. */
  channelsAiring(path: string): number[] {
    return this.channelsStmt.all(path).map((r) => r.id)
  }

  /** What the analysis still has to measure. */
  unmeasured(): UnmeasuredAsset[] {
    return this.unmeasuredStmt.all()
  }
}
