// AsRunLogger: what actually aired on one channel, from the producer's own reports (real station
// times). One row per stretch of output: a scheduled item (or the part of it that aired), a gap's
// slate, an emergency takeover, the guide, a slate for an empty schedule, or time off air, each
// with why it began and ended where it did. Rows are labelled with their broadcast day; a stretch
// airing across the rollover is split into two rows there (one transaction), playout never is.
//
// Writing never blocks playout: producers report inside their pacing loop, so rows are queued and
// written right after, in one transaction per batch; a failed write is reported, never thrown back.
// While a row is open it is stamped every few seconds, so a crash leaves it closable at the last
// time it was known to be on air.
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { AsRunKind, AsRunMedia, AsRunProducer, ChannelInfo } from '../shared/domain'
import { broadcastDayAt } from '../schedule/broadcast-day'
import type { SegmentReport } from '../playout'
import type { NewAsRunRow, Store } from '../store'

/** How often an open row's "last seen on air" is stamped. */
export const LAST_SEEN_MS = 2_000
/** A stretch that begins this much after its scheduled start (or ends before its end) did so for a reason. */
export const ON_TIME_MS = 100
/** Writes kept for a retry while the store refuses them (hours of a channel's rows); older ones go. */
const MAX_QUEUED = 10_000

interface Open {
  row: NewAsRunRow
  /** Set once written. */
  id?: number
  /** Ended before it began (an instant off air): never written. */
  discarded?: boolean
  key: string
  rolloverTimer?: TimerHandle
}

const segmentKey = (r: SegmentReport): string => `${r.segment.kind}:${r.segment.startMs}`

/** Producers whose whole run is one row (their picture is a card, not the playlog). */
const STILL_KINDS: Partial<Record<AsRunProducer, AsRunKind>> = {
  'emergency-takeover': 'emergency',
  guide: 'guide',
  slate: 'slate'
}

/** What a continuation of a row keeps: what aired, not when or where it was cut. */
const identity = (r: NewAsRunRow) => ({
  title: r.title,
  assetPath: r.assetPath,
  playlogEventId: r.playlogEventId,
  scheduledStartMs: r.scheduledStartMs,
  scheduledEndMs: r.scheduledEndMs,
  producerType: r.producerType,
  media: r.media
})

export interface AsRunOptions {
  store: Store
  clock: MasterClock
  channel: () => Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>
  /** A write that failed: reported, never thrown into playout. */
  onError: (err: unknown) => void
}

export class AsRunLogger {
  private open: Open | null = null
  /** Why the last stretch ended: what a late start is explained by. */
  private lastEndCause = 'no viewers'
  private producer: AsRunProducer | null = null
  private queue: Array<() => void> = []
  private flushing: ReturnType<typeof setImmediate> | undefined
  private seenTimer: TimerHandle | undefined
  /** The latest time logged (see forward()). */
  private latestMs = -Infinity
  /** Rows inserted by the batch being written (their ids go if it rolls back). */
  private inserted: Open[] = []

  constructor(private readonly o: AsRunOptions) {}

  // ---- writing ------------------------------------------------------------------------------

  private defer(op: () => void): void {
    this.queue.push(op)
    this.flushing ??= setImmediate(() => this.flush())
  }

  /**
   * Writes everything queued now, in one transaction. If the store refuses, nothing of the batch is
   * kept and it is tried again with the next write (stamps come every few seconds), so a full disk
   * that frees up loses nothing.
   */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing)
    this.flushing = undefined
    const ops = this.queue
    this.queue = []
    if (ops.length === 0) return
    this.inserted = []
    try {
      this.o.store.transaction(() => ops.forEach((op) => op()))
    } catch (err) {
      for (const open of this.inserted) open.id = undefined // rolled back
      this.queue = [...ops, ...this.queue].slice(-MAX_QUEUED)
      this.o.onError(err)
    }
  }

  /**
   * Times only move forward in the log. Producers report at the time a frame airs, which is up to
   * their lead (a couple of seconds) after the station time at which they report it; an operator's
   * action at station time T changes the output only after what was already written. So a time
   * before one already logged is taken as that one: rows never overlap.
   */
  private forward(atMs: number): number {
    this.latestMs = Math.max(this.latestMs, atMs)
    return this.latestMs
  }

  /** Opens a row at `atMs` (already moved forward). */
  private begin(
    kind: AsRunKind,
    fields: Partial<NewAsRunRow> & { title: string },
    atMs: number,
    key: string,
    splitFrom = false
  ): void {
    const channel = this.o.channel()
    const scheduledStartMs = fields.scheduledStartMs ?? null
    const late = scheduledStartMs !== null && atMs > scheduledStartMs + ON_TIME_MS && !splitFrom
    const row: NewAsRunRow = {
      channelId: channel.id,
      broadcastDay: broadcastDayAt(atMs, channel.timezone, channel.rolloverMinutes).label,
      kind,
      assetPath: null,
      playlogEventId: null,
      scheduledStartMs,
      scheduledEndMs: null,
      actualStartMs: atMs,
      actualEndMs: null,
      lastSeenMs: atMs,
      producerType: kind === 'off-air' ? null : this.producer,
      media: kind === 'off-air' ? 'none' : 'aired',
      startCause: late ? this.lastEndCause : null,
      endCause: null,
      splitFrom,
      splitTo: false,
      ...fields
    }
    const open: Open = { row, key }
    this.open = open
    this.defer(() => {
      if (open.discarded || open.id !== undefined) return
      open.id = this.o.store.asRun.insert(row)
      this.inserted.push(open)
    })
    this.armRollover(open)
    this.seenTimer ??= this.o.clock.every(LAST_SEEN_MS, () => this.stampSeen())
  }

  private dayEndOf(ms: number): number {
    const c = this.o.channel()
    return broadcastDayAt(ms, c.timezone, c.rolloverMinutes).endMs
  }

  /** Ends the open row at `atMs` (already moved forward); a row that crossed a rollover is split there first. */
  private end(atMs: number, cause: string, media?: AsRunMedia): void {
    const open = this.open
    if (!open) return
    const rollover = this.dayEndOf(open.row.actualStartMs)
    if (atMs > rollover) {
      this.split(open, rollover)
      return this.end(atMs, cause, media)
    }
    this.close(open, atMs, cause, media, false)
  }

  private close(
    open: Open,
    atMs: number,
    cause: string,
    media: AsRunMedia | undefined,
    splitTo: boolean
  ): void {
    this.open = null
    open.rolloverTimer?.cancel()
    const endMs = Math.max(atMs, open.row.actualStartMs)
    const finalMedia = media ?? open.row.media
    // What explains a late start next: for time off air, why the channel was off air.
    this.lastEndCause = open.row.kind === 'off-air' ? (open.row.startCause ?? cause) : cause
    // An instant (off air the moment the channel was created, a label changed as an item began) is
    // not a stretch of output: not written at all if it is not yet.
    if (endMs === open.row.actualStartMs && open.id === undefined) {
      open.discarded = true
      return
    }
    this.defer(() => {
      if (open.id !== undefined)
        this.o.store.asRun.close(open.id, endMs, finalMedia, cause, splitTo)
    })
  }

  /** This day's row ends at the rollover and the next day's continues it: queued together, one transaction. */
  private split(open: Open, rollover: number): void {
    this.close(open, rollover, 'rollover', undefined, true)
    this.begin(
      open.row.kind,
      { ...identity(open.row), startCause: open.row.startCause },
      rollover,
      open.key,
      true
    )
  }

  private stampSeen(): void {
    const open = this.open
    if (!open) {
      this.seenTimer?.cancel()
      this.seenTimer = undefined
      return
    }
    // Known on air up to now, or up to the latest frame reported if that airs later.
    const at = this.forward(this.o.clock.now())
    this.defer(() => {
      if (open.id !== undefined) this.o.store.asRun.seen(open.id, at)
    })
  }

  /** Still on air when the clock reaches the rollover: split there, so the day's log shows it. */
  private armRollover(open: Open): void {
    open.rolloverTimer?.cancel()
    const rollover = this.dayEndOf(Math.max(open.row.actualStartMs, this.o.clock.now()))
    open.rolloverTimer = this.o.clock.at(rollover, () => {
      if (this.open !== open) return
      if (open.row.actualStartMs >= rollover) return this.armRollover(open)
      this.forward(rollover)
      this.split(open, rollover)
    })
  }

  // ---- what the channel reports -------------------------------------------------------------

  /** A producer is about to go on air: what the log calls its output (normal, emergency crawl, ...). */
  expect(producer: AsRunProducer): void {
    this.producer = producer
  }

  /** Its output began. A still producer (takeover, guide, slate) is one row for its whole run. */
  onAir(at: number, title: string): void {
    const atMs = this.forward(at)
    if (this.open?.row.kind === 'off-air') this.end(atMs, 'on air')
    const kind = STILL_KINDS[this.producer ?? 'normal']
    if (kind && this.open?.key !== kind) this.begin(kind, { title }, atMs, kind)
  }

  /** The producer on air now airs under another label (a crawl shown or removed): the open row splits there. */
  relabel(producer: AsRunProducer, at: number, cause: string): void {
    if (producer === this.producer) return
    this.producer = producer
    const open = this.open
    if (!open || open.row.kind === 'off-air') return
    const atMs = this.forward(at)
    this.end(atMs, cause)
    this.begin(
      open.row.kind,
      { ...identity(open.row), producerType: producer, startCause: cause },
      atMs,
      open.key
    )
  }

  /** The producer left the air; `next`: the channel is off air now, another producer follows at once, or nothing does. */
  offAir(at: number, cause: string, next: 'off-air' | 'producer' | 'nothing'): void {
    const atMs = this.forward(at)
    this.end(atMs, cause)
    if (next === 'off-air')
      this.begin('off-air', { title: 'Off air', startCause: cause }, atMs, 'off-air')
  }

  segmentBegan(r: SegmentReport): void {
    const s = r.segment
    const atMs = this.forward(r.atMs)
    if (this.open) this.end(atMs, this.open.row.kind === 'off-air' ? 'on air' : 'superseded')
    const fields =
      s.kind === 'item'
        ? {
            title: s.title,
            assetPath: s.asset?.path ?? null,
            playlogEventId: s.eventId,
            scheduledStartMs: s.startMs,
            scheduledEndMs: s.endMs
          }
        : { title: 'Slate (schedule gap)', scheduledStartMs: s.startMs, scheduledEndMs: s.endMs }
    this.begin(
      s.kind === 'item' ? 'item' : 'gap',
      { ...fields, media: r.slate ? 'slate' : 'aired' },
      atMs,
      segmentKey(r)
    )
  }

  segmentEnded(r: SegmentReport & { status: Exclude<AsRunMedia, 'none'> }): void {
    if (this.open?.key !== segmentKey(r)) return
    this.end(this.forward(r.atMs), 'ended', r.status)
  }

  /** The channel's zone or rollover changed: the open row splits at the new rollover. */
  channelChanged(): void {
    if (this.open) this.armRollover(this.open)
  }

  /** The station is going down: the open row ends now, and everything is written. */
  shutdown(atMs: number): void {
    this.end(this.forward(atMs), 'station shutdown')
    this.seenTimer?.cancel()
    this.flush()
  }

  /** Nothing is on air yet (the station just started): the channel is off air, no viewers. */
  startOffAir(atMs: number): void {
    if (!this.open)
      this.begin(
        'off-air',
        { title: 'Off air', startCause: 'no viewers' },
        this.forward(atMs),
        'off-air'
      )
  }
}
