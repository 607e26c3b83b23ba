import type { Db } from './database'
import type { EmergencyScope, GlobalMode } from '../shared/domain'

export interface SystemStateRow {
  globalMode: GlobalMode
  emergencyMessage: string | null
  emergencyScope: EmergencyScope | null
  emergencySinceMs: number | null
  /** The console desk that fired the emergency on air (null: unnamed, or none on air). */
  emergencyDesk?: string | null
  updatedAt: number
}

export class SystemStateRepo {
  private readonly getStmt
  private readonly setStmt
  constructor(db: Db) {
    this.getStmt = db.prepare<[], SystemStateRow>(
      `SELECT global_mode AS globalMode, emergency_message AS emergencyMessage, emergency_scope AS emergencyScope,
              emergency_since_ms AS emergencySinceMs, emergency_desk AS emergencyDesk, updated_at AS updatedAt
       FROM system_state WHERE id = 1`
    )
    this.setStmt = db.prepare(
      `UPDATE system_state SET global_mode = @globalMode, emergency_message = @emergencyMessage,
         emergency_scope = @emergencyScope, emergency_since_ms = @emergencySinceMs, emergency_desk = @emergencyDesk,
         updated_at = @updatedAt
       WHERE id = 1`
    )
  }
  get(): SystemStateRow {
    const row = this.getStmt.get()
    if (!row) throw new Error('system_state row is missing: the database was not migrated')
    return row
  }
  set(row: SystemStateRow): void {
    this.setStmt.run({ ...row, emergencyDesk: row.emergencyDesk ?? null })
  }
}

export type AuditActor = 'operator' | 'system' | 'api' | 'import'

export interface AuditEntry {
  id: number
  atMs: number
  actor: AuditActor
  action: string
  channelId: number | null
  details: Record<string, unknown>
}

export class AuditRepo {
  private readonly insertStmt
  private readonly recentStmt
  private readonly removeStmt
  constructor(db: Db) {
    this.removeStmt = db.prepare('DELETE FROM audit_log WHERE id = ?')
    this.insertStmt = db.prepare(
      'INSERT INTO audit_log (at_ms, actor, action, channel_id, details_json) VALUES (?, ?, ?, ?, ?)'
    )
    this.recentStmt = db.prepare<
      [number],
      {
        id: number
        atMs: number
        actor: AuditActor
        action: string
        channelId: number | null
        details: string
      }
    >(
      `SELECT id, at_ms AS atMs, actor, action, channel_id AS channelId, details_json AS details
       FROM audit_log ORDER BY id DESC LIMIT ?`
    )
  }
  append(
    atMs: number,
    actor: AuditActor,
    action: string,
    details: Record<string, unknown> = {},
    channelId: number | null = null
  ): number {
    return Number(
      this.insertStmt.run(atMs, actor, action, channelId, JSON.stringify(details)).lastInsertRowid
    )
  }
  /** Takes back an entry of a unit of work that did not happen after all (a refused emergency switch). */
  remove(id: number): void {
    this.removeStmt.run(id)
  }
  recent(limit = 50): AuditEntry[] {
    return this.recentStmt
      .all(limit)
      .map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }))
  }
}
