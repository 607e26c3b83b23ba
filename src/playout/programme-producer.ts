// ProgrammeProducer: normal programming that picks its path at start (issue 28). When every item
// of the plan from the join on has a rendition (copy-run.ts) and nothing asks for the encode path,
// the channel airs through the copy producer (no decoder, no encoder); otherwise through today's
// NormalProducer. The encode path is kept for: an emergency crawl (it needs pixels), a start that
// continues an output handed over (a takeover's clear: the one stream runs on), and any plan the
// copy run refuses (a gap, an item without a rendition, an item starting mid-GOP), and a copy start
// that fails (a rendition unreadable). A copy channel whose plan stops being copyable fails, and
// supervision restarts it here, on the encode path.
//
// Everything else is the chosen producer's: this is a pass-through that keeps what was set
// before the start (logo, health and loudness settings) for it.
import { EventEmitter } from 'node:events'
import type {
  LoudnessSettings,
  OutputHealthSettings,
  PlayoutPlan,
  PlayoutSegment,
  ProducerHealth
} from '../shared/domain'
import type {
  Carryover,
  CuedProgramme,
  EmergencyOverlay,
  GuideListing,
  Producer,
  ProducerContext,
  ProducerEvents,
  ProducerLevels,
  ProducerMeters,
  ProducerStartOptions,
  ProducerState,
  StreamEndpoint
} from './base'
import { CopyProducer } from './copy-producer'
import type { FfmpegProducerOptions } from './ffmpeg-producer'
import type { LogoSpec } from './logo-overlay'
import { NormalProducer } from './normal-producer'

const EVENTS: Array<keyof ProducerEvents> = [
  'started',
  'segment-began',
  'segment-ended',
  'health-changed',
  'alarm',
  'output-condition',
  'failed',
  'stopped'
]

export class ProgrammeProducer extends EventEmitter<ProducerEvents> implements Producer {
  readonly type = 'normal' as const
  private inner: Producer | null = null
  private logo: { value: LogoSpec | null } | null = null
  private healthSettings: OutputHealthSettings | null = null
  private loudness: LoudnessSettings | null = null

  constructor(
    private readonly context: ProducerContext,
    private readonly opts: FfmpegProducerOptions
  ) {
    super()
  }

  get id(): string {
    return `${this.context.channelUuid.slice(0, 8)}-normal-${this.context.sequence}`
  }

  /** The path it airs through: 'copy', 'encode', or null before the start. */
  get path(): 'copy' | 'encode' | null {
    return this.inner === null ? null : this.inner instanceof CopyProducer ? 'copy' : 'encode'
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    if (this.inner) throw new Error(`producer ${this.id} was started already`)
    const copy =
      !options?.overlay &&
      !options?.carryover &&
      !options?.cued &&
      CopyProducer.whyNot(plan, startAtMs, this.opts) === null
    const inner = copy
      ? new CopyProducer(this.context, this.opts)
      : new NormalProducer(this.context, this.opts)
    this.inner = inner
    this.attach(inner)
    if (this.logo) inner.setLogo(this.logo.value)
    try {
      await inner.start(plan, startAtMs, copy ? { ...options, logo: null } : options)
      this.emit('path', { path: copy ? 'copy' : 'encode' })
    } catch (err) {
      if (!copy) throw err
      // A rendition that cannot be read (damaged or gone since the plan was made): this start
      // airs through the encode path rather than failing the channel again at every restart.
      this.opts.log?.warn(
        { producer: this.id, err: (err as Error).message },
        'copy start failed: airing through the encode path'
      )
      inner.removeAllListeners()
      const encode = new NormalProducer(this.context, this.opts)
      this.inner = encode
      this.attach(encode)
      if (this.logo) encode.setLogo(this.logo.value)
      await encode.start(plan, startAtMs, options)
      this.emit('path', { path: 'encode' })
    }
  }

  stop(): Promise<void> {
    return this.inner?.stop() ?? Promise.resolve()
  }
  async handOver(): Promise<Carryover | null> {
    return (await this.inner?.handOver()) ?? null
  }
  handOverAt(): number | null {
    return this.inner?.handOverAt() ?? null
  }
  async untilCaughtUp(): Promise<void> {
    await this.inner?.untilCaughtUp?.()
  }
  async handOverCued(): Promise<{ carryover: Carryover | null; cued: CuedProgramme | null }> {
    return (await this.inner?.handOverCued()) ?? { carryover: null, cued: null }
  }
  async playContent(segment: PlayoutSegment): Promise<void> {
    if (!this.inner) throw new Error(`producer ${this.id} has no plan to extend`)
    await this.inner.playContent(segment)
  }
  async updatePlan(plan: PlayoutPlan): Promise<void> {
    await this.inner?.updatePlan(plan)
  }
  /**
   * A crawl needs pixels: a copy channel goes over to the encode path at the clock's position, a
   * new output (the stream server's timeline re-bases across it), and the copy producer stops once
   * the encode path is on air. It stays on the encode path after the clear (until a restart).
   */
  async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    const inner = this.inner
    if (!inner) {
      if (overlay) throw new Error(`producer ${this.id} is not started`)
      return
    }
    if (!overlay || !(inner instanceof CopyProducer)) return inner.setOverlay(overlay)
    const plan = inner.state().planFromMs === null ? null : inner.currentPlan
    if (!plan) throw new Error(`producer ${this.id} has no plan to crawl over`)
    const encode = new NormalProducer(this.context, this.opts)
    this.attach(encode)
    await encode.start(plan, this.context.clock.now(), { overlay, logo: this.logo?.value ?? null })
    inner.removeAllListeners()
    this.inner = encode
    this.emit('path', { path: 'encode' })
    await inner.stop()
  }

  /** The producer's events, as this one's. */
  private attach(inner: Producer): void {
    if (this.healthSettings) inner.updateOutputHealth(this.healthSettings)
    if (this.loudness) inner.updateLoudness(this.loudness)
    for (const e of EVENTS)
      inner.on(e, (...args: unknown[]) => {
        if (this.inner === inner) (this.emit as (...a: unknown[]) => boolean)(e, ...args)
      })
  }
  updateListings(listings: GuideListing[]): void {
    this.inner?.updateListings(listings)
  }
  setLogo(logo: LogoSpec | null): void {
    this.logo = { value: logo }
    this.inner?.setLogo(logo)
  }
  updateOutputHealth(settings: OutputHealthSettings): void {
    this.healthSettings = settings
    this.inner?.updateOutputHealth(settings)
  }
  updateLoudness(settings: LoudnessSettings): void {
    this.loudness = settings
    this.inner?.updateLoudness(settings)
  }
  levels(): ProducerLevels | null {
    return this.inner?.levels() ?? null
  }
  meters(): ProducerMeters | null {
    return this.inner?.meters() ?? null
  }
  streamEndpoint(): StreamEndpoint | null {
    return this.inner?.streamEndpoint() ?? null
  }
  health(): ProducerHealth {
    return this.inner?.health() ?? 'stopped'
  }
  state(): ProducerState {
    return (
      this.inner?.state() ?? {
        id: this.id,
        type: 'normal',
        status: 'stopped',
        health: 'stopped',
        startedAtMs: null,
        endpoint: null,
        overlay: null,
        planFromMs: null,
        planToMs: null,
        lastError: null
      }
    )
  }
}
