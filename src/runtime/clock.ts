// MasterClock: the station's only source of "now".
//
// Every other module asks a MasterClock for the time and for timers, never the system. That keeps
// playout locked to one timeline and lets tests drive time with SimulatedClock instead of sleeping.
// This file is the one place allowed to read the system time (enforced by lint).
import type { MasterClock, TimerHandle } from '../shared/clock'
import { type EpochMs, parseInstant } from '../shared/time'

export interface TimeSources {
  /** Wall clock, epoch ms (may be stepped by the operator or NTP). */
  wall(): number
  /** Monotonic ms since an arbitrary origin (never stepped). */
  mono(): number
}

/**
 * A repeating timer on any clock, scheduled from its nominal times so that intervals do not drift;
 * if the clock jumped past several ticks, it resumes one interval from now instead of firing a burst.
 */
function repeat(clock: Pick<MasterClock, 'now' | 'at'>, ms: number, fn: () => void): TimerHandle {
  if (!(ms > 0)) throw new RangeError(`every(): interval must be positive, got ${ms}`)
  let next = clock.now() + ms
  let cancelled = false
  let current: TimerHandle
  const tick = (): void => {
    if (cancelled) return
    next += ms
    const now = clock.now()
    if (next <= now) next = now + ms
    current = clock.at(next, tick)
    fn()
  }
  current = clock.at(next, tick)
  return {
    cancel: () => {
      cancelled = true
      current.cancel()
    }
  }
}

const systemSources: TimeSources = {
  wall: () => Date.now(),
  mono: () => performance.now()
}

export interface SystemClockOptions {
  sources?: TimeSources
  /** Called once per backwards step of the wall clock that the station clock refused to follow. */
  onBackwardStep?: (stepMs: number) => void
  /** The wall clock caught up with station time again after a backward step. */
  onStepResolved?: () => void
  /**
   * A timer callback threw. Station work runs on these timers; one failure must not end the
   * process (the engine reports it as an alarm). Without this, the error is rethrown.
   */
  onTimerError?: (err: unknown) => void
}

/**
 * Station time = wall clock at the last anchor + monotonic time elapsed since. A forward step of
 * the wall clock (NTP catching up, operator fixing the time) is followed; a backward step is not:
 * station time keeps running on the monotonic clock, so schedules never replay and no timestamp
 * ever repeats.
 */
export class SystemClock implements MasterClock {
  private readonly sources: TimeSources
  private anchorWall: number
  private anchorMono: number
  private last = -Infinity
  private readonly options: SystemClockOptions
  private reportedStep = false
  // Below this, a wall/monotonic disagreement is rate noise, not a step.
  private static readonly STEP_TOLERANCE_MS = 2

  constructor(options: SystemClockOptions = {}) {
    this.sources = options.sources ?? systemSources
    this.options = options
    this.anchorWall = this.sources.wall()
    this.anchorMono = this.sources.mono()
  }

  now(): EpochMs {
    const mono = this.sources.mono()
    const wall = this.sources.wall()
    let t = this.anchorWall + (mono - this.anchorMono)
    if (wall > t + SystemClock.STEP_TOLERANCE_MS) {
      // The wall clock is ahead: follow it (re-anchor), it may have been stepped forward.
      this.anchorWall = wall
      this.anchorMono = mono
      t = wall
    }
    if (this.reportedStep && wall >= t - SystemClock.STEP_TOLERANCE_MS) {
      this.reportedStep = false
      this.options.onStepResolved?.()
    } else if (!this.reportedStep && wall < t - 1000) {
      this.reportedStep = true
      this.options.onBackwardStep?.(t - wall)
    }
    // Integer milliseconds; never below a value already handed out.
    const ms = Math.max(Math.floor(t), this.last)
    this.last = ms
    return ms
  }

  at(when: EpochMs, fn: () => void): TimerHandle {
    let handle: ReturnType<typeof setTimeout> | undefined
    let cancelled = false
    const arm = (): void => {
      const delay = when - this.now()
      if (delay <= 0) {
        handle = setTimeout(() => {
          if (!cancelled) this.fire(fn)
        }, 0)
      } else {
        // Node timers run on the monotonic clock; re-check on wake in case station time was stepped.
        handle = setTimeout(
          () => {
            if (!cancelled) arm()
          },
          Math.min(delay, 2 ** 31 - 1)
        )
      }
      handle.unref?.()
    }
    arm()
    return {
      cancel: () => {
        cancelled = true
        if (handle) clearTimeout(handle)
      }
    }
  }

  private fire(fn: () => void): void {
    const report = this.options.onTimerError
    if (!report) return fn()
    try {
      fn()
    } catch (err) {
      report(err)
    }
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.at(this.now() + ms, fn)
  }

  every(ms: number, fn: () => void): TimerHandle {
    return repeat(this, ms, fn)
  }
}

interface SimTimer {
  when: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/**
 * A MasterClock driven by the test: time moves only when advanced, and due timers fire in order of
 * their due time (ties in creation order), each seeing now() equal to its own due time.
 */
export class SimulatedClock implements MasterClock {
  private current: number
  private seq = 0
  private timers: SimTimer[] = []

  constructor(start: EpochMs | string = 0) {
    this.current = typeof start === 'string' ? parseInstant(start) : start
  }

  now(): EpochMs {
    return this.current
  }

  at(when: EpochMs, fn: () => void): TimerHandle {
    const timer: SimTimer = {
      when: Math.max(when, this.current),
      seq: this.seq++,
      fn,
      cancelled: false
    }
    this.timers.push(timer)
    return {
      cancel: () => {
        timer.cancelled = true
      }
    }
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.at(this.current + ms, fn)
  }

  every(ms: number, fn: () => void): TimerHandle {
    return repeat(this, ms, fn)
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length
  }

  private nextDue(limit: number): SimTimer | undefined {
    let best: SimTimer | undefined
    for (const t of this.timers) {
      if (t.cancelled || t.when > limit) continue
      if (!best || t.when < best.when || (t.when === best.when && t.seq < best.seq)) best = t
    }
    return best
  }

  private fire(t: SimTimer): void {
    this.timers = this.timers.filter((x) => x !== t && !x.cancelled)
    this.current = Math.max(this.current, t.when)
    t.fn()
  }

  /** Moves time forward by ms, firing due timers synchronously. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms)
  }

  advanceTo(target: EpochMs): void {
    if (target < this.current) throw new RangeError('SimulatedClock cannot go backwards')
    for (let t = this.nextDue(target); t; t = this.nextDue(target)) this.fire(t)
    this.current = target
  }

  /**
   * Like advance, but lets promise continuations (and I/O callbacks already queued) run after each
   * timer, so async runtime code settles at each step exactly as it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms
    await settle()
    for (let t = this.nextDue(target); t; t = this.nextDue(target)) {
      this.fire(t)
      await settle()
    }
    this.current = target
    await settle()
  }
}

/** Drains pending promise jobs and already-queued immediates; takes no simulated time. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
