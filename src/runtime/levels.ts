// Audio levels for the console's meters: about ten times a second, every live channel's peak and
// RMS, as their own small `levels` event (never a channel status). The hub reads the producers'
// meters only while someone subscribes, and sends nothing while no channel is live.
import type { ChannelLevelsDto, StationEvent } from '../shared/api'
import type { MasterClock, TimerHandle } from '../shared/clock'
import { formatInstant } from '../shared/time'

export const LEVELS_INTERVAL_MS = 100

export type LevelsListener = (event: StationEvent & { type: 'levels' }) => void

export class LevelsHub {
  private readonly listeners = new Set<LevelsListener>()
  private timer: TimerHandle | undefined

  constructor(
    private readonly clock: MasterClock,
    /** Every live channel's levels since the last reading (channels with nothing measured are left out). */
    private readonly read: () => ChannelLevelsDto[],
    private readonly intervalMs = LEVELS_INTERVAL_MS
  ) {}

  subscribe(listener: LevelsListener): () => void {
    this.listeners.add(listener)
    this.timer ??= this.clock.every(this.intervalMs, () => this.tick())
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stop()
    }
  }

  get subscriberCount(): number {
    return this.listeners.size
  }

  private tick(): void {
    const channels = this.read()
    if (channels.length === 0) return
    const event = {
      type: 'levels' as const,
      stationTime: formatInstant(this.clock.now()),
      channels
    }
    for (const l of [...this.listeners]) {
      try {
        l(event)
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  private stop(): void {
    this.timer?.cancel()
    this.timer = undefined
  }

  close(): void {
    this.stop()
    this.listeners.clear()
  }
}
