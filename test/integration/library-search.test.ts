// Library search at 20,000 assets (a real SQLite store, rows as wide as real probes): words,
// filters and keyset pages give the right total, and every page continues where the last one
// ended. How fast they answer is measured by `npm run bench -- library` (target < 50 ms).
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'

const N = 20_000
const PROBE_JSON = JSON.stringify({ streams: [], format: { tags: { comment: 'x'.repeat(3600) } } })
let store: Store
let cleanup: () => void

beforeAll(() => {
  const t = tempDir('retrovue-library-search-')
  cleanup = t.cleanup
  store = Store.open(path.join(t.dir, 'data'))
  store.library.addFolder('tv', '/media/tv', 0)
  store.transaction(() => {
    for (let i = 0; i < N; i++) {
      const show = `Show ${i % 200}`
      const episode = Math.floor(i / 200) + 1
      const rel = `${show}/Season 01/${show} - S01E${String(episode).padStart(3, '0')} - Episode ${i}.mkv`
      const id = store.library.addFile({
        folderId: 'tv',
        path: `/media/tv/${rel}`,
        relPath: rel,
        sizeBytes: 1000 + i,
        mtimeMs: i,
        fingerprint: `fp${i}`,
        status: i % 100 === 0 ? 'missing' : 'pending',
        reason: null,
        addedAt: i,
        kind: i % 10 === 0 ? 'movie' : 'episode',
        title: `Episode ${i}`,
        show,
        season: 1,
        episode,
        episodeTitle: `Episode ${i}`,
        year: 1990 + (i % 30),
        genres: ['Drama'],
        plot: null,
        posterPath: null
      })
      if (i % 100 !== 0)
        store.library.setProbed(id, {
          durationMs: 60_000 + (i % 3000) * 1000,
          hasVideo: true,
          hasAudio: true,
          width: 640,
          height: 360,
          frameRate: 25,
          audioChannels: 2,
          // As wide as a real ffprobe answer (about 3.6 KB): a search must not read it.
          probeJson: PROBE_JSON,
          probedAt: 1
        })
    }
  })
})
afterAll(() => {
  store.close()
  cleanup()
})

describe('library search at 20,000 assets', () => {
  it.each([
    [{}, N],
    [{ q: 'episode 19999' }, 1],
    // Show 17 and Show 170 to 179, a hundred episodes each.
    [{ q: 'show 17' }, 1100],
    [{ show: 'show 42' }, 100],
    [{ kind: 'movie' as const }, N / 10],
    [{ status: 'missing' as const }, N / 100],
    [{ minDurationMs: 3_000_000, maxDurationMs: 3_060_000 }, undefined],
    [{ folder: 'tv', sort: 'duration' as const }, N],
    [{ sort: 'added' as const, q: 'S01E05' }, undefined]
  ])('%j: the right total and a first page', (query, total) => {
    const value = store.library.search({ ...query, limit: 100 })
    if (total !== undefined) expect(value.total).toBe(total)
    expect(value.assets.length).toBe(Math.min(100, value.total))
  })

  it('pages with a cursor in order, every asset once, deep pages too', () => {
    for (const sort of ['title', 'duration', 'added'] as const) {
      const seen = new Set<number>()
      let cursor: string | undefined
      let pages = 0
      do {
        const value = store.library.search({
          q: 'show 1',
          sort,
          limit: 500,
          ...(cursor ? { cursor } : {})
        })
        for (const a of value.assets) {
          expect(seen.has(a.id)).toBe(false)
          seen.add(a.id)
        }
        cursor = value.nextCursor ?? undefined
        pages++
      } while (cursor)
      // "show 1" matches Show 1, Show 10-19 and Show 100-199: 111 shows of 100 episodes.
      expect(seen.size).toBe(11_100)
      expect(pages).toBe(Math.ceil(11_100 / 500))
    }
  })
})
