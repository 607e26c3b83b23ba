// One channel's producer lifecycle: start, stop, swap, re-plan and restart, all through one queue,
// so there is at most one producer for the channel at any instant, including during swaps and
// restarts. It holds the channel's slot in the station's producer budget from the moment a start
// needs one until the producer is gone and nobody wants it any more, so the budget is never
// exceeded (a viewer returning during a stop keeps the slot; a failed channel gives it up).
//
// What to run (type, plan, options) is the ChannelManager's decision, asked through `spec`; this
// class never reads the schedule. Failures restart with a growing delay; repeated failure marks the
// channel fully failed. Every transition's failure is logged, shown in status and as an alarm:
// none escapes as an unhandled rejection.
import type { Logger } from 'pino'
import type { MasterClock, TimerHandle } from '../../shared/clock'
import type {
  LoudnessSettings,
  OutputHealthSettings,
  PlayoutPlan,
  ProducerStatus,
  ProducerType
} from '../../shared/domain'
import type { AlarmBoard } from '../alarms'
import type { ProducerBudget } from '../budget'
import { alarmKeys } from '../alarm-keys'
import { CapacityError } from '../errors'
import type { RuntimePolicy } from '../policy'
import type {
  Carryover,
  CuedProgramme,
  OutputCounters,
  Producer,
  ProducerFactory,
  ProducerStartOptions
} from '../../playout'
import type { OffAir } from './producer-reports'

/** What the channel should air now: the producer type, its plan from the clock's position, options. */
export interface ProducerSpec {
  type: ProducerType
  plan: PlayoutPlan
  startAtMs: number
  options: ProducerStartOptions
}

/**
 * What a supervisor is given: the station's services, and the ChannelManager's answers (what to
 * air now, whether anyone wants it) and hooks (a producer on or off air, status to mirror in the store).
 */
export interface SupervisorDeps {
  clock: MasterClock
  factory: ProducerFactory
  budget: ProducerBudget
  /** What a channel airing by copy counts in the budget, as a share of an encode channel. */
  copyShare: () => number
  policy: RuntimePolicy
  log: Logger
  alarms: AlarmBoard
  channel: () => { uuid: string; name: string }
  outputDir: string
  /** How outputs are watched (the station's settings), handed to each producer it starts. */
  health: () => OutputHealthSettings
  loudness?: () => LoudnessSettings
  /** The channel's output counters, handed to each producer it starts. */
  counters?: OutputCounters
  /** What to run now (for the current mode unless told otherwise). */
  spec: () => ProducerSpec
  /** Whether anyone wants output (sessions attached). */
  wanted: () => boolean
  /** A producer is about to go on air / has gone off air. */
  producerOnAir: (p: Producer) => void
  /** `atMs`: when its picture leaves the air, if not now (a hand-over switches at the next frame it had not written). */
  producerOffAir: (p: Producer, why: OffAir, atMs?: number) => void
  /** Mirror of the producer status in the store (may throw; reported, never fatal). */
  persist: (status: ProducerStatus, p: Producer | null) => void
  onChange: () => void
}

/**
 * The ways a producer comes off air. Each says both how the producer ends and what becomes of the
 * channel's slot in the producer budget, so that only the stops that happen can be asked for:
 * - 'unwanted': nobody wants output. A plain stop (a cued programme is closed too); the slot is
 *   given up unless someone wants output again by the time the stop is done.
 * - 'release': a plain stop, and the slot is given up (station shutdown; a restart that finds nobody).
 * - 'hand-over': a swap. The output stays on air and is returned for the next producer, which
 *   keeps the slot.
 * - 'cue': a hand-over that also keeps the programme rolling off air for the producer that takes
 *   the output back (an emergency takeover and its clear).
 */
type StopKind = 'unwanted' | 'release' | 'hand-over' | 'cue'

export class ProducerSupervisor {
  private producer: Producer | null = null
  /**
   * Programming kept rolling off air under an emergency takeover (not a producer: it airs nothing),
   * for the producer that takes the output back at the clear. Closed whenever anything else follows.
   */
  private cued: CuedProgramme | null = null
  private status: ProducerStatus = 'stopped'
  private failed = false
  private failures = 0
  private error: string | null = null
  private started = 0
  /** Restarts scheduled after a producer failed, in this station run (for metrics). */
  private restartCount = 0
  private ops: Promise<void> = Promise.resolve()
  private restartTimer: TimerHandle | undefined
  private stableTimer: TimerHandle | undefined
  private replanTimer: TimerHandle | undefined
  private replanQueued = false
  private closed = false

  constructor(private readonly d: SupervisorDeps) {}

  get current(): Producer | null {
    return this.producer
  }
  get producerStatus(): ProducerStatus {
    return this.status
  }
  /** Restarts scheduled after a producer failed, in this station run. */
  get restarts(): number {
    return this.restartCount
  }
  get isFailed(): boolean {
    return this.failed
  }
  get lastError(): string | null {
    return this.error
  }
  private get uuid(): string {
    return this.d.channel().uuid
  }

  /** Runs a transition after the ones queued before it; the caller handles its failure. */
  private queue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.ops.then(fn)
    this.ops = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  /** A transition nobody awaits: its failure is reported here. */
  private fire(op: string, fn: () => Promise<void>): void {
    this.queue(fn).catch((err: unknown) => this.transitionFailed(op, err))
  }

  private transitionFailed(op: string, err: unknown): void {
    this.error = err instanceof Error ? err.message : String(err)
    this.d.log.error({ op, err }, 'channel transition failed')
    const message = `${op} failed: ${this.error}`
    this.d.alarms.raise(
      alarmKeys.transitionFailed,
      {
        kind: 'producer-failed',
        severity: 'warning',
        message,
        channelUuid: this.uuid,
        owner: 'channel'
      },
      this.d.clock.now()
    )
    this.d.onChange()
  }

  /** Resolves when every queued transition has run. */
  whenIdle(): Promise<void> {
    return this.ops
  }

  private setStatus(status: ProducerStatus): void {
    if (this.status === status) return
    this.status = status
    try {
      this.d.persist(status, this.producer)
    } catch (err) {
      // The store is a mirror for reconciliation after a crash; air goes on without it.
      this.d.log.error({ err, status }, 'producer status could not be stored')
      const message = `producer status could not be stored: ${(err as Error).message}`
      this.d.alarms.raise(
        alarmKeys.storeFailed,
        {
          kind: 'io-error',
          severity: 'warning',
          message,
          channelUuid: this.uuid,
          owner: 'channel'
        },
        this.d.clock.now()
      )
    }
    this.d.onChange()
  }

  // ---- transitions ------------------------------------------------------------------------

  /** Someone wants output: start a producer unless one runs, a restart is pending or the channel failed. */
  ensureRunning(): void {
    this.fire('start', async () => {
      if (this.closed || this.producer || this.failed || this.restartTimer || !this.d.wanted())
        return
      await this.startOrRegisterFailure(this.d.spec())
    })
  }

  /** Nobody wants output any more (the fanout's grace ran out): stop, unless someone came back. */
  stopIfUnwanted(): void {
    this.fire('stop', async () => {
      if (this.d.wanted()) return
      await this.stopLocked('unwanted', { cause: 'no viewers', next: 'off-air' })
      this.d.log.info('producer stopped: no viewers')
    })
  }

  /**
   * Starts the producer the spec calls for at the clock's position. Call only from the queue. A
   * cued programme is closed first, unless `keepCued` (the takeover that cued it).
   */
  private async startLocked(spec: ProducerSpec, keepCued = false): Promise<void> {
    if (!keepCued) await this.dropCued()
    const { uuid, name } = this.d.channel()
    // Normally reserved at admission; taken here too so that no path can start without a slot.
    if (!this.d.budget.tryAcquire(uuid))
      throw new CapacityError(
        `the station is at its producer budget (${this.d.budget.max}); "${name}" cannot start now`
      )
    // A start counts as an encode channel until its producer says it copies.
    this.d.budget.setWeight(uuid, 1)
    const p = this.d.factory(spec.type, {
      channelUuid: uuid,
      channelName: name,
      outputDir: this.d.outputDir,
      clock: this.d.clock,
      sequence: ++this.started,
      health: this.d.health(),
      loudness: this.d.loudness?.(),
      counters: this.d.counters
    })
    this.producer = p
    this.d.producerOnAir(p)
    this.setStatus('starting')
    try {
      await p.start(spec.plan, spec.startAtMs, spec.options)
    } catch (err) {
      this.producer = null
      this.d.producerOffAir(p, { cause: 'producer failure', next: 'off-air' })
      await this.stopProducer(p)
      throw err
    }
    this.setStatus('running')
    this.d.alarms.clear(alarmKeys.restarting)
    this.d.alarms.clear(alarmKeys.transitionFailed)
    this.armReplan(spec.plan)
    this.stableTimer?.cancel()
    this.stableTimer = this.d.clock.after(this.d.policy.stableMs, () => {
      this.stableTimer = undefined
      if (this.producer === p) this.failures = 0
    })
    this.d.log.info(
      { producer: p.id, type: spec.type, startAtMs: spec.startAtMs },
      'producer started'
    )
  }

  /** Closes the cued programme, if any (its decoders stop). Queue only. */
  private async dropCued(): Promise<void> {
    const cued = this.cued
    this.cued = null
    await cued?.close()
  }

  /** Stops a producer; a stop that fails is reported and the producer is considered gone. */
  private stopProducer(p: Producer): Promise<void> {
    return this.endProducer(p, () => p.stop(), undefined)
  }

  /** Stops a producer for a swap, keeping its output on air for the next one (null: it simply stopped). */
  private handOverProducer(p: Producer): Promise<Carryover | null> {
    return this.endProducer(p, () => p.handOver(), null)
  }

  /** As handOverProducer, keeping its programme rolling off air (cued) where the producer can. */
  private async handOverCued(p: Producer): Promise<Carryover | null> {
    const { carryover, cued } = await this.endProducer(p, () => p.handOverCued(), {
      carryover: null,
      cued: null
    })
    this.cued = cued
    return carryover
  }

  /** Ends a producer one way or the other; a failure is reported (`fallback` then) and the producer is considered gone. */
  private async endProducer<T>(p: Producer, end: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await end()
    } catch (err) {
      this.d.log.error({ err, producer: p.id }, 'producer did not stop cleanly')
      const message = `producer ${p.id} did not stop cleanly: ${(err as Error).message}`
      this.d.alarms.raise(
        alarmKeys.stopFailed,
        {
          kind: 'producer-failed',
          severity: 'warning',
          message,
          channelUuid: this.uuid,
          owner: 'channel'
        },
        this.d.clock.now()
      )
      return fallback
    }
  }

  /**
   * Stops the producer the way `kind` says (see StopKind); a hand-over or a cue returns the output
   * for the next producer (null when there was none). Queue only.
   */
  private async stopLocked(kind: StopKind, why: OffAir): Promise<Carryover | null> {
    this.replanTimer?.cancel()
    this.stableTimer?.cancel()
    const p = this.producer
    const swap = kind === 'hand-over' || kind === 'cue'
    let carryover: Carryover | null = null
    if (!swap) await this.dropCued()
    if (p) {
      this.setStatus('stopping')
      // Right after a cold start the output may still be catching up with the clock (its pre-roll):
      // the switch waits for it, so that it lands after the moment it was asked for.
      if (swap) await p.untilCaughtUp?.()
      // Asked right before the hand-over, with nothing written in between: the frame it switches at.
      this.d.producerOffAir(p, why, (swap ? p.handOverAt() : null) ?? undefined)
      try {
        if (kind === 'cue') carryover = await this.handOverCued(p)
        else if (kind === 'hand-over') carryover = await this.handOverProducer(p)
        else await this.stopProducer(p)
      } finally {
        this.producer = null
      }
    }
    // A swap keeps the slot for the producer that follows; a plain stop ends any pending restart.
    if (!swap) {
      this.restartTimer?.cancel()
      this.restartTimer = undefined
      if (kind === 'release' || !this.d.wanted()) this.d.budget.release(this.uuid)
    }
    if (!this.failed) this.setStatus('stopped')
    return carryover
  }

  /**
   * Replaces the producer on air with one of another type. The new one continues the old one's
   * output (its encoder, its timeline): no encoder starts, viewers see no discontinuity. A start
   * that fails closes the output it was handed. Queue only.
   *
   * Programming taken over by an emergency stays cued (its sources rolling off air) and the next
   * swap hands it on with the output: the clear's normal producer continues it rather than start
   * a decoder and seek. In an emergency every channel switches at once, and on a small machine
   * those decoder starts made the clear the slowest switch of all.
   */
  private async swapLocked(spec: ProducerSpec, why: OffAir): Promise<void> {
    const cue = this.producer?.type === 'normal' && spec.type === 'emergency'
    const carryover = await this.stopLocked(cue ? 'cue' : 'hand-over', why)
    const cued = cue ? null : this.cued
    if (!cue) this.cued = null
    try {
      await this.startLocked({ ...spec, options: { ...spec.options, carryover, cued } }, cue)
    } catch (err) {
      await carryover?.close()
      throw err
    } finally {
      await cued?.close() // nothing if the new producer took it over
    }
  }

  private async startOrRegisterFailure(spec: ProducerSpec): Promise<void> {
    try {
      await this.startLocked(spec)
    } catch (err) {
      this.registerFailure(err)
    }
  }

  /** The producer on air airs by copy (its share of the budget) or through the encode path (one). */
  producerPath(p: Producer, path: 'copy' | 'encode'): void {
    if (this.producer !== p) return
    this.d.budget.setWeight(this.uuid, path === 'copy' ? this.d.copyShare() : 1)
  }

  /** The producer died on its own (not through stop). */
  producerFailed(p: Producer, error: Error): void {
    this.fire('restart', async () => {
      if (this.producer !== p) return // already replaced or stopped
      this.producer = null
      this.d.producerOffAir(p, { cause: 'producer failure', next: 'off-air' })
      this.replanTimer?.cancel()
      this.stableTimer?.cancel()
      await this.stopProducer(p)
      this.registerFailure(error)
    })
  }

  private registerFailure(err: unknown): void {
    this.failures++
    this.error = err instanceof Error ? err.message : String(err)
    if (this.failures >= this.d.policy.maxFailures) return this.markFailed()
    const delay = Math.min(
      this.d.policy.restartBaseMs * 2 ** (this.failures - 1),
      this.d.policy.restartCapMs
    )
    this.d.log.warn(
      { failures: this.failures, delayMs: delay, error: this.error },
      'producer failed; restarting'
    )
    const message = `producer failed (${this.error}); restart ${this.failures} in ${delay / 1000} s`
    this.d.alarms.raise(
      alarmKeys.restarting,
      {
        kind: 'producer-restarting',
        severity: 'warning',
        message,
        channelUuid: this.uuid,
        owner: 'channel'
      },
      this.d.clock.now()
    )
    this.setStatus('starting')
    this.restartCount++
    this.restartTimer?.cancel()
    this.restartTimer = this.d.clock.after(delay, () => {
      this.restartTimer = undefined
      this.fire('restart', async () => {
        if (this.closed || this.producer || this.failed) return
        if (!this.d.wanted()) {
          await this.stopLocked('release', { cause: 'no viewers', next: 'off-air' })
          return
        }
        await this.startOrRegisterFailure(this.d.spec())
      })
    })
  }

  /** Fully failed: no producer, no budget slot, status says failed, an alarm, until reset or a new viewer. */
  private markFailed(): void {
    this.failed = true
    this.fire('stop', () => this.dropCued())
    this.restartTimer?.cancel()
    this.restartTimer = undefined
    this.d.budget.release(this.uuid)
    this.d.alarms.clear(alarmKeys.restarting)
    const message = `channel failed after ${this.failures} consecutive producer failures (last: ${this.error})`
    this.d.alarms.raise(
      alarmKeys.channelFailed,
      {
        kind: 'channel-failed',
        severity: 'critical',
        message,
        channelUuid: this.uuid,
        owner: 'channel'
      },
      this.d.clock.now()
    )
    this.d.log.error({ failures: this.failures, error: this.error }, 'channel failed')
    this.setStatus('failed')
  }

  /** Leaves the failed state (operator reset, or a new viewer); the caller then asks for output. */
  clearFailure(reason: string): void {
    if (!this.failed) return
    this.failed = false
    this.failures = 0
    this.d.alarms.clear(alarmKeys.channelFailed)
    this.d.log.info({ reason }, 'channel failure cleared')
    this.setStatus('stopped')
  }

  /** Gives back a slot reserved for a start that will not happen (nothing on air, nobody waiting). */
  releaseIfUnused(): void {
    if (!this.producer && !this.restartTimer && !this.d.wanted()) this.d.budget.release(this.uuid)
  }

  // ---- plans and modes --------------------------------------------------------------------

  private armReplan(plan: PlayoutPlan): void {
    this.replanTimer?.cancel()
    const at = Math.max(plan.toMs - this.d.policy.replanLeadMs, this.d.clock.now() + 1000)
    this.replanTimer = this.d.clock.at(at, () => this.replan())
  }

  /** The schedule changed or the plan runs short: hand the producer a fresh plan from now. */
  replan(): void {
    if (this.replanQueued) return
    this.replanQueued = true
    this.fire('re-plan', async () => {
      this.replanQueued = false
      const p = this.producer
      if (!p || this.status !== 'running') return
      const spec = this.d.spec()
      if (spec.type !== p.type) {
        try {
          await this.swapLocked(spec, { cause: 'schedule changed', next: 'producer' })
        } catch (err) {
          this.registerFailure(err)
        }
        return
      }
      await p.updatePlan(spec.plan)
      if (spec.options.listings) p.updateListings(spec.options.listings)
      this.armReplan(spec.plan)
    })
  }

  /**
   * Brings the producer on air in line with a new mode: in place when the producer type stays (an
   * overlay the producer must accept), by a swap otherwise. On refusal the previous spec is
   * restored and the error rethrown; the caller decides what that means for the mode.
   */
  switchMode(
    target: () => ProducerSpec,
    previous: () => ProducerSpec,
    cause: string
  ): Promise<'in place' | 'swapped' | 'off air'> {
    return this.queue(async () => {
      const p = this.producer
      if (!p || this.failed) return 'off air'
      const spec = target()
      try {
        if (spec.type === p.type) {
          await p.setOverlay(spec.options.overlay ?? null)
          return 'in place'
        }
        await this.swapLocked(spec, { cause, next: 'producer' })
        return 'swapped'
      } catch (err) {
        if (this.producer)
          await this.producer.setOverlay(previous().options.overlay ?? null).catch(() => undefined)
        else if (this.d.wanted()) await this.startOrRegisterFailure(previous()) // back to what it was airing
        throw err
      }
    })
  }

  /** Stops the producer and every timer for good (station shutdown). */
  shutdown(): Promise<void> {
    // Closed first, so that nothing queued behind the stop can start a producer again.
    this.closed = true
    this.restartTimer?.cancel()
    this.restartTimer = undefined
    return this.queue(async () => {
      await this.stopLocked('release', { cause: 'station shutdown', next: 'nothing' })
    })
  }
}
