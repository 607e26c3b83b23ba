// DiskWatch: free space where the station writes (its data folder with the database, the channels'
// output folders) and writes that failed there, said aloud as one station alarm, DISK:
//   - warning while a folder's disk has less free space than the threshold;
//   - critical once a write failed (the store refused a write with SQLITE_FULL/SQLITE_IOERR, an
//     encoder's segment came out truncated, a file could not be written): the station is losing
//     what it should record or air.
// It clears when space is back above the threshold (with a margin, so it does not flicker at the
// edge) and no write has failed for a whole poll interval.
//
// Free space is read with fs.promises.statfs (libuv's thread pool, never the event loop) on a
// MasterClock timer, one reading at a time.
import fs from 'node:fs'
import type { Logger } from 'pino'
import type { MasterClock, TimerHandle } from '../shared/clock'
import { alarmKeys } from './alarm-keys'
import type { AlarmBoard } from './alarms'

export interface DiskSpace {
  freeBytes: number
  totalBytes: number
  /** Identifies the filesystem (st_dev): folders on one disk are reported once. */
  device: number | bigint
}

export type StatFs = (dir: string) => Promise<DiskSpace>

/** The real reading: space an unprivileged writer may use (bavail), and the folder's device. */
export const nodeStatFs: StatFs = async (dir) => {
  const [s, st] = await Promise.all([fs.promises.statfs(dir), fs.promises.stat(dir)])
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize, device: st.dev }
}

/**
 * Default warning level: 256 MiB free. What the station writes is small but must never stop: each
 * channel's output folder holds about ten segments (about 1 MB at 360p, 10 MB at 1080p), the
 * database grows by kilobytes an hour and its write-ahead log by a few MB between checkpoints, an
 * import rewrites the playlog. 256 MiB covers all of that for a station of channels many times
 * over, so the warning comes while there is time to act, not when writes already fail.
 */
export const DEFAULT_DISK_WARN_BYTES = 256 * 1024 * 1024
/** Default poll: every 5 s (one statfs per folder; a disk rarely fills faster than that). */
export const DEFAULT_DISK_POLL_MS = 5_000
/** The warning clears only once free space is this much above the threshold. */
const CLEAR_MARGIN = 0.1

export interface WatchedFolder {
  /** What the operator calls it: "data folder", "outputs". */
  name: string
  path: string
}

export interface DiskWatchOptions {
  clock: MasterClock
  alarms: AlarmBoard
  folders: WatchedFolder[]
  log: Logger
  statfs?: StatFs
  warnFreeBytes?: number
  pollMs?: number
  /** After each reading (the director retries a write the disk refused). */
  onPoll?: () => void
}

interface Failure {
  where: string
  message: string
  atMs: number
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

export class DiskWatch {
  private timer: TimerHandle | undefined
  private reading = false
  /** Folders low on space at the last reading, as sentences. */
  private low: string[] = []
  private failure: Failure | null = null
  readonly warnFreeBytes: number
  readonly pollMs: number
  private readonly statfs: StatFs

  constructor(private readonly o: DiskWatchOptions) {
    this.warnFreeBytes = o.warnFreeBytes ?? DEFAULT_DISK_WARN_BYTES
    this.pollMs = o.pollMs ?? DEFAULT_DISK_POLL_MS
    this.statfs = o.statfs ?? nodeStatFs
  }

  start(): void {
    this.timer ??= this.o.clock.every(this.pollMs, () => void this.poll())
    void this.poll()
  }

  stop(): void {
    this.timer?.cancel()
    this.timer = undefined
  }

  /** A write failed for want of space or a failing disk: critical now, whatever the last reading said. */
  writeFailed(where: string, message: string): void {
    this.failure = { where, message, atMs: this.o.clock.now() }
    this.update()
  }

  /** Whether writes are failing now (the critical state). */
  get failing(): boolean {
    return this.failure !== null
  }

  /** Reads every folder's free space once (skipped while a reading is under way). */
  async poll(): Promise<void> {
    if (this.reading) return
    this.reading = true
    try {
      const seen = new Set<number | bigint>()
      const low: string[] = []
      for (const f of this.o.folders) {
        let space: DiskSpace
        try {
          space = await this.statfs(f.path)
        } catch (err) {
          // A folder not there yet (outputs before the first producer) is no disk problem.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
            this.o.log.warn({ err, folder: f.path }, 'free space could not be read')
          continue
        }
        if (seen.has(space.device)) continue
        seen.add(space.device)
        const wasLow = this.low.some((l) => l.startsWith(`${f.name} `))
        const limit = wasLow ? this.warnFreeBytes * (1 + CLEAR_MARGIN) : this.warnFreeBytes
        if (space.freeBytes < limit)
          low.push(`${f.name} ${f.path}: ${mb(space.freeBytes)} free of ${mb(space.totalBytes)}`)
      }
      this.low = low
      // Writes failed, then space came back and nothing failed for a whole interval: recovered.
      if (this.failure && low.length === 0 && this.o.clock.now() - this.failure.atMs >= this.pollMs)
        this.failure = null
      this.update()
      this.o.onPoll?.()
    } finally {
      this.reading = false
    }
  }

  private update(): void {
    const alarms = this.o.alarms
    if (!this.failure && this.low.length === 0) {
      alarms.clear(alarmKeys.disk)
      return
    }
    const space =
      this.low.length > 0
        ? `low disk space (below ${mb(this.warnFreeBytes)}): ${this.low.join('; ')}`
        : ''
    const message = this.failure
      ? `${this.failure.message}: ${this.failure.where} could not be written${space ? `; ${space}` : ''}`
      : space
    alarms.raise(alarmKeys.disk, {
      kind: 'disk',
      severity: this.failure ? 'critical' : 'warning',
      message,
      channelUuid: null
    })
  }
}
