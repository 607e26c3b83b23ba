// Pictures of the library's assets (posters for the list's rows), fetched only for rows that stay
// on screen (once the scrolling pauses), a few at a time, newest wanted first, and kept in a
// bounded cache. A row that scrolls away before
// its turn is never fetched; a picture fetched once is not fetched again while it stays cached.
import type { LibraryImage, LibraryImageDto } from '../../../shared/library'
import type { StationApi } from '../../../shared/station-api'

/** null: the station has no such picture (or could not give it): shown as none, not asked again. */
export type CachedImage = LibraryImageDto | null

export interface ImageCacheOptions {
  /** Pictures kept (least recently used go first). */
  capacity?: number
  /** Requests in flight at once. */
  concurrency?: number
  /**
   * How long a row must stay on screen before its picture is asked for (ms): a fast scroll past
   * thousands of rows asks for none of them. 0 asks at once.
   */
  settleMs?: number
}

export class ImageCache {
  private readonly cache = new Map<number, CachedImage>()
  private readonly inflight = new Set<number>()
  /** Ids waiting for a request, the most recently wanted last. */
  private queue: number[] = []
  private readonly listeners = new Map<number, Set<() => void>>()
  private readonly capacity: number
  private readonly concurrency: number
  private readonly settleMs: number
  private settle: ReturnType<typeof setTimeout> | null = null
  /** Requests made (for tests and the bench). */
  requests = 0

  constructor(
    private readonly api: Pick<StationApi, 'libraryAssetImage'>,
    private readonly image: LibraryImage,
    options: ImageCacheOptions = {}
  ) {
    this.capacity = options.capacity ?? 600
    this.concurrency = options.concurrency ?? 4
    this.settleMs = options.settleMs ?? 120
  }

  /** The cached picture; undefined while not fetched. */
  get(id: number): CachedImage | undefined {
    return this.cache.get(id)
  }

  /** A row on screen wants this picture: `onChange` is called when it arrives. Returns the release. */
  want(id: number, onChange: () => void): () => void {
    let set = this.listeners.get(id)
    if (!set) this.listeners.set(id, (set = new Set()))
    set.add(onChange)
    if (this.cache.has(id)) {
      // Touch: recently shown pictures are the last to go.
      const v = this.cache.get(id)!
      this.cache.delete(id)
      this.cache.set(id, v)
    } else if (!this.inflight.has(id)) {
      this.queue = this.queue.filter((q) => q !== id)
      this.queue.push(id)
      this.schedulePump()
    }
    return () => {
      set.delete(onChange)
      if (set.size === 0) {
        this.listeners.delete(id)
        // Scrolled away before its turn: not fetched.
        this.queue = this.queue.filter((q) => q !== id)
      }
    }
  }

  /** Forgets a picture (the asset changed): the next want fetches it again. */
  forget(id: number): void {
    this.cache.delete(id)
  }

  private schedulePump(): void {
    if (this.settleMs === 0) return this.pump()
    if (this.settle) clearTimeout(this.settle)
    this.settle = setTimeout(() => {
      this.settle = null
      this.pump()
    }, this.settleMs)
  }

  private pump(): void {
    while (this.inflight.size < this.concurrency && this.queue.length > 0) {
      const id = this.queue.pop()!
      if (this.cache.has(id) || !this.listeners.has(id)) continue
      this.inflight.add(id)
      this.requests++
      this.api.libraryAssetImage(id, this.image).then(
        (img) => this.arrive(id, img),
        () => this.arrive(id, null)
      )
    }
  }

  private arrive(id: number, img: CachedImage): void {
    this.inflight.delete(id)
    this.cache.set(id, img)
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value as number
      this.cache.delete(oldest)
    }
    for (const l of this.listeners.get(id) ?? []) l()
    this.pump()
  }
}
