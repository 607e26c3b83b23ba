// The library's background work (folder scans, file probes, file analyses) through ONE bounded
// queue. A job is a batch of items of one kind for one folder; jobs and their items share the
// queue's slots: one while any channel is on air (so an analysis ffmpeg never competes with
// playout for more than one core), `idleSlots` otherwise (a big first probe of a folder uses them
// all while nothing airs). Scans go before probes,
// probes before analyses, so what the console lists is found and probed before it is analysed.
import { randomUUID } from 'node:crypto'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { LibraryJobDto, LibraryJobKind } from '../shared/library'
import { StationApiError } from '../shared/station-api'

/** Lower runs first: a conform (minutes of encoding per file, made ahead) goes last. */
const KIND_PRIORITY: Record<LibraryJobKind, number> = { scan: 0, probe: 1, analyse: 2, conform: 3 }
/** Finished jobs kept for list(). */
const FINISHED_KEPT = 20
/** The window of the rate (items a second). */
const RATE_WINDOW_MS = 10_000
/** At most one onChange in this much station time, except at a state change. */
const CHANGE_INTERVAL_MS = 250

export interface JobQueueLog {
  warn(details: Record<string, unknown>, message: string): void
  info?(details: Record<string, unknown>, message: string): void
}

export interface LibraryJobQueueOptions {
  clock: MasterClock
  /** True while any channel has a producer on air: the queue then runs one item at a time. */
  onAir: () => boolean
  /** Items run at once while nothing is on air (default 2). */
  idleSlots?: number
  onChange?: (jobs: LibraryJobDto[]) => void
  log?: JobQueueLog
}

export interface LibraryJobSpec<T> {
  kind: LibraryJobKind
  folderId: string | null
  items: readonly T[]
  /** What the console shows as the current file. */
  label: (item: T) => string
  /**
   * One item's work; it should end soon after `signal` aborts (a cancelled job). A job of one big
   * item (a folder's scan) tells its progress in files through `progress`: the job then counts
   * those files, not its items.
   */
  work: (item: T, signal: AbortSignal, progress: JobProgress) => Promise<void>
}

/** Files done and in all within one item, and the file in hand. */
export type JobProgress = (done: number, total: number, currentFile?: string) => void

interface Job {
  readonly seq: number
  readonly dto: LibraryJobDto
  /** Items not started yet, each with the work that runs it (absorbed specs keep their own). */
  readonly pending: Array<
    () => { label: string; run: (signal: AbortSignal, progress: JobProgress) => Promise<void> }
  >
  readonly controller: AbortController
  /** Items under way. */
  running: number
  failed: number
  lastFailure: string | null
  /** Counts files told by its work's progress rather than items. */
  countsFiles: boolean
  /** Station times of the items finished, within the rate window. */
  finishedAt: number[]
  startedAtMs: number | null
  /** Told once it is done or cancelled (ended()). */
  waiters: Array<(job: LibraryJobDto) => void>
}

export class LibraryJobQueue {
  private readonly jobs: Job[] = []
  private finished: Job[] = []
  private readonly byId = new Map<string, Job>()
  private seq = 0
  private active = 0
  private closed = false
  private idleWaiters: Array<() => void> = []
  private lastEmit = -Infinity
  private emitTimer: TimerHandle | null = null
  private readonly idleSlots: number

  constructor(private readonly opts: LibraryJobQueueOptions) {
    this.idleSlots = Math.max(1, Math.floor(opts.idleSlots ?? 2))
  }

  /**
   * Queues a batch job, or adds the items to a still-queued job of the same kind and folder (no
   * duplicate jobs). Returns the job as it stands.
   */
  add<T>(spec: LibraryJobSpec<T>): LibraryJobDto {
    if (this.closed) throw new Error('the library job queue is closed (the station is stopping)')
    const thunks = spec.items.map((item) => () => ({
      label: spec.label(item),
      run: (signal: AbortSignal, progress: JobProgress) => spec.work(item, signal, progress)
    }))
    const absorbing = this.jobs.find(
      (j) =>
        j.dto.state === 'queued' && j.dto.kind === spec.kind && j.dto.folderId === spec.folderId
    )
    if (absorbing) {
      absorbing.pending.push(...thunks)
      absorbing.dto.total += thunks.length
      this.changed(false)
      this.pump()
      return this.snapshot(absorbing)
    }
    const job: Job = {
      seq: this.seq++,
      dto: {
        id: `${spec.kind}-${randomUUID()}`,
        kind: spec.kind,
        state: 'queued',
        folderId: spec.folderId,
        done: 0,
        total: thunks.length,
        currentFile: null,
        rate: 0,
        etaMs: null,
        startedAt: null,
        finishedAt: null,
        error: null
      },
      pending: thunks,
      controller: new AbortController(),
      running: 0,
      failed: 0,
      lastFailure: null,
      countsFiles: false,
      finishedAt: [],
      startedAtMs: null,
      waiters: []
    }
    this.byId.set(job.dto.id, job)
    if (thunks.length === 0) {
      // Nothing to do: done at once, so a caller waiting on it is not left hanging.
      this.finish(job, 'done')
      return this.snapshot(job)
    }
    this.jobs.push(job)
    this.jobs.sort((a, b) => KIND_PRIORITY[a.dto.kind] - KIND_PRIORITY[b.dto.kind] || a.seq - b.seq)
    this.changed(true)
    this.pump()
    return this.snapshot(job)
  }

  /** Cancels a job: queued items are dropped, the running item's signal is aborted. */
  cancel(id: string): LibraryJobDto {
    const job = this.byId.get(id)
    if (!job) throw new StationApiError('not_found', `there is no library job ${id}`)
    if (job.dto.state === 'queued' || job.dto.state === 'running') {
      job.pending.length = 0
      job.controller.abort(new Error(`library job ${id} was cancelled`))
      // A running item still holds its slot until its work ends (itemEnded finishes the job then).
      if (job.running === 0) this.finish(job, 'cancelled')
      else {
        job.dto.state = 'cancelled'
        this.changed(true)
      }
    }
    return this.snapshot(job)
  }

  /** Running jobs, then queued ones in the order they will run, then the last finished (newest first). */
  list(): LibraryJobDto[] {
    const live = [...this.jobs].sort(
      (a, b) =>
        Number(b.dto.state === 'running') - Number(a.dto.state === 'running') ||
        KIND_PRIORITY[a.dto.kind] - KIND_PRIORITY[b.dto.kind] ||
        a.seq - b.seq
    )
    return [...live, ...this.finished].map((j) => this.snapshot(j))
  }

  job(id: string): LibraryJobDto | undefined {
    const job = this.byId.get(id)
    return job ? this.snapshot(job) : undefined
  }

  /**
   * Resolves with the job once it has ended, done or cancelled (close() cancels every job, so a
   * waiter is never left hanging by a stopping station); at once for a job that ended already or
   * is no longer kept.
   */
  ended(id: string): Promise<LibraryJobDto | undefined> {
    const job = this.byId.get(id)
    if (!job || job.dto.state === 'done' || (job.dto.state === 'cancelled' && job.running === 0))
      return Promise.resolve(job && this.snapshot(job))
    return new Promise((resolve) => job.waiters.push(resolve))
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Cancels every job and resolves once their running items have ended; add() then throws. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of [...this.jobs]) this.cancel(job.dto.id)
    await this.idle()
    this.emitTimer?.cancel()
    this.emitTimer = null
  }

  private slots(): number {
    return this.opts.onAir() ? 1 : this.idleSlots
  }

  private isIdle(): boolean {
    return this.jobs.length === 0 && this.active === 0
  }

  /** Starts items while slots are free: the most urgent job's next item first. */
  private pump(): void {
    for (;;) {
      if (this.active >= this.slots()) return
      const job = this.jobs.find((j) => j.pending.length > 0 && j.dto.state !== 'cancelled')
      if (!job) return
      this.start(job)
    }
  }

  private start(job: Job): void {
    const next = job.pending.shift()
    if (!next) return
    const { label, run } = next()
    job.running++
    this.active++
    const now = this.opts.clock.now()
    if (job.dto.state === 'queued') {
      job.dto.state = 'running'
      job.startedAtMs = now
      job.dto.startedAt = new Date(now).toISOString()
      this.changed(true)
    } else this.changed(false)
    job.dto.currentFile = label
    const signal = job.controller.signal
    const progress: JobProgress = (done, total, currentFile) => {
      if (job.dto.state !== 'running') return
      const now = this.opts.clock.now()
      for (let n = job.dto.done; n < done; n++) job.finishedAt.push(now)
      job.countsFiles = true
      job.dto.done = done
      job.dto.total = total
      if (currentFile !== undefined) job.dto.currentFile = currentFile
      this.changed(false)
    }
    void Promise.resolve()
      .then(() => run(signal, progress))
      .then(
        () => this.itemEnded(job, label, null),
        (err: unknown) => this.itemEnded(job, label, err)
      )
  }

  private itemEnded(job: Job, label: string, err: unknown): void {
    job.running--
    this.active--
    if (job.dto.currentFile === label) job.dto.currentFile = null
    const cancelled = job.dto.state === 'cancelled'
    if (!cancelled) {
      if (!job.countsFiles) {
        job.dto.done++
        job.finishedAt.push(this.opts.clock.now())
      }
      if (err !== null) {
        const message = err instanceof Error ? err.message : String(err)
        job.failed++
        job.lastFailure = `${label}: ${message}`
        this.opts.log?.warn(
          { job: job.dto.id, kind: job.dto.kind, item: label, err: message },
          `library ${job.dto.kind} of ${label} failed`
        )
      }
    }
    if (job.running > 0) this.changed(false)
    else if (cancelled) this.finish(job, 'cancelled')
    else if (job.pending.length === 0) this.finish(job, 'done')
    else this.changed(false)
    this.pump()
    this.wakeIdle()
  }

  private finish(job: Job, state: 'done' | 'cancelled'): void {
    job.dto.state = state
    job.dto.currentFile = null
    job.dto.finishedAt = new Date(this.opts.clock.now()).toISOString()
    if (job.failed > 0)
      job.dto.error = `${job.failed} of ${job.dto.total} failed (last: ${job.lastFailure})`
    const at = this.jobs.indexOf(job)
    if (at >= 0) this.jobs.splice(at, 1)
    this.finished.unshift(job)
    for (const old of this.finished.splice(FINISHED_KEPT)) this.byId.delete(old.dto.id)
    this.changed(true)
    const waiters = job.waiters.splice(0)
    if (waiters.length > 0) {
      const ended = this.snapshot(job)
      for (const w of waiters) w(ended)
    }
    this.wakeIdle()
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  /** The job as the API shows it, with its rate and ETA as of now. */
  private snapshot(job: Job): LibraryJobDto {
    const dto = { ...job.dto }
    if (job.startedAtMs === null) return dto
    const now = this.opts.clock.now()
    const end = job.dto.finishedAt !== null ? Date.parse(job.dto.finishedAt) : now
    job.finishedAt = job.finishedAt.filter((t) => t > end - RATE_WINDOW_MS)
    const span = Math.min(RATE_WINDOW_MS, end - job.startedAtMs)
    dto.rate = span > 0 ? Math.round((job.finishedAt.length * 1000 * 100) / span) / 100 : 0
    const remaining = dto.total - dto.done
    dto.etaMs =
      job.dto.state === 'running' || job.dto.state === 'queued'
        ? dto.rate > 0
          ? Math.round((remaining * 1000) / dto.rate)
          : null
        : 0
    return dto
  }

  /** Tells onChange: at once for a state change, else at most every CHANGE_INTERVAL_MS. */
  private changed(stateChange: boolean): void {
    const onChange = this.opts.onChange
    if (!onChange) return
    const now = this.opts.clock.now()
    const emit = (): void => {
      this.emitTimer?.cancel()
      this.emitTimer = null
      this.lastEmit = this.opts.clock.now()
      onChange(this.list())
    }
    if (stateChange || now - this.lastEmit >= CHANGE_INTERVAL_MS) return emit()
    this.emitTimer ??= this.opts.clock.after(CHANGE_INTERVAL_MS - (now - this.lastEmit), emit)
  }
}
