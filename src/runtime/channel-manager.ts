// ChannelManager: one channel's runtime, a small orchestrator over parts with one job each:
//   SessionFanout       who is attached; the first session wants output, the last starts a grace period
//   ProducerSupervisor  the producer's lifecycle through one queue, restarts, the budget slot
//   OnAirView           now/next and the broadcast day for the channel's status, kept by boundary timers
//   ProducerReports     the producer's reports as alarms and as-run rows
// It decides which producer the channel runs (from the global mode and the channel kind) and asks
// the ScheduleService for the playout plan at the clock's position. It never writes schedule data,
// never picks content and never touches ffmpeg. The rest of the engine sees read-only status.
import type { Logger } from 'pino'
import type { ChannelStatusDto, OutputDto } from '../shared/api'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type {
  AsRunProducer,
  ChannelInfo,
  LoudnessSettings,
  OutputHealthSettings,
  PlayoutPlan,
  ProducerStatus,
  ProducerType,
  SessionPurpose,
  Tally
} from '../shared/domain'
import type { Listing } from '../schedule/service'
import type { Store } from '../store'
import { alarmKeys } from './alarm-keys'
import { AlarmBoard, type AlarmLog, type AlarmTransition } from './alarms'
import { AsRunLogger } from './as-run'
import type { ProducerBudget } from './budget'
import { CapacityError, ChannelSwitchError } from './errors'
import { channelModeOf, type ModeState } from './mode'
import type { RuntimePolicy } from './policy'
import type {
  GuideListing,
  LogoSpec,
  Producer,
  ProducerFactory,
  ProducerLevels,
  ProducerMeters,
  StreamEndpoint
} from '../playout'
import { OnAirView, type NowNextReader } from './channel/on-air-view'
import { type OffAir, ProducerReports } from './channel/producer-reports'
import { type ProducerSpec, ProducerSupervisor } from './channel/producer-supervisor'
import { SessionFanout } from './channel/session-fanout'

/** One channel for the metrics: counters since the station started, and readings now. */
export interface ChannelMeters {
  segmentsWritten: number
  /** Restarts after a producer failed. */
  restarts: number
  /** How far the output is behind the clock (negative: ahead); null when nothing airs. */
  behindMs: number | null
  loudness: ProducerMeters['loudness']
}

/** What the ChannelManager may ask of the ScheduleService: reads only. */
export interface ScheduleReader extends NowNextReader {
  playoutPlan(channel: Pick<ChannelInfo, 'id' | 'uuid'>, t: number, horizonMs: number): PlayoutPlan
  listings(t: number): Listing[]
}

/** How often a guide channel's listings are refreshed while it airs. */
const GUIDE_REFRESH_MS = 15_000

export interface ChannelManagerDeps {
  clock: MasterClock
  schedule: ScheduleReader
  store: Store
  factory: ProducerFactory
  budget: ProducerBudget
  /** What a channel airing by copy counts in the budget (a share of an encode channel). */
  copyShare: () => number
  /** How outputs are watched (the station's settings). */
  health: () => OutputHealthSettings
  /** The station's loudness target; the defaults when absent. */
  loudness?: () => LoudnessSettings
  outputDir: string
  policy: RuntimePolicy
  logger: Logger
  alarmLog: AlarmLog
  /** Something could not be written (a full or failing disk raises the station's DISK alarm). */
  writeFailed?: (what: string, err: unknown) => void
  /** The channel's status changed (coalesced by the status hub). */
  onChange: (channelUuid: string) => void
  /** Each of the channel's alarms as it is raised, cleared or acknowledged. */
  alarmTransition?: (t: AlarmTransition) => void
}

/** Where a channel's output is right now, for the stream server. */
export interface ChannelOutput {
  producerId: string
  endpoint: StreamEndpoint
}

export class ChannelManager {
  private info: ChannelInfo
  private mode: ModeState
  private closed = false
  private pushOutputs: OutputDto[] = []
  private guideTimer: TimerHandle | undefined
  readonly alarms: AlarmBoard
  private readonly fanout: SessionFanout
  private readonly supervisor: ProducerSupervisor
  /** Segments written by every output of this channel in this station run. */
  private segmentsWritten = 0
  private readonly onAir: OnAirView
  private readonly reports: ProducerReports
  private readonly asRun: AsRunLogger
  private readonly log: Logger

  constructor(
    channel: ChannelInfo,
    mode: ModeState,
    private readonly deps: ChannelManagerDeps
  ) {
    this.info = channel
    this.mode = mode
    const { clock } = deps
    this.log = deps.logger.child({ channel: channel.slug })
    this.alarms = new AlarmBoard({
      clock,
      log: deps.alarmLog,
      channel: { id: channel.id, uuid: channel.uuid },
      defaultOwner: 'channel',
      onChange: () => this.changed(),
      onError: (err) => this.log.error({ err }, 'an alarm could not be recorded'),
      onTransition: deps.alarmTransition
    })
    this.fanout = new SessionFanout(clock, deps.policy.viewerGraceMs, () =>
      this.supervisor.stopIfUnwanted()
    )
    this.onAir = new OnAirView(
      clock,
      deps.schedule,
      () => this.info,
      () => this.changed()
    )
    this.asRun = new AsRunLogger({
      store: deps.store,
      clock,
      channel: () => this.info,
      onError: (err) => this.reportError('as-run', err)
    })
    this.reports = new ProducerReports({
      clock,
      alarms: this.alarms,
      asRun: this.asRun,
      channelUuid: channel.uuid,
      onFailed: (p, error) => this.supervisor.producerFailed(p, error),
      onError: (what, err) => this.reportError(what, err),
      onPath: (p, path) => this.supervisor.producerPath(p, path)
    })
    this.supervisor = new ProducerSupervisor({
      clock,
      factory: deps.factory,
      budget: deps.budget,
      copyShare: deps.copyShare,
      policy: deps.policy,
      log: this.log,
      alarms: this.alarms,
      channel: () => this.info,
      outputDir: deps.outputDir,
      health: deps.health,
      loudness: deps.loudness,
      counters: { segmentWritten: () => void this.segmentsWritten++ },
      spec: () => this.spec(this.mode),
      wanted: () => this.fanout.size > 0,
      producerOnAir: (p) => this.producerOnAir(p),
      producerOffAir: (p, why, atMs) => this.producerOffAir(p, why, atMs),
      persist: (status, p) => this.persistStatus(status, p),
      onChange: () => this.changed()
    })
    this.onAir.refresh()
    this.asRun.startOffAir(clock.now())
  }

  get uuid(): string {
    return this.info.uuid
  }
  get channel(): Readonly<ChannelInfo> {
    return this.info
  }
  get viewerCount(): number {
    return this.fanout.viewerCount
  }
  get previewCount(): number {
    return this.fanout.previewCount
  }
  get outputCount(): number {
    return this.fanout.outputCount
  }
  get sessionCount(): number {
    return this.fanout.size
  }
  get producerStatus(): ProducerStatus {
    return this.supervisor.producerStatus
  }
  get isFailed(): boolean {
    return this.supervisor.isFailed
  }
  get currentMode(): ModeState {
    return this.mode
  }

  /** The output on air now, if any (the stream server reads segments from it). */
  output(): ChannelOutput | null {
    const p = this.supervisor.current
    const endpoint = p?.streamEndpoint()
    return p && endpoint ? { producerId: p.id, endpoint } : null
  }

  /** How the channel's push outputs stand, as the output service reports them (shown in status). */
  reportOutputs(outputs: OutputDto[]): void {
    this.pushOutputs = outputs
    this.changed()
  }

  /** Writes the as-run rows still queued (a report is about to be read). */
  flushReports(): void {
    this.asRun.flush()
  }

  /** The sound levels of the output on air since the last reading; null when nothing airs. */
  levels(): ProducerLevels | null {
    return this.supervisor.producerStatus === 'running'
      ? (this.supervisor.current?.levels() ?? null)
      : null
  }

  /** Counters since the station started and the output's readings now, for the metrics. */
  meters(): ChannelMeters {
    const now =
      this.supervisor.producerStatus === 'running' ? this.supervisor.current?.meters() : null
    return {
      segmentsWritten: this.segmentsWritten,
      restarts: this.supervisor.restarts,
      behindMs: now?.behindMs ?? null,
      loudness: now?.loudness ?? null
    }
  }

  /** The station's loudness target changed: the producer on air applies it now. */
  applyLoudness(settings: LoudnessSettings): void {
    this.supervisor.current?.updateLoudness(settings)
  }

  /** The station's output health settings changed: the producer on air applies them now. */
  applyOutputHealth(settings: OutputHealthSettings): void {
    this.supervisor.current?.updateOutputHealth(settings)
  }

  /** Resolves when every queued producer transition has run. */
  whenIdle(): Promise<void> {
    return this.supervisor.whenIdle()
  }

  private changed(): void {
    if (!this.closed) this.deps.onChange(this.info.uuid)
  }

  private reportError(what: string, err: unknown): void {
    this.log.error({ err, what }, 'a report could not be recorded')
    const message = `${what} could not be recorded: ${(err as Error).message ?? String(err)}`
    this.alarms.raise(alarmKeys.recordFailed(what), {
      kind: 'io-error',
      severity: 'warning',
      message,
      channelUuid: this.uuid
    })
    this.deps.writeFailed?.(`the ${what} of ${this.info.name}`, err)
  }

  // ---- viewers ------------------------------------------------------------------------------

  /**
   * Checks that a new session could be served and reserves the channel's budget slot; throws
   * CapacityError (changing nothing) when the channel would need a slot and none is free.
   */
  admit(): void {
    if (this.closed) throw new Error(`channel ${this.info.slug} is shut down`)
    if (!this.deps.budget.tryAcquire(this.uuid)) {
      throw new CapacityError(
        `the station is at its producer budget (${this.deps.budget.max} channels on air); "${this.info.name}" cannot start now`
      )
    }
  }

  /** The viewer count once a session of this purpose joined (+1) or left (-1): what to store. */
  viewersAfter(purpose: SessionPurpose, delta: 1 | -1): number {
    return this.fanout.viewersAfter(purpose, delta)
  }

  /** A committed session joins: the first one brings the producer on air; a failed channel is retried. */
  addSession(sessionId: string, purpose: SessionPurpose): void {
    if (!this.fanout.add(sessionId, purpose)) return
    this.supervisor.clearFailure('a new viewer arrived')
    this.changed()
    this.supervisor.ensureRunning()
  }

  /** A committed session left. */
  removeSession(sessionId: string): void {
    if (this.fanout.remove(sessionId)) this.changed()
  }

  /** An admitted session was not created after all: give back the slot if nothing uses it. */
  abandonAdmission(): void {
    this.supervisor.releaseIfUnused()
  }

  /** Operator reset of a failed channel: tries again when someone is watching. */
  reset(): void {
    if (!this.supervisor.isFailed) return
    if (this.fanout.size > 0) this.admit()
    this.supervisor.clearFailure('operator reset')
    this.supervisor.ensureRunning()
  }

  // ---- what to air ------------------------------------------------------------------------

  /** Which producer the channel runs: the emergency first, then the channel kind, then the plan. */
  private desiredType(plan: PlayoutPlan, mode: ModeState): ProducerType {
    if (mode.emergency?.scope === 'takeover') return 'emergency'
    if (this.info.kind === 'guide') return 'guide'
    // Nothing at all to air over the horizon: a slate (an upstream scheduling failure, never filled).
    return plan.segments.some((s) => s.kind === 'item') ? 'normal' : 'slate'
  }

  private spec(mode: ModeState): ProducerSpec {
    const now = this.deps.clock.now()
    const plan = this.deps.schedule.playoutPlan(this.info, now, this.deps.policy.planHorizonMs)
    const type = this.desiredType(plan, mode)
    const overlay = mode.emergency ? { ...mode.emergency } : null
    return {
      type,
      plan,
      startAtMs: now,
      options: {
        overlay,
        logo: this.logoSpec(),
        ...(type === 'guide' ? { listings: this.listings(now) } : {})
      }
    }
  }

  /** The channel's logo for its producers: the PNG's place in the data folder, its size and placement (producers never read the store). */
  private logoSpec(): LogoSpec | null {
    const logo = this.info.logo
    if (!logo) return null
    const { file, width, height, ...placement } = logo
    return { path: this.deps.store.logos.path(file), width, height, placement }
  }

  private listings(now: number): GuideListing[] {
    return this.deps.schedule.listings(now).map((l) => ({
      channelUuid: l.channel.uuid,
      channelName: l.channel.name,
      timezone: l.channel.timezone,
      nowTitle: l.now?.title ?? null,
      nowEndMs: l.now?.endMs ?? null,
      nextTitle: l.next?.title ?? null,
      nextStartMs: l.next?.startMs ?? null
    }))
  }

  /** What the as-run log calls a producer's output under a mode, and the title of a still producer's row. */
  private asRunLabel(type: ProducerType, mode: ModeState): { label: AsRunProducer; title: string } {
    const e = mode.emergency
    if (type === 'emergency')
      return { label: 'emergency-takeover', title: `Emergency: ${e?.message ?? ''}`.trim() }
    const label: AsRunProducer = e?.scope === 'crawl' ? 'emergency-crawl' : type
    return {
      label,
      title:
        type === 'guide'
          ? 'Guide listings'
          : type === 'slate'
            ? 'Slate (nothing scheduled)'
            : this.info.name
    }
  }

  private producerOnAir(p: Producer): void {
    const { label, title } = this.asRunLabel(p.type, this.mode)
    this.reports.onAir(p, label, title)
    this.guideTimer?.cancel()
    // Listings change at every item boundary of every channel: refresh the guide's card regularly.
    if (p.type === 'guide')
      this.guideTimer = this.deps.clock.every(GUIDE_REFRESH_MS, () =>
        p.updateListings(this.listings(this.deps.clock.now()))
      )
  }

  private producerOffAir(p: Producer, why: OffAir, atMs?: number): void {
    if (p.type === 'guide') this.guideTimer?.cancel()
    this.reports.offAir(p, why, atMs)
  }

  private persistStatus(status: ProducerStatus, p: Producer | null): void {
    const { store, clock } = this.deps
    const now = clock.now()
    store.transaction(() => {
      store.channels.setProducerStatus(this.info.id, status, now)
      store.producers.put({
        channelId: this.info.id,
        producerId: p?.id ?? null,
        type: p?.type ?? 'normal',
        status,
        startedAt: p?.state().startedAtMs ?? null,
        outputLocation: p?.streamEndpoint()?.playlist ?? null,
        updatedAt: now
      })
    })
  }

  /** The schedule changed or the plan runs short: refresh now/next and re-plan the producer. */
  replan(): void {
    this.onAir.refresh()
    this.changed()
    this.supervisor.replan()
  }

  /** Channel metadata changed (re-import). */
  updateChannel(info: ChannelInfo): void {
    const logoChanged = JSON.stringify(info.logo ?? null) !== JSON.stringify(this.info.logo ?? null)
    this.info = info
    // A new logo airs from the next frame once decoded, without a restart.
    if (logoChanged) this.supervisor.current?.setLogo(this.logoSpec())
    this.asRun.channelChanged()
    this.replan()
  }

  /**
   * Obeys a new global mode (called by the ProgramDirector only). Crawl is applied in place by the
   * producer on air (which must accept it); takeover and its end swap the producer. Rejects with
   * ChannelSwitchError, the channel back in its previous mode, when the switch is refused.
   */
  async applyMode(next: ModeState): Promise<void> {
    const prev = this.mode
    this.mode = next
    this.changed()
    const cause = next.emergency ? 'emergency' : 'emergency cleared'
    try {
      const how = await this.supervisor.switchMode(
        () => this.spec(next),
        () => this.spec(prev),
        cause
      )
      // A crawl shown or removed on the producer on air: the as-run row splits there.
      const p = this.supervisor.current
      if (how === 'in place' && p)
        this.asRun.relabel(this.asRunLabel(p.type, next).label, this.deps.clock.now(), cause)
    } catch (err) {
      this.mode = prev
      this.changed()
      throw new ChannelSwitchError(this.uuid, this.info.name, err)
    }
  }

  // ---- status -------------------------------------------------------------------------------

  /** Whether a critical condition is present now (black or frozen picture on air, a failed channel). */
  get hasCriticalAlarm(): boolean {
    return this.alarms.list().some((a) => a.severity === 'critical')
  }

  tally(): Tally {
    if (
      this.supervisor.isFailed ||
      this.supervisor.current?.health() === 'degraded' ||
      this.hasCriticalAlarm
    )
      return 'fault'
    if (this.supervisor.producerStatus !== 'running') return 'off'
    if (this.mode.global === 'emergency') return 'emergency'
    // On air means delivered: a viewer, or a push output that is live (one connecting or retrying
    // delivers nothing, and its tile says OUT rather than claim the air).
    const delivering = this.pushOutputs.some((o) => o.state === 'live')
    return this.fanout.viewerCount > 0 || delivering ? 'program' : 'preview'
  }

  /** The channel's status at `now`: a read, with no effect on anything. */
  statusDto(now: number): ChannelStatusDto {
    const c = this.info
    const onAir = this.onAir.read(now)
    return {
      uuid: c.uuid,
      slug: c.slug,
      name: c.name,
      timezone: c.timezone,
      kind: c.kind,
      rolloverMinutes: c.rolloverMinutes,
      mode: channelModeOf(this.mode.global, c.kind),
      producerStatus: this.supervisor.producerStatus,
      producerType: this.supervisor.current?.type ?? null,
      viewerCount: this.fanout.viewerCount,
      previewCount: this.fanout.previewCount,
      outputCount: this.fanout.outputCount,
      outputs: this.pushOutputs,
      tally: this.tally(),
      failed: this.supervisor.isFailed,
      nowPlaying: onAir.nowPlaying,
      next: onAir.next,
      broadcastDay: onAir.broadcastDay,
      alarms: this.alarms.dtos()
    }
  }

  /** Stops the producer and every timer (station shutdown). */
  async shutdown(): Promise<void> {
    this.closed = true
    this.fanout.close()
    this.onAir.close()
    this.guideTimer?.cancel()
    await this.supervisor.shutdown()
    this.asRun.shutdown(this.deps.clock.now())
  }
}
