// The MasterClock's contract: the station's only source of "now" and of timers driven by it.
// Implemented in runtime/clock.ts (system and simulated clocks). It lives here, in the contract,
// so that the schedule and the runtime both depend on it without depending on each other.
import type { EpochMs } from './time'

export interface TimerHandle {
  cancel(): void
}

export interface MasterClock {
  /** Station time: epoch milliseconds UTC. Never goes backwards. */
  now(): EpochMs
  /** Runs fn once the clock reaches `when` (immediately on the next turn if already past). */
  at(when: EpochMs, fn: () => void): TimerHandle
  /** Runs fn after `ms` of station time. */
  after(ms: number, fn: () => void): TimerHandle
  /** Runs fn every `ms` of station time, first after `ms`. */
  every(ms: number, fn: () => void): TimerHandle
}
