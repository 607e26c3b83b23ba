// Programming's rows: collections, each channel's template (published and draft), revisions, and
// the draws templated playlog rows made (positions are read back from them, so a restart resumes
// exactly where the playlog left off).
import type { Db } from './database'

/** An asset of a collection as programming reads it. */
export interface CollectionAssetRow {
  assetId: number
  title: string
  show: string | null
  season: number | null
  episode: number | null
  durationMs: number | null
  status: string | null
  path: string
  folderId: string | null
  relPath: string | null
}

/** What a collection selects (a definition as the store can query it). */
export type CollectionQuery =
  | { show: string }
  | { folder: string; prefix: string }
  | { ids: number[]; refs: Array<{ folder: string; relPath: string }> }
  | {
      filter: {
        kind?: string
        genre?: string
        show?: string
        text?: string
        folder?: string
        minDurationMs?: number
        maxDurationMs?: number
      }
    }

const ASSET_COLUMNS = `a.id AS assetId,
  coalesce(a.title, replace(a.path, rtrim(a.path, replace(a.path, '/', '')), '')) AS title,
  a.show, a.season, a.episode, CASE WHEN a.probed_at > 0 THEN a.duration_ms END AS durationMs,
  a.status, a.path, a.folder_id AS folderId, a.rel_path AS relPath`
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export interface CollectionRow {
  id: string
  definitionJson: string
  updatedAt: number
}

export interface TemplateRow {
  channelId: number
  publishedJson: string | null
  publishedRevision: number | null
  publishedAt: number | null
  publishedBy: string | null
  draftJson: string | null
  draftSavedAt: number | null
  draftBy: string | null
  materializedUntil: number | null
}

export interface RevisionRow {
  id: number
  channelId: number
  templateJson: string
  at: number
  by: string
  note: string | null
  restoredFrom: number | null
  added: number
  removed: number
  moved: number
}

/** The last draw under a key before an instant: where the next plan resumes. */
export interface DrawRow {
  key: string
  draws: number
  assetId: number | null
  occurrenceMs: number | null
  inOccurrence: number
}

/** A templated playlog row to write. */
export interface TemplatedEvent {
  startMs: number
  endMs: number
  title: string
  type: string
  assetId: number
  draw: { key: string; draws: number; occurrenceMs: number; inOccurrence: number } | null
}

const TEMPLATE_COLUMNS = `channel_id AS channelId, published_json AS publishedJson,
  published_revision AS publishedRevision, published_at AS publishedAt, published_by AS publishedBy,
  draft_json AS draftJson, draft_saved_at AS draftSavedAt, draft_by AS draftBy,
  materialized_until AS materializedUntil`
const REVISION_COLUMNS = `id, channel_id AS channelId, template_json AS templateJson, at, by, note,
  restored_from AS restoredFrom, added, removed, moved`

interface Stmt {
  run(...args: unknown[]): { changes: number }
  all(...args: unknown[]): unknown[]
}

export class ProgrammingRepo {
  private readonly statements = new Map<string, Stmt>()
  constructor(private readonly db: Db) {}

  /** A statement prepared once (a horizon writes thousands of rows). */
  private stmt(sql: string): Stmt {
    let s = this.statements.get(sql)
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql) as unknown as Stmt))
    return s
  }

  // ---- collections ----
  collections(): CollectionRow[] {
    return this.stmt(
      'SELECT id, definition_json AS definitionJson, updated_at AS updatedAt FROM collections ORDER BY id'
    ).all() as CollectionRow[]
  }
  collection(id: string): CollectionRow | undefined {
    return this.db
      .prepare(
        'SELECT id, definition_json AS definitionJson, updated_at AS updatedAt FROM collections WHERE id = ?'
      )
      .get(id) as CollectionRow | undefined
  }
  putCollection(id: string, definitionJson: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO collections (id, definition_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET definition_json = excluded.definition_json, updated_at = excluded.updated_at`
      )
      .run(id, definitionJson, now)
  }
  removeCollection(id: string): boolean {
    return this.db.prepare('DELETE FROM collections WHERE id = ?').run(id).changes > 0
  }

  /** The assets a collection selects, in its airing order (every status: the caller picks the playable). */
  collectionAssets(q: CollectionQuery): CollectionAssetRow[] {
    // Statements prepared once: a plan reads every collection its template names.
    if ('show' in q)
      return this.stmt(
        `SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.show = ? COLLATE NOCASE AND a.status IS NOT NULL
           ORDER BY a.season IS NULL, a.season, a.episode IS NULL, a.episode, a.title COLLATE NOCASE, a.id`
      ).all(q.show) as CollectionAssetRow[]
    if ('folder' in q)
      return this.stmt(
        `SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.folder_id = ? AND a.rel_path LIKE ? ESCAPE '\\'
           ORDER BY a.rel_path, a.id`
      ).all(q.folder, `${escapeLike(q.prefix)}%`) as CollectionAssetRow[]
    if ('ids' in q) {
      const byId = this.db.prepare(`SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.id = ?`)
      const byRef = this.db.prepare(
        `SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.folder_id = ? AND a.rel_path = ?`
      )
      const out: CollectionAssetRow[] = []
      for (const id of q.ids) {
        const r = byId.get(id) as CollectionAssetRow | undefined
        if (r) out.push(r)
      }
      for (const ref of q.refs) {
        const r = byRef.get(ref.folder, ref.relPath) as CollectionAssetRow | undefined
        if (r) out.push(r)
      }
      return out
    }
    const f = q.filter
    const where = ['a.status IS NOT NULL']
    const args: Record<string, unknown> = {}
    if (f.kind !== undefined) {
      where.push('a.kind = @kind')
      args['kind'] = f.kind
    }
    if (f.show !== undefined) {
      where.push('a.show = @show COLLATE NOCASE')
      args['show'] = f.show
    }
    if (f.folder !== undefined) {
      where.push('a.folder_id = @folder')
      args['folder'] = f.folder
    }
    if (f.genre !== undefined) {
      where.push(
        `EXISTS (SELECT 1 FROM json_each(coalesce(a.genres, '[]')) g WHERE g.value = @genre COLLATE NOCASE)`
      )
      args['genre'] = f.genre
    }
    if (f.text !== undefined) {
      where.push(
        `(a.title LIKE @text ESCAPE '\\' OR a.show LIKE @text ESCAPE '\\' OR a.rel_path LIKE @text ESCAPE '\\')`
      )
      args['text'] = `%${escapeLike(f.text)}%`
    }
    if (f.minDurationMs !== undefined) {
      where.push('a.probed_at > 0 AND a.duration_ms >= @min')
      args['min'] = f.minDurationMs
    }
    if (f.maxDurationMs !== undefined) {
      where.push('a.probed_at > 0 AND a.duration_ms <= @max')
      args['max'] = f.maxDurationMs
    }
    return this.db
      .prepare(
        `SELECT ${ASSET_COLUMNS} FROM assets a WHERE ${where.join(' AND ')} ORDER BY a.title COLLATE NOCASE, a.id`
      )
      .all(args) as CollectionAssetRow[]
  }

  // ---- templates ----
  template(channelId: number): TemplateRow | undefined {
    return this.db
      .prepare(`SELECT ${TEMPLATE_COLUMNS} FROM channel_templates WHERE channel_id = ?`)
      .get(channelId) as TemplateRow | undefined
  }
  templates(): TemplateRow[] {
    return this.db
      .prepare(`SELECT ${TEMPLATE_COLUMNS} FROM channel_templates ORDER BY channel_id`)
      .all() as TemplateRow[]
  }
  private ensure(channelId: number): void {
    this.db
      .prepare('INSERT INTO channel_templates (channel_id) VALUES (?) ON CONFLICT DO NOTHING')
      .run(channelId)
  }
  saveDraft(channelId: number, json: string | null, at: number | null, by: string | null): void {
    this.ensure(channelId)
    this.db
      .prepare(
        'UPDATE channel_templates SET draft_json = ?, draft_saved_at = ?, draft_by = ? WHERE channel_id = ?'
      )
      .run(json, at, by, channelId)
  }
  setPublished(
    channelId: number,
    json: string | null,
    revision: number | null,
    at: number | null,
    by: string | null
  ): void {
    this.ensure(channelId)
    this.db
      .prepare(
        `UPDATE channel_templates SET published_json = ?, published_revision = ?, published_at = ?,
         published_by = ? WHERE channel_id = ?`
      )
      .run(json, revision, at, by, channelId)
  }
  setMaterializedUntil(channelId: number, until: number | null): void {
    this.db
      .prepare('UPDATE channel_templates SET materialized_until = ? WHERE channel_id = ?')
      .run(until, channelId)
  }

  // ---- revisions ----
  addRevision(r: Omit<RevisionRow, 'id'>): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO template_revisions (channel_id, template_json, at, by, note, restored_from, added, removed, moved)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          r.channelId,
          r.templateJson,
          r.at,
          r.by,
          r.note,
          r.restoredFrom,
          r.added,
          r.removed,
          r.moved
        ).lastInsertRowid
    )
  }
  revisions(channelId: number): RevisionRow[] {
    return this.db
      .prepare(
        `SELECT ${REVISION_COLUMNS} FROM template_revisions WHERE channel_id = ? ORDER BY id DESC`
      )
      .all(channelId) as RevisionRow[]
  }
  revision(channelId: number, id: number): RevisionRow | undefined {
    return this.db
      .prepare(`SELECT ${REVISION_COLUMNS} FROM template_revisions WHERE channel_id = ? AND id = ?`)
      .get(channelId, id) as RevisionRow | undefined
  }

  // ---- the templated playlog ----
  /** Each draw key's last draw starting before t on the channel. */
  drawsBefore(channelId: number, t: number): DrawRow[] {
    // A loose index scan: each key found by the index, then its last row before t (a handful of
    // keys, however long the playlog).
    return this.db
      .prepare(
        `WITH RECURSIVE keys(k) AS (
           SELECT min(draw_key) FROM playlog_events WHERE channel_id = @c AND draw_key IS NOT NULL
           UNION ALL
           SELECT (SELECT min(draw_key) FROM playlog_events
                   WHERE channel_id = @c AND draw_key IS NOT NULL AND draw_key > keys.k)
           FROM keys WHERE keys.k IS NOT NULL)
         SELECT e.draw_key AS key, e.draw_count AS draws, e.asset_id AS assetId,
                e.draw_occurrence AS occurrenceMs, e.draw_in_occurrence AS inOccurrence
         FROM keys JOIN playlog_events e ON e.id = (
           SELECT id FROM playlog_events
           WHERE channel_id = @c AND draw_key = keys.k AND start_ms < @t
           ORDER BY start_ms DESC LIMIT 1)
         WHERE keys.k IS NOT NULL`
      )
      .all({ c: channelId, t }) as DrawRow[]
  }
  /** Removes the channel's templated rows starting at or after t; returns them as (start, asset) for a revision's summary. */
  deleteTemplatedFrom(
    channelId: number,
    t: number
  ): Array<{ startMs: number; assetId: number | null }> {
    // One pass (RETURNING), in no particular order: the summary matches by asset and start.
    return this.db
      .prepare(
        `DELETE FROM playlog_events WHERE channel_id = ? AND source = 'template' AND start_ms >= ?
         RETURNING start_ms AS startMs, asset_id AS assetId`
      )
      .all(channelId, t) as Array<{ startMs: number; assetId: number | null }>
  }
  insertTemplated(channelId: number, e: TemplatedEvent): void {
    this.stmt(
      `INSERT INTO playlog_events (channel_id, start_ms, end_ms, title, type, asset_id, in_point_ms, source,
           draw_key, draw_count, draw_occurrence, draw_in_occurrence)
         VALUES (?, ?, ?, ?, ?, ?, 0, 'template', ?, ?, ?, ?)`
    ).run(
      channelId,
      e.startMs,
      e.endMs,
      e.title,
      e.type,
      e.assetId,
      e.draw?.key ?? null,
      e.draw?.draws ?? null,
      e.draw?.occurrenceMs ?? null,
      e.draw?.inOccurrence ?? null
    )
  }
  /** Templated rows starting at or after t (for summaries and tests). */
  templatedFrom(channelId: number, t: number): Array<{ startMs: number; assetId: number | null }> {
    return this.db
      .prepare(
        `SELECT start_ms AS startMs, asset_id AS assetId FROM playlog_events
         WHERE channel_id = ? AND source = 'template' AND start_ms >= ? ORDER BY start_ms`
      )
      .all(channelId, t) as Array<{ startMs: number; assetId: number | null }>
  }
}
