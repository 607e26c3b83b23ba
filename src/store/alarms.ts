// Alarm history: every occurrence of an alarm, from raised to cleared and acknowledged. Active and
// latched alarms (cleared, not yet acknowledged) are read back at start, so they survive a restart.
import type { Db } from './database'
import type { AlarmKind, AlarmSeverity } from '../shared/domain'

export interface AlarmRow {
  id: number
  channelId: number | null
  /** The raiser's key (one active occurrence per key and board). */
  key: string
  kind: AlarmKind
  severity: AlarmSeverity
  message: string
  raisedAt: number
  clearedAt: number | null
  acknowledgedAt: number | null
  /** The audit actor that acknowledged it (operator, api). */
  acknowledgedBy: string | null
  /** The console desk that acknowledged it, as the operator named it (null: not named). */
  acknowledgedDesk: string | null
}

export type NewAlarm = Pick<
  AlarmRow,
  'channelId' | 'key' | 'kind' | 'severity' | 'message' | 'raisedAt'
>

const COLUMNS = `id, channel_id AS channelId, key, kind, severity, message, raised_at AS raisedAt, cleared_at AS clearedAt,
  acknowledged_at AS acknowledgedAt, acknowledged_by AS acknowledgedBy, acknowledged_desk AS acknowledgedDesk`

export class AlarmsRepo {
  private readonly insertStmt
  private readonly updateStmt
  private readonly clearStmt
  private readonly ackStmt
  private readonly openStmt
  private readonly rangeStmt
  private readonly closeAllStmt

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO alarms (channel_id, key, kind, severity, message, raised_at) VALUES (@channelId, @key, @kind, @severity, @message, @raisedAt)`
    )
    this.updateStmt = db.prepare('UPDATE alarms SET severity = ?, message = ? WHERE id = ?')
    this.clearStmt = db.prepare(
      'UPDATE alarms SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL'
    )
    this.ackStmt = db.prepare(
      'UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ?, acknowledged_desk = ? WHERE id = ? AND acknowledged_at IS NULL'
    )
    this.openStmt = db.prepare<[], AlarmRow>(
      `SELECT ${COLUMNS} FROM alarms WHERE cleared_at IS NULL OR acknowledged_at IS NULL ORDER BY id`
    )
    this.rangeStmt = db.prepare<[number, number, number | null, number | null, number], AlarmRow>(
      `SELECT ${COLUMNS} FROM alarms
       WHERE raised_at < ? AND (cleared_at IS NULL OR cleared_at >= ?) AND (? IS NULL OR channel_id = ?)
       ORDER BY raised_at, id LIMIT ?`
    )
    this.closeAllStmt = db.prepare('UPDATE alarms SET cleared_at = ? WHERE cleared_at IS NULL')
  }

  insert(a: NewAlarm): number {
    return Number(this.insertStmt.run(a).lastInsertRowid)
  }
  update(id: number, severity: AlarmSeverity, message: string): void {
    this.updateStmt.run(severity, message, id)
  }
  clear(id: number, at: number): void {
    this.clearStmt.run(at, id)
  }
  acknowledge(id: number, at: number, by: string, desk: string | null = null): boolean {
    return this.ackStmt.run(at, by, desk, id).changes > 0
  }
  /** Active, or cleared and not yet acknowledged (latched). */
  open(): AlarmRow[] {
    return this.openStmt.all()
  }
  /** Occurrences overlapping [from, to), optionally of one channel, oldest first. */
  between(from: number, to: number, channelId: number | null = null, limit = 10_000): AlarmRow[] {
    return this.rangeStmt.all(to, from, channelId, channelId, limit)
  }
  /** Boot reconciliation: nothing of the previous run is still raising; its alarms stay latched until acknowledged. */
  clearAllActive(at: number): number {
    return this.closeAllStmt.run(at).changes
  }
}
