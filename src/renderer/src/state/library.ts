// The console's picture of the media library: folders and jobs as the `library` event paints them,
// and the asset list the operator searches. The list is the station's search, a page at a time:
// - the filter is the operator's words; the search request is built from it (`searchRequest`);
// - typing is debounced; every search has a generation, and an answer for an older generation is
//   dropped, so only the latest query's results ever show (the calls cannot be aborted);
// - pages come in order (the cursor of one page asks for the next), only as far as the operator
//   scrolls (`want(index)`); the rows loaded are a prefix of the result, `total` its length;
// - while a new search runs the previous rows stay on screen (no flash of an empty list);
// - while the view is open the list follows a scan: the same search again, at most once a second.
//   Its rows replace the old ones page by page; rows further down stay as they were until their
//   page is read again, so an operator scrolled deep neither loses the place nor sees placeholders.
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { StationEvent } from '../../../shared/api'
import type {
  AssetKind,
  AssetStatus,
  LibraryAssetDto,
  LibraryFolderDto,
  LibraryJobDto,
  LibraryPageDto,
  LibrarySearchRequest
} from '../../../shared/library'
import type { StationApi } from '../../../shared/station-api'
import { monotonicNow } from './clock'
import { describeError } from './describe-error'
import { ImageCache } from './library-images'

export type LibraryEvent = Extract<StationEvent, { type: 'library' }>

/** The filter as the operator types it (durations in minutes, as text). */
export interface LibraryFilter {
  q: string
  kind: AssetKind | ''
  status: AssetStatus | ''
  folder: string
  show: string
  minMinutes: string
  maxMinutes: string
}

export const EMPTY_FILTER: LibraryFilter = {
  q: '',
  kind: '',
  status: '',
  folder: '',
  show: '',
  minMinutes: '',
  maxMinutes: ''
}

export interface AssetList {
  /** The search these rows answer (a refresh of the same search is a new generation too). */
  generation: number
  /** Changes only when the operator's search changes (the view goes back to the top then). */
  searchId: number
  /** The result's first rows, in order (a prefix: pages arrive in order). */
  rows: LibraryAssetDto[]
  /** How many match in all; null before the first answer. */
  total: number | null
  nextCursor: string | null
  /** A search or a page is on its way. */
  loading: boolean
  error: string | null
  /** How long the latest first page took to answer, ms. */
  tookMs: number | null
}

export interface LibraryState {
  /** Folders and jobs have been read once (from the API or an event). */
  loaded: boolean
  folders: LibraryFolderDto[]
  jobs: LibraryJobDto[]
  filter: LibraryFilter
  /** What is wrong with the filter as typed (the search waits until it is right). */
  filterProblem: string | null
  list: AssetList
  /** The asset whose detail is open. */
  selected: number | null
}

export const PAGE_SIZE = 200
export const DEBOUNCE_MS = 150
/** Ask for the next page when the operator is this close to the end of what is loaded. */
const PREFETCH_ROWS = 60
/** A running scan refreshes the list at most this often, so new files appear as they are found. */
const REFRESH_MS = 1000

/** The search request for a filter, or the problem with it in words. */
export function searchRequest(
  filter: LibraryFilter
): { request: LibrarySearchRequest; problem: null } | { request: null; problem: string } {
  const request: LibrarySearchRequest = {}
  const q = filter.q.trim()
  if (q) request.q = q
  if (filter.kind) request.kind = filter.kind
  if (filter.status) request.status = filter.status
  if (filter.folder) request.folder = filter.folder
  const show = filter.show.trim()
  if (show) request.show = show
  const minutes = (text: string, what: string): number | null | string => {
    const t = text.trim()
    if (!t) return null
    const n = Number(t)
    if (!Number.isFinite(n) || n < 0) return `${what} must be a number of minutes (0 or more)`
    return Math.round(n * 60_000)
  }
  const min = minutes(filter.minMinutes, 'Shortest')
  const max = minutes(filter.maxMinutes, 'Longest')
  if (typeof min === 'string') return { request: null, problem: min }
  if (typeof max === 'string') return { request: null, problem: max }
  if (min !== null && max !== null && min > max)
    return { request: null, problem: 'Shortest must not be longer than longest' }
  if (min !== null) request.minDurationMs = min
  if (max !== null) request.maxDurationMs = max
  return { request, problem: null }
}

/** Keeps the previous object for every item that did not change, so its row does not re-render. */
function keepSame<T extends { id: string }>(prev: T[], next: T[]): T[] {
  const byId = new Map(prev.map((x) => [x.id, x]))
  let changed = prev.length !== next.length
  const out = next.map((x, i) => {
    const old = byId.get(x.id)
    const kept = old && JSON.stringify(old) === JSON.stringify(x) ? old : x
    if (kept !== prev[i]) changed = true
    return kept
  })
  return changed ? out : prev
}

/** Folders and jobs after a `library` event (unchanged ones keep their objects). */
export function applyLibraryEvent(
  state: Pick<LibraryState, 'folders' | 'jobs'>,
  event: Pick<LibraryEvent, 'folders' | 'jobs'>
): Pick<LibraryState, 'folders' | 'jobs'> {
  return { folders: keepSame(state.folders, event.folders), jobs: keepSame(state.jobs, event.jobs) }
}

/** Jobs to show as progress bars: running first, then queued, then the last finished. */
export function jobsToShow(jobs: LibraryJobDto[], finishedKept = 5): LibraryJobDto[] {
  const rank = (j: LibraryJobDto) => (j.state === 'running' ? 0 : j.state === 'queued' ? 1 : 2)
  const open = jobs.filter((j) => rank(j) < 2).sort((a, b) => rank(a) - rank(b))
  const finished = jobs
    .filter((j) => rank(j) === 2)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, finishedKept)
  return [...open, ...finished]
}

/** What a change in the library means for the list: a signature that moves when assets do. */
function librarySignature(folders: LibraryFolderDto[], jobs: LibraryJobDto[]): string {
  const f = folders.map((x) => `${x.id}:${x.state}:${x.assets}:${x.problems}:${x.lastScanAt}`)
  const j = jobs.map((x) => `${x.id}:${x.state}:${x.done}`)
  return `${f.join(',')}|${j.join(',')}`
}

export interface LibraryModelOptions {
  pageSize?: number
  debounceMs?: number
  /** Monotonic ms, for the answer times shown. */
  now?: () => number
}

export class LibraryModel {
  readonly store: StoreApi<LibraryState>
  /** Poster frames for the list's rows, fetched only for rows on screen. */
  readonly posters: ImageCache
  private readonly pageSize: number
  private readonly debounceMs: number
  private readonly now: () => number
  private generation = 0
  /** The page request in flight for the current generation (one at a time: cursors chain). */
  private paging = false
  /** The furthest row the view has asked for in this generation. */
  private wanted = 0
  /** Rows of `list.rows` that answer the current generation (the rest are the last answer's). */
  private fresh = 0
  private searchId = 0
  private request: LibrarySearchRequest = {}
  private debounce: ReturnType<typeof setTimeout> | null = null
  private refreshTimer: ReturnType<typeof setTimeout> | null = null
  private lastRefreshAt = -Infinity
  private signature = ''
  /** Events seen: a folders/jobs read older than the latest event is not applied over it. */
  private events = 0
  /** The view is open: only then does the list follow the library's changes. */
  private active = false

  constructor(
    readonly api: StationApi,
    options: LibraryModelOptions = {}
  ) {
    this.pageSize = options.pageSize ?? PAGE_SIZE
    this.debounceMs = options.debounceMs ?? DEBOUNCE_MS
    this.now = options.now ?? monotonicNow
    this.posters = new ImageCache(api, 'poster')
    this.store = createStore<LibraryState>()(() => ({
      loaded: false,
      folders: [],
      jobs: [],
      filter: EMPTY_FILTER,
      filterProblem: null,
      list: {
        generation: 0,
        searchId: 0,
        rows: [],
        total: null,
        nextCursor: null,
        loading: false,
        error: null,
        tookMs: null
      },
      selected: null
    }))
  }

  get state(): LibraryState {
    return this.store.getState()
  }

  /** A `library` event from the station. */
  ingest(event: LibraryEvent): void {
    this.events++
    this.store.setState({ ...applyLibraryEvent(this.state, event), loaded: true })
    this.followChanges()
  }

  /** The view opened: read folders and jobs, and search with the current filter. */
  open(): void {
    this.active = true
    void this.reloadFolders()
    this.search()
  }

  /** The view closed: the list stops following changes (its rows stay for the next opening). */
  close(): void {
    this.active = false
    this.clearTimer('debounce')
    this.clearTimer('refresh')
  }

  /** Reads folders and jobs (an event that arrived meanwhile wins). */
  async reloadFolders(): Promise<void> {
    const before = this.events
    const [folders, jobs] = await Promise.all([
      this.api.libraryFolders(),
      this.api.libraryJobs()
    ]).catch(() => [null, null] as const)
    if (!folders || !jobs || this.events !== before) return
    this.store.setState({ ...applyLibraryEvent(this.state, { folders, jobs }), loaded: true })
    this.signature = librarySignature(folders, jobs)
  }

  /** The operator changed the filter: the search follows after a pause in typing (or at once). */
  setFilter(patch: Partial<LibraryFilter>, immediate = false): void {
    const filter = { ...this.state.filter, ...patch }
    this.store.setState({ filter })
    this.clearTimer('debounce')
    if (immediate) this.search()
    else this.debounce = setTimeout(() => this.search(), this.debounceMs)
  }

  /**
   * Runs the search for the current filter now (a new generation: older answers are dropped).
   * `refresh`: the same search again, to follow the library's changes (keeps the place).
   */
  search(refresh = false): void {
    this.clearTimer('debounce')
    const built = searchRequest(this.state.filter)
    if (built.problem !== null) {
      this.store.setState({ filterProblem: built.problem })
      return
    }
    this.store.setState({ filterProblem: null })
    const same = refresh && JSON.stringify(built.request) === JSON.stringify(this.request)
    this.request = built.request
    const generation = ++this.generation
    this.paging = false
    if (!same) {
      this.wanted = 0
      this.searchId++
    }
    const searchId = this.searchId
    this.lastRefreshAt = this.now()
    this.store.setState({ list: { ...this.state.list, loading: true } })
    const started = this.now()
    this.api.libraryAssets({ ...this.request, limit: this.pageSize }).then(
      (page) => {
        if (generation !== this.generation) return
        const old = this.state.list.rows
        this.fresh = page.assets.length
        this.store.setState({
          list: {
            generation,
            searchId,
            rows: same ? this.mergePage(old, 0, page) : page.assets,
            total: page.total,
            nextCursor: page.nextCursor,
            loading: false,
            error: null,
            tookMs: Math.round(this.now() - started)
          }
        })
        this.pageOn()
      },
      (err: unknown) => {
        if (generation !== this.generation) return
        this.store.setState({
          list: {
            ...this.state.list,
            generation,
            searchId,
            loading: false,
            error: describeError(err)
          }
        })
      }
    )
  }

  /** The view shows rows up to `index`: load pages until they are there. */
  want(index: number): void {
    if (index > this.wanted) this.wanted = index
    this.pageOn()
  }

  private pageOn(): void {
    const list = this.state.list
    if (this.paging || list.generation !== this.generation || list.nextCursor === null) return
    if (this.wanted < this.fresh - PREFETCH_ROWS) return
    const generation = this.generation
    this.paging = true
    this.store.setState({ list: { ...list, loading: true } })
    this.api.libraryAssets({ ...this.request, cursor: list.nextCursor, limit: this.pageSize }).then(
      (page) => {
        if (generation !== this.generation) return
        this.paging = false
        const cur = this.state.list
        const at = this.fresh
        this.fresh += page.assets.length
        this.store.setState({
          list: {
            ...cur,
            rows: this.mergePage(cur.rows, at, page),
            total: page.total,
            nextCursor: page.nextCursor,
            loading: false,
            error: null
          }
        })
        this.pageOn()
      },
      (err: unknown) => {
        if (generation !== this.generation) return
        this.paging = false
        this.store.setState({
          list: { ...this.state.list, loading: false, error: describeError(err) }
        })
      }
    )
  }

  /** The rows with a page read at `at` in place of what was there (the last answer's rows after it kept). */
  private mergePage(rows: LibraryAssetDto[], at: number, page: LibraryPageDto): LibraryAssetDto[] {
    const end = at + page.assets.length
    const tail = page.nextCursor === null ? [] : rows.slice(end, page.total)
    return rows.slice(0, at).concat(page.assets, tail)
  }

  select(id: number | null): void {
    if (this.state.selected !== id) this.store.setState({ selected: id })
  }

  // ---- commands: what the station answers is what the view shows ---------------------------

  async addFolder(id: string, path: string): Promise<LibraryFolderDto> {
    const folder = await this.api.addLibraryFolder({ id, path })
    this.store.setState({
      folders: [...this.state.folders.filter((f) => f.id !== folder.id), folder]
    })
    return folder
  }

  async removeFolder(id: string): Promise<void> {
    await this.api.removeLibraryFolder(id)
    this.store.setState({ folders: this.state.folders.filter((f) => f.id !== id) })
    if (this.state.filter.folder === id) this.setFilter({ folder: '' }, true)
    else this.search(true)
  }

  async rescan(id: string): Promise<LibraryJobDto> {
    const job = await this.api.rescanLibraryFolder(id)
    this.store.setState({ jobs: [...this.state.jobs.filter((j) => j.id !== job.id), job] })
    return job
  }

  async cancelJob(id: string): Promise<LibraryJobDto> {
    const job = await this.api.cancelLibraryJob(id)
    this.store.setState({ jobs: this.state.jobs.map((j) => (j.id === job.id ? job : j)) })
    return job
  }

  // ---- the list follows the library while the view is open ---------------------------------

  private followChanges(): void {
    const sig = librarySignature(this.state.folders, this.state.jobs)
    if (sig === this.signature) return
    this.signature = sig
    if (!this.active || this.refreshTimer) return
    const wait = Math.max(0, this.lastRefreshAt + REFRESH_MS - this.now())
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      if (this.active) this.search(true)
    }, wait)
  }

  private clearTimer(which: 'debounce' | 'refresh'): void {
    if (which === 'debounce' && this.debounce) {
      clearTimeout(this.debounce)
      this.debounce = null
    }
    if (which === 'refresh' && this.refreshTimer) {
      clearTimeout(this.refreshTimer)
      this.refreshTimer = null
    }
  }
}
