// Push destinations per channel. The URL is stored whole (the pusher needs the key); whatever
// leaves the engine shows it redacted (shared/output-url.ts).
import type { Db } from './database'

export interface OutputRow {
  outputId: string
  channelId: number
  url: string
  enabled: boolean
  createdAt: number
  updatedAt: number
}

interface Raw {
  output_id: string
  channel_id: number
  url: string
  enabled: number
  created_at: number
  updated_at: number
}

const row = (r: Raw): OutputRow => ({
  outputId: r.output_id,
  channelId: r.channel_id,
  url: r.url,
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})
const COLUMNS = 'output_id, channel_id, url, enabled, created_at, updated_at'

/** What a station file's outputs changed, for the audit log. */
export interface OutputChange {
  action: 'output-added' | 'output-enabled' | 'output-disabled' | 'output-removed'
  outputId: string
  url: string
}

export class OutputsRepo {
  private readonly allStmt
  private readonly byIdStmt
  private readonly byChannelStmt
  private readonly insertStmt
  private readonly enableStmt
  private readonly removeStmt

  constructor(db: Db) {
    this.allStmt = db.prepare<[], Raw>(`SELECT ${COLUMNS} FROM channel_outputs ORDER BY id`)
    this.byIdStmt = db.prepare<[string], Raw>(
      `SELECT ${COLUMNS} FROM channel_outputs WHERE output_id = ?`
    )
    this.byChannelStmt = db.prepare<[number], Raw>(
      `SELECT ${COLUMNS} FROM channel_outputs WHERE channel_id = ? ORDER BY id`
    )
    this.insertStmt = db.prepare(
      'INSERT INTO channel_outputs (output_id, channel_id, url, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'
    )
    this.enableStmt = db.prepare(
      'UPDATE channel_outputs SET enabled = ?, updated_at = ? WHERE output_id = ?'
    )
    this.removeStmt = db.prepare('DELETE FROM channel_outputs WHERE output_id = ?')
  }

  list(): OutputRow[] {
    return this.allStmt.all().map(row)
  }

  ofChannel(channelId: number): OutputRow[] {
    return this.byChannelStmt.all(channelId).map(row)
  }

  get(outputId: string): OutputRow | undefined {
    const r = this.byIdStmt.get(outputId)
    return r ? row(r) : undefined
  }

  insert(
    o: { outputId: string; channelId: number; url: string; enabled: boolean },
    atMs: number
  ): void {
    this.insertStmt.run(o.outputId, o.channelId, o.url, o.enabled ? 1 : 0, atMs, atMs)
  }

  setEnabled(outputId: string, enabled: boolean, atMs: number): boolean {
    return this.enableStmt.run(enabled ? 1 : 0, atMs, outputId).changes > 0
  }

  remove(outputId: string): boolean {
    return this.removeStmt.run(outputId).changes > 0
  }

  /**
   * Makes a channel's outputs exactly `wanted` (a station file's list): a URL already there keeps
   * its id and takes the file's enabled flag, the rest are added or removed. Call in a transaction.
   */
  replaceForChannel(
    channelId: number,
    wanted: Array<{ url: string; enabled: boolean }>,
    atMs: number,
    newId: () => string
  ): OutputChange[] {
    const existing = new Map(this.ofChannel(channelId).map((o) => [o.url, o]))
    const changes: OutputChange[] = []
    for (const w of wanted) {
      const have = existing.get(w.url)
      if (have) {
        existing.delete(w.url)
        if (have.enabled === w.enabled) continue
        this.setEnabled(have.outputId, w.enabled, atMs)
        changes.push({
          action: w.enabled ? 'output-enabled' : 'output-disabled',
          outputId: have.outputId,
          url: w.url
        })
      } else {
        const outputId = newId()
        this.insert({ outputId, channelId, url: w.url, enabled: w.enabled }, atMs)
        changes.push({ action: 'output-added', outputId, url: w.url })
      }
    }
    for (const gone of existing.values()) {
      this.remove(gone.outputId)
      changes.push({ action: 'output-removed', outputId: gone.outputId, url: gone.url })
    }
    return changes
  }
}
