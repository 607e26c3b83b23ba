// One library folder watched with chokidar (inotify/FSEvents, not a poll of files): the paths an
// add, change, rename, move or delete touched are gathered for a short debounce and handed over
// together, so a rename (unlink + add) is reconciled as one move. chokidar cannot report its own
// root vanishing reliably: the library checks roots' existence itself (MediaLibrary.checkRoots).
import path from 'node:path'
import { type FSWatcher, watch } from 'chokidar'
import type { MasterClock, TimerHandle } from '../shared/clock'

export interface FolderWatcherOptions {
  root: string
  clock: MasterClock
  debounceMs: number
  /** The paths touched since the last call (files or folders, absolute). */
  onPaths: (paths: string[]) => Promise<void> | void
  /** The root itself was removed or renamed away. */
  onRootGone: () => void
  onError: (err: unknown) => void
}

export class FolderWatcher {
  private readonly watcher: FSWatcher
  private readonly touched = new Set<string>()
  private timer: TimerHandle | null = null
  /** The hand-over in progress: the next waits for it (no two reconcile the same files at once). */
  private running: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly o: FolderWatcherOptions) {
    const root = o.root
    this.watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      // Hidden names below the root (.DS_Store, .partial downloads, .Trash) are not the library's.
      ignored: (p: string) => {
        const rel = path.relative(root, p)
        return rel !== '' && rel.split(path.sep).some((part) => part.startsWith('.'))
      },
      // A file still being copied is looked at once its size holds still.
      awaitWriteFinish: { stabilityThreshold: 400, pollInterval: 100 }
    })
    const touch = (p: string) => this.touch(p)
    this.watcher
      .on('add', touch)
      .on('change', touch)
      .on('unlink', touch)
      .on('addDir', (p: string) => {
        if (p !== root) touch(p)
      })
      .on('unlinkDir', (p: string) => {
        if (p === root) o.onRootGone()
        else touch(p)
      })
      .on('error', (err: unknown) => o.onError(err))
  }

  private touch(p: string): void {
    if (this.closed) return
    this.touched.add(p)
    this.timer ??= this.o.clock.after(this.o.debounceMs, () => this.flush())
  }

  private flush(): void {
    this.timer = null
    if (this.closed || this.touched.size === 0) return
    const paths = [...this.touched]
    this.touched.clear()
    this.running = this.running
      .then(() => (this.closed ? undefined : this.o.onPaths(paths)))
      .catch((err: unknown) => this.o.onError(err))
  }

  async close(): Promise<void> {
    this.closed = true
    this.timer?.cancel()
    this.timer = null
    await this.watcher.close()
    await this.running
  }
}
