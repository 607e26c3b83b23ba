// The Producer protocol: what every producer (normal programming, emergency, guide, slate)
// implements so a ChannelManager can control any of them the same way.
//
// A producer executes the playout plan it is given and nothing else: it never queries the
// schedule or the library and never picks content. It reports what actually aired (segment
// began/ended with real station times) for the as-run log, and its health.
import { EventEmitter } from 'node:events'
import type {
  AlarmKind,
  AlarmSeverity,
  EmergencyScope,
  LoudnessSettings,
  OutputHealthSettings,
  PlayoutPlan,
  PlayoutSegment,
  ProducerHealth,
  ProducerStatus,
  ProducerType
} from '../shared/domain'
import type { MasterClock } from '../shared/clock'
import type { AudioLevels, OutputCondition } from './output-monitor'
import type { LogoSpec } from './logo-overlay'
import type { LoudnessCondition, LoudnessLevels } from './loudness-control'

/** The output's sound levels, and its loudness where it is metered. */
export type ProducerLevels = AudioLevels & { loudness?: LoudnessLevels }

/** The emergency message a producer shows: a crawl over programming, or a full-screen takeover. */
export interface EmergencyOverlay {
  message: string
  scope: EmergencyScope
  sinceMs: number
}

/** Now/next of one channel, for the guide producer's listings. */
export interface GuideListing {
  channelUuid: string
  channelName: string
  /** The channel's IANA zone: its times are shown in it. */
  timezone: string
  nowTitle: string | null
  nowEndMs: number | null
  nextTitle: string | null
  nextStartMs: number | null
}

/** Where viewers attach: an HLS playlist on disk that the stream server serves. */
export interface StreamEndpoint {
  kind: 'hls'
  /** The output's identity: the same across a hand-over from one producer to the next, new after a restart. */
  id: string
  dir: string
  playlist: string
  /** When the segment's first frame airs on the station clock (ms), for EXT-X-PROGRAM-DATE-TIME; null for a name it does not know. */
  segmentStartMs?: (file: string) => number | null
  /** When the output came on air (station time): its segments before that are its pre-roll (playout/preroll.ts). */
  airsFromMs?: number
}

export interface ProducerState {
  id: string
  type: ProducerType
  status: ProducerStatus
  health: ProducerHealth
  startedAtMs: number | null
  endpoint: StreamEndpoint | null
  overlay: EmergencyOverlay | null
  planFromMs: number | null
  planToMs: number | null
  lastError: string | null
}

export interface SegmentReport {
  segment: PlayoutSegment
  /** Actual station time. */
  atMs: number
  /** True when a slate aired instead of the segment's media (gap, missing or corrupt asset). */
  slate: boolean
}

export interface ProducerEvents {
  started: [{ atMs: number }]
  'segment-began': [SegmentReport]
  'segment-ended': [SegmentReport & { status: 'aired' | 'slate' | 'partial' }]
  'health-changed': [{ health: ProducerHealth; reason: string | null }]
  alarm: [
    { kind: AlarmKind; severity: AlarmSeverity; message: string; segment: PlayoutSegment | null }
  ]
  /**
   * A watched condition of the output began (active) or ended. `atMs` is when it began or ended on
   * air; a begin is told once it has lasted its duration, an end once the good signal held briefly.
   */
  'output-condition': [
    {
      kind: OutputCondition | LoudnessCondition
      active: boolean
      atMs: number
      severity: AlarmSeverity
      message: string
    }
  ]
  /** The producer died on its own (not through stop()). */
  failed: [{ error: Error; atMs: number }]
  stopped: [{ atMs: number }]
  /**
   * Normal programming airs by copy (no decoder, no encoder) or through the encode path: told once
   * started and at each change (the station's budget counts a copy channel as a share of one).
   * Producers that only encode never tell it.
   */
  path: [{ path: 'copy' | 'encode' }]
}

/**
 * A channel's output still on air after its producer handed it over (see Producer.handOver): the
 * next producer takes it over instead of starting an encoder of its own. Whoever holds one and does
 * not hand it to a producer that starts closes it.
 */
export interface Carryover {
  /** The output's identity in stream URLs (it stays the same across the hand-over). */
  readonly id: string
  /** Ends the output (idempotent): the encoder stops, its folder goes after a while. */
  close(): Promise<void>
}

/**
 * Programming kept rolling off air after its producer handed the output on to an emergency
 * takeover (engine.ts): the producer that takes the output back continues it instead of
 * starting decoders. Whoever holds it closes it (idempotent; nothing happens once it was taken).
 */
export interface CuedProgramme {
  close(): Promise<void>
}

export interface ProducerStartOptions {
  overlay?: EmergencyOverlay | null
  listings?: GuideListing[]
  /** The output the previous producer handed over: continue it rather than start a new one. */
  carryover?: Carryover | null
  /** The programme kept rolling since the output was handed on (with the carryover): continue it if it fits. */
  cued?: CuedProgramme | null
  /** The channel's logo (normal programming shows it; other producers do not). */
  logo?: LogoSpec | null
}

export interface Producer {
  readonly id: string
  readonly type: ProducerType
  /** Begin output: air the plan from `startAtMs` (station time), joining an item in progress at the right frame. Rejects when output cannot start. */
  start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void>
  /** Cleanly end output and release every process. Idempotent. */
  stop(): Promise<void>
  /**
   * Stop, but leave the channel's output running for the next producer (a swap): resolves with
   * it, or null when there is none to hand over (then this is stop()).
   */
  handOver(): Promise<Carryover | null>
  /**
   * The station time a hand-over started now would switch at: the air time of the next frame not
   * yet written. Null when there is no output to hand over.
   */
  handOverAt(): number | null
  /**
   * Resolves once the output is no longer behind the clock for a new output's pre-roll
   * (playout/preroll.ts), so that a hand-over asked for right after a cold start switches at a
   * frame after the clock's, not one already due. At once for producers without one.
   */
  untilCaughtUp?(): Promise<void>
  /**
   * Hand the output over as handOver() does, and keep the programme rolling off air for the
   * producer that takes the output back (an emergency takeover and its clear). Producers with
   * nothing worth keeping hand over only (cued null).
   */
  handOverCued(): Promise<{ carryover: Carryover | null; cued: CuedProgramme | null }>
  /** Append one segment after the current plan (a plan extension). */
  playContent(segment: PlayoutSegment): Promise<void>
  /** Replace the plan from now on without interrupting output (re-plan or extension). */
  updatePlan(plan: PlayoutPlan): Promise<void>
  /**
   * Show or remove an emergency overlay in place. Rejects, changing nothing, when this producer
   * cannot show it (wrong scope, or the output could not be written): the switch is refused.
   */
  setOverlay(overlay: EmergencyOverlay | null): Promise<void>
  /** New listings for a guide producer (others ignore them). */
  updateListings(listings: GuideListing[]): void
  /** The channel's logo changed (null: removed): shown from the next frame once decoded; producers that show none ignore it. */
  setLogo(logo: LogoSpec | null): void
  /** New thresholds for the watched conditions, applied from the next frame. */
  updateOutputHealth(settings: OutputHealthSettings): void
  /** A new loudness target, ceiling or alarm, applied from the next frame. */
  updateLoudness(settings: LoudnessSettings): void
  /** Sound levels of the output since the last reading (about every 100 ms); null when none are measured. */
  levels(): ProducerLevels | null
  /** The output's lateness and loudness now; null when nothing is written. */
  meters(): ProducerMeters | null
  streamEndpoint(): StreamEndpoint | null
  health(): ProducerHealth
  state(): ProducerState
  on<E extends keyof ProducerEvents>(event: E, listener: (...args: ProducerEvents[E]) => void): this
  off<E extends keyof ProducerEvents>(
    event: E,
    listener: (...args: ProducerEvents[E]) => void
  ): this
}

/** What a ChannelManager hands a producer it creates. */
export interface ProducerContext {
  channelUuid: string
  channelName: string
  /** Folder the producer writes its output into (owned by this channel). */
  outputDir: string
  clock: MasterClock
  /** This producer is the n-th the channel has started in this station run (1, 2, ...; the caller counts): part of its id. */
  sequence: number
  /** How the output is watched (the station's settings); the field defaults when absent. */
  health?: OutputHealthSettings
  /** The station's loudness target and ceiling; the defaults (EBU R128) when absent. */
  loudness?: LoudnessSettings
  /** The channel's counters, kept across its producers and outputs (for metrics); none: not counted. */
  counters?: OutputCounters
}

/** Counts a channel keeps for as long as it exists, whichever producer or output is writing. */
export interface OutputCounters {
  /** Every frame of one more segment was handed to the encoder. */
  segmentWritten(): void
}

/** What a producer on air measures now, read without disturbing the console's meters. */
export interface ProducerMeters {
  /** How far the output's write position is behind the clock (negative: ahead, as it should be). */
  behindMs: number
  /** EBU R128 readings of the sound on air; null when not metered. */
  loudness: { momentary: number; shortTerm: number; integrated: number } | null
}

export type ProducerFactory = (type: ProducerType, context: ProducerContext) => Producer

/**
 * Shared bookkeeping for producers: identity, status and health transitions, typed events.
 * Subclasses implement the media work.
 */
export abstract class BaseProducer extends EventEmitter<ProducerEvents> implements Producer {
  readonly id: string
  protected status: ProducerStatus = 'stopped'
  protected currentHealth: ProducerHealth = 'stopped'
  protected startedAtMs: number | null = null
  protected overlay: EmergencyOverlay | null = null
  protected plan: PlayoutPlan | null = null
  protected lastError: string | null = null

  constructor(
    readonly type: ProducerType,
    protected readonly context: ProducerContext
  ) {
    super()
    this.id = `${context.channelUuid.slice(0, 8)}-${type}-${context.sequence}`
  }

  abstract start(
    plan: PlayoutPlan,
    startAtMs: number,
    options?: ProducerStartOptions
  ): Promise<void>
  abstract stop(): Promise<void>
  abstract streamEndpoint(): StreamEndpoint | null

  /** Producers without a program output to hand over simply stop. */
  async handOver(): Promise<Carryover | null> {
    await this.stop()
    return null
  }

  handOverAt(): number | null {
    return null
  }

  async untilCaughtUp(): Promise<void> {}

  async handOverCued(): Promise<{ carryover: Carryover | null; cued: CuedProgramme | null }> {
    return { carryover: await this.handOver(), cued: null }
  }

  async playContent(segment: PlayoutSegment): Promise<void> {
    if (!this.plan) throw new Error(`producer ${this.id} has no plan to extend`)
    const last = this.plan.segments[this.plan.segments.length - 1]
    if (last && segment.startMs !== last.endMs) {
      throw new Error(
        `segment starting at ${segment.startMs} does not follow the plan's end ${last.endMs}`
      )
    }
    await this.updatePlan({
      ...this.plan,
      toMs: Math.max(this.plan.toMs, segment.endMs),
      segments: [...this.plan.segments, segment]
    })
  }

  async updatePlan(plan: PlayoutPlan): Promise<void> {
    this.plan = plan
  }

  /** A producer shows no overlay unless it says how: refused, so a switch never counts it as done. */
  async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    if (overlay)
      throw new Error(`a ${this.type} producer cannot show an emergency ${overlay.scope}`)
    this.overlay = null
  }

  updateListings(_listings: GuideListing[]): void {}

  setLogo(_logo: LogoSpec | null): void {}

  updateOutputHealth(_settings: OutputHealthSettings): void {}
  updateLoudness(_settings: LoudnessSettings): void {}

  levels(): ProducerLevels | null {
    return null
  }

  meters(): ProducerMeters | null {
    return null
  }

  health(): ProducerHealth {
    return this.currentHealth
  }

  state(): ProducerState {
    return {
      id: this.id,
      type: this.type,
      status: this.status,
      health: this.currentHealth,
      startedAtMs: this.startedAtMs,
      endpoint: this.streamEndpoint(),
      overlay: this.overlay,
      planFromMs: this.plan?.fromMs ?? null,
      planToMs: this.plan?.toMs ?? null,
      lastError: this.lastError
    }
  }

  protected setHealth(health: ProducerHealth, reason: string | null = null): void {
    if (health === this.currentHealth) return
    this.currentHealth = health
    this.emit('health-changed', { health, reason })
  }
}
