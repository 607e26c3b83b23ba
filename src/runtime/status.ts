// Status events for the console and the API: a full snapshot, then changes. Changes are coalesced
// over a short window so that a burst (a hundred viewers joining) reaches subscribers as one event.
import type {
  AlarmDto,
  ChannelStatusDto,
  ModeDto,
  StationEvent,
  StationHealthDto
} from '../shared/api'
import { formatInstant } from '../shared/time'
import type { MasterClock, TimerHandle } from '../shared/clock'

export interface StatusSource {
  channelStatus(uuid: string, now: number): ChannelStatusDto | undefined
  allChannelStatus(now: number): ChannelStatusDto[]
  modeDto(): ModeDto
  stationAlarms(): AlarmDto[]
  /** The latest acknowledgements, newest first (an acknowledged latched alarm leaves the lists). */
  recentAcknowledgements(): AlarmDto[]
  health(now: number): StationHealthDto
}

export type StationEventListener = (event: StationEvent) => void

export class StatusHub {
  private readonly listeners = new Set<StationEventListener>()
  private readonly dirtyChannels = new Set<string>()
  private dirtyStation = false
  private flushTimer: TimerHandle | undefined
  private seq = 0

  constructor(
    private readonly clock: MasterClock,
    private readonly source: StatusSource,
    readonly coalesceMs = 100
  ) {}

  snapshot(): StationEvent & { type: 'snapshot' } {
    const now = this.clock.now()
    return {
      type: 'snapshot',
      seq: this.seq,
      stationTime: formatInstant(now),
      mode: this.source.modeDto(),
      health: this.source.health(now),
      alarms: this.source.stationAlarms(),
      acknowledgements: this.source.recentAcknowledgements(),
      channels: this.source.allChannelStatus(now)
    }
  }

  /** Sends a snapshot now, then every change until unsubscribed. */
  subscribe(listener: StationEventListener): () => void {
    this.listeners.add(listener)
    listener(this.snapshot())
    return () => this.listeners.delete(listener)
  }

  get subscriberCount(): number {
    return this.listeners.size
  }

  channelChanged(uuid: string): void {
    this.dirtyChannels.add(uuid)
    this.scheduleFlush()
  }

  /** Mode, station alarms or health changed. */
  stationChanged(): void {
    this.dirtyStation = true
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.listeners.size === 0) {
      if (this.listeners.size === 0) {
        this.dirtyChannels.clear()
        this.dirtyStation = false
      }
      return
    }
    this.flushTimer = this.clock.after(this.coalesceMs, () => this.flush())
  }

  /**
   * The channel list itself changed (a channel taken off the station): a `changes` event cannot say
   * a channel is gone, so every subscriber gets a fresh snapshot, which replaces its channels.
   */
  resync(): void {
    this.flushTimer?.cancel()
    this.flushTimer = undefined
    this.dirtyChannels.clear()
    this.dirtyStation = false
    this.seq++
    const snapshot = this.snapshot()
    for (const l of [...this.listeners]) {
      try {
        l(snapshot)
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  /** Delivers the pending changes as one event. */
  flush(): void {
    this.flushTimer?.cancel()
    this.flushTimer = undefined
    if (this.dirtyChannels.size === 0 && !this.dirtyStation) return
    const now = this.clock.now()
    const channels: ChannelStatusDto[] = []
    for (const uuid of this.dirtyChannels) {
      const s = this.source.channelStatus(uuid, now)
      if (s) channels.push(s)
    }
    const event: StationEvent = {
      type: 'changes',
      seq: ++this.seq,
      stationTime: formatInstant(now),
      channels,
      // Station-level parts ride along with any change: they are small, and health counts follow viewers.
      mode: this.source.modeDto(),
      health: this.source.health(now),
      alarms: this.source.stationAlarms(),
      acknowledgements: this.source.recentAcknowledgements()
    }
    this.dirtyChannels.clear()
    this.dirtyStation = false
    for (const l of [...this.listeners]) {
      try {
        l(event)
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  close(): void {
    this.flushTimer?.cancel()
    this.flushTimer = undefined
    this.listeners.clear()
  }
}
