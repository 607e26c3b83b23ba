// ChannelManager: one channel's runtime. It owns the viewer fanout (the first viewer starts the
// producer, the last one leaving starts a grace period after which it stops), picks the producer
// type from the global mode and the channel kind, feeds it the playout plan it asks the
// ScheduleService for at the clock's position, and supervises it (restart with growing delay,
// then a fully failed channel).
//
// It never writes schedule data, never picks content and never touches ffmpeg: producers do media
// work, ScheduleService decides what airs. Every producer transition runs through one queue, so
// there is at most one producer for the channel at any instant, including during swaps and restarts.
import type { ChannelStatusDto, NowPlayingDto, ScheduleItemDto } from '../shared/api';
import type { ChannelMode, EmergencyScope, GlobalMode, PlayoutPlan, ProducerStatus, ProducerType, SessionPurpose, Tally } from '../shared/domain';
import { formatInstant } from '../shared/time';
import type { Logger } from 'pino';
import type { MasterClock, TimerHandle } from '../shared/clock';
import type { EmergencyOverlay, GuideListing, Producer, ProducerEvents, ProducerFactory } from './producer';
import { AlarmBoard } from './alarms';
import { AsRunLogger } from './as-run';
import { scheduleItemDto } from '../schedule/dto';
import type { ProducerBudget } from './budget';
import { CapacityError, ChannelSwitchError } from './errors';
import type { BroadcastDayInfo, Listing } from '../schedule/service';
import type { ChannelRow, PlaylogEventRow, Store } from '../store';

/** What the ChannelManager may ask of the ScheduleService: reads only. */
export interface ScheduleReader {
  airingAt(channelId: number, t: number): { event: PlaylogEventRow; offsetMs: number } | null;
  nextAfter(channelId: number, t: number): PlaylogEventRow | null;
  playoutPlan(channel: Pick<ChannelRow, 'id' | 'uuid'>, t: number, horizonMs: number): PlayoutPlan;
  broadcastDay(channel: Pick<ChannelRow, 'id' | 'timezone' | 'rolloverMinutes'>, t: number): BroadcastDayInfo;
  listings(t: number): Listing[];
}

export interface ModeState {
  global: GlobalMode;
  emergency: { message: string; scope: EmergencyScope; sinceMs: number } | null;
}

export const NORMAL_MODE: ModeState = { global: 'normal', emergency: null };

/** How often a guide channel's listings are refreshed while it airs. */
const GUIDE_REFRESH_MS = 15_000;

export interface RuntimePolicy {
  /** Keep the producer this long after the last viewer leaves. */
  viewerGraceMs: number;
  /** How far ahead each playout plan reaches. */
  planHorizonMs: number;
  /** Re-plan this long before the current plan runs out. */
  replanLeadMs: number;
  restartBaseMs: number;
  restartCapMs: number;
  /** Consecutive failures after which the channel is failed. */
  maxFailures: number;
  /** A producer that has run this long without failing resets the failure count. */
  stableMs: number;
}

export const DEFAULT_POLICY: RuntimePolicy = {
  viewerGraceMs: 20_000,
  planHorizonMs: 6 * 3600_000,
  replanLeadMs: 30 * 60_000,
  restartBaseMs: 1_000,
  restartCapMs: 30_000,
  maxFailures: 3,
  stableMs: 10_000,
};

export interface ChannelManagerDeps {
  clock: MasterClock;
  schedule: ScheduleReader;
  store: Store;
  factory: ProducerFactory;
  budget: ProducerBudget;
  outputDir: string;
  policy: RuntimePolicy;
  logger: Logger;
  /** The channel's status changed (coalesced by the status hub). */
  onChange: (channelUuid: string) => void;
}

type Listener = { [E in keyof ProducerEvents]: (...args: ProducerEvents[E]) => void };

export class ChannelManager {
  channel: ChannelRow;
  private readonly sessions = new Map<string, SessionPurpose>();
  private viewers = 0;
  private producer: Producer | null = null;
  private producerListeners: Listener | null = null;
  private status: ProducerStatus = 'stopped';
  private mode: ModeState;
  private failed = false;
  private failures = 0;
  private lastError: string | null = null;
  private ops: Promise<void> = Promise.resolve();
  private graceTimer: TimerHandle | undefined;
  private restartTimer: TimerHandle | undefined;
  private replanTimer: TimerHandle | undefined;
  private stableTimer: TimerHandle | undefined;
  private guideTimer: TimerHandle | undefined;
  private boundaryTimer: TimerHandle | undefined;
  private dayTimer: TimerHandle | undefined;
  private replanQueued = false;
  private closed = false;
  readonly alarms: AlarmBoard;
  private readonly asRun: AsRunLogger;
  private nowEvent: PlaylogEventRow | null = null;
  private nowDto: ScheduleItemDto | null = null;
  private nextDto: ScheduleItemDto | null = null;
  private dayDto: ChannelStatusDto['broadcastDay'] = { label: '', start: '', end: '' };
  /** How many producers this manager has started (for tests and the bench). */
  startsCount = 0;
  /** Producers created for this channel in this station run: the next one's sequence number. */
  private producerSequence = 0;
  private readonly log: Logger;

  constructor(
    channel: ChannelRow,
    mode: ModeState,
    private readonly deps: ChannelManagerDeps,
  ) {
    this.channel = channel;
    this.mode = mode;
    this.log = deps.logger.child({ channel: channel.slug });
    this.alarms = new AlarmBoard(() => this.changed());
    this.asRun = new AsRunLogger(deps.store, deps.clock, channel, () => this.producer?.mode ?? 'normal');
    this.refreshNowNext();
    this.refreshDay();
  }

  get uuid(): string {
    return this.channel.uuid;
  }

  private changed(): void {
    if (!this.closed) this.deps.onChange(this.channel.uuid);
  }

  /** Serializes every producer transition: at most one producer per channel at any instant. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.ops.then(fn);
    this.ops = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when every queued transition has run. */
  whenIdle(): Promise<void> {
    return this.ops;
  }

  // ---- viewers and fanout -------------------------------------------------------------------

  get viewerCount(): number {
    return this.viewers;
  }
  get previewCount(): number {
    return this.sessions.size - this.viewers;
  }
  get sessionCount(): number {
    return this.sessions.size;
  }
  get producerStatus(): ProducerStatus {
    return this.status;
  }
  get isFailed(): boolean {
    return this.failed;
  }
  get currentProducer(): Producer | null {
    return this.producer;
  }

  /**
   * Checks that a new session could be served; throws CapacityError (changing nothing) when the
   * channel would need a producer slot and the station's budget is spent.
   */
  admit(): void {
    if (this.closed) throw new Error(`channel ${this.channel.slug} is shut down`);
    if (this.deps.budget.holds(this.uuid)) return;
    if (!this.deps.budget.tryAcquire(this.uuid)) {
      throw new CapacityError(
        `the station is at its producer budget (${this.deps.budget.max} channels on air); "${this.channel.name}" cannot start now`,
      );
    }
  }

  /** Adds an admitted session. The first one starts the producer; a failed channel is retried. */
  addSession(sessionId: string, purpose: SessionPurpose): void {
    if (this.sessions.has(sessionId)) return;
    this.sessions.set(sessionId, purpose);
    if (purpose === 'viewer') this.viewers++;
    this.graceTimer?.cancel();
    this.graceTimer = undefined;
    if (this.failed) this.clearFailure('a new viewer arrived');
    this.persistViewers();
    this.changed();
    void this.ensureRunning();
  }

  removeSession(sessionId: string): void {
    const purpose = this.sessions.get(sessionId);
    if (purpose === undefined) return;
    this.sessions.delete(sessionId);
    if (purpose === 'viewer') this.viewers--;
    this.persistViewers();
    this.changed();
    if (this.sessions.size === 0) this.startGrace();
  }

  private startGrace(): void {
    this.graceTimer?.cancel();
    const stop = () => {
      this.graceTimer = undefined;
      if (this.sessions.size === 0) void this.stopProducer('last viewer left');
    };
    if (this.deps.policy.viewerGraceMs <= 0) stop();
    else this.graceTimer = this.deps.clock.after(this.deps.policy.viewerGraceMs, stop);
  }

  private persistViewers(): void {
    this.deps.store.channels.setViewerCount(this.channel.id, this.viewers, this.deps.clock.now());
  }

  // ---- producer lifecycle -------------------------------------------------------------------

  private overlay(mode = this.mode): EmergencyOverlay | null {
    return mode.emergency ? { ...mode.emergency } : null;
  }

  private channelMode(): ChannelMode {
    if (this.mode.global === 'emergency') return 'emergency';
    return this.channel.kind === 'guide' ? 'guide' : 'normal';
  }

  /** Which producer the channel should run now: the global mode first, then the channel kind, then the plan. */
  private desiredKind(plan: PlayoutPlan, mode = this.mode): ProducerType {
    if (mode.emergency?.scope === 'takeover') return 'emergency';
    if (this.channel.kind === 'guide') return 'guide';
    // Nothing at all to air over the horizon: a slate (an upstream scheduling failure, never filled).
    return plan.segments.some((s) => s.kind === 'item') ? 'normal' : 'slate';
  }

  private plan(now: number): PlayoutPlan {
    return this.deps.schedule.playoutPlan(this.channel, now, this.deps.policy.planHorizonMs);
  }

  private listings(now: number): GuideListing[] {
    return this.deps.schedule.listings(now).map((l) => ({
      channelUuid: l.channel.uuid,
      channelName: l.channel.name,
      timezone: l.channel.timezone,
      nowTitle: l.now?.title ?? null,
      nowEndMs: l.now?.endMs ?? null,
      nextTitle: l.next?.title ?? null,
      nextStartMs: l.next?.startMs ?? null,
    }));
  }

  private setStatus(status: ProducerStatus): void {
    if (this.status === status) return;
    this.status = status;
    const now = this.deps.clock.now();
    this.deps.store.transaction(() => {
      this.deps.store.channels.setProducerStatus(this.channel.id, status, now);
      const p = this.producer;
      this.deps.store.producers.put({
        channelId: this.channel.id,
        producerId: p?.id ?? null,
        type: p?.mode ?? 'normal',
        status,
        startedAt: p?.state().startedAtMs ?? null,
        outputLocation: p?.streamEndpoint()?.playlist ?? null,
        updatedAt: now,
      });
    });
    this.changed();
  }

  private ensureRunning(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed || this.producer || this.failed || this.restartTimer || this.sessions.size === 0) return;
      await this.startOrRegisterFailure();
    });
  }

  private listen(p: Producer): void {
    const l: Listener = {
      started: () => this.changed(),
      'segment-began': (r) => {
        this.asRun.began(r);
        if (r.slate && r.segment.kind === 'item') {
          const message = `"${r.segment.title}" could not be played; a slate airs in its slot`;
          this.alarms.raise(`media:${r.segment.startMs}`, { kind: 'media-missing', severity: 'warning', message, channelUuid: this.uuid }, r.atMs);
        } else if (r.slate) {
          const message = 'nothing is scheduled: the channel airs its slate';
          this.alarms.raise('gap', { kind: 'schedule-gap', severity: 'warning', message, channelUuid: this.uuid }, r.atMs);
        } else {
          this.alarms.clear('gap');
        }
      },
      'segment-ended': (r) => {
        this.asRun.ended(r);
        if (r.segment.kind === 'item') this.alarms.clear(`media:${r.segment.startMs}`);
      },
      'health-changed': ({ health, reason }) => {
        if (health === 'degraded') {
          this.alarms.raise('degraded', { kind: 'producer-failed', severity: 'warning', message: `output degraded: ${reason ?? 'unknown'}`, channelUuid: this.uuid }, this.deps.clock.now());
        } else {
          this.alarms.clear('degraded');
        }
      },
      alarm: (a) => {
        this.alarms.raise(`${a.kind}:${a.segment?.startMs ?? 'output'}`, { kind: a.kind, severity: a.severity, message: a.message, channelUuid: this.uuid }, this.deps.clock.now());
      },
      failed: ({ error }) => this.onProducerFailed(p, error),
      stopped: () => undefined,
    };
    for (const [event, fn] of Object.entries(l)) p.on(event as keyof ProducerEvents, fn as never);
    this.producerListeners = l;
  }

  private unlisten(p: Producer): void {
    const l = this.producerListeners;
    if (!l) return;
    for (const [event, fn] of Object.entries(l)) p.off(event as keyof ProducerEvents, fn as never);
    this.producerListeners = null;
  }

  /** Starts the producer the mode calls for at the clock's position. Call only from the queue. */
  private async startLocked(mode = this.mode): Promise<void> {
    const now = this.deps.clock.now();
    const plan = this.plan(now);
    const kind = this.desiredKind(plan, mode);
    const p = this.deps.factory(kind, { channelUuid: this.uuid, channelName: this.channel.name, outputDir: this.deps.outputDir, clock: this.deps.clock, sequence: ++this.producerSequence });
    this.producer = p;
    this.listen(p);
    this.setStatus('starting');
    this.startsCount++;
    try {
      await p.start(plan, now, { overlay: this.overlay(mode), listings: kind === 'guide' ? this.listings(now) : [] });
    } catch (err) {
      this.unlisten(p);
      this.producer = null;
      await p.stop().catch(() => undefined);
      throw err;
    }
    this.setStatus('running');
    this.alarms.clear('restarting');
    this.scheduleReplan(plan);
    if (kind === 'guide') {
      // Listings change at every item boundary of every channel: refresh the guide's card regularly.
      this.guideTimer?.cancel();
      this.guideTimer = this.deps.clock.every(GUIDE_REFRESH_MS, () => {
        if (this.producer === p) p.updateListings(this.listings(this.deps.clock.now()));
      });
    }
    this.stableTimer?.cancel();
    this.stableTimer = this.deps.clock.after(this.deps.policy.stableMs, () => {
      this.stableTimer = undefined;
      if (this.producer === p) this.failures = 0;
    });
    this.log.info({ producer: p.id, kind, startAtMs: now }, 'producer started');
  }

  /** Stops the producer (keeping the budget slot when `release` is false). Call only from the queue. */
  private async stopLocked(release: boolean): Promise<void> {
    this.replanTimer?.cancel();
    this.guideTimer?.cancel();
    this.stableTimer?.cancel();
    const p = this.producer;
    if (p) {
      this.setStatus('stopping');
      this.unlisten(p);
      this.asRun.closeOpen(this.deps.clock.now());
      try {
        await p.stop();
      } finally {
        this.producer = null;
      }
    }
    if (release) {
      this.restartTimer?.cancel();
      this.restartTimer = undefined;
      this.deps.budget.release(this.uuid);
    }
    if (!this.failed) this.setStatus('stopped');
  }

  private async startOrRegisterFailure(): Promise<void> {
    try {
      await this.startLocked();
    } catch (err) {
      this.registerFailure(err);
    }
  }

  private stopProducer(reason: string): Promise<void> {
    return this.enqueue(async () => {
      if (this.sessions.size > 0 && reason === 'last viewer left') return; // someone came back
      await this.stopLocked(true);
      this.log.info({ reason }, 'producer stopped');
    });
  }

  private onProducerFailed(p: Producer, error: Error): void {
    void this.enqueue(async () => {
      if (this.producer !== p) return; // already replaced or stopped
      this.unlisten(p);
      this.asRun.closeOpen(this.deps.clock.now(), 'partial', `producer failed: ${error.message}`);
      this.producer = null;
      this.replanTimer?.cancel();
      this.stableTimer?.cancel();
      this.guideTimer?.cancel();
      await p.stop().catch(() => undefined);
      this.registerFailure(error);
    });
  }

  private registerFailure(err: unknown): void {
    this.failures++;
    this.lastError = err instanceof Error ? err.message : String(err);
    const now = this.deps.clock.now();
    if (this.failures >= this.deps.policy.maxFailures) {
      this.markFailed();
      return;
    }
    const delay = Math.min(this.deps.policy.restartBaseMs * 2 ** (this.failures - 1), this.deps.policy.restartCapMs);
    this.log.warn({ failures: this.failures, delayMs: delay, error: this.lastError }, 'producer failed; restarting');
    this.alarms.raise(
      'restarting',
      { kind: 'producer-restarting', severity: 'warning', message: `producer failed (${this.lastError}); restart ${this.failures} in ${delay / 1000} s`, channelUuid: this.uuid },
      now,
    );
    this.setStatus('starting');
    this.restartTimer?.cancel();
    this.restartTimer = this.deps.clock.after(delay, () => {
      this.restartTimer = undefined;
      void this.enqueue(async () => {
        if (this.closed || this.producer || this.failed) return;
        if (this.sessions.size === 0) {
          await this.stopLocked(true);
          return;
        }
        await this.startOrRegisterFailure();
      });
    });
  }

  /** Fully failed: no producer, no budget slot, state says failed, an alarm, until reset or a new viewer. */
  private markFailed(): void {
    this.failed = true;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.deps.budget.release(this.uuid);
    this.alarms.clear('restarting');
    this.alarms.raise(
      'failed',
      { kind: 'channel-failed', severity: 'critical', message: `channel failed after ${this.failures} consecutive producer failures (last: ${this.lastError})`, channelUuid: this.uuid },
      this.deps.clock.now(),
    );
    this.log.error({ failures: this.failures, error: this.lastError }, 'channel failed');
    this.setStatus('failed');
  }

  private clearFailure(reason: string): void {
    this.failed = false;
    this.failures = 0;
    this.alarms.clear('failed');
    this.log.info({ reason }, 'channel failure cleared');
    this.setStatus('stopped');
  }

  /** Operator reset of a failed channel: tries again when someone is watching. */
  reset(): void {
    if (!this.failed) return;
    if (this.sessions.size > 0) this.admit();
    this.clearFailure('operator reset');
    void this.ensureRunning();
  }

  // ---- plans --------------------------------------------------------------------------------

  private scheduleReplan(plan: PlayoutPlan): void {
    this.replanTimer?.cancel();
    const at = Math.max(plan.toMs - this.deps.policy.replanLeadMs, this.deps.clock.now() + 1000);
    this.replanTimer = this.deps.clock.at(at, () => this.replan());
  }

  /** The schedule changed or the plan runs short: hand the producer a fresh plan from now. */
  replan(): void {
    this.refreshNowNext();
    this.changed();
    if (this.replanQueued) return;
    this.replanQueued = true;
    void this.enqueue(async () => {
      this.replanQueued = false;
      const p = this.producer;
      if (!p || this.status !== 'running') return;
      const now = this.deps.clock.now();
      const plan = this.plan(now);
      if (this.desiredKind(plan) !== p.mode) {
        await this.stopLocked(false);
        await this.startOrRegisterFailure();
        return;
      }
      try {
        await p.updatePlan(plan);
        if (p.mode === 'guide') p.updateListings(this.listings(now));
        this.scheduleReplan(plan);
      } catch (err) {
        this.log.warn({ err }, 're-plan refused by the producer');
      }
    });
  }

  // ---- mode ---------------------------------------------------------------------------------

  /**
   * Obeys a new global mode (called by the ProgramDirector only). Crawl is applied in place on the
   * running producer; takeover (and its end) swaps the producer. Rejects with ChannelSwitchError,
   * with the channel left in its previous mode, when the switch is refused.
   */
  applyMode(next: ModeState): Promise<void> {
    return this.enqueue(async () => {
      const prev = this.mode;
      this.mode = next;
      this.changed();
      const p = this.producer;
      if (!p || this.failed) return;
      const now = this.deps.clock.now();
      const kind = this.desiredKind(this.plan(now), next);
      try {
        if (kind === p.mode) {
          await p.setOverlay(this.overlay(next));
        } else {
          await this.stopLocked(false);
          await this.startLocked(next);
        }
      } catch (err) {
        this.mode = prev;
        this.changed();
        if (!this.producer && this.sessions.size > 0) await this.startOrRegisterFailure(); // back to what it was airing
        else if (this.producer) await this.producer.setOverlay(this.overlay(prev)).catch(() => undefined);
        throw new ChannelSwitchError(this.uuid, this.channel.name, err);
      }
    });
  }

  get currentMode(): ModeState {
    return this.mode;
  }

  // ---- status -------------------------------------------------------------------------------

  /** Caches now/next and wakes at the next item boundary to refresh them (and tell subscribers). */
  private refreshNowNext(): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    const airing = this.deps.schedule.airingAt(this.channel.id, now);
    const next = this.deps.schedule.nextAfter(this.channel.id, now);
    this.nowEvent = airing?.event ?? null;
    this.nowDto = this.nowEvent ? scheduleItemDto(this.nowEvent, this.channel.timezone) : null;
    this.nextDto = next ? scheduleItemDto(next, this.channel.timezone) : null;
    this.boundaryTimer?.cancel();
    const boundary = Math.min(this.nowEvent?.endMs ?? Infinity, next?.startMs ?? Infinity);
    if (Number.isFinite(boundary)) {
      this.boundaryTimer = this.deps.clock.at(boundary, () => {
        this.refreshNowNext();
        this.changed();
      });
    }
  }

  private refreshDay(): void {
    if (this.closed) return;
    const day = this.deps.schedule.broadcastDay(this.channel, this.deps.clock.now());
    const zone = this.channel.timezone;
    this.dayDto = { label: day.label, start: formatInstant(day.startMs, zone), end: formatInstant(day.endMs, zone) };
    this.dayTimer?.cancel();
    this.dayTimer = this.deps.clock.at(day.endMs, () => {
      this.refreshDay();
      this.changed();
    });
  }

  /** Channel metadata changed (re-import). */
  updateChannel(row: ChannelRow): void {
    this.channel = row;
    this.refreshDay();
    this.replan();
  }

  tally(): Tally {
    if (this.failed || this.producer?.health() === 'degraded') return 'fault';
    if (this.status !== 'running') return 'off';
    return this.viewers > 0 ? 'program' : 'preview';
  }

  statusDto(now: number): ChannelStatusDto {
    let nowPlaying: NowPlayingDto | null = null;
    if (this.nowDto && this.nowEvent) {
      if (this.nowEvent.endMs <= now || this.nowEvent.startMs > now) {
        // The boundary timer has not fired yet (status read at the exact boundary): refresh.
        this.refreshNowNext();
      }
      if (this.nowDto && this.nowEvent) {
        nowPlaying = { ...this.nowDto, offsetMs: now - this.nowEvent.startMs + this.nowEvent.inPointMs, remainingMs: this.nowEvent.endMs - now };
      }
    }
    return {
      uuid: this.channel.uuid,
      slug: this.channel.slug,
      name: this.channel.name,
      timezone: this.channel.timezone,
      kind: this.channel.kind,
      rolloverMinutes: this.channel.rolloverMinutes,
      mode: this.channelMode(),
      producerStatus: this.status,
      producerType: this.producer?.mode ?? null,
      viewerCount: this.viewers,
      previewCount: this.sessions.size - this.viewers,
      tally: this.tally(),
      failed: this.failed,
      nowPlaying,
      next: this.nextDto,
      broadcastDay: this.dayDto,
      alarms: this.alarms.dtos(),
    };
  }

  /** Stops the producer and every timer (station shutdown). */
  async shutdown(): Promise<void> {
    // Closed first, so that nothing queued behind the stop can start a producer again.
    this.closed = true;
    this.graceTimer?.cancel();
    this.boundaryTimer?.cancel();
    this.dayTimer?.cancel();
    this.restartTimer?.cancel();
    await this.enqueue(async () => {
      await this.stopLocked(true);
    });
  }
}
