// The media library: the folders the station knows, every media file in them (a row of assets),
// probed, analysed and watched. Below the facade like outputs/: it uses the store, media and the
// schedule's notifications, never server/ nor the playout engine (a producer still gets a plan of
// files). Its background work goes through one bounded queue (job-queue.ts).
import fs from 'node:fs'
import path from 'node:path'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { StationEvent } from '../shared/api'
import {
  type LibraryAssetDetailDto,
  type LibraryFolderDto,
  libraryFolderRequest,
  type LibraryFolderRequest,
  type LibraryImage,
  type LibraryImageDto,
  type LibraryJobDto,
  type LibraryPageDto,
  type LibraryProbeDto,
  librarySearchRequest,
  type LibrarySearchRequest
} from '../shared/library'
import { describeIssues } from '../shared/issues'
import { StationApiError } from '../shared/station-api'
import { formatInstant } from '../shared/time'
import type { FfmpegTools } from '../media/ffmpeg'
import { parseProbe, ProbeError, probeMedia } from '../media/probe'
import {
  analysisDto,
  assetListDto,
  type AuditActor,
  BadCursorError,
  type LibraryFolderRow,
  type Store
} from '../store'
import type { AnalyseOptions, AnalysisResult } from './analysis'
import { type JobProgress, LibraryJobQueue } from './job-queue'
import { probeDetailOf } from './analysis'
import {
  examineFile,
  markUnseen,
  plainProbeReason,
  reconcileFile,
  walkFolder,
  type FileFacts
} from './scanner'
import { FolderWatcher } from './watcher'
import { isMediaFile } from './naming'
import { PreAirCheck, type PreAirAlarms } from './pre-air'

export { MEDIA_EXTENSIONS, isMediaFile, parseMediaName } from './naming'
export { parseNfo } from './nfo'
export type { PreAirAlarms } from './pre-air'

/** What the analysis of one file gives. */
export type AnalysedMedia = AnalysisResult

/** One file's analysis (analysis.ts's analyseMedia, bound to the station's tools and processes). */
export type AnalyseFn = (
  file: string,
  opts: AnalyseOptions & { signal: AbortSignal }
) => Promise<AnalysedMedia>

export interface LibraryLog {
  info(details: Record<string, unknown>, message: string): void
  warn(details: Record<string, unknown>, message: string): void
}

export interface MediaLibraryDeps {
  store: Store
  clock: MasterClock
  /** null: files are found and named, never probed (ffmpeg unavailable). */
  tools: FfmpegTools | null
  /** Where posters and filmstrips are written (`<data>/library`). */
  pictureDir: string
  log: LibraryLog
  /** True while any channel is on air (the queue then runs one item at a time). */
  onAir: () => boolean
  /** The analysis of one file (loudness, trims, pictures); absent: files are probed, not analysed. */
  analyse?: AnalyseFn
  /** A file's loudness was stored in asset_loudness (the schedule re-plans the channels airing it). */
  loudnessMeasured?: (path: string) => void
  /** What the library knows of assets changed (names, files): listings are built again. */
  listingsChanged?: () => void
  /** Assets' files moved or changed (ids): channels airing them plan again with the new paths. */
  assetsMoved?: (assetIds: number[]) => void
  /** The station's alarm board, for the pre-air check. */
  alarms?: PreAirAlarms
  /** How often watched folders' roots are checked for existence (default 1 s). */
  rootCheckMs?: number
  /** The pre-air check's period (default 5 min); it also runs on every library or schedule change. */
  preAirCheckMs?: number
  /** Debounce of watch events (default 300 ms). */
  watchDebounceMs?: number
}

/** At most this often a `library` event (about 4 a second). */
export const LIBRARY_EVENT_INTERVAL_MS = 250
/** Files reconciled per store transaction during a scan. */
const SCAN_BATCH = 200

type LibraryEvent = Extract<StationEvent, { type: 'library' }>
type Listener = (e: LibraryEvent) => void

const notFound = (what: string) => new StationApiError('not_found', what)
const invalid = (message: string) => new StationApiError('invalid_parameter', message)

function folderDto(f: LibraryFolderRow): LibraryFolderDto {
  return {
    id: f.id,
    path: f.path,
    state: f.state,
    assets: f.assets,
    problems: f.problems,
    lastScanAt: f.lastScanAt === null ? null : formatInstant(f.lastScanAt)
  }
}

export class MediaLibrary {
  readonly queue: LibraryJobQueue
  private readonly watchers = new Map<string, FolderWatcher>()
  private readonly listeners = new Set<Listener>()
  private emitTimer: TimerHandle | null = null
  private lastEmit = -Infinity
  private rootTimer: TimerHandle | null = null
  private readonly preAir: PreAirCheck | null
  private started = false
  private closed = false

  constructor(private readonly d: MediaLibraryDeps) {
    this.queue = new LibraryJobQueue({
      clock: d.clock,
      onAir: d.onAir,
      onChange: () => this.changed(),
      log: d.log
    })
    this.preAir = d.alarms
      ? new PreAirCheck(d.store, d.clock, d.alarms, d.preAirCheckMs ?? 5 * 60_000)
      : null
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Watches every folder and resumes what the store says is unfinished: scans, probes, analyses. */
  start(): void {
    if (this.started || this.closed) return
    this.started = true
    for (const f of this.d.store.library.folders()) this.openFolder(f.id, f.path)
    const pending = this.d.store.library.pending().filter((p) => p.folderId !== null)
    if (pending.length > 0)
      this.queueProbes(
        null,
        pending.map((p) => p.id)
      )
    const unanalysed = this.d.store.library.unanalysed()
    if (unanalysed.length > 0)
      this.queueAnalyses(
        null,
        unanalysed.map((p) => p.id)
      )
    this.rootTimer = this.d.clock.every(this.d.rootCheckMs ?? 1000, () => this.checkRoots())
    this.preAir?.start()
  }

  /** Stops watching and ends every job (their ffmpeg killed through their signals). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.rootTimer?.cancel()
    this.emitTimer?.cancel()
    this.preAir?.stop()
    const watchers = [...this.watchers.values()]
    this.watchers.clear()
    await Promise.all(watchers.map((w) => w.close()))
    await this.queue.close()
  }

  /** Folders added behind the library's back (a station-file import): watched and scanned. */
  sync(): void {
    if (!this.started || this.closed) return
    for (const f of this.d.store.library.folders())
      if (!this.watchers.has(f.id) && f.state !== 'offline') this.openFolder(f.id, f.path)
    this.changed()
  }

  /** The schedule changed: items may now air files that cannot (the pre-air check runs again). */
  scheduleChanged(): void {
    this.preAir?.check()
  }

  /** Resolves when no job is queued or running (tests, benches). */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  // ---- events --------------------------------------------------------------------------------

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    // The library's state now, when it has any (a station without folders sends nothing extra).
    if (this.d.store.library.folders().length > 0) listener(this.event())
    return () => this.listeners.delete(listener)
  }

  private event(): LibraryEvent {
    return {
      type: 'library',
      stationTime: formatInstant(this.d.clock.now()),
      folders: this.folders(),
      jobs: this.queue.list()
    }
  }

  /** Folders or jobs changed: one event now, or at the end of the interval (throttled). */
  private changed(): void {
    if (this.closed) return
    this.preAir?.soon()
    if (this.listeners.size === 0 || this.emitTimer) return
    const wait = this.lastEmit + LIBRARY_EVENT_INTERVAL_MS - this.d.clock.now()
    const emit = () => {
      this.emitTimer = null
      this.lastEmit = this.d.clock.now()
      const e = this.event()
      for (const l of [...this.listeners]) l(e)
    }
    if (wait <= 0) emit()
    else this.emitTimer = this.d.clock.after(wait, emit)
  }

  // ---- folders -------------------------------------------------------------------------------

  folders(): LibraryFolderDto[] {
    return this.d.store.library.folders().map(folderDto)
  }

  private folderOf(id: string): LibraryFolderRow {
    const f = this.d.store.library.folder(id)
    if (!f) throw notFound(`no library folder ${JSON.stringify(id)}`)
    return f
  }

  /** Adds a folder (audited), watches it and scans it in the background. */
  addFolder(request: LibraryFolderRequest, actor: AuditActor): LibraryFolderDto {
    const r = libraryFolderRequest.safeParse(request)
    if (!r.success) throw invalid(describeIssues('request', r.error))
    const { id } = r.data
    if (!path.isAbsolute(r.data.path))
      throw invalid(`request.path: must be an absolute path (got ${JSON.stringify(r.data.path)})`)
    const root = path.resolve(r.data.path)
    this.checkFolderPath(id, root)
    const now = this.d.clock.now()
    this.d.store.transaction(() => {
      this.d.store.library.addFolder(id, root, now)
      this.d.store.audit.append(now, actor, 'library-folder-added', { id, path: root })
    })
    this.d.log.info({ folder: id, path: root }, 'library folder added')
    if (this.started) this.openFolder(id, root)
    this.changed()
    return folderDto(this.folderOf(id))
  }

  /** Refuses a folder that is already known, not a folder, or inside (or around) another one. */
  checkFolderPath(id: string, root: string): void {
    const folders = this.d.store.library.folders()
    if (folders.some((f) => f.id === id))
      throw new StationApiError(
        'duplicate_folder',
        `request.id: a library folder ${JSON.stringify(id)} exists`
      )
    let st: fs.Stats
    try {
      st = fs.statSync(root)
    } catch {
      throw invalid(`request.path: ${root} does not exist on the station's machine`)
    }
    if (!st.isDirectory()) throw invalid(`request.path: ${root} is not a folder`)
    if (path.dirname(root) === root)
      throw invalid(`request.path: ${root} is the root of the file system; choose a media folder`)
    for (const f of folders) {
      const within = (a: string, b: string) => a === b || a.startsWith(b + path.sep)
      if (within(root, f.path) || within(f.path, root))
        throw invalid(
          `request.path: ${root} overlaps the library folder ${JSON.stringify(f.id)} (${f.path})`
        )
    }
  }

  /** Forgets a folder (audited): its assets the playlog airs stay (offline), the rest go. */
  async removeFolder(id: string, actor: AuditActor): Promise<void> {
    const f = this.folderOf(id)
    await this.watchers.get(id)?.close()
    this.watchers.delete(id)
    for (const j of this.queue.list())
      if (j.folderId === id && (j.state === 'queued' || j.state === 'running'))
        this.queue.cancel(j.id)
    const now = this.d.clock.now()
    const { removedIds, ...result } = this.d.store.transaction(() => {
      const r = this.d.store.library.removeFolder(id)
      this.d.store.audit.append(now, actor, 'library-folder-removed', {
        id,
        path: f.path,
        kept: r.kept,
        removed: r.removed
      })
      return r
    })
    // The forgotten assets' pictures go with them.
    for (const assetId of removedIds)
      fs.rmSync(path.join(this.d.pictureDir, String(assetId)), { recursive: true, force: true })
    this.d.log.info({ folder: id, ...result }, 'library folder removed')
    this.changed()
  }

  /** Scans a folder again now (audited); only changed files are probed. */
  rescan(id: string, actor: AuditActor): LibraryJobDto {
    const f = this.folderOf(id)
    this.d.store.audit.append(this.d.clock.now(), actor, 'library-folder-rescan', { id })
    return this.queueScan(f.id)
  }

  private openFolder(id: string, root: string): void {
    if (this.closed || this.watchers.has(id)) return
    if (!isDir(root)) {
      this.folderOffline(id, root)
      return
    }
    const w = new FolderWatcher({
      root,
      clock: this.d.clock,
      debounceMs: this.d.watchDebounceMs ?? 300,
      onPaths: (paths) => this.touched(id, root, paths),
      onRootGone: () => this.checkRoots(),
      onError: (err) => this.d.log.warn({ folder: id, err }, 'library watcher error')
    })
    this.watchers.set(id, w)
    this.queueScan(id)
  }

  private folderOffline(id: string, root: string): void {
    const f = this.d.store.library.folder(id)
    if (!f || f.state === 'offline') return
    this.d.store.transaction(() => {
      this.d.store.library.setFolderState(id, 'offline')
      this.d.store.library.setFolderStatus(
        id,
        'offline',
        `its library folder ${root} is not there (unmounted, disconnected or renamed)`
      )
    })
    this.d.log.warn({ folder: id, path: root }, 'library folder offline: its assets are offline')
    this.changed()
    this.preAir?.check()
  }

  /** The small existence check of each folder's root (a watcher cannot see its own root vanish). */
  private checkRoots(): void {
    if (this.closed) return
    for (const f of this.d.store.library.folderRoots()) {
      const there = isDir(f.path)
      if (!there && f.state !== 'offline') {
        const w = this.watchers.get(f.id)
        this.watchers.delete(f.id)
        void w?.close()
        for (const j of this.queue.list())
          if (j.folderId === f.id && (j.state === 'queued' || j.state === 'running'))
            this.queue.cancel(j.id)
        this.folderOffline(f.id, f.path)
      } else if (there && f.state === 'offline') {
        this.d.log.info({ folder: f.id }, 'library folder back: rescanning')
        this.d.store.library.setFolderState(f.id, 'idle')
        this.openFolder(f.id, f.path)
        this.changed()
      }
    }
  }

  // ---- scanning and probing --------------------------------------------------------------------

  private queueScan(folderId: string): LibraryJobDto {
    return this.queue.add({
      kind: 'scan',
      folderId,
      items: [folderId],
      label: () => this.d.store.library.folder(folderId)?.path ?? folderId,
      work: (id, signal, progress) => this.scan(id, signal, progress)
    })
  }

  /** A full pass over a folder: new, changed and moved files found, vanished ones missing. */
  async scan(folderId: string, signal?: AbortSignal, progress?: JobProgress): Promise<void> {
    const f = this.d.store.library.folder(folderId)
    if (!f || f.state === 'offline') return
    const started = this.d.clock.now()
    this.d.store.library.setFolderState(folderId, 'scanning')
    this.changed()
    const files = await walkFolder(
      f.path,
      (dir, err) => this.d.log.warn({ folder: folderId, dir, err: err.message }, 'cannot list'),
      signal
    ).catch((err: unknown) => {
      this.d.store.library.setFolderState(folderId, 'idle')
      throw err
    })
    const seen = new Set<string>()
    const probe: number[] = []
    const moved: number[] = []
    let learned = false
    let batch: FileFacts[] = []
    const flush = () => {
      const now = this.d.clock.now()
      if (this.d.store.library.folderState(folderId) === undefined) {
        batch = []
        return
      }
      this.d.store.transaction(() => {
        for (const facts of batch) {
          const r = reconcileFile(this.d.store, folderId, f.path, facts, now)
          if (r.probe) probe.push(r.id)
          if (r.action !== 'unchanged') learned = true
          if (r.action === 'moved' || r.action === 'changed') moved.push(r.id)
        }
      })
      batch = []
    }
    const stored = new Map(this.d.store.library.filesOf(folderId).map((k) => [k.path, k]))
    // Progress in files: the walk found them all, each is examined (stat, fingerprint if new).
    let examined = 0
    progress?.(0, files.length)
    for (const file of files) {
      if (signal?.aborted) break
      if (examined++ % 100 === 0) progress?.(examined - 1, files.length, file)
      const facts = await examineFile(f.path, file, stored.get(file))
      if (!facts) continue
      seen.add(file)
      batch.push(facts)
      if (batch.length >= SCAN_BATCH) flush()
    }
    flush()
    progress?.(examined, files.length)
    if (signal?.aborted || this.d.store.library.folderState(folderId) === undefined) {
      this.d.store.library.setFolderState(folderId, 'idle')
      this.changed()
      return
    }
    this.d.store.transaction(() => {
      markUnseen(this.d.store, folderId, seen)
      this.d.store.library.setFolderScanned(folderId, this.d.clock.now())
    })
    this.d.log.info(
      {
        folder: folderId,
        files: files.length,
        toProbe: probe.length,
        ms: this.d.clock.now() - started
      },
      'library folder scanned'
    )
    if (probe.length > 0) this.queueProbes(folderId, probe)
    this.learned(learned, moved)
    this.changed()
  }

  /** Tells the schedule what the library learned: new listings, and files that moved. */
  private learned(any: boolean, moved: number[]): void {
    if (moved.length > 0) this.d.assetsMoved?.(moved)
    if (any || moved.length > 0) this.d.listingsChanged?.()
  }

  /** Watched paths changed (debounced): each looked at again, no full scan. */
  private async touched(folderId: string, root: string, paths: string[]): Promise<void> {
    if (this.closed) return
    const probe: number[] = []
    const known = this.d.store.library.filesOf(folderId)
    // A folder removed or renamed inside: every file below it is looked at.
    const expanded = new Set<string>()
    for (const p of paths) {
      expanded.add(p)
      for (const k of known) if (k.path.startsWith(p + path.sep)) expanded.add(k.path)
      if (isDir(p)) for (const f of await walkFolder(p).catch(() => [])) expanded.add(f)
    }
    const facts: Array<{ p: string; f: FileFacts | undefined }> = []
    for (const p of expanded) {
      if (path.basename(p).startsWith('.') || isDir(p)) continue
      facts.push({ p, f: await examineFile(root, p) })
    }
    // Removed or gone offline meanwhile: nothing of it is written.
    const state = this.d.store.library.folderState(folderId)
    if (this.closed || state === undefined || state === 'offline') return
    const now = this.d.clock.now()
    const moved: number[] = []
    let learned = false
    this.d.store.transaction(() => {
      // Present files first, so a rename's new name takes its old row over before it is missing.
      for (const { f } of facts) {
        if (!f || !isMediaFile(f.path)) continue
        const r = reconcileFile(this.d.store, folderId, root, f, now)
        if (r.probe) probe.push(r.id)
        if (r.action !== 'unchanged') learned = true
        if (r.action === 'moved' || r.action === 'changed') moved.push(r.id)
      }
      for (const { p, f } of facts) {
        if (f) continue
        const row = this.d.store.library.fileAt(p)
        if (row && row.folderId === folderId && row.status !== 'missing')
          this.d.store.library.setStatus(row.id, 'missing', 'the file is no longer in its folder')
      }
    })
    if (probe.length > 0) this.queueProbes(folderId, probe)
    this.learned(learned, moved)
    this.changed()
  }

  private queueProbes(folderId: string | null, ids: number[]): void {
    if (!this.d.tools || this.closed) return
    this.queue.add({
      kind: 'probe',
      folderId,
      items: ids,
      label: (id) => this.d.store.library.asset(id)?.relPath ?? String(id),
      work: (id, signal) => this.probe(id, signal)
    })
  }

  /** Probes one pending file: ok with its media, or why it cannot air. */
  async probe(id: number, signal?: AbortSignal): Promise<void> {
    const tools = this.d.tools
    const a = this.d.store.library.asset(id)
    if (!tools || !a || a.status !== 'pending') return
    try {
      const p = await probeMedia(tools, a.path, signal ? { signal } : {})
      if (this.closed) return
      // The file changed between scan and probe: the next watch event or scan sees it again.
      this.d.store.library.setProbed(id, {
        durationMs: p.durationMs,
        hasVideo: p.video !== null,
        hasAudio: p.audio !== null,
        width: p.video?.width ?? null,
        height: p.video?.height ?? null,
        frameRate: p.video?.frameRate ?? null,
        audioChannels: p.audio?.channels ?? null,
        probeJson: p.raw,
        probedAt: this.d.clock.now()
      })
      this.queueAnalyses(a.folderId, [id])
    } catch (err) {
      if (this.closed || signal?.aborted) return
      if (!(err instanceof ProbeError)) throw err
      const status =
        err.reason === 'missing'
          ? 'missing'
          : err.reason === 'unreadable'
            ? 'unreadable'
            : 'unplayable'
      this.d.store.library.setStatus(id, status, plainProbeReason(err.message, a.path))
    }
    this.changed()
  }

  private queueAnalyses(folderId: string | null, ids: number[]): void {
    if (!this.d.analyse || !this.d.tools || this.closed) return
    this.queue.add({
      kind: 'analyse',
      folderId,
      items: ids,
      label: (id) => this.d.store.library.asset(id)?.relPath ?? String(id),
      work: (id, signal) => this.analyseOne(id, signal)
    })
  }

  /** Analyses one probed file: asset_analysis, and its loudness into asset_loudness for playout. */
  private async analyseOne(id: number, signal: AbortSignal): Promise<void> {
    const analyse = this.d.analyse
    const a = this.d.store.library.asset(id)
    if (!analyse || !a || a.status !== 'ok' || a.durationMs === null) return
    if (this.d.store.library.analysis(id)) return
    const probe = parseProbe(a.probeJson, a.sizeBytes, a.mtimeMs)
    const outDir = path.join(this.d.pictureDir, String(id))
    let result: AnalysedMedia | null = null
    let error: string | null = null
    try {
      result = await analyse(a.path, {
        durationMs: a.durationMs,
        hasVideo: probe?.video != null,
        hasAudio: probe?.audio != null,
        outDir,
        signal
      })
    } catch (err) {
      if (signal.aborted || this.closed) return
      error = (err as Error).message
    }
    if (this.closed) return
    const now = this.d.clock.now()
    const current = this.d.store.library.asset(id)
    // Measured a file that has since changed: it is probed and analysed again.
    if (!current || current.sizeBytes !== a.sizeBytes || current.mtimeMs !== a.mtimeMs) return
    this.d.store.transaction(() => {
      this.d.store.library.putAnalysis({
        assetId: id,
        integratedLufs: result?.integratedLufs ?? null,
        rangeLu: result?.rangeLu ?? null,
        truePeakDbtp: result?.truePeakDbtp ?? null,
        headBlackMs: result?.headBlackMs ?? 0,
        headSilenceMs: result?.headSilenceMs ?? 0,
        tailBlackMs: result?.tailBlackMs ?? 0,
        tailSilenceMs: result?.tailSilenceMs ?? 0,
        posterFile: result?.poster?.file ?? null,
        posterW: result?.poster?.width ?? null,
        posterH: result?.poster?.height ?? null,
        filmstripFile: result?.filmstrip?.file ?? null,
        filmstripW: result?.filmstrip?.width ?? null,
        filmstripH: result?.filmstrip?.height ?? null,
        probeDetailJson: null,
        error,
        analysedAt: now
      })
      if (probe?.audio)
        this.d.store.loudness.put({
          path: a.path,
          sizeBytes: a.sizeBytes,
          mtimeMs: a.mtimeMs,
          integratedLufs: result?.integratedLufs ?? null,
          truePeakDbtp: result?.truePeakDbtp ?? null,
          rangeLu: result?.rangeLu ?? null,
          error,
          measuredAt: now
        })
    })
    if (probe?.audio) this.d.loudnessMeasured?.(a.path)
    this.changed()
  }

  // ---- reading -------------------------------------------------------------------------------

  search(query: LibrarySearchRequest = {}): LibraryPageDto {
    const r = librarySearchRequest.safeParse(query)
    if (!r.success) throw invalid(describeIssues('query', r.error))
    try {
      const page = this.d.store.library.search(r.data)
      return {
        assets: page.assets.map(assetListDto),
        total: page.total,
        nextCursor: page.nextCursor
      }
    } catch (err) {
      if (err instanceof BadCursorError) throw invalid(`query.cursor: ${err.message}`)
      throw err
    }
  }

  asset(id: number): LibraryAssetDetailDto {
    const a = this.d.store.library.asset(id)
    if (!a) throw notFound(`no library asset ${id}`)
    const analysis = this.d.store.library.analysis(id)
    return {
      ...assetListDto(a),
      plot: a.plot,
      episodeTitle: a.episodeTitle,
      fingerprint: a.fingerprint,
      mtimeMs: a.mtimeMs,
      probe: a.durationMs === null ? null : probeDtoOf(a.probeJson),
      analysis: analysis ? analysisDto(analysis, a.durationMs) : null,
      hasFilmstrip: analysis?.filmstripFile != null,
      scheduled: this.d.store.library.scheduled(id, this.d.clock.now()).map((s) => ({
        channelUuid: s.channelUuid,
        channelName: s.channelName,
        startsAt: formatInstant(s.startMs)
      }))
    }
  }

  /** A poster (the analysis's frame, else the sidecar) or the filmstrip, as a data URL. */
  image(id: number, which: LibraryImage): LibraryImageDto | null {
    const a = this.d.store.library.asset(id)
    if (!a) throw notFound(`no library asset ${id}`)
    const n = this.d.store.library.analysis(id)
    if (which === 'filmstrip') {
      if (!n?.filmstripFile) return null
      return readImage(n.filmstripFile, n.filmstripW, n.filmstripH)
    }
    if (n?.posterFile) {
      const img = readImage(n.posterFile, n.posterW, n.posterH)
      if (img) return img
    }
    return a.posterPath ? readImage(a.posterPath, null, null) : null
  }

  jobs(): LibraryJobDto[] {
    return this.queue.list()
  }

  cancelJob(id: string, actor: AuditActor): LibraryJobDto {
    const job = this.queue.cancel(id)
    this.d.store.audit.append(this.d.clock.now(), actor, 'library-job-cancelled', {
      id,
      kind: job.kind
    })
    return job
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** The picture file's bytes as a data URL, with its size (read from the JPEG/PNG when unknown). */
function readImage(
  file: string,
  width: number | null,
  height: number | null
): LibraryImageDto | null {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch {
    return null
  }
  const png = bytes
    .subarray(0, 8)
    .equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const size = width !== null && height !== null ? { width, height } : pictureSize(bytes, png)
  return {
    dataUrl: `data:image/${png ? 'png' : 'jpeg'};base64,${bytes.toString('base64')}`,
    width: size.width,
    height: size.height
  }
}

/** Width and height from a PNG's IHDR or a JPEG's SOF marker; 0×0 when unreadable. */
function pictureSize(b: Buffer, png: boolean): { width: number; height: number } {
  if (png && b.length >= 24) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) {
      i++
      continue
    }
    const marker = b[i + 1]!
    const len = b.readUInt16BE(i + 2)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) }
    i += 2 + len
  }
  return { width: 0, height: 0 }
}

/** ffprobe's JSON as the console shows it; null when it cannot be read. */
function probeDtoOf(raw: string): LibraryProbeDto | null {
  try {
    return probeDetailOf(raw)
  } catch {
    return null
  }
}
