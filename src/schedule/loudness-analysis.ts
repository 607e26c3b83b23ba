// The loudness analysis of the station's media: every asset the playlog refers to is measured
// once (ffmpeg ebur128, src/media/loudness-analysis.ts) and the result kept per file size and
// mtime, so an unchanged file is never measured again. The measurements are jobs of the station's
// one background queue (the media library's: one ffmpeg while anything is on air, at the lowest
// CPU priority, never on the playout path; shown, cancellable and ended with the library's jobs).
// It looks for work at start and whenever the schedule changes (an import); each result goes into
// the plans of the channels that air the asset (their items' gain, see ScheduleService.playoutPlan).
import fs from 'node:fs'
import type { FfmpegTools } from '../media/ffmpeg'
import { measureFileLoudness } from '../media/loudness-analysis'
import type { ProcessGroup } from '../media/process'
import type { MasterClock } from '../shared/clock'
import type { LibraryJobDto } from '../shared/library'
import type { Store, UnmeasuredAsset } from '../store'
import type { ScheduleService } from './service'

/** One analysis may run this long (a feature film decodes its sound in well under a minute). */
export const ANALYSIS_TIMEOUT_MS = 10 * 60_000

/** The background queue the measurements run in (the library's LibraryJobQueue). */
export interface AnalysisQueue {
  add<T>(spec: {
    kind: 'analyse'
    folderId: null
    items: readonly T[]
    label: (item: T) => string
    work: (item: T, signal: AbortSignal) => Promise<void>
  }): LibraryJobDto
  /** Resolves once the job is done or cancelled. */
  ended(id: string): Promise<unknown>
}

export interface LoudnessAnalysisDeps {
  store: Store
  schedule: ScheduleService
  clock: MasterClock
  /** null: ffmpeg is unavailable and nothing is measured (items air at the safe gain). */
  tools: FfmpegTools | null
  processes: ProcessGroup
  queue: AnalysisQueue
  log?: { warn(details: Record<string, unknown>, message: string): void }
  timeoutMs?: number
  /** Told when a result cannot be stored (a full or failing disk: the station's DISK alarm). */
  writeFailed?: (where: string, err: unknown) => void
}

export class LoudnessAnalysis {
  /** Paths queued or being measured, so a second look does not queue them twice. */
  private readonly queued = new Set<string>()
  /** The jobs queued and not yet ended. */
  private readonly jobs = new Set<Promise<unknown>>()
  /** A result could not be stored: the rest of this pass waits for the next look. */
  private paused = false
  private stopped = false
  private readonly onChanged = () => this.kick()

  constructor(private readonly d: LoudnessAnalysisDeps) {}

  /** Measures what is unmeasured now and whenever the schedule changes, until stop(). */
  start(): void {
    this.d.schedule.on('changed', this.onChanged)
    this.kick()
  }

  /** What is still to be measured. */
  pending(): UnmeasuredAsset[] {
    return this.d.store.loudness.unmeasured()
  }

  /** Queues what is unmeasured and not queued already, as one job. */
  kick(): void {
    if (this.stopped || !this.d.tools) return
    this.paused = false
    const items = this.pending().filter((a) => !this.queued.has(a.path))
    if (items.length === 0) return
    const job = this.d.queue.add({
      kind: 'analyse',
      folderId: null,
      items,
      label: (a) => a.path,
      work: async (a, signal) => {
        try {
          if (!this.paused && !this.stopped) await this.measure(a, signal)
        } finally {
          this.queued.delete(a.path)
        }
      }
    })
    // Marked after add() (which throws on a closed queue); the items' work runs in a later tick.
    for (const a of items) this.queued.add(a.path)
    const ended: Promise<unknown> = this.d.queue.ended(job.id).finally(() => {
      this.jobs.delete(ended)
      // A cancelled job's items never ran: they are looked for again at the next change.
      for (const a of items) this.queued.delete(a.path)
    })
    this.jobs.add(ended)
  }

  /** Resolves once nothing this analysis queued is waiting or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs])
  }

  /**
   * Measures one asset and records the result (or why it could not be measured). Never rejects: a
   * store that cannot write (a full disk) is reported and pauses the rest until the next look.
   */
  async measure(asset: UnmeasuredAsset, signal?: AbortSignal): Promise<void> {
    const { store, tools } = this.d
    let result: {
      integratedLufs: number | null
      truePeakDbtp: number | null
      rangeLu: number | null
      error: string | null
    }
    try {
      // A file that changed since it was imported is measured after the next import re-probes it.
      const stat = fs.statSync(asset.path)
      if (stat.size !== asset.sizeBytes || Math.floor(stat.mtimeMs) !== asset.mtimeMs)
        throw new Error('the file changed since it was imported')
      result = {
        ...(await measureFileLoudness(
          tools!,
          this.d.processes,
          asset.path,
          this.d.timeoutMs ?? ANALYSIS_TIMEOUT_MS,
          signal
        )),
        error: null
      }
    } catch (err) {
      // Cancelled (the job, or the station stopping): nothing was learnt, nothing is recorded.
      if (this.stopped || signal?.aborted) return
      const message = err instanceof Error ? err.message : String(err)
      this.d.log?.warn({ asset: asset.path }, `loudness analysis failed: ${message}`)
      result = { integratedLufs: null, truePeakDbtp: null, rangeLu: null, error: message }
    }
    if (this.stopped || signal?.aborted) return
    try {
      store.loudness.put({ ...asset, ...result, measuredAt: this.d.clock.now() })
    } catch (err) {
      this.paused = true
      const message = err instanceof Error ? err.message : String(err)
      this.d.log?.warn(
        { err: message },
        `loudness analysis paused: its results cannot be stored: ${message}`
      )
      this.d.writeFailed?.('the loudness analysis', err)
      return
    }
    this.d.schedule.loudnessMeasured(asset.path)
  }

  /**
   * Stops looking for work and waits for the jobs it queued; the queue's close (the library's)
   * cancels them, and their ffmpeg is killed through the job's signal.
   */
  async stop(): Promise<void> {
    this.stopped = true
    this.d.schedule.off('changed', this.onChanged)
    await this.idle()
  }
}
