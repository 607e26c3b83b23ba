// The console's library state without a browser: folders and jobs from the `library` event (kept
// objects for unchanged ones), the filter as a search request (bad durations named, no search),
// debounced typing, only the latest query's answer shown, pages by cursor only as far as the view
// scrolls, the list following a scan while the view is open, and posters fetched only for rows on
// screen, a few at a time, cached.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StationEvent } from '../../src/shared/api'
import type {
  LibraryAssetDto,
  LibraryFolderDto,
  LibraryImageDto,
  LibraryJobDto,
  LibraryPageDto,
  LibrarySearchRequest
} from '../../src/shared/library'
import {
  STATION_API_METHODS,
  StationApiError,
  type StationApi,
  type StationEventListener
} from '../../src/shared/station-api'
import { ConsoleModel } from '../../src/renderer/src/state/model'
import {
  EMPTY_FILTER,
  jobsToShow,
  LibraryModel,
  searchRequest
} from '../../src/renderer/src/state/library'
import { ImageCache } from '../../src/renderer/src/state/library-images'
import { episodeCode, formatEta } from '../../src/renderer/src/components/library-text'

const T0 = '2026-12-07T03:00:00.000Z'

const folder = (id: string, patch: Partial<LibraryFolderDto> = {}): LibraryFolderDto => ({
  id,
  path: `/srv/media/${id}`,
  state: 'idle',
  assets: 0,
  problems: 0,
  lastScanAt: null,
  ...patch
})

const job = (id: string, patch: Partial<LibraryJobDto> = {}): LibraryJobDto => ({
  id,
  kind: 'scan',
  state: 'running',
  folderId: 'tv',
  done: 0,
  total: 10,
  currentFile: null,
  rate: 0,
  etaMs: null,
  startedAt: T0,
  finishedAt: null,
  error: null,
  ...patch
})

const asset = (id: number, patch: Partial<LibraryAssetDto> = {}): LibraryAssetDto => ({
  id,
  folderId: 'tv',
  path: `/srv/media/tv/a${id}.mp4`,
  relPath: `a${id}.mp4`,
  status: 'ok',
  reason: null,
  kind: 'other',
  title: `Asset ${id}`,
  show: null,
  season: null,
  episode: null,
  year: null,
  genres: [],
  durationMs: 60_000,
  sizeBytes: 1000,
  analysed: true,
  hasPoster: true,
  addedAt: T0,
  ...patch
})

const libraryEvent = (folders: LibraryFolderDto[], jobs: LibraryJobDto[]): StationEvent => ({
  type: 'library',
  stationTime: T0,
  folders,
  jobs
})

/** A StationApi whose every call is refused unless the test gives it (the library calls mostly). */
function fakeApi(
  overrides: Partial<StationApi> = {}
): StationApi & { push(e: StationEvent): void } {
  let listener: StationEventListener | null = null
  const nope = () => Promise.reject(new StationApiError('unsupported', 'not in this test'))
  const api = Object.fromEntries(STATION_API_METHODS.map((m) => [m, nope])) as unknown as StationApi
  return {
    ...api,
    subscribe: (l) => {
      listener = l
      return () => (listener = null)
    },
    push: (e) => listener?.(e),
    ...overrides
  }
}

/** A library of `n` assets searched in memory; every answer waits until the test releases it. */
function pagedLibrary(all: LibraryAssetDto[]) {
  const calls: Array<{
    query: LibrarySearchRequest
    answer: () => void
    fail: (e: Error) => void
  }> = []
  const libraryAssets = (query: LibrarySearchRequest = {}): Promise<LibraryPageDto> =>
    new Promise((resolve, reject) => {
      const q = query.q?.toLowerCase()
      const matching = all.filter(
        (a) =>
          (!q || a.title.toLowerCase().includes(q)) &&
          (!query.status || a.status === query.status) &&
          (query.minDurationMs == null || (a.durationMs ?? 0) >= Number(query.minDurationMs))
      )
      const from = query.cursor ? Number(query.cursor) : 0
      const limit = Number(query.limit ?? 100)
      const assets = matching.slice(from, from + limit)
      const next = from + limit < matching.length ? String(from + limit) : null
      calls.push({
        query,
        answer: () => resolve({ assets, total: matching.length, nextCursor: next }),
        fail: reject
      })
    })
  /** Answers every call so far (in order) and lets their continuations run. */
  const answerAll = async () => {
    for (const c of calls.splice(0)) c.answer()
    await flush()
  }
  return { libraryAssets, calls, answerAll }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('library filter → search request', () => {
  it('sends only what narrows the search, durations in ms', () => {
    expect(searchRequest(EMPTY_FILTER)).toEqual({ request: {}, problem: null })
    expect(
      searchRequest({
        ...EMPTY_FILTER,
        q: '  space ',
        kind: 'episode',
        status: 'unplayable',
        folder: 'tv',
        show: 'Space Patrol',
        minMinutes: '1.5',
        maxMinutes: '30'
      })
    ).toEqual({
      request: {
        q: 'space',
        kind: 'episode',
        status: 'unplayable',
        folder: 'tv',
        show: 'Space Patrol',
        minDurationMs: 90_000,
        maxDurationMs: 1_800_000
      },
      problem: null
    })
  })

  it('names a bad duration and does not search', () => {
    expect(searchRequest({ ...EMPTY_FILTER, minMinutes: 'ten' }).problem).toBe(
      'Shortest must be a number of minutes (0 or more)'
    )
    expect(searchRequest({ ...EMPTY_FILTER, maxMinutes: '-1' }).problem).toBe(
      'Longest must be a number of minutes (0 or more)'
    )
    expect(searchRequest({ ...EMPTY_FILTER, minMinutes: '20', maxMinutes: '10' }).problem).toBe(
      'Shortest must not be longer than longest'
    )
  })
})

describe('library folders and jobs', () => {
  it('takes folders and jobs from the library event, keeping unchanged objects', () => {
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    api.push(libraryEvent([folder('tv'), folder('movies')], [job('j1')]))
    const s1 = model.library.state
    expect(s1.loaded).toBe(true)
    expect(s1.folders.map((f) => f.id)).toEqual(['tv', 'movies'])
    // The library event is not the multiviewer's business.
    expect(model.state.live).toBe(false)

    api.push(libraryEvent([folder('tv'), folder('movies', { assets: 3 })], [job('j1')]))
    const s2 = model.library.state
    expect(s2.folders[0]).toBe(s1.folders[0])
    expect(s2.folders[1]!.assets).toBe(3)
    expect(s2.jobs).toBe(s1.jobs)
  })

  it('a folders read older than an event does not overwrite it', async () => {
    let answer: (f: LibraryFolderDto[]) => void = () => undefined
    const api = fakeApi({
      libraryFolders: () => new Promise((r) => (answer = r)),
      libraryJobs: async () => []
    })
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    const read = model.library.reloadFolders()
    api.push(libraryEvent([folder('tv', { assets: 5 })], []))
    answer([folder('tv', { assets: 1 })])
    await read
    expect(model.library.state.folders[0]!.assets).toBe(5)
  })

  it('shows running jobs first, then queued, then the last finished', () => {
    const shown = jobsToShow([
      job('done-old', { state: 'done', finishedAt: '2026-12-07T03:00:01Z' }),
      job('queued', { state: 'queued' }),
      job('done-new', { state: 'done', finishedAt: '2026-12-07T03:00:09Z' }),
      job('running')
    ])
    expect(shown.map((j) => j.id)).toEqual(['running', 'queued', 'done-new', 'done-old'])
  })

  it('add, rescan, cancel and remove show what the station answered; a refusal changes nothing', async () => {
    const api = fakeApi({
      addLibraryFolder: async (r) => {
        if (!r.path.startsWith('/'))
          throw new StationApiError('invalid_request', 'path: must be an absolute path')
        return folder(r.id, { path: r.path, state: 'scanning' })
      },
      rescanLibraryFolder: async (id) => job('scan-2', { folderId: id, state: 'queued' }),
      cancelLibraryJob: async (id) => job(id, { state: 'cancelled' }),
      removeLibraryFolder: async () => undefined,
      libraryAssets: async () => ({ assets: [], total: 0, nextCursor: null })
    })
    const lib = new LibraryModel(api)
    await expect(lib.addFolder('tv', 'media/tv')).rejects.toThrow('path: must be an absolute path')
    expect(lib.state.folders).toEqual([])
    await lib.addFolder('tv', '/srv/tv')
    expect(lib.state.folders).toEqual([folder('tv', { path: '/srv/tv', state: 'scanning' })])
    await lib.rescan('tv')
    expect(lib.state.jobs.map((j) => [j.id, j.state])).toEqual([['scan-2', 'queued']])
    await lib.cancelJob('scan-2')
    expect(lib.state.jobs[0]!.state).toBe('cancelled')
    await lib.removeFolder('tv')
    expect(lib.state.folders).toEqual([])
  })
})

describe('library asset list', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const all = Array.from({ length: 1000 }, (_, i) =>
    asset(i + 1, {
      title: i % 2 === 0 ? `Space Patrol ${i + 1}` : `News ${i + 1}`,
      status: i % 10 === 0 ? 'unplayable' : 'ok'
    })
  )

  it('debounces typing: one search for a burst of keys, 150 ms after the last', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    for (const q of ['s', 'sp', 'spa', 'spac']) {
      model.setFilter({ q })
      vi.advanceTimersByTime(100)
    }
    expect(lib.calls).toHaveLength(0)
    vi.advanceTimersByTime(50)
    expect(lib.calls.map((c) => c.query.q)).toEqual(['spac'])
    await lib.answerAll()
    expect(model.state.list.total).toBe(500)
    expect(model.state.list.rows).toHaveLength(200)
  })

  it('shows only the latest query: an older answer arriving last is dropped', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    model.setFilter({ q: 'news' }, true)
    model.setFilter({ q: 'space' }, true)
    expect(lib.calls).toHaveLength(2)
    const [older, newer] = lib.calls.splice(0)
    newer!.answer()
    await flush()
    expect(model.state.list.rows[0]!.title).toMatch(/^Space Patrol/)
    older!.answer()
    await flush()
    expect(model.state.list.rows[0]!.title).toMatch(/^Space Patrol/)
    expect(model.state.list.total).toBe(500)
    // While a new search runs, the previous rows stay on screen.
    model.setFilter({ status: 'unplayable' }, true)
    expect(model.state.list.loading).toBe(true)
    expect(model.state.list.rows[0]!.title).toMatch(/^Space Patrol/)
    await lib.answerAll()
    expect(model.state.list.rows.every((r) => r.status === 'unplayable')).toBe(true)
  })

  it('a bad duration is named and the list keeps its last answer', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    model.search()
    await lib.answerAll()
    model.setFilter({ minMinutes: 'abc' }, true)
    expect(lib.calls).toHaveLength(0)
    expect(model.state.filterProblem).toBe('Shortest must be a number of minutes (0 or more)')
    expect(model.state.list.total).toBe(1000)
    model.setFilter({ minMinutes: '2' }, true)
    expect(model.state.filterProblem).toBeNull()
    await lib.answerAll()
    expect(model.state.list.total).toBe(0)
  })

  it('loads pages by cursor only as far as the view scrolls, one at a time, in order', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    model.search()
    await lib.answerAll()
    expect(model.state.list.rows).toHaveLength(200)
    // The top of the list on screen: nothing more is fetched.
    model.want(20)
    expect(lib.calls).toHaveLength(0)
    // Near the end of what is loaded: the next page.
    model.want(150)
    expect(lib.calls.map((c) => c.query.cursor)).toEqual(['200'])
    model.want(160) // already on its way: not asked twice
    expect(lib.calls).toHaveLength(1)
    await lib.answerAll()
    expect(model.state.list.rows).toHaveLength(400)
    // A jump far down (the scrollbar dragged): pages follow one another until the rows are there.
    model.want(850)
    for (let i = 0; i < 10 && lib.calls.length > 0; i++) await lib.answerAll()
    expect(model.state.list.rows).toHaveLength(1000)
    expect(model.state.list.rows.map((r) => r.id)).toEqual(all.map((a) => a.id))
    expect(model.state.list.nextCursor).toBeNull()
    model.want(999)
    expect(lib.calls).toHaveLength(0)
  })

  it('a page answered after a new search began is dropped', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    model.search()
    await lib.answerAll()
    model.want(190)
    const page = lib.calls.splice(0)[0]!
    model.setFilter({ q: 'news' }, true)
    page.answer()
    await flush()
    expect(model.state.list.rows).toHaveLength(200)
    await lib.answerAll()
    expect(model.state.list.rows.every((r) => r.title.startsWith('News'))).toBe(true)
  })

  it('a refresh of the same search keeps the place: rows further down stay until their page is read again', async () => {
    const lib = pagedLibrary(all)
    const model = new LibraryModel(fakeApi({ libraryAssets: lib.libraryAssets }))
    model.search()
    await lib.answerAll()
    model.want(500)
    for (let i = 0; i < 5 && lib.calls.length > 0; i++) await lib.answerAll()
    expect(model.state.list.rows).toHaveLength(600)
    const searchId = model.state.list.searchId
    // The library changed (a scan found files): the first asset was renamed.
    all[0] = { ...all[0]!, title: 'Space Patrol renamed' }
    model.search(true)
    await lib.answerAll()
    // The first page is new; the rest are the last answer's until read again, nothing missing.
    expect(model.state.list.searchId).toBe(searchId)
    expect(model.state.list.rows).toHaveLength(600)
    expect(model.state.list.rows[0]!.title).toBe('Space Patrol renamed')
    // Still wanted down there: the pages are read again, in place.
    for (let i = 0; i < 5 && lib.calls.length > 0; i++) await lib.answerAll()
    expect(model.state.list.rows.map((r) => r.id)).toEqual(all.slice(0, 600).map((a) => a.id))
    // A new search is a new place: back to its first page.
    model.setFilter({ q: 'news' }, true)
    await lib.answerAll()
    expect(model.state.list.searchId).toBe(searchId + 1)
    expect(model.state.list.rows).toHaveLength(200)
    all[0] = { ...all[0]!, title: 'Space Patrol 1' }
  })

  it('a failed search says why, in the station words', async () => {
    const model = new LibraryModel(
      fakeApi({
        libraryAssets: () =>
          Promise.reject(
            new StationApiError('invalid_request', 'q: must be at most 200 characters')
          )
      })
    )
    model.search()
    await flush()
    expect(model.state.list.error).toBe('q: must be at most 200 characters [invalid_request]')
    expect(model.state.list.loading).toBe(false)
  })

  it('follows a scan while the view is open (at most once a second), not while it is closed', async () => {
    let found = 0
    const calls: LibrarySearchRequest[] = []
    const api = fakeApi({
      libraryFolders: async () => [],
      libraryJobs: async () => [],
      libraryAssets: async (q = {}) => {
        calls.push(q)
        const assets = all.slice(0, found)
        return { assets, total: found, nextCursor: null }
      }
    })
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    model.setView('library')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    for (let i = 1; i <= 8; i++) {
      found = i * 10
      api.push(libraryEvent([folder('tv', { state: 'scanning', assets: found })], [job('s')]))
      await vi.advanceTimersByTimeAsync(250)
    }
    await vi.advanceTimersByTimeAsync(1000)
    // Eight changes in two seconds: refreshed about twice a second at most, ending with the latest.
    expect(calls.length).toBeGreaterThanOrEqual(2)
    expect(calls.length).toBeLessThanOrEqual(4)
    expect(model.library.state.list.total).toBe(80)

    model.setView('multiviewer')
    const before = calls.length
    api.push(libraryEvent([folder('tv', { assets: 90 })], []))
    await vi.advanceTimersByTimeAsync(3000)
    expect(calls).toHaveLength(before)
    expect(model.library.state.folders[0]!.assets).toBe(90)
  })
})

describe('poster cache', () => {
  const image = (id: number): LibraryImageDto => ({
    dataUrl: `data:image/jpeg;base64,${id}`,
    width: 160,
    height: 90
  })

  it('fetches only rows still wanted, newest first, a few at a time, and never twice', async () => {
    const pending = new Map<number, () => void>()
    const asked: number[] = []
    const cache = new ImageCache(
      {
        libraryAssetImage: (id) => {
          asked.push(id)
          return new Promise((r) => pending.set(id, () => r(image(id))))
        }
      },
      'poster',
      { concurrency: 2, capacity: 3, settleMs: 0 }
    )
    const changed: number[] = []
    const releases = new Map<number, () => void>()
    for (const id of [1, 2, 3, 4, 5])
      releases.set(
        id,
        cache.want(id, () => changed.push(id))
      )
    // Two at a time: the first two wanted went at once (the queue was empty), the rest wait.
    expect(asked).toEqual([1, 2])
    // Rows 3 and 4 scroll away before their turn: never fetched.
    releases.get(3)!()
    releases.get(4)!()
    pending.get(1)!()
    await flush()
    expect(changed).toEqual([1])
    expect(cache.get(1)).toEqual(image(1))
    expect(asked).toEqual([1, 2, 5])
    pending.get(2)!()
    pending.get(5)!()
    await flush()
    expect(asked).toEqual([1, 2, 5])
    // Cached: wanting it again asks nothing.
    cache.want(1, () => undefined)
    expect(asked).toEqual([1, 2, 5])
    // Bounded: a fourth picture pushes out the least recently shown (2; 1 was just shown again).
    cache.want(6, () => undefined)
    pending.get(6)!()
    await flush()
    expect(cache.get(2)).toBeUndefined()
    expect(cache.get(1)).toEqual(image(1))
  })

  it('a picture the station cannot give is shown as none and not asked again', async () => {
    let asked = 0
    const cache = new ImageCache(
      {
        libraryAssetImage: () => {
          asked++
          return Promise.reject(new StationApiError('not_found', 'no asset 9'))
        }
      },
      'poster',
      { settleMs: 0 }
    )
    cache.want(9, () => undefined)
    await flush()
    expect(cache.get(9)).toBeNull()
    cache.want(9, () => undefined)
    expect(asked).toBe(1)
  })
})

describe('poster cache while scrolling', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('asks for nothing while rows fly past, then for the rows where the scroll stopped', async () => {
    const asked: number[] = []
    const cache = new ImageCache(
      {
        libraryAssetImage: async (id) => {
          asked.push(id)
          return null
        }
      },
      'poster',
      { settleMs: 120 }
    )
    // 100 frames of a fast scroll: each frame's rows mount and unmount 16 ms later.
    for (let frame = 0; frame < 100; frame++) {
      const releases = [1, 2, 3].map((k) => cache.want(frame * 10 + k, () => undefined))
      await vi.advanceTimersByTimeAsync(16)
      for (const r of releases) r()
    }
    for (const id of [5000, 5001, 5002]) cache.want(id, () => undefined)
    await vi.advanceTimersByTimeAsync(200)
    expect(asked.sort()).toEqual([5000, 5001, 5002])
  })
})

describe('library words', () => {
  it('episode codes and ETAs as a desk reads them', () => {
    expect(episodeCode({ season: 1, episode: 2 })).toBe('S01E02')
    expect(episodeCode({ season: null, episode: 12 })).toBe('E12')
    expect(episodeCode({ season: null, episode: null })).toBeNull()
    expect(formatEta(61_200)).toBe('ETA 01:02')
    expect(formatEta(null)).toBe('ETA unknown')
  })
})
