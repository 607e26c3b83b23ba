// FfmpegProducer: what every ffmpeg producer shares. It owns the playout engine's lifecycle and
// the program output it feeds (start, failure, stop then the output's close, or a hand-over of the
// output to the next producer), the stream endpoint, its still-card renders, and the emergency
// crawl that programming (normal, guide, slate) shows.
import type { FfmpegTools } from '../media/ffmpeg'
import type { ProcessGroup } from '../media/process'
import type { OutputProfile } from '../media/profiles'
import {
  DEFAULT_CRAWL_SPEED,
  DEFAULT_LOUDNESS,
  DEFAULT_OUTPUT_HEALTH,
  type LoudnessSettings,
  type OutputHealthSettings,
  type PlayoutSegment,
  type ProducerType
} from '../shared/domain'
import {
  BaseProducer,
  type ProducerLevels,
  type ProducerMeters,
  type Carryover,
  type CuedProgramme as Cued,
  type EmergencyOverlay,
  type ProducerContext,
  type StreamEndpoint
} from './base'
import {
  CuedProgramme,
  type EngineEvents,
  PlayoutEngine,
  type Slot,
  type SwitchWindow
} from './engine'
import { OUTPUT_KEEP_MS, OutputFolder } from './output-folder'
import { ProgramOutput } from './program-output'
import {
  CONDITION_SEVERITY,
  describeCondition,
  OutputMonitor,
  type OutputCondition
} from './output-monitor'
import { describeLoudness, LoudnessControl, type LoudnessCondition } from './loudness-control'
import { type CrawlStrip, type EmergencyCard, StillCards } from './still-cards'
import { crawlStep } from './crawl'
import type { LogoCache } from './logo-overlay'

/** Where a producer also reports what may have no listener any more (a failure after stop). A pino Logger fits. */
export interface ProducerLog {
  warn(details: Record<string, unknown>, message: string): void
}

export interface FfmpegProducerOptions {
  tools: FfmpegTools
  profile: OutputProfile
  segmentSeconds: number
  /** The station's process group: every ffmpeg the producer runs is spawned in it. */
  processes: ProcessGroup
  /** The station's card renderer and cache (the factory shares one); a private one when absent. */
  cards?: StillCards
  /** The station's decoded channel logos (the factory shares one); a producer without one shows no logo. */
  logos?: LogoCache
  log?: ProducerLog
  /** How long the output folder stays after stop (default OUTPUT_KEEP_MS). */
  outputKeepMs?: number
  /** The station's channels writing a switch (the factory shares one; a private one when absent). */
  switches?: SwitchWindow
  /** The crawl's speed in characters a second (default DEFAULT_CRAWL_SPEED). */
  crawlSpeed?: number
  /**
   * Watch the output (conditions and levels); false measures nothing (to measure what watching
   * costs). Default true.
   */
  watchOutput?: boolean
  /**
   * Apply each item's loudness gain through the true-peak limiter and meter loudness; false passes
   * the sound as it is (to measure what it costs). Default true.
   */
  controlLoudness?: boolean
}

/** A slot of the engine; those that air a segment of the plan carry it (still cards do not). */
export interface ProducerSlot extends Slot {
  segment?: PlayoutSegment
}

/** The next slot's decoders open 3 s ahead, plus up to 6 s more spread by channel. */
const PREFETCH_SECONDS = 3
const PREFETCH_SPREAD_SECONDS = 6

function hash(text: string): number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0
  return h
}

/** A failed file operation (EMFILE, ENOSPC, EACCES, ENOTDIR...), as opposed to any other failure. */
function isIoError(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code)
}

export abstract class FfmpegProducer extends BaseProducer {
  protected engine: PlayoutEngine | null = null
  /** The program output this producer feeds: opened by it, or carried over from the one before. */
  private output: ProgramOutput | null = null
  private readonly cards: StillCards
  private stopping = false
  /** Card renders this producer started; stop() waits for them so no ffmpeg outlives it. */
  private readonly renders = new Set<Promise<unknown>>()
  private healthSettings: OutputHealthSettings
  /** Counts overlay changes, so that one still rendering when the next comes changes nothing. */
  private overlayGeneration = 0
  /** The engine shows a crawl now. */
  private crawlOn = false
  private loudnessSettings: LoudnessSettings
  /** Types whose sources are worth keeping rolling under a takeover (programming: a restart costs a decoder start and a seek). */
  protected readonly keepsSourcesRolling: boolean = false

  constructor(
    type: ProducerType,
    context: ProducerContext,
    protected readonly opts: FfmpegProducerOptions
  ) {
    super(type, context)
    this.cards = opts.cards ?? new StillCards(opts)
    this.healthSettings = context.health ?? DEFAULT_OUTPUT_HEALTH
    this.loudnessSettings = context.loudness ?? DEFAULT_LOUDNESS
  }

  /**
   * The output to feed: the carryover when it is a live output of this profile, else a new one
   * on air at `startAtMs` after `preroll` frames (a carryover that cannot be continued is closed).
   */
  private takeOutput(
    startAtMs: number,
    carryover: Carryover | null | undefined,
    preroll: number
  ): { output: ProgramOutput; carried: boolean } {
    const o = this.opts
    if (
      carryover instanceof ProgramOutput &&
      carryover.live &&
      carryover.profile === o.profile &&
      carryover.segmentSeconds === o.segmentSeconds
    ) {
      return { output: carryover, carried: true }
    }
    if (carryover) void carryover.close()
    const folder = OutputFolder.fresh(this.context.outputDir, this.id)
    const log = o.log
    const onRemoveError = (err: Error) =>
      log?.warn(
        { folder: folder.dir, code: (err as NodeJS.ErrnoException).code ?? null },
        `output folder could not be removed: ${err.message}`
      )
    return {
      output: new ProgramOutput({
        tools: o.tools,
        profile: o.profile,
        processes: o.processes,
        folder,
        t0Ms: startAtMs - (preroll * 1000) / o.profile.fps,
        airFrame: preroll,
        segmentSeconds: o.segmentSeconds,
        onRemoveError,
        counters: this.context.counters
      }),
      carried: false
    }
  }

  /**
   * The engine, feeding the carried-over output (its timeline: slots are placed by its frame
   * count) or a new one on air at `startAtMs`, its `preroll` frames before (preroll.ts) written
   * at once. A carried-over output shows no crawl until
   * this producer says so. With a cued programme that rolls for that output, its engine is adopted
   * (it rejoins the air at start, its decoders already running).
   */
  protected makeEngine(
    startAtMs: number,
    gapSlate: Buffer,
    carryover?: Carryover | null,
    cued?: Cued | null,
    preroll = 0
  ): PlayoutEngine {
    const fps = this.opts.profile.fps
    const { output, carried } = this.takeOutput(startAtMs, carryover, preroll)
    this.output = output
    const rolling =
      carried && this.keepsSourcesRolling && cued instanceof CuedProgramme
        ? cued.take(output)
        : null
    if (rolling) {
      rolling.setCrawl(null)
      rolling.adopt(this.engineEvents())
      rolling.configureHealth(this.healthSettings)
      rolling.configureLoudness(this.loudnessSettings)
      return rolling
    }
    return new PlayoutEngine({
      output,
      clock: this.context.clock,
      // Spread by channel, so that simultaneous item changes do not start every decoder at once.
      prefetchFrames:
        fps * PREFETCH_SECONDS + (hash(this.context.channelUuid) % (fps * PREFETCH_SPREAD_SECONDS)),
      gapSlate,
      switches: this.opts.switches,
      monitor:
        this.opts.watchOutput === false
          ? null
          : new OutputMonitor(this.opts.profile, this.healthSettings),
      loudness:
        this.opts.controlLoudness === false
          ? null
          : new LoudnessControl(this.opts.profile, this.loudnessSettings),
      events: this.engineEvents()
    })
  }

  /** What the engine reports, as this producer's events. */
  private engineEvents(): EngineEvents {
    const segmentOf = (slot: Slot) => (slot as ProducerSlot).segment
    return {
      began: (slot, atMs, slate) => {
        const segment = segmentOf(slot)
        if (segment)
          this.emit('segment-began', { segment, atMs, slate: slate || segment.kind === 'gap' })
      },
      ended: (slot, atMs, outcome) => {
        const segment = segmentOf(slot)
        if (segment)
          this.emit('segment-ended', {
            segment,
            atMs,
            slate: outcome !== 'aired',
            status: segment.kind === 'gap' ? 'slate' : outcome
          })
      },
      alarm: (slot, kind, message) =>
        this.emit('alarm', {
          kind,
          severity: 'warning',
          message,
          segment: segmentOf(slot) ?? null
        }),
      condition: (kind, active, atMs) =>
        this.emit('output-condition', { kind, active, atMs, ...this.conditionAlarm(kind) }),
      late: (behindMs) =>
        this.setHealth(
          behindMs === null ? 'running' : 'degraded',
          behindMs === null ? null : `output ${Math.round(behindMs)} ms behind the clock`
        ),
      failed: (error) => this.onEngineFailed(error)
    }
  }

  private onEngineFailed(error: Error): void {
    if (this.stopping) return
    if (isIoError(error)) this.ioAlarm('output failed', error)
    this.status = 'failed'
    this.lastError = error.message
    this.setHealth('stopped', error.message)
    this.emit('failed', { error, atMs: this.context.clock.now() })
  }

  protected async run(engine: PlayoutEngine): Promise<void> {
    this.engine = engine
    this.status = 'starting'
    try {
      await engine.start()
    } catch (err) {
      this.status = 'failed'
      this.lastError = (err as Error).message
      await engine.stop().catch(() => undefined)
      await this.closeOutput(0)
      throw err
    }
    this.status = 'running'
    // When its first frame airs: startAtMs on a new output (past its pre-roll), the switch frame on a
    // carried-over one (one lead after the switch was asked for; the previous producer's picture airs
    // until then, and its as-run row closes there).
    this.startedAtMs = engine.frameTime(engine.airFrame)
    this.setHealth('running')
    this.emit('started', { atMs: this.startedAtMs })
  }

  /** Renders a card; `cache` for cards that recur (slates, alerts), not for ever-changing ones (listings). */
  protected still(background: string, lines: string[], cache = true): Promise<Buffer> {
    return this.track(this.cards.render(background, lines, cache))
  }

  /** Throws (saying where it looked) when the on-air font cannot be loaded: emergency text cannot be drawn. */
  protected checkFont(): void {
    void this.cards.font
  }

  /** The emergency takeover card for a message (every page). */
  protected emergencyCard(message: string): Promise<EmergencyCard> {
    return this.track(this.cards.emergencyCard(message))
  }

  /** An ffmpeg job this producer started (a render, a decode): stop() waits for it, so none outlives the producer. */
  protected track<T>(p: Promise<T>): Promise<T> {
    const settled = p.catch(() => undefined)
    this.renders.add(settled)
    void settled.finally(() => this.renders.delete(settled))
    return p
  }

  /** Programming shows an emergency as a crawl over its picture; a takeover needs the emergency producer. */
  protected checkOverlay(overlay: EmergencyOverlay | null): void {
    if (overlay && overlay.scope !== 'crawl')
      throw new Error(
        `a ${this.type} producer shows only a crawl; a takeover needs the emergency producer`
      )
  }

  /**
   * Checks the overlay a producer starts with and renders what it needs (the crawl's strip), before
   * the producer takes its output: a crawl that cannot be drawn refuses the start and takes nothing.
   */
  protected async prepareOverlay(overlay: EmergencyOverlay | null): Promise<CrawlStrip | null> {
    this.checkOverlay(overlay)
    return overlay ? this.track(this.cards.crawlStrip(overlay.message)) : null
  }

  /** The overlay the producer starts with (prepared by prepareOverlay): shown, with the tone when there is one. */
  protected startOverlay(
    engine: PlayoutEngine,
    overlay: EmergencyOverlay | null,
    strip: CrawlStrip | null
  ): void {
    if (overlay && strip) this.applyCrawl(engine, strip, true)
    this.overlay = overlay
  }

  /**
   * Shows, changes or removes the crawl; rejects, changing nothing, when it cannot (wrong scope, a
   * strip that cannot be rendered). The same message again leaves the crawl running where it is.
   */
  override async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    this.checkOverlay(overlay)
    const generation = ++this.overlayGeneration
    const fresh = overlay !== null && overlay.message !== this.overlay?.message
    const strip =
      overlay && this.engine && (fresh || !this.crawlOn)
        ? await this.track(this.cards.crawlStrip(overlay.message))
        : null
    // A later change came while this one rendered: it decides.
    if (generation !== this.overlayGeneration) return
    if (this.engine && (strip || !overlay)) this.applyCrawl(this.engine, strip, fresh)
    this.overlay = overlay
  }

  /** The tone sounds when a message is first shown, not when it is shown again. */
  private applyCrawl(engine: PlayoutEngine, strip: CrawlStrip | null, fresh: boolean): void {
    const profile = this.opts.profile
    const step = crawlStep(this.opts.crawlSpeed ?? DEFAULT_CRAWL_SPEED, profile)
    this.crawlOn = engine.setCrawl(strip, step) !== null
    if (strip && fresh) engine.alertTone()
  }

  async stop(): Promise<void> {
    await this.end('stop')
  }

  override untilCaughtUp(): Promise<void> {
    return this.stopping ? Promise.resolve() : (this.engine?.untilCaughtUp() ?? Promise.resolve())
  }

  override handOverAt(): number | null {
    const engine = this.stopping ? null : this.engine
    return engine && this.output?.live ? engine.frameTime(engine.framesWritten) : null
  }

  /**
   * Stops feeding the output and hands it, still encoding, to the next producer: the slot on air
   * ends at the switch frame. Null (and a plain stop) when the output cannot go on.
   */
  override handOver(): Promise<Carryover | null> {
    return this.end('hand-over')
  }

  /**
   * Hands the output over and, for the types that keep them, leaves the sources rolling off air
   * in a cued programme for the producer that takes the output back.
   */
  override async handOverCued(): Promise<{ carryover: Carryover | null; cued: Cued | null }> {
    if (!this.keepsSourcesRolling) return { carryover: await this.handOver(), cued: null }
    const engine = this.engine
    const carryover = await this.end('roll')
    return {
      carryover,
      cued: carryover && engine?.rollingOffAir ? new CuedProgramme(engine) : null
    }
  }

  /** Stops, and closes the output unless it was handed over (resolved with it then), its engine left rolling off air for 'roll'. */
  private async end(how: 'stop' | 'hand-over' | 'roll'): Promise<Carryover | null> {
    if (this.stopping) return null
    this.stopping = true
    this.status = 'stopping'
    let output: ProgramOutput | null = null
    if (how === 'roll') output = (await this.engine?.rollOffAir()) ?? null
    else if (how === 'hand-over') output = (await this.engine?.handOver()) ?? null
    else await this.engine?.stop()
    await Promise.all(this.renders)
    // Viewers may still fetch the last segments they were given: the folder goes a little later.
    if (!output && this.engine) await this.closeOutput(this.opts.outputKeepMs ?? OUTPUT_KEEP_MS)
    this.status = 'stopped'
    this.setHealth('stopped')
    this.emit('stopped', { atMs: this.context.clock.now() })
    return output
  }

  private closeOutput(keepMs: number): Promise<void> {
    return (
      this.output?.close(keepMs, (err) =>
        this.ioAlarm('output folder could not be removed', err)
      ) ?? Promise.resolve()
    )
  }

  /** A file operation failed: an alarm, and a log line (after stop nobody listens to the alarm). */
  protected ioAlarm(what: string, err: Error): void {
    const message = `${what}: ${err.message}`
    this.emit('alarm', { kind: 'io-error', severity: 'warning', message, segment: null })
    this.opts.log?.warn(
      {
        producer: this.id,
        channel: this.context.channelUuid,
        code: (err as NodeJS.ErrnoException).code ?? null
      },
      message
    )
  }

  override updateOutputHealth(settings: OutputHealthSettings): void {
    this.healthSettings = settings
    this.engine?.configureHealth(settings)
  }

  override updateLoudness(settings: LoudnessSettings): void {
    this.loudnessSettings = settings
    this.engine?.configureLoudness(settings)
  }

  override levels(): ProducerLevels | null {
    return this.engine?.levels() ?? null
  }

  override meters(): ProducerMeters | null {
    return this.engine?.meters() ?? null
  }

  /** How a watched condition is raised: picture faults critical, sound warnings (LOUD / QUIET as silence). */
  private conditionAlarm(kind: OutputCondition | LoudnessCondition) {
    if (kind === 'loud' || kind === 'quiet')
      return {
        severity: 'warning' as const,
        message: describeLoudness(kind, this.loudnessSettings)
      }
    return {
      severity: CONDITION_SEVERITY[kind],
      message: describeCondition(kind, this.healthSettings)
    }
  }

  streamEndpoint(): StreamEndpoint | null {
    const output = this.engine ? this.output : null
    if (!output) return null
    return {
      kind: 'hls',
      id: output.id,
      dir: output.folder.dir,
      playlist: output.folder.playlist,
      segmentStartMs: output.segmentStartMs,
      airsFromMs: output.airsFromMs
    }
  }
}
