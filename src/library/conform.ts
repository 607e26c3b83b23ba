// Conformed playout (foundation): the assets a channel airs in the next hours are made ahead into
// the house format of the station's profile (src/media/conform.ts), as the lowest-priority jobs of
// the library's queue, into a cache folder with a size budget (src/store/renditions.ts).
//
// - A conform writes to a temporary name, probes the result against the house format and renames
//   it; only then is the row written. A conform cancelled, failed or cut off by a stopped station
//   leaves no row, and its temporary file is removed (at once, or by the sweep at the next start);
//   the next planner run queues it again.
// - The budget: before a conform, renditions are evicted least recently aired first (never aired:
//   oldest made first; the as-run marks what aired, src/store/as-run.ts), never one whose asset
//   airs within EVICTION_PROTECT_MS; a conform that still would not fit fails with a message
//   saying so.
// - The planner walks the playlog of the chosen channels for the next `aheadHours` and queues the
//   assets without a valid rendition (made from the file as it is, at the station's loudness target).
// - What the conform pass found (black, freeze, silence at least as long as the output-health
//   conditions) raises a pre-air WARNING for each channel airing it within PRE_AIR_HORIZON_MS.
import fs from 'node:fs'
import path from 'node:path'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { ConformDto, ConformSettings } from '../shared/conform'
import type { LibraryJobDto } from '../shared/library'
import type { OutputHealthSettings } from '../shared/domain'
import { formatInstant } from '../shared/time'
import { alarmKeys, type AlarmKey } from '../runtime/alarm-keys'
import {
  conformArgs,
  conformFrames,
  type ConformFindings,
  type DetectThresholds,
  FindingsReader,
  houseGopFrames,
  progressMs,
  progressSpeed
} from '../media/conform'
import type { FfmpegTools } from '../media/ffmpeg'
import { measureFileLoudness } from '../media/loudness-analysis'
import type { ProcessGroup } from '../media/process'
import { type FfprobeJson, probeMedia } from '../media/probe'
import type { OutputProfile } from '../media/profiles'
import type { RenditionRow, Store, UnrenderedAsset } from '../store'
import type { JobProgress, LibraryJobQueue } from './job-queue'
import { PRE_AIR_HORIZON_MS, type PreAirAlarms } from './pre-air'

/** The cache folder in the data folder. */
export const CONFORM_DIR = 'conform'
/** A rendition whose asset airs this soon is never evicted. */
export const EVICTION_PROTECT_MS = 24 * 3600_000
/** A temporary (unfinished) rendition's name ends so. */
export const PARTIAL_SUFFIX = '.partial'
/** Most gain a conform applies (as the playout's: a quiet file is not raised without bound). */
const MAX_GAIN_DB = 20
/** A rendition's duration may differ from its frames' length by this much (audio frames, rounding). */
const DURATION_TOLERANCE_MS = 100
const GIB = 1024 ** 3

export interface ConformLog {
  info(details: Record<string, unknown>, message: string): void
  warn(details: Record<string, unknown>, message: string): void
}

export interface ConformDeps {
  store: Store
  clock: MasterClock
  tools: FfmpegTools
  processes: ProcessGroup
  queue: LibraryJobQueue
  profile: OutputProfile
  /** The output's segment length: the house GOP divides it. */
  segmentSeconds: number
  /** The cache folder (`<data>/conform`). */
  dir: string
  log: ConformLog
  /** The station's alarm board, for the conform-time pre-air warnings. */
  alarms?: PreAirAlarms
  /** How often the planner and the warnings run (default 5 min); also on schedule changes. */
  periodMs?: number
  /** x264 preset of the house format (default veryfast). */
  preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium'
}

/** What a rendition holds of each defect, as stored in its analysis_json. */
export interface RenditionAnalysis extends ConformFindings {
  /** Media time conformed per wall time (ffmpeg's speed at the end of the pass). */
  realTimeFactor: number
}

export class ConformService {
  readonly gopFrames: number
  private readonly queued = new Set<number>()
  private timer: TimerHandle | null = null
  private started = false

  constructor(private readonly d: ConformDeps) {
    this.gopFrames = houseGopFrames(d.profile, d.segmentSeconds)
  }

  settings(): ConformSettings {
    return this.d.store.renditions.settings()
  }

  /** Sweeps the cache of what no row records (a previous run's half files), plans and checks. */
  start(): void {
    if (this.started) return
    this.started = true
    this.sweep()
    this.timer = this.d.clock.every(this.d.periodMs ?? 5 * 60_000, () => this.tick())
    this.tick()
  }

  stop(): void {
    this.started = false
    this.timer?.cancel()
    this.timer = null
  }

  /** The schedule or the settings changed: plan again and check the warnings. */
  scheduleChanged(): void {
    if (this.started) this.tick()
  }

  /**
   * The operator changed the settings (they are stored already): turned off, the conform jobs
   * queued or running are cancelled (a running conform leaves nothing); else the planner runs now.
   */
  settingsChanged(): void {
    if (this.settings().enabled) return this.scheduleChanged()
    for (const j of this.jobs()) this.d.queue.cancel(j.id)
  }

  /** Conform jobs queued or running, running first. */
  jobs(): LibraryJobDto[] {
    return this.d.queue
      .list()
      .filter((j) => j.kind === 'conform' && (j.state === 'queued' || j.state === 'running'))
  }

  /** The house format's profile, what the cache holds, and the conform jobs. */
  state(): Pick<ConformDto, 'profile' | 'cacheBytes' | 'renditions' | 'jobs'> {
    return {
      profile: this.d.profile.name,
      cacheBytes: this.d.store.renditions.totalBytes(),
      renditions: this.d.store.renditions.count(),
      jobs: this.jobs()
    }
  }

  private tick(): void {
    if (!this.d.store.db.open) return
    try {
      this.plan()
      this.checkPreAir()
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message }, 'conform planning failed')
    }
  }

  // ---- the cache ---------------------------------------------------------------------------------

  private profileDir(): string {
    return path.join(this.d.dir, this.d.profile.name)
  }

  /** Removes files in the cache no row records: temporary files and renditions forgotten. */
  sweep(): void {
    const known = new Set(this.d.store.renditions.all().map((r) => r.path))
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(this.profileDir(), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      // Folders (the conformed cards', conform-cards.ts) keep their own files.
      if (entry.isDirectory()) continue
      const name = entry.name
      const file = path.join(this.profileDir(), name)
      if (known.has(file)) continue
      fs.rmSync(file, { force: true })
      this.d.log.info({ file }, 'conform cache: removed a file no rendition records')
    }
  }

  /**
   * Evicts renditions until `needBytes` more fit the budget: least recently aired first, never one
   * airing within EVICTION_PROTECT_MS. Returns whether they fit.
   */
  makeRoom(needBytes: number): boolean {
    const budget = this.settings().budgetGiB * GIB
    const now = this.d.clock.now()
    let total = this.d.store.renditions.totalBytes()
    if (total + needBytes <= budget) return true
    for (const r of this.d.store.renditions.evictable(now, now + EVICTION_PROTECT_MS)) {
      this.evict(r)
      total -= r.bytes
      if (total + needBytes <= budget) return true
    }
    return false
  }

  private evict(r: RenditionRow): void {
    this.d.store.renditions.remove(r.id)
    fs.rmSync(r.path, { force: true })
    this.d.log.info({ asset: r.assetId, bytes: r.bytes }, 'conform cache: rendition evicted')
  }

  /**
   * The rendition to air for an asset: valid for its file as it is, present with its recorded size
   * and passing ffprobe against the house format. A broken one is forgotten (and conformed again).
   */
  async usable(assetId: number): Promise<RenditionRow | null> {
    const target = this.d.store.settings.loudness().targetLufs
    const r = this.d.store.renditions.valid(assetId, this.d.profile.name, target)
    if (!r) return null
    let problem: string | null
    try {
      if (fs.statSync(r.path).size !== r.bytes) problem = 'its size changed'
      else
        problem = houseFormatProblem(
          (await probeMedia(this.d.tools, r.path)).raw,
          this.d.profile,
          r.frames
        )
    } catch (err) {
      problem = (err as Error).message
    }
    if (problem === null) return r
    this.d.log.warn({ asset: assetId, file: r.path, problem }, 'rendition unusable: forgotten')
    this.d.store.renditions.remove(r.id)
    fs.rmSync(r.path, { force: true })
    return null
  }

  // ---- planning ----------------------------------------------------------------------------------

  /** The channels the settings name (every channel when they name none), by id; null: all. */
  private channelIds(s: ConformSettings): number[] | null {
    if (s.channels === null) return null
    return s.channels.flatMap((slug) => {
      const c = this.d.store.channels.bySlug(slug)
      return c ? [c.id] : []
    })
  }

  /** The assets airing within the horizon that need a rendition (and are not queued yet). */
  due(): UnrenderedAsset[] {
    const s = this.settings()
    if (!s.enabled) return []
    const now = this.d.clock.now()
    return this.d.store.renditions
      .unrendered(
        this.d.profile.name,
        this.channelIds(s),
        now,
        now + s.aheadHours * 3600_000,
        this.d.store.settings.loudness().targetLufs
      )
      .filter((a) => !this.queued.has(a.assetId))
  }

  /** Queues a conform of every asset due; returns the asset ids queued. */
  plan(): number[] {
    if (!this.settings().enabled) return []
    const due = this.due()
    if (due.length === 0) return []
    return this.queue(due)
  }

  /** Queues conforms of these assets as one job (the job's progress in seconds of media). */
  queue(assets: UnrenderedAsset[]): number[] {
    for (const a of assets) this.queued.add(a.assetId)
    const done = new Map<number, number>()
    const totalS = (): number => Math.ceil(assets.reduce((n, a) => n + a.durationMs, 0) / 1000)
    const report = (progress: JobProgress, label: string): void => {
      let s = 0
      for (const v of done.values()) s += v
      progress(Math.floor(s / 1000), totalS(), label)
    }
    const job = this.d.queue.add({
      kind: 'conform',
      folderId: null,
      items: assets,
      label: (a) => path.basename(a.path),
      work: async (a, signal, progress) => {
        const label = path.basename(a.path)
        try {
          await this.conform(a, signal, (ms) => {
            done.set(a.assetId, Math.min(ms, a.durationMs))
            report(progress, label)
          })
        } finally {
          this.queued.delete(a.assetId)
          // A failed or cancelled item counts as gone through (the job's error says which failed).
          done.set(a.assetId, a.durationMs)
          if (!signal.aborted) report(progress, label)
        }
      }
    })
    // A cancelled job drops the items it had not begun (their work never runs): due again after.
    void this.d.queue.ended(job.id).then(() => {
      for (const a of assets) this.queued.delete(a.assetId)
    })
    return assets.map((a) => a.assetId)
  }

  // ---- one conform -------------------------------------------------------------------------------

  /** The gain that brings the asset to the station's target: its stored measurement, else measured now. */
  private async gainOf(a: UnrenderedAsset, signal: AbortSignal): Promise<number> {
    const loudness = this.d.store.settings.loudness()
    if (!a.hasAudio || loudness.standard === 'off') return 0
    let m = this.d.store.loudness.of(a.path, a.sizeBytes, a.mtimeMs)
    if (!m) {
      const measured = await measureFileLoudness(
        this.d.tools,
        this.d.processes,
        a.path,
        Math.max(10 * 60_000, a.durationMs),
        signal
      )
      m = {
        ...measured,
        path: a.path,
        sizeBytes: a.sizeBytes,
        mtimeMs: a.mtimeMs,
        error: null,
        measuredAt: this.d.clock.now()
      }
      this.d.store.loudness.put(m)
    }
    if (m.error !== null || m.integratedLufs === null) return 0
    const raw = loudness.targetLufs - m.integratedLufs
    return Math.round(Math.max(-MAX_GAIN_DB, Math.min(MAX_GAIN_DB, raw)) * 10) / 10
  }

  private thresholds(h: OutputHealthSettings): DetectThresholds {
    return {
      black: { threshold: h.black.threshold, durationMs: h.black.durationMs },
      freeze: { threshold: h.freeze.threshold, durationMs: h.freeze.durationMs },
      silence: { thresholdDb: h.silence.thresholdDb, durationMs: h.silence.durationMs }
    }
  }

  /**
   * Makes the rendition of one asset (see the top of this file). Rejects when the budget cannot
   * hold it, ffmpeg fails, the result is not the house format, or `signal` aborts; nothing of it
   * is left then.
   */
  async conform(
    a: UnrenderedAsset,
    signal: AbortSignal,
    onProgress?: (ms: number) => void
  ): Promise<RenditionRow> {
    const p = this.d.profile
    const estimate = Math.ceil(((p.videoBitrateK + p.audioBitrateK) * 1000 * a.durationMs) / 8000)
    if (!this.makeRoom(estimate))
      throw new Error(
        `the conform cache's budget (${this.settings().budgetGiB} GiB) is full of renditions airing within 24 h: ${path.basename(a.path)} (about ${Math.ceil(estimate / 1024 ** 2)} MiB) does not fit`
      )
    const gainDb = await this.gainOf(a, signal)
    const targetLufs = this.d.store.settings.loudness().targetLufs
    fs.mkdirSync(this.profileDir(), { recursive: true })
    const final = path.join(this.profileDir(), `${a.assetId}.mp4`)
    const temp = final + PARTIAL_SUFFIX
    const frames = conformFrames(a.durationMs, p)
    const findings = new FindingsReader()
    let speed = 0
    try {
      await this.d.processes.background(
        `conform of ${a.path}`,
        this.d.tools.ffmpeg,
        conformArgs({
          input: a.path,
          output: temp,
          profile: p,
          gopFrames: this.gopFrames,
          durationMs: a.durationMs,
          hasVideo: a.hasVideo,
          hasAudio: a.hasAudio,
          gainDb,
          truePeakDbtp: this.d.store.settings.loudness().truePeakDbtp,
          detect: this.thresholds(this.d.store.settings.outputHealth()),
          ...(this.d.preset ? { preset: this.d.preset } : {})
        }),
        {
          // A conform runs at a few times real time; this bounds a hung one.
          timeoutMs: Math.max(10 * 60_000, a.durationMs * 4),
          signal,
          tailLines: 20,
          onLine: (line) => {
            const ms = progressMs(line)
            if (ms !== null) return onProgress?.(ms)
            const x = progressSpeed(line)
            if (x !== null) speed = x
            else findings.line(line)
          }
        }
      )
      if (signal.aborted) throw new Error(`the conform of ${a.path} was cancelled`)
      const probe = await probeMedia(this.d.tools, temp, { signal })
      const problem = houseFormatProblem(probe.raw, p, frames)
      if (problem) throw new Error(`the conform of ${a.path} is not the house format: ${problem}`)
      if (signal.aborted) throw new Error(`the conform of ${a.path} was cancelled`)
      const analysis: RenditionAnalysis = {
        ...findings.result(Math.round((frames * 1000) / p.fps)),
        realTimeFactor: speed
      }
      fs.renameSync(temp, final)
      const row = this.d.store.renditions.put({
        assetId: a.assetId,
        profile: p.name,
        path: final,
        sourceSizeBytes: a.sizeBytes,
        sourceMtimeMs: a.mtimeMs,
        bytes: fs.statSync(final).size,
        durationMs: probe.durationMs,
        frames,
        gopFrames: this.gopFrames,
        gainDb,
        targetLufs,
        probeJson: probe.raw,
        analysisJson: JSON.stringify(analysis),
        createdAt: this.d.clock.now()
      })
      this.d.log.info(
        { asset: a.assetId, bytes: row.bytes, realTimeFactor: analysis.realTimeFactor },
        'conformed'
      )
      // The estimate may have been short: the budget holds after the fact too.
      this.makeRoom(0)
      this.checkPreAir()
      return row
    } catch (err) {
      fs.rmSync(temp, { force: true })
      throw err
    }
  }

  // ---- pre-air warnings --------------------------------------------------------------------------

  /** The defects of a rendition at least as long as the output-health conditions, in words. */
  defects(r: RenditionRow): string[] {
    let a: Partial<RenditionAnalysis>
    try {
      a = JSON.parse(r.analysisJson) as Partial<RenditionAnalysis>
    } catch {
      return []
    }
    const h = this.d.store.settings.outputHealth()
    const out: string[] = []
    const say = (
      what: string,
      list: ConformFindings['black'] | undefined,
      cond: { enabled: boolean; durationMs: number }
    ): void => {
      if (!cond.enabled) return
      for (const s of list ?? [])
        if (s.endMs - s.startMs >= cond.durationMs)
          out.push(`${what} from ${clock(s.startMs)} to ${clock(s.endMs)}`)
    }
    say('black', a.black, h.black)
    say('frozen picture', a.freeze, h.freeze)
    say('silence', a.silence, h.silence)
    return out
  }

  /** Raises a WARNING per channel and file airing a defective rendition within the horizon; clears the rest. */
  checkPreAir(): void {
    const alarms = this.d.alarms
    if (!alarms || !this.d.store.db.open) return
    const now = this.d.clock.now()
    const wanted = new Map<AlarmKey, { message: string; channelUuid: string }>()
    const target = this.d.store.settings.loudness().targetLufs
    for (const air of this.d.store.renditions.airing(
      this.d.profile.name,
      now,
      now + PRE_AIR_HORIZON_MS,
      target
    )) {
      const key = alarmKeys.conformDefect(air.channelId, air.rendition.assetId)
      if (wanted.has(key)) continue
      const defects = this.defects(air.rendition)
      if (defects.length === 0) continue
      const when =
        air.startMs <= now
          ? 'now'
          : `at ${formatInstant(air.startMs)} (in ${((air.startMs - now) / 3600_000).toFixed(1)} h)`
      wanted.set(key, {
        channelUuid: air.channelUuid,
        message: `${air.channelName} airs ${air.assetPath} ${when}, and its conformed rendition has ${defects.join(', ')}`
      })
    }
    for (const a of alarms.list())
      if (alarmKeys.isConformDefect(a.key) && !wanted.has(a.key as AlarmKey))
        alarms.clear(a.key as AlarmKey)
    for (const [key, w] of wanted)
      alarms.raise(key, {
        kind: 'pre-air',
        severity: 'warning',
        channelUuid: w.channelUuid,
        owner: 'library',
        message: w.message
      })
  }
}

/** m:ss.s of a position. */
function clock(ms: number): string {
  const s = ms / 1000
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`
}

/**
 * What keeps a probed file from being the profile's house format with this many frames, or null:
 * H.264 at the size and rate, AAC 48 kHz stereo, the duration of its frames.
 */
export function houseFormatProblem(raw: string, p: OutputProfile, frames: number): string | null {
  let json: FfprobeJson
  try {
    json = JSON.parse(raw) as FfprobeJson
  } catch {
    return 'ffprobe gave no readable answer'
  }
  const streams = json.streams ?? []
  const v = streams.find((s) => s.codec_type === 'video')
  const a = streams.find((s) => s.codec_type === 'audio')
  if (!v || v.codec_name !== 'h264')
    return `its picture is ${v?.codec_name ?? 'missing'}, not H.264`
  if (v.width !== p.width || v.height !== p.height)
    return `its picture is ${v.width}x${v.height}, not ${p.width}x${p.height}`
  if (v.r_frame_rate !== `${p.fps}/1`) return `its frame rate is ${v.r_frame_rate}, not ${p.fps}`
  if (!a || a.codec_name !== 'aac') return `its sound is ${a?.codec_name ?? 'missing'}, not AAC`
  if (Number(a.sample_rate) !== p.sampleRate || a.channels !== 2)
    return `its sound is ${a.sample_rate} Hz ${a.channels} channels, not ${p.sampleRate} Hz stereo`
  const durationMs = Number(json.format?.duration ?? NaN) * 1000
  const expected = (frames * 1000) / p.fps
  if (!(Math.abs(durationMs - expected) <= DURATION_TOLERANCE_MS))
    return `it lasts ${Math.round(durationMs)} ms, not ${Math.round(expected)} ms`
  return null
}
