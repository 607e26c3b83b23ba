// A test-double Producer for runtime tests: no media, fully scriptable, and it keeps count of how
// many producers are alive per channel so tests can assert "never more than one".
import {
  type AudioLevels,
  BaseProducer,
  type Carryover,
  type CuedProgramme,
  type EmergencyOverlay,
  type GuideListing,
  type ProducerContext,
  type ProducerEvents,
  type ProducerFactory,
  type ProducerStartOptions,
  type StreamEndpoint
} from '../../src/playout'
import type { TimerHandle } from '../../src/shared/clock'
import type {
  LoudnessSettings,
  OutputHealthSettings,
  PlayoutPlan,
  ProducerType
} from '../../src/shared/domain'

export interface StartRecord {
  producer: TestProducer
  type: ProducerType
  plan: PlayoutPlan
  startAtMs: number
  options: ProducerStartOptions | undefined
}

/** A stand-in for a program output handed from producer to producer. */
export class TestCarryover implements Carryover {
  closed = false
  constructor(readonly id: string) {}
  async close(): Promise<void> {
    this.closed = true
  }
}

/** A stand-in for programming kept rolling off air under a takeover. */
export class TestCued implements CuedProgramme {
  closed = false
  /** The producer that continued it, if one did (closing it then does nothing, as with the real one). */
  takenBy: TestProducer | null = null
  constructor(readonly from: string) {}
  async close(): Promise<void> {
    if (!this.takenBy) this.closed = true
  }
}

export class TestProducerPool {
  readonly starts: StartRecord[] = []
  /** Producers hand their output over at a swap (as the ffmpeg producers do); off: they just stop. */
  carryovers = false
  /** Every output handed over, in order. */
  readonly handedOver: TestCarryover[] = []
  /** Normal producers keep their programme rolling when handing over to a takeover (with carryovers on). */
  cues = false
  /** Every programme cued, in order. */
  readonly cued: TestCued[] = []
  readonly live = new Map<string, Set<TestProducer>>()
  /** Most producers alive at once for any channel, ever. */
  maxAlivePerChannel = 0
  /** Most producers alive at once across the station, ever. */
  maxAliveTotal = 0
  /** Simulated shutdown time, in clock ms (0: stops on the next microtask). */
  stopDelayMs = 0
  /** Channels whose producers' stop() rejects (after stopping: the producer is gone either way). */
  failStops = new Set<string>()
  /**
   * Normal producers report their plan's segments as the clock reaches them (segment-began and
   * -ended, at the frame the real engine would), for as-run tests. Off by default.
   */
  airSegments = false
  /** Asset paths that "cannot be played": their items air as a slate (airSegments only). */
  missingAssets = new Set<string>()
  /** Channel uuids whose next N starts fail. */
  failStarts = new Map<string, number>()
  /** Producer types that fail to start on a channel (e.g. the emergency producer of channel 5). */
  failTypes = new Map<string, Set<ProducerType>>()
  /** Channels whose producers refuse an overlay change (crawl). */
  refuseOverlay = new Set<string>()
  /** Simulated start-up time, in clock ms (0: starts on the next microtask). */
  startDelayMs = 0

  factory: ProducerFactory = (type, context) => new TestProducer(type, context, this)

  startsFor(channelUuid: string): StartRecord[] {
    return this.starts.filter((s) => s.producer.channelUuid === channelUuid)
  }
  aliveFor(channelUuid: string): TestProducer[] {
    return [...(this.live.get(channelUuid) ?? [])]
  }
  totalAlive(): number {
    let n = 0
    for (const set of this.live.values()) n += set.size
    return n
  }
  /** Makes the channel's live producer die on its own. */
  crash(channelUuid: string, message = 'simulated crash'): void {
    for (const p of this.aliveFor(channelUuid)) p.crash(message)
  }
}

export class TestProducer extends BaseProducer {
  stopped = false
  overlays: Array<EmergencyOverlay | null> = []
  plans: PlayoutPlan[] = []

  constructor(
    type: ProducerType,
    context: ProducerContext,
    private readonly pool: TestProducerPool
  ) {
    super(type, context)
  }

  get channelUuid(): string {
    return this.context.channelUuid
  }

  private markAlive(): void {
    let set = this.pool.live.get(this.channelUuid)
    if (!set) this.pool.live.set(this.channelUuid, (set = new Set()))
    set.add(this)
    this.pool.maxAlivePerChannel = Math.max(this.pool.maxAlivePerChannel, set.size)
    this.pool.maxAliveTotal = Math.max(this.pool.maxAliveTotal, this.pool.totalAlive())
  }

  private markDead(): void {
    this.pool.live.get(this.channelUuid)?.delete(this)
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    this.markAlive()
    this.status = 'starting'
    this.plan = plan
    this.plans.push(plan)
    this.overlay = options?.overlay ?? null
    this.pool.starts.push({ producer: this, type: this.type, plan, startAtMs, options })
    // A normal producer continues a cued programme it is handed with the output (as the real one does).
    if (this.type === 'normal' && options?.carryover && options.cued instanceof TestCued)
      options.cued.takenBy = this
    if (this.pool.startDelayMs > 0) {
      await new Promise<void>((resolve) =>
        this.context.clock.after(this.pool.startDelayMs, resolve)
      )
    } else {
      await Promise.resolve()
    }
    const remaining = this.pool.failStarts.get(this.channelUuid) ?? 0
    if (remaining > 0 || this.pool.failTypes.get(this.channelUuid)?.has(this.type)) {
      if (remaining > 0) this.pool.failStarts.set(this.channelUuid, remaining - 1)
      this.markDead()
      this.status = 'failed'
      throw new Error(`test producer for ${this.channelUuid} refused to start (${this.type})`)
    }
    this.status = 'running'
    this.startedAtMs = this.context.clock.now()
    this.setHealth('running')
    if (this.pool.airSegments && this.type === 'normal') this.air(plan, startAtMs)
    this.emit('started', { atMs: this.startedAtMs })
  }

  private airTimers: TimerHandle[] = []
  /** The segment on air (a re-plan keeps it, as the real engine keeps its slot). */
  private onAirKey: string | null = null

  /** Reports each segment of the plan from `fromMs` on, when the clock reaches it. */
  private air(plan: PlayoutPlan, fromMs: number): void {
    for (const t of this.airTimers) t.cancel()
    this.airTimers = []
    const clock = this.context.clock
    for (const segment of plan.segments) {
      if (segment.endMs <= fromMs) continue
      const slate =
        segment.kind === 'gap' ||
        (segment.asset !== null && this.pool.missingAssets.has(segment.asset.path))
      const key = `${segment.kind}:${segment.startMs}:${segment.endMs}`
      const began = () => {
        this.onAirKey = key
        this.emit('segment-began', { segment, atMs: Math.max(segment.startMs, fromMs), slate })
      }
      if (segment.startMs > fromMs) this.airTimers.push(clock.at(segment.startMs, began))
      else if (this.onAirKey !== key) began()
      this.airTimers.push(
        clock.at(segment.endMs, () =>
          this.emit('segment-ended', {
            segment,
            atMs: segment.endMs,
            slate,
            status: slate ? 'slate' : 'aired'
          })
        )
      )
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.airTimers) t.cancel()
    if (this.pool.stopDelayMs > 0)
      await new Promise<void>((resolve) => this.context.clock.after(this.pool.stopDelayMs, resolve))
    this.markDead()
    this.status = 'stopped'
    this.setHealth('stopped')
    this.emit('stopped', { atMs: this.context.clock.now() })
    if (this.pool.failStops.has(this.channelUuid))
      throw new Error(`test producer for ${this.channelUuid} failed to stop cleanly`)
  }

  /** With `pool.carryovers`: stops, handing over the output it was given (or one of its own). */
  override async handOver(): Promise<Carryover | null> {
    if (!this.pool.carryovers) return super.handOver()
    if (this.stopped) return null
    const given = this.pool.starts.find((s) => s.producer === this)?.options?.carryover
    const output = given instanceof TestCarryover ? given : new TestCarryover(`${this.id}-out`)
    await this.stop()
    this.pool.handedOver.push(output)
    return output
  }

  /** With `pool.cues`, a normal producer's programme stays cued (rolling) when it hands over. */
  override async handOverCued(): Promise<{
    carryover: Carryover | null
    cued: CuedProgramme | null
  }> {
    const carryover = await this.handOver()
    if (!this.pool.cues || this.type !== 'normal' || !carryover) return { carryover, cued: null }
    const cued = new TestCued(this.id)
    this.pool.cued.push(cued)
    return { carryover, cued }
  }

  /** Reports as a real producer would (for alarm and as-run tests). */
  report<E extends keyof ProducerEvents>(event: E, ...args: ProducerEvents[E]): void {
    this.emit(event, ...(args as never))
  }

  override async updatePlan(plan: PlayoutPlan): Promise<void> {
    this.plan = plan
    this.plans.push(plan)
    if (this.pool.airSegments && this.type === 'normal' && this.status === 'running')
      this.air(plan, this.context.clock.now())
  }

  override async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    if (this.pool.refuseOverlay.has(this.channelUuid))
      throw new Error('overlay refused by test producer')
    this.overlay = overlay
    this.overlays.push(overlay)
  }

  streamEndpoint(): StreamEndpoint | null {
    return this.status === 'running'
      ? {
          kind: 'hls',
          id: this.id,
          dir: this.context.outputDir,
          playlist: `${this.context.outputDir}/index.m3u8`
        }
      : null
  }

  crash(message: string): void {
    if (this.stopped) return
    for (const t of this.airTimers) t.cancel()
    this.markDead()
    this.status = 'failed'
    this.emit('failed', { error: new Error(message), atMs: this.context.clock.now() })
  }

  listings: GuideListing[][] = []
  override updateListings(listings: GuideListing[]): void {
    this.listings.push(listings)
  }

  get currentOverlay(): EmergencyOverlay | null {
    return this.overlay
  }

  /** The output health settings it was started with, then every update. */
  get healthSettings(): Array<OutputHealthSettings | undefined> {
    return [this.context.health, ...this.healthUpdates]
  }
  private readonly healthUpdates: OutputHealthSettings[] = []
  override updateOutputHealth(settings: OutputHealthSettings): void {
    this.healthUpdates.push(settings)
  }

  readonly loudnessUpdates: LoudnessSettings[] = []
  override updateLoudness(settings: LoudnessSettings): void {
    this.loudnessUpdates.push(settings)
  }

  /** What levels() reports (a real producer measures its sound). */
  meter: AudioLevels | null = null
  override levels(): AudioLevels | null {
    return this.meter
  }
}
