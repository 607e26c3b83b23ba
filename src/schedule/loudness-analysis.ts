// The loudness analysis of the station's media: every asset the playlog refers to is measured
// once (ffmpeg ebur128, src/media/loudness-analysis.ts) and the result kept per file size and
// mtime, so an unchanged file is never measured again. It runs in the background: one ffmpeg at
// a time at the lowest CPU priority, never on the playout path. It looks for work at start and
// whenever the schedule changes (an import); each result goes into the plans of the channels that
// air the asset (their items' gain, see ScheduleService.playoutPlan).
//
// Built to be adopted by a media library's job queue: `measure` is one job, `pending` the work.
import fs from 'node:fs'
import type { FfmpegTools } from '../media/ffmpeg'
import { measureFileLoudness } from '../media/loudness-analysis'
import type { ProcessGroup } from '../media/process'
import type { MasterClock } from '../shared/clock'
import type { Store, UnmeasuredAsset } from '../store'
import type { ScheduleService } from './service'

/** One analysis may run this long (a feature film decodes its sound in well under a minute). */
export const ANALYSIS_TIMEOUT_MS = 10 * 60_000

export interface LoudnessAnalysisDeps {
  store: Store
  schedule: ScheduleService
  clock: MasterClock
  /** null: ffmpeg is unavailable and nothing is measured (items air at the safe gain). */
  tools: FfmpegTools | null
  processes: ProcessGroup
  log?: { warn(details: Record<string, unknown>, message: string): void }
  timeoutMs?: number
  /** Told when a result cannot be stored (a full or failing disk: the station's DISK alarm). */
  writeFailed?: (where: string, err: unknown) => void
}

export class LoudnessAnalysis {
  private running: Promise<void> | null = null
  private again = false
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

  /** Looks for work (again, once the current pass ends, if one is running). */
  kick(): void {
    if (this.stopped || !this.d.tools) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.drain().finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        this.kick()
      }
    })
  }

  /** Resolves once nothing is being measured (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /**
   * One pass over what is unmeasured. Never rejects: a store that cannot write (a full disk) ends the
   * pass, is reported, and the rest waits for the next pass (the next schedule change or start).
   */
  private async drain(): Promise<void> {
    try {
      for (const asset of this.pending()) {
        if (this.stopped) return
        await this.measure(asset)
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.d.log?.warn(
        { err: message },
        `loudness analysis paused: its results cannot be stored: ${message}`
      )
      this.d.writeFailed?.('the loudness analysis', err)
    }
  }

  /** Measures one asset and records the result (or why it could not be measured). */
  async measure(asset: UnmeasuredAsset): Promise<void> {
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
          this.d.timeoutMs ?? ANALYSIS_TIMEOUT_MS
        )),
        error: null
      }
    } catch (err) {
      if (this.stopped) return
      const message = err instanceof Error ? err.message : String(err)
      this.d.log?.warn({ asset: asset.path }, `loudness analysis failed: ${message}`)
      result = { integratedLufs: null, truePeakDbtp: null, rangeLu: null, error: message }
    }
    if (this.stopped) return
    store.loudness.put({ ...asset, ...result, measuredAt: this.d.clock.now() })
    this.d.schedule.loudnessMeasured(asset.path)
  }

  /** Stops looking for work and waits for the analysis in progress (the station's process group kills its ffmpeg). */
  async stop(): Promise<void> {
    this.stopped = true
    this.d.schedule.off('changed', this.onChanged)
    await this.idle()
  }
}
