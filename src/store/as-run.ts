// The as-run log: what actually went to air on each channel, one row per stretch of output (an
// item or part of one, a slate, an emergency, the guide, or time off air), grouped by broadcast day.
// Rows hold facts (times, what aired, why a stretch began and ended); reports derive their status.
import type { Db } from './database'
import type { AsRunKind, AsRunMedia, AsRunProducer } from '../shared/domain'

export interface AsRunRow {
  id: number
  channelId: number
  broadcastDay: string
  kind: AsRunKind
  title: string
  assetPath: string | null
  playlogEventId: number | null
  scheduledStartMs: number | null
  scheduledEndMs: number | null
  actualStartMs: number
  actualEndMs: number | null
  /** The last time this stretch was known to be on air (kept while it airs; closes it after a crash). */
  lastSeenMs: number | null
  producerType: AsRunProducer | null
  media: AsRunMedia
  /** Why it began where it did, when that was not its scheduled start (e.g. "no viewers", "emergency"). */
  startCause: string | null
  /** Why it ended where it did (e.g. "ended", "no viewers", "emergency", "producer failure"). */
  endCause: string | null
  /** Continues a stretch from the previous broadcast day / into the next one. */
  splitFrom: boolean
  splitTo: boolean
}

export type NewAsRunRow = Omit<AsRunRow, 'id'>

interface Raw extends Omit<AsRunRow, 'splitFrom' | 'splitTo'> {
  splitFrom: number
  splitTo: number
}

const COLUMNS = `id, channel_id AS channelId, broadcast_day AS broadcastDay, kind, title, asset_path AS assetPath,
  playlog_event_id AS playlogEventId, scheduled_start_ms AS scheduledStartMs, scheduled_end_ms AS scheduledEndMs,
  actual_start_ms AS actualStartMs, actual_end_ms AS actualEndMs, last_seen_ms AS lastSeenMs, producer_type AS producerType,
  media, start_cause AS startCause, end_cause AS endCause, split_from AS splitFrom, split_to AS splitTo`

const toRow = (r: Raw): AsRunRow => ({
  ...r,
  splitFrom: r.splitFrom === 1,
  splitTo: r.splitTo === 1
})

export class AsRunRepo {
  private readonly insertStmt
  private readonly closeStmt
  private readonly seenStmt
  private readonly dayStmt
  private readonly openStmt
  private readonly recentStmt
  private readonly closeOpenStmt
  private readonly firstStmt
  private readonly airedStmt
  private readonly rowStmt

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO as_run (channel_id, broadcast_day, kind, title, asset_path, playlog_event_id, scheduled_start_ms, scheduled_end_ms,
                           actual_start_ms, actual_end_ms, last_seen_ms, producer_type, media, start_cause, end_cause, split_from, split_to)
       VALUES (@channelId, @broadcastDay, @kind, @title, @assetPath, @playlogEventId, @scheduledStartMs, @scheduledEndMs,
               @actualStartMs, @actualEndMs, @lastSeenMs, @producerType, @media, @startCause, @endCause, @splitFrom, @splitTo)`
    )
    this.closeStmt = db.prepare(
      'UPDATE as_run SET actual_end_ms = ?, media = ?, end_cause = ?, split_to = ? WHERE id = ?'
    )
    this.seenStmt = db.prepare(
      'UPDATE as_run SET last_seen_ms = ? WHERE id = ? AND actual_end_ms IS NULL'
    )
    this.dayStmt = db.prepare<[number, string], Raw>(
      `SELECT ${COLUMNS} FROM as_run WHERE channel_id = ? AND broadcast_day = ? ORDER BY actual_start_ms, id`
    )
    this.openStmt = db.prepare<[], Raw>(
      `SELECT ${COLUMNS} FROM as_run WHERE actual_end_ms IS NULL ORDER BY id`
    )
    this.recentStmt = db.prepare<[number, number], Raw>(
      `SELECT ${COLUMNS} FROM as_run WHERE channel_id = ? ORDER BY id DESC LIMIT ?`
    )
    // The day index's order (day, then start): its first entry is the channel's first row.
    this.firstStmt = db.prepare<[number], { startMs: number }>(
      'SELECT actual_start_ms AS startMs FROM as_run WHERE channel_id = ? ORDER BY broadcast_day, actual_start_ms LIMIT 1'
    )
    // What aired keeps the conform cache's eviction order true: the renditions of the file a row
    // aired (by its asset, or the rendition itself) were last on air then. A slate did not air it.
    this.airedStmt = db.prepare<[{ at: number; path: string }]>(
      `UPDATE renditions SET last_aired_at = max(coalesce(last_aired_at, 0), @at)
       WHERE asset_id = (SELECT id FROM assets WHERE path = @path) OR path = @path`
    )
    this.rowStmt = db.prepare<[number], Raw>(`SELECT ${COLUMNS} FROM as_run WHERE id = ?`)
    this.closeOpenStmt = db.prepare(
      'UPDATE as_run SET actual_end_ms = max(actual_start_ms, coalesce(last_seen_ms, actual_start_ms)), end_cause = ? WHERE actual_end_ms IS NULL'
    )
  }

  insert(r: NewAsRunRow): number {
    const id = Number(
      this.insertStmt.run({ ...r, splitFrom: r.splitFrom ? 1 : 0, splitTo: r.splitTo ? 1 : 0 })
        .lastInsertRowid
    )
    if (r.kind === 'item' && r.media === 'aired' && r.assetPath !== null)
      this.airedStmt.run({ at: r.actualStartMs, path: r.assetPath })
    if (r.actualEndMs !== null) this.markAired(id)
    return id
  }
  close(
    id: number,
    actualEndMs: number,
    media: AsRunMedia,
    endCause: string,
    splitTo = false
  ): void {
    this.closeStmt.run(actualEndMs, media, endCause, splitTo ? 1 : 0, id)
    this.markAired(id)
  }
  /** A closed item row that aired (all or part) marks its file's renditions aired at its end. */
  private markAired(id: number): void {
    const r = this.rowStmt.get(id)
    if (
      r?.kind === 'item' &&
      (r.media === 'aired' || r.media === 'partial') &&
      r.assetPath !== null &&
      r.actualEndMs !== null
    )
      this.airedStmt.run({ at: r.actualEndMs, path: r.assetPath })
  }
  seen(id: number, atMs: number): void {
    this.seenStmt.run(atMs, id)
  }
  /** A channel's rows labelled with a broadcast day, in the order they aired. */
  forDay(channelId: number, broadcastDay: string): AsRunRow[] {
    return this.dayStmt.all(channelId, broadcastDay).map(toRow)
  }
  /** When the station first aired the channel (its first row, off air or not), or null if never. */
  firstStartMs(channelId: number): number | null {
    return this.firstStmt.get(channelId)?.startMs ?? null
  }
  /** Rows still open: on air now, or left open by a run that ended without closing them. */
  open(): AsRunRow[] {
    return this.openStmt.all().map(toRow)
  }
  /**
   * Boot reconciliation: rows the previous run left open end at the last time they were known to be
   * on air. Returns how many.
   */
  closeAllOpen(cause: string): number {
    const open = this.openStmt.all()
    const n = this.closeOpenStmt.run(cause).changes
    for (const r of open) this.markAired(r.id)
    return n
  }
  /** The channel's latest rows, newest first (for tests and quick looks). */
  recent(channelId: number, limit = 100): AsRunRow[] {
    return this.recentStmt.all(channelId, limit).map(toRow)
  }
}
