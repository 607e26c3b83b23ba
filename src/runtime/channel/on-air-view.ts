// What the schedule says is on a channel: now, next and the broadcast day, as the channel's status
// shows them. Kept fresh by timers at item boundaries and at the rollover (so status events follow
// the schedule without polling); reading it never changes anything: a read at an instant the
// cache no longer covers asks the schedule directly.
import type { BroadcastDayStatusDto, NowPlayingDto, ScheduleItemDto } from '../../shared/api'
import type { MasterClock, TimerHandle } from '../../shared/clock'
import type { ChannelInfo, PlaylogEvent } from '../../shared/domain'
import { formatInstant } from '../../shared/time'
import { scheduleItemDto } from '../../schedule/dto'
import type { BroadcastDayInfo } from '../../schedule/service'

/** The schedule reads this view needs. */
export interface NowNextReader {
  airingAt(channelId: number, t: number): { event: PlaylogEvent; offsetMs: number } | null
  nextAfter(channelId: number, t: number): PlaylogEvent | null
  broadcastDay(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    t: number
  ): BroadcastDayInfo
}

interface NowNext {
  /** The instants this answer holds for: [fromMs, untilMs). */
  fromMs: number
  untilMs: number
  now: PlaylogEvent | null
  nowDto: ScheduleItemDto | null
  nextDto: ScheduleItemDto | null
}

interface Day {
  startMs: number
  endMs: number
  dto: BroadcastDayStatusDto
}

export class OnAirView {
  private cached: NowNext | null = null
  private day: Day | null = null
  private boundaryTimer: TimerHandle | undefined
  private dayTimer: TimerHandle | undefined
  private closed = false

  constructor(
    private readonly clock: MasterClock,
    private readonly schedule: NowNextReader,
    private readonly channel: () => ChannelInfo,
    /** Called when what is on changed by itself (an item boundary, the rollover). */
    private readonly onChange: () => void
  ) {}

  /** Re-reads the schedule (start, a re-plan, a re-import) and re-arms the boundary timers. */
  refresh(): void {
    if (this.closed) return
    const now = this.clock.now()
    this.cached = this.nowNextAt(now)
    this.day = this.dayAt(now)
    this.boundaryTimer?.cancel()
    this.boundaryTimer = Number.isFinite(this.cached.untilMs)
      ? this.clock.at(this.cached.untilMs, () => this.boundary())
      : undefined
    this.dayTimer?.cancel()
    this.dayTimer = this.clock.at(this.day.endMs, () => this.boundary())
  }

  private boundary(): void {
    this.refresh()
    this.onChange()
  }

  private nowNextAt(t: number): NowNext {
    const c = this.channel()
    const airing = this.schedule.airingAt(c.id, t)
    const next = this.schedule.nextAfter(c.id, t)
    const now = airing?.event ?? null
    return {
      fromMs: now?.startMs ?? t,
      untilMs: Math.min(now?.endMs ?? Infinity, next?.startMs ?? Infinity),
      now,
      nowDto: now ? scheduleItemDto(now, c.timezone) : null,
      nextDto: next ? scheduleItemDto(next, c.timezone) : null
    }
  }

  private dayAt(t: number): Day {
    const c = this.channel()
    const day = this.schedule.broadcastDay(c, t)
    return {
      startMs: day.startMs,
      endMs: day.endMs,
      dto: {
        label: day.label,
        start: formatInstant(day.startMs, c.timezone),
        end: formatInstant(day.endMs, c.timezone)
      }
    }
  }

  /** Now (with its offset), next and the broadcast day at `at`. */
  read(at: number): {
    nowPlaying: NowPlayingDto | null
    next: ScheduleItemDto | null
    broadcastDay: BroadcastDayStatusDto
  } {
    const c = this.cached
    const nn = c && c.fromMs <= at && at < c.untilMs ? c : this.nowNextAt(at)
    const d = this.day && this.day.startMs <= at && at < this.day.endMs ? this.day : this.dayAt(at)
    const e = nn.now
    const nowPlaying =
      e && nn.nowDto
        ? { ...nn.nowDto, offsetMs: at - e.startMs + e.inPointMs, remainingMs: e.endMs - at }
        : null
    return { nowPlaying, next: nn.nextDto, broadcastDay: d.dto }
  }

  close(): void {
    this.closed = true
    this.boundaryTimer?.cancel()
    this.dayTimer?.cancel()
  }
}
