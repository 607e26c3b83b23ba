// The media library's rows: folders, and the library columns of assets (a library file IS an asset
// row, so the playlog keeps pointing at it through renames and moves), and each file's analysis.
import type { Db } from './database'
import type {
  AssetKind,
  AssetStatus,
  LibraryAnalysisDto,
  LibraryAssetDto,
  LibraryFolderState,
  LibrarySearchRequest
} from '../shared/library'

export interface LibraryFolderRow {
  id: string
  path: string
  addedAt: number
  lastScanAt: number | null
  state: LibraryFolderState
  assets: number
  problems: number
}

/** What the scanner compares a file on disk with. */
export interface KnownFile {
  id: number
  path: string
  relPath: string
  sizeBytes: number
  mtimeMs: number
  fingerprint: string | null
  status: AssetStatus
  /** Probed successfully at least once (its probe columns are real). */
  probed: boolean
}

/** Names and sidecars: what the library knows about a file besides its media. */
export interface AssetMetadata {
  kind: AssetKind
  title: string
  show: string | null
  season: number | null
  episode: number | null
  episodeTitle: string | null
  year: number | null
  genres: string[]
  plot: string | null
  posterPath: string | null
}

export interface NewLibraryFile extends AssetMetadata {
  folderId: string
  path: string
  relPath: string
  sizeBytes: number
  mtimeMs: number
  fingerprint: string | null
  status: AssetStatus
  reason: string | null
  addedAt: number
}

export interface ProbedMedia {
  durationMs: number
  hasVideo: boolean
  hasAudio: boolean
  width: number | null
  height: number | null
  frameRate: number | null
  audioChannels: number | null
  probeJson: string
  probedAt: number
}

export interface AnalysisRow {
  assetId: number
  integratedLufs: number | null
  rangeLu: number | null
  truePeakDbtp: number | null
  headBlackMs: number
  headSilenceMs: number
  tailBlackMs: number
  tailSilenceMs: number
  posterFile: string | null
  posterW: number | null
  posterH: number | null
  filmstripFile: string | null
  filmstripW: number | null
  filmstripH: number | null
  probeDetailJson: string | null
  error: string | null
  analysedAt: number
}

export interface LibraryAssetRow extends LibraryAssetDto {
  plot: string | null
  episodeTitle: string | null
  fingerprint: string | null
  mtimeMs: number
  probeJson: string
  posterPath: string | null
  hasAudio: boolean
}

export interface LibrarySearch extends Omit<
  LibrarySearchRequest,
  'minDurationMs' | 'maxDurationMs' | 'limit'
> {
  minDurationMs?: number
  maxDurationMs?: number
  limit?: number
}

/** Statuses that cannot air now. */
export const PROBLEM_STATUSES: readonly AssetStatus[] = [
  'offline',
  'missing',
  'unplayable',
  'unreadable',
  'empty'
]
const PROBLEMS_SQL = PROBLEM_STATUSES.map((s) => `'${s}'`).join(', ')

interface RawLibraryAsset {
  id: number
  folder_id: string | null
  path: string
  rel_path: string | null
  status: AssetStatus
  reason: string | null
  kind: AssetKind | null
  title: string | null
  show: string | null
  season: number | null
  episode: number | null
  year: number | null
  genres: string | null
  duration_ms: number
  size_bytes: number
  mtime_ms: number
  probed_at: number
  added_at: number | null
  plot: string | null
  episode_title: string | null
  fingerprint: string | null
  probe_json: string
  poster_path: string | null
  has_audio: number
  analysed: number
  poster_file: string | null
}

const ASSET_SELECT = `SELECT a.id, a.folder_id, a.path, a.rel_path, a.status, a.reason, a.kind, a.title, a.show, a.season,
  a.episode, a.year, a.genres, a.duration_ms, a.size_bytes, a.mtime_ms, a.probed_at, a.added_at, a.plot,
  a.episode_title, a.fingerprint, a.probe_json, a.poster_path, a.has_audio,
  (n.asset_id IS NOT NULL) AS analysed, n.poster_file
  FROM assets a LEFT JOIN asset_analysis n ON n.asset_id = a.id`

const toRow = (r: RawLibraryAsset): LibraryAssetRow => ({
  id: r.id,
  folderId: r.folder_id,
  path: r.path,
  relPath: r.rel_path ?? r.path,
  status: r.status,
  reason: r.reason,
  kind: r.kind ?? 'other',
  title: r.title ?? r.path,
  show: r.show,
  season: r.season,
  episode: r.episode,
  year: r.year,
  genres: r.genres ? (JSON.parse(r.genres) as string[]) : [],
  durationMs: r.probed_at > 0 ? r.duration_ms : null,
  sizeBytes: r.size_bytes,
  analysed: r.analysed === 1,
  hasPoster: r.poster_path !== null || r.poster_file !== null,
  addedAt: new Date(r.added_at ?? 0).toISOString(),
  plot: r.plot,
  episodeTitle: r.episode_title,
  fingerprint: r.fingerprint,
  mtimeMs: r.mtime_ms,
  probeJson: r.probe_json,
  posterPath: r.poster_path,
  hasAudio: r.has_audio === 1
})

/** The list row of an asset (what search returns). */
export function assetListDto(r: LibraryAssetRow): LibraryAssetDto {
  return {
    id: r.id,
    folderId: r.folderId,
    path: r.path,
    relPath: r.relPath,
    status: r.status,
    reason: r.reason,
    kind: r.kind,
    title: r.title,
    show: r.show,
    season: r.season,
    episode: r.episode,
    year: r.year,
    genres: r.genres,
    durationMs: r.durationMs,
    sizeBytes: r.sizeBytes,
    analysed: r.analysed,
    hasPoster: r.hasPoster,
    addedAt: r.addedAt
  }
}

const SORT_COLUMNS = {
  title: 'a.title COLLATE NOCASE',
  duration: 'a.duration_ms',
  added: 'a.added_at'
} as const
/** Each sort's index (migration 10), which also carries every column a search filters on. */
const SORT_INDEXES = {
  title: 'assets_library_title',
  duration: 'assets_library_duration',
  added: 'assets_library_added'
} as const

/** An opaque page cursor: the last row's sort key and id. */
function encodeCursor(sort: string, key: unknown, id: number): string {
  return Buffer.from(JSON.stringify([sort, key, id])).toString('base64url')
}

export class BadCursorError extends Error {
  override readonly name = 'BadCursorError'
}

function decodeCursor(sort: string, cursor: string): { key: string | number; id: number } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      v[0] === sort &&
      (typeof v[1] === 'string' || typeof v[1] === 'number') &&
      Number.isInteger(v[2])
    )
      return { key: v[1], id: v[2] as number }
  } catch {
    // falls through to the refusal
  }
  throw new BadCursorError('cursor is not one this search gave (search again from the first page)')
}

interface Stmt {
  run(...args: unknown[]): { changes: number }
  get(...args: unknown[]): unknown
  all(...args: unknown[]): unknown[]
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export class LibraryRepo {
  private readonly stmts = new Map<string, Stmt>()
  constructor(private readonly db: Db) {}

  /** Statements prepared once per SQL text (searches build theirs from the filters given). */
  private stmt(sql: string): Stmt {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql) as unknown as Stmt
      this.stmts.set(sql, s)
    }
    return s
  }

  // ---- folders -------------------------------------------------------------------------------

  folders(): LibraryFolderRow[] {
    return this.stmt(
      `SELECT f.id, f.path, f.added_at AS addedAt, f.last_scan_at AS lastScanAt, f.state,
         (SELECT COUNT(*) FROM assets a WHERE a.folder_id = f.id) AS assets,
         (SELECT COUNT(*) FROM assets a WHERE a.folder_id = f.id AND a.status IN (${PROBLEMS_SQL})) AS problems
       FROM library_folders f ORDER BY f.id`
    ).all() as LibraryFolderRow[]
  }

  folder(id: string): LibraryFolderRow | undefined {
    return this.folders().find((f) => f.id === id)
  }

  /** A folder's state; undefined when there is no such folder (removed). */
  folderState(id: string): LibraryFolderState | undefined {
    return (
      this.stmt(`SELECT state FROM library_folders WHERE id = ?`).get(id) as
        { state: LibraryFolderState } | undefined
    )?.state
  }

  /** Every folder's root and state, without counting its assets (the existence check's read). */
  folderRoots(): Array<{ id: string; path: string; state: LibraryFolderState }> {
    return this.stmt(`SELECT id, path, state FROM library_folders ORDER BY id`).all() as Array<{
      id: string
      path: string
      state: LibraryFolderState
    }>
  }

  addFolder(id: string, path: string, now: number): void {
    this.stmt(
      `INSERT INTO library_folders (id, path, added_at, state) VALUES (?, ?, ?, 'idle')`
    ).run(id, path, now)
  }

  /** Forgets a folder: its assets the playlog refers to stay (offline, in no folder), the rest go. */
  removeFolder(id: string): { kept: number; removed: number; removedIds: number[] } {
    const removedIds = (
      this.stmt(
        `DELETE FROM assets WHERE folder_id = ? AND NOT EXISTS (SELECT 1 FROM playlog_events e WHERE e.asset_id = assets.id)
         RETURNING id`
      ).all(id) as Array<{ id: number }>
    ).map((r) => r.id)
    const kept = this.stmt(
      `UPDATE assets SET folder_id = NULL, status = 'offline', reason = 'its library folder was removed' WHERE folder_id = ?`
    ).run(id).changes
    this.stmt(`DELETE FROM library_folders WHERE id = ?`).run(id)
    return { kept, removed: removedIds.length, removedIds }
  }

  setFolderState(id: string, state: LibraryFolderState): void {
    this.stmt(`UPDATE library_folders SET state = ? WHERE id = ?`).run(state, id)
  }

  setFolderScanned(id: string, at: number): void {
    this.stmt(`UPDATE library_folders SET last_scan_at = ?, state = 'idle' WHERE id = ?`).run(
      at,
      id
    )
  }

  // ---- files, as the scanner sees them ---------------------------------------------------------

  filesOf(folderId: string): KnownFile[] {
    return this.stmt(
      `SELECT id, path, rel_path AS relPath, size_bytes AS sizeBytes, mtime_ms AS mtimeMs, fingerprint, status,
         (probed_at > 0) AS probed FROM assets WHERE folder_id = ?`
    )
      .all(folderId)
      .map((r) => ({ ...(r as KnownFile), probed: (r as { probed: number }).probed === 1 }))
  }

  fileAt(path: string): (KnownFile & { folderId: string | null }) | undefined {
    const r = this.stmt(
      `SELECT id, path, rel_path AS relPath, size_bytes AS sizeBytes, mtime_ms AS mtimeMs, fingerprint, status,
         (probed_at > 0) AS probed, folder_id AS folderId FROM assets WHERE path = ?`
    ).get(path) as
      (Omit<KnownFile, 'probed'> & { folderId: string | null; probed: number }) | undefined
    return r && { ...r, probed: r.probed === 1 }
  }

  /** Rows with this content whose file is gone or elsewhere: candidates for a move or rename. */
  byFingerprint(fingerprint: string): Array<KnownFile & { folderId: string | null }> {
    return this.stmt(
      `SELECT id, path, rel_path AS relPath, size_bytes AS sizeBytes, mtime_ms AS mtimeMs, fingerprint, status,
         (probed_at > 0) AS probed, folder_id AS folderId FROM assets WHERE fingerprint = ? ORDER BY id`
    )
      .all(fingerprint)
      .map((r) => {
        const x = r as Omit<KnownFile, 'probed'> & { folderId: string | null; probed: number }
        return { ...x, probed: x.probed === 1 }
      })
  }

  /** A file the library found: a pending row (placeholders until probed); an imported row of that path is adopted. */
  addFile(f: NewLibraryFile): number {
    const row = this.stmt(
      `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at,
         folder_id, rel_path, fingerprint, status, reason, kind, title, show, season, episode, episode_title, year,
         genres, plot, poster_path, added_at)
       VALUES (@path, 0, 0, 0, @sizeBytes, @mtimeMs, '{}', 0, @folderId, @relPath, @fingerprint, @status, @reason,
         @kind, @title, @show, @season, @episode, @episodeTitle, @year, @genres, @plot, @posterPath, @addedAt)
       ON CONFLICT (path) DO UPDATE SET folder_id = excluded.folder_id, rel_path = excluded.rel_path,
         fingerprint = excluded.fingerprint, status = excluded.status, reason = excluded.reason, kind = excluded.kind,
         title = excluded.title, show = excluded.show, season = excluded.season, episode = excluded.episode,
         episode_title = excluded.episode_title, year = excluded.year, genres = excluded.genres, plot = excluded.plot,
         poster_path = excluded.poster_path, added_at = COALESCE(assets.added_at, excluded.added_at),
         size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms,
         probed_at = CASE WHEN assets.size_bytes = excluded.size_bytes AND assets.mtime_ms = excluded.mtime_ms
                          THEN assets.probed_at ELSE 0 END
       RETURNING id`
    ).get({ ...f, genres: JSON.stringify(f.genres) }) as { id: number }
    return row.id
  }

  /**
   * The file now at another place or with other content (a move, a rename, an edit): identity kept.
   * A row the station file imported joins the library now (`addedAt`; a library row keeps its own).
   */
  updateFile(id: number, f: NewLibraryFile & { keepProbe: boolean }): void {
    this.stmt(
      `UPDATE assets SET path = @path, folder_id = @folderId, rel_path = @relPath, size_bytes = @sizeBytes,
         mtime_ms = @mtimeMs, fingerprint = @fingerprint, status = @status, reason = @reason, kind = @kind,
         title = @title, show = @show, season = @season, episode = @episode, episode_title = @episodeTitle,
         year = @year, genres = @genres, plot = @plot, poster_path = @posterPath,
         added_at = COALESCE(added_at, @addedAt), probed_at = CASE WHEN @keepProbe = 1 THEN probed_at ELSE 0 END
       WHERE id = @id`
    ).run({ ...f, id, genres: JSON.stringify(f.genres), keepProbe: f.keepProbe ? 1 : 0 })
    if (!f.keepProbe) this.stmt(`DELETE FROM asset_analysis WHERE asset_id = ?`).run(id)
  }

  setStatus(id: number, status: AssetStatus, reason: string | null): void {
    this.stmt(`UPDATE assets SET status = ?, reason = ? WHERE id = ?`).run(status, reason, id)
  }

  /** Every asset of a folder at once (the folder went offline, or came back to be rescanned). */
  setFolderStatus(folderId: string, status: AssetStatus, reason: string | null): number {
    return this.stmt(`UPDATE assets SET status = ?, reason = ? WHERE folder_id = ?`).run(
      status,
      reason,
      folderId
    ).changes
  }

  setProbed(id: number, p: ProbedMedia): void {
    this.stmt(
      `UPDATE assets SET duration_ms = @durationMs, has_video = @hasVideo, has_audio = @hasAudio, width = @width,
         height = @height, frame_rate = @frameRate, audio_channels = @audioChannels, probe_json = @probeJson,
         probed_at = @probedAt, status = 'ok', reason = NULL WHERE id = @id`
    ).run({ ...p, id, hasVideo: p.hasVideo ? 1 : 0, hasAudio: p.hasAudio ? 1 : 0 })
  }

  /** Files found but not probed yet (resumed after a restart). */
  pending(): Array<{ id: number; path: string; folderId: string | null }> {
    return this.stmt(
      `SELECT id, path, folder_id AS folderId FROM assets WHERE status = 'pending' ORDER BY id`
    ).all() as Array<{ id: number; path: string; folderId: string | null }>
  }

  /** Playable files never analysed (resumed after a restart). */
  unanalysed(): Array<{ id: number; path: string; folderId: string | null }> {
    return this.stmt(
      `SELECT a.id, a.path, a.folder_id AS folderId FROM assets a LEFT JOIN asset_analysis n ON n.asset_id = a.id
       WHERE a.status = 'ok' AND n.asset_id IS NULL ORDER BY a.id`
    ).all() as Array<{ id: number; path: string; folderId: string | null }>
  }

  // ---- reading -------------------------------------------------------------------------------

  asset(id: number): LibraryAssetRow | undefined {
    const r = this.stmt(`${ASSET_SELECT} WHERE a.id = ? AND a.status IS NOT NULL`).get(id) as
      RawLibraryAsset | undefined
    return r && toRow(r)
  }

  /** A page of a search, keyset-paged on the sort key and id, with the total that match. */
  search(q: LibrarySearch): {
    assets: LibraryAssetRow[]
    total: number
    nextCursor: string | null
  } {
    const sort = q.sort ?? 'title'
    const key = SORT_COLUMNS[sort]
    const where = ['a.status IS NOT NULL']
    const args: Record<string, unknown> = {}
    if (q.q && q.q.trim() !== '') {
      args['q'] = `%${escapeLike(q.q.trim())}%`
      where.push(
        `(a.title LIKE @q ESCAPE '\\' OR a.show LIKE @q ESCAPE '\\' OR a.rel_path LIKE @q ESCAPE '\\')`
      )
    }
    if (q.folder !== undefined) {
      args['folder'] = q.folder
      // Unary +: a folder is usually most of the library, so the sort index serves better than its own.
      where.push('+a.folder_id = @folder')
    }
    if (q.kind !== undefined) {
      args['kind'] = q.kind
      where.push('a.kind = @kind')
    }
    if (q.status !== undefined) {
      args['status'] = q.status
      where.push('a.status = @status')
    }
    if (q.show !== undefined) {
      args['show'] = q.show
      where.push('a.show = @show COLLATE NOCASE')
    }
    if (q.minDurationMs !== undefined) {
      args['minDur'] = q.minDurationMs
      where.push('a.probed_at > 0 AND a.duration_ms >= @minDur')
    }
    if (q.maxDurationMs !== undefined) {
      args['maxDur'] = q.maxDurationMs
      where.push('a.probed_at > 0 AND a.duration_ms <= @maxDur')
    }
    const filter = where.join(' AND ')
    // Counted from the sort index, which holds every filtered column: through any other index
    // SQLite reads the rows, and with them each asset's probe (60 to 200 ms at 20,000, not 3).
    const total = (
      this.stmt(
        `SELECT COUNT(*) AS n FROM assets a INDEXED BY ${SORT_INDEXES[sort]} WHERE ${filter}`
      ).get(args) as { n: number }
    ).n
    const page = [...where]
    if (q.cursor !== undefined) {
      const c = decodeCursor(sort, q.cursor)
      args['ck'] = c.key
      args['cid'] = c.id
      // A range the sort index can seek to, then the tie on id: deep pages cost what the first does.
      page.push(`${key} >= @ck AND (${key} > @ck OR a.id > @cid)`)
    }
    const limit = q.limit ?? 100
    args['limit'] = limit + 1
    const rows = (
      this.stmt(
        `${ASSET_SELECT} WHERE ${page.join(' AND ')} ORDER BY ${key}, a.id LIMIT @limit`
      ).all(args) as RawLibraryAsset[]
    ).map(toRow)
    let nextCursor: string | null = null
    if (rows.length > limit) {
      rows.length = limit
      const last = rows[rows.length - 1]!
      const raw =
        sort === 'title'
          ? last.title
          : sort === 'duration'
            ? (
                this.stmt(`SELECT duration_ms AS v FROM assets WHERE id = ?`).get(last.id) as {
                  v: number
                }
              ).v
            : Date.parse(last.addedAt)
      nextCursor = encodeCursor(sort, raw, last.id)
    }
    return { assets: rows, total, nextCursor }
  }

  /** Where the playlog airs the asset next, from `from` on. */
  scheduled(
    id: number,
    from: number,
    limit = 20
  ): Array<{ channelUuid: string; channelName: string; startMs: number }> {
    return this.stmt(
      `SELECT c.uuid AS channelUuid, c.name AS channelName, e.start_ms AS startMs FROM playlog_events e
       JOIN channels c ON c.id = e.channel_id WHERE e.asset_id = ? AND e.end_ms > ? ORDER BY e.start_ms LIMIT ?`
    ).all(id, from, limit) as Array<{ channelUuid: string; channelName: string; startMs: number }>
  }

  /** The channels whose playlog airs any of these assets. */
  channelsAiring(assetIds: readonly number[]): number[] {
    const ids = new Set<number>()
    for (const id of assetIds)
      for (const r of this.stmt(
        `SELECT DISTINCT channel_id AS id FROM playlog_events WHERE asset_id = ?`
      ).all(id) as Array<{ id: number }>)
        ids.add(r.id)
    return [...ids]
  }

  /** Playlog items from `from` to `to` whose asset cannot air (offline, missing, unplayable...). */
  atRisk(
    from: number,
    to: number
  ): Array<{
    channelId: number
    channelUuid: string
    channelName: string
    startMs: number
    assetId: number
    path: string
    status: AssetStatus
    reason: string | null
  }> {
    return this.stmt(
      `SELECT e.channel_id AS channelId, c.uuid AS channelUuid, c.name AS channelName, e.start_ms AS startMs,
         a.id AS assetId, a.path, a.status, a.reason
       FROM assets a JOIN playlog_events e ON e.asset_id = a.id JOIN channels c ON c.id = e.channel_id
       WHERE a.status IN (${PROBLEMS_SQL}) AND e.start_ms < ? AND e.end_ms > ?
       ORDER BY e.start_ms`
    ).all(to, from) as Array<{
      channelId: number
      channelUuid: string
      channelName: string
      startMs: number
      assetId: number
      path: string
      status: AssetStatus
      reason: string | null
    }>
  }

  // ---- analysis ------------------------------------------------------------------------------

  analysis(assetId: number): AnalysisRow | undefined {
    return this.stmt(
      `SELECT asset_id AS assetId, integrated_lufs AS integratedLufs, range_lu AS rangeLu,
         true_peak_dbtp AS truePeakDbtp, head_black_ms AS headBlackMs, head_silence_ms AS headSilenceMs,
         tail_black_ms AS tailBlackMs, tail_silence_ms AS tailSilenceMs, poster_file AS posterFile,
         poster_w AS posterW, poster_h AS posterH, filmstrip_file AS filmstripFile, filmstrip_w AS filmstripW,
         filmstrip_h AS filmstripH, probe_detail_json AS probeDetailJson, error, analysed_at AS analysedAt
       FROM asset_analysis WHERE asset_id = ?`
    ).get(assetId) as AnalysisRow | undefined
  }

  putAnalysis(a: AnalysisRow): void {
    this.stmt(
      `INSERT OR REPLACE INTO asset_analysis (asset_id, integrated_lufs, range_lu, true_peak_dbtp, head_black_ms,
         head_silence_ms, tail_black_ms, tail_silence_ms, poster_file, poster_w, poster_h, filmstrip_file,
         filmstrip_w, filmstrip_h, probe_detail_json, error, analysed_at)
       VALUES (@assetId, @integratedLufs, @rangeLu, @truePeakDbtp, @headBlackMs, @headSilenceMs, @tailBlackMs,
         @tailSilenceMs, @posterFile, @posterW, @posterH, @filmstripFile, @filmstripW, @filmstripH,
         @probeDetailJson, @error, @analysedAt)`
    ).run(a)
  }
}

/** The analysis as the API shows it, trims worked out. */
export function analysisDto(a: AnalysisRow, durationMs: number | null): LibraryAnalysisDto {
  const trimInMs = Math.max(a.headBlackMs, a.headSilenceMs)
  const end = durationMs ?? 0
  const trimOutMs = Math.max(trimInMs, end - Math.min(a.tailBlackMs, a.tailSilenceMs))
  return {
    integratedLufs: a.integratedLufs,
    rangeLu: a.rangeLu,
    truePeakDbtp: a.truePeakDbtp,
    headBlackMs: a.headBlackMs,
    headSilenceMs: a.headSilenceMs,
    tailBlackMs: a.tailBlackMs,
    tailSilenceMs: a.tailSilenceMs,
    trimInMs,
    trimOutMs,
    analysedAt: new Date(a.analysedAt).toISOString(),
    error: a.error
  }
}
