import type { Db } from './database'
import type { SessionPurpose } from '../shared/domain'

export interface ViewerSessionRow {
  sessionId: string
  channelId: number
  purpose: SessionPurpose
  startedAt: number
  lastActivityAt: number
  endedAt: number | null
  endReason: string | null
  clientInfo: Record<string, unknown>
  streamUrl: string | null
}

interface Raw {
  session_id: string
  channel_id: number
  purpose: SessionPurpose
  started_at: number
  last_activity_at: number
  ended_at: number | null
  end_reason: string | null
  client_info: string
  stream_url: string | null
}

const toRow = (r: Raw): ViewerSessionRow => ({
  sessionId: r.session_id,
  channelId: r.channel_id,
  purpose: r.purpose,
  startedAt: r.started_at,
  lastActivityAt: r.last_activity_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  clientInfo: JSON.parse(r.client_info) as Record<string, unknown>,
  streamUrl: r.stream_url
})

export class SessionsRepo {
  private readonly insertStmt
  private readonly touchStmt
  private readonly endStmt
  private readonly getStmt
  private readonly countLiveStmt

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO viewer_sessions (session_id, channel_id, purpose, started_at, last_activity_at, client_info, stream_url)
       VALUES (@sessionId, @channelId, @purpose, @startedAt, @startedAt, @clientInfo, @streamUrl)`
    )
    this.touchStmt = db.prepare(
      'UPDATE viewer_sessions SET last_activity_at = ? WHERE session_id = ? AND ended_at IS NULL'
    )
    this.endStmt = db.prepare(
      'UPDATE viewer_sessions SET ended_at = ?, end_reason = ? WHERE session_id = ? AND ended_at IS NULL'
    )
    this.getStmt = db.prepare<[string], Raw>('SELECT * FROM viewer_sessions WHERE session_id = ?')
    this.countLiveStmt = db.prepare<[], { n: number }>(
      'SELECT count(*) AS n FROM viewer_sessions WHERE ended_at IS NULL'
    )
  }

  insert(s: {
    sessionId: string
    channelId: number
    purpose: SessionPurpose
    startedAt: number
    clientInfo: Record<string, unknown>
    streamUrl: string
  }): void {
    this.insertStmt.run({ ...s, clientInfo: JSON.stringify(s.clientInfo) })
  }
  touch(sessionId: string, at: number): void {
    this.touchStmt.run(at, sessionId)
  }
  end(sessionId: string, at: number, reason: string): boolean {
    return this.endStmt.run(at, reason, sessionId).changes > 0
  }
  get(sessionId: string): ViewerSessionRow | undefined {
    const r = this.getStmt.get(sessionId)
    return r && toRow(r)
  }
  countLive(): number {
    return this.countLiveStmt.get()?.n ?? 0
  }
  /** Boot reconciliation: sessions of a previous run cannot still be attached. */
  endAllLive(at: number, reason: string): number {
    return this.db
      .prepare('UPDATE viewer_sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL')
      .run(at, reason).changes
  }
}
