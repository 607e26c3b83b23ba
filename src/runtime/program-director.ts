// ProgramDirector: master control. It keeps the registry of ChannelManagers, owns the global mode
// and is the only one that sets or clears an emergency, enforces station-wide policy (the producer
// budget), and reports system health. It coordinates; it does not schedule, and it never starts a
// producer itself: ChannelManagers do, obeying the mode it sets.
//
// Switching every channel into or out of an emergency is a unit of work: the state is committed in
// one transaction with one audit entry and then all channels switch; a store that cannot write
// refuses it before anything airs, and if a channel refuses every channel is put back, nothing is
// stored, and the error names the channel that refused.
import path from 'node:path'
import type { Logger } from 'pino'
import type {
  AlarmDto,
  ChannelStatusDto,
  ModeDto,
  OutputDto,
  StationHealthDto,
  ViewerAttachDto
} from '../shared/api'
import {
  ALARM_CODES,
  DEFAULT_LOUDNESS,
  DEFAULT_OUTPUT_HEALTH,
  type ChannelInfo,
  type EmergencyScope,
  type LoudnessSettings,
  type OutputHealthSettings,
  type SessionPurpose
} from '../shared/domain'
import { formatInstant } from '../shared/time'
import type { MasterClock } from '../shared/clock'
import type { ProducerFactory } from '../playout'
import { alarmKeys } from './alarm-keys'
import {
  AlarmBoard,
  type AlarmLog,
  type AlarmTransition,
  RecentAcknowledgements,
  storeAlarmLog
} from './alarms'
import { ProducerBudget } from './budget'
import { ChannelManager, type ChannelOutput, type ScheduleReader } from './channel-manager'
import {
  CapacityError,
  UnknownAlarmError,
  UnknownChannelError,
  UnknownSessionError
} from './errors'
import { channelModeOf, NORMAL_MODE, type ModeState } from './mode'
import { DEFAULT_POLICY, type RuntimePolicy } from './policy'
import { type LiveSession, SessionRegistry } from './viewer-sessions'
import { StatusHub } from './status'
import { switchEveryChannel } from './mode-switch'
import { LevelsHub } from './levels'
import { DiskWatch, type StatFs } from './disk-watch'
import type { AuditActor, Store } from '../store'
import { describeStorageFailure, storageFailureOf } from '../store/write-failure'

export interface ScheduleSource extends ScheduleReader {
  activeChannels(): ChannelInfo[]
  channelById(id: number): ChannelInfo | undefined
  on(event: 'changed', listener: (channelIds: number[]) => void): unknown
  off(event: 'changed', listener: (channelIds: number[]) => void): unknown
}

export interface ProgramDirectorOptions {
  store: Store
  clock: MasterClock
  schedule: ScheduleSource
  factory: ProducerFactory
  /** Root of the channels' output folders (one folder per channel uuid). */
  outputRoot: string
  logger: Logger
  policy?: Partial<RuntimePolicy>
  /** Most producers running at once. */
  producerBudget: number
  sessionTimeoutMs?: number
  /** Coalescing window for status events. */
  statusCoalesceMs?: number
  /** Free space watched where the station writes (none: not watched). */
  disk?: {
    folders: Array<{ name: string; path: string }>
    warnFreeBytes?: number
    pollMs?: number
    statfs?: StatFs
  }
}

export interface ReconcileReport {
  sessionsEnded: number
  channelsReset: number
  producersReset: number
  alarmsCleared: number
  asRunClosed: number
}

export class ProgramDirector {
  private readonly cms = new Map<string, ChannelManager>()
  private mode: ModeState = NORMAL_MODE
  private readonly budget: ProducerBudget
  readonly sessions: SessionRegistry
  readonly status: StatusHub
  /** Every live channel's sound levels, about ten times a second, while someone subscribes. */
  readonly levels: LevelsHub
  readonly alarms: AlarmBoard
  private outputHealth: OutputHealthSettings = DEFAULT_OUTPUT_HEALTH
  private loudness: LoudnessSettings = DEFAULT_LOUDNESS
  private readonly policy: RuntimePolicy
  private modeOp: Promise<unknown> = Promise.resolve()
  private readonly onScheduleChanged = (ids: number[]) => this.scheduleChanged(ids)
  private closed = false
  private readonly log: Logger
  private readonly alarmLog: AlarmLog
  readonly disk: DiskWatch | null
  private readonly alarmListeners = new Set<(t: AlarmTransition) => void>()
  /** What every desk is told was acknowledged lately (status events carry it). */
  private readonly acknowledged = new RecentAcknowledgements()
  private readonly alarmTransition = (t: AlarmTransition): void => {
    this.acknowledged.note(t)
    for (const listener of this.alarmListeners) listener(t)
  }
  /** An emergency's record the store took but could not take back after a channel refused: retried. */
  private undoPending: (() => void) | null = null

  constructor(private readonly opts: ProgramDirectorOptions) {
    this.policy = { ...DEFAULT_POLICY, ...opts.policy }
    // Capacity is a station alarm while the budget is spent; it goes when a slot comes free.
    this.budget = new ProducerBudget(opts.producerBudget, () =>
      this.alarms.clear(alarmKeys.capacity)
    )
    this.log = opts.logger.child({ component: 'program-director' })
    this.status = new StatusHub(opts.clock, this, opts.statusCoalesceMs ?? 100)
    this.levels = new LevelsHub(opts.clock, () =>
      [...this.cms.values()].flatMap((cm) => {
        const l = cm.levels()
        return l ? [{ uuid: cm.uuid, ...l }] : []
      })
    )
    this.alarmLog = storeAlarmLog(opts.store)
    this.alarms = new AlarmBoard({
      clock: opts.clock,
      log: this.alarmLog,
      channel: null,
      defaultOwner: 'station',
      onChange: () => this.status.stationChanged(),
      onError: (err) => this.log.error({ err }, 'an alarm could not be recorded'),
      onTransition: this.alarmTransition
    })
    this.disk = opts.disk
      ? new DiskWatch({
          clock: opts.clock,
          alarms: this.alarms,
          log: this.log,
          ...opts.disk,
          onPoll: () => void this.retryUndo()
        })
      : null
    this.sessions = new SessionRegistry(opts.store, opts.clock, opts.sessionTimeoutMs ?? 60_000, {
      persist: (s, delta) => this.persistViewerCount(s, delta),
      ended: (s, reason) => {
        this.cms.get(s.channelUuid)?.removeSession(s.sessionId)
        this.log.debug({ channel: s.channelUuid, reason }, 'viewer session ended')
      },
      sweepFailed: (s, err) =>
        this.log.error(
          { err, channel: s.channelUuid },
          'a silent viewer session could not be ended; retrying'
        )
    })
  }

  private persistViewerCount(s: LiveSession, delta: 1 | -1): void {
    const cm = this.cms.get(s.channelUuid)
    if (cm)
      this.opts.store.channels.setViewerCount(
        s.channelId,
        cm.viewersAfter(s.purpose, delta),
        this.opts.clock.now()
      )
  }

  /**
   * After a crash nothing of the previous run is live: end its sessions, reset producer statuses.
   * Committed data (schedule, mode, as-run, audit) is kept. Returns what was reconciled.
   */
  reconcile(): ReconcileReport {
    const now = this.opts.clock.now()
    const { store } = this.opts
    const report = store.transaction(() => {
      const r = {
        sessionsEnded: store.sessions.endAllLive(now, 'station restarted'),
        channelsReset: store.channels.resetRuntime(now),
        producersReset: store.producers.resetLive(now),
        // Nothing of the previous run is raising any more; unacknowledged ones stay latched.
        alarmsCleared: store.alarms.clearAllActive(now),
        // What was on air when it stopped ends at the last time it was known to be on air.
        asRunClosed: store.asRun.closeAllOpen('station stopped')
      }
      if (Object.values(r).some((n) => n > 0))
        store.audit.append(now, 'system', 'reconcile', { ...r })
      return r
    })
    if (Object.values(report).some((n) => n > 0))
      this.log.warn(report, 'reconciled state left by the previous run')
    return report
  }

  /** Reconciles, loads the stored mode and creates a ChannelManager per active channel. */
  start(): ReconcileReport {
    const report = this.reconcile()
    const sys = this.opts.store.system.get()
    this.mode =
      sys.globalMode === 'emergency' && sys.emergencyScope && sys.emergencyMessage !== null
        ? {
            global: 'emergency',
            emergency: {
              message: sys.emergencyMessage,
              scope: sys.emergencyScope,
              sinceMs: sys.emergencySinceMs ?? 0,
              desk: sys.emergencyDesk ?? null
            }
          }
        : NORMAL_MODE
    this.outputHealth = this.opts.store.settings.outputHealth()
    this.loudness = this.opts.store.settings.loudness()
    for (const c of this.opts.schedule.activeChannels()) this.addChannel(c)
    this.restoreLatchedAlarms()
    this.opts.schedule.on('changed', this.onScheduleChanged)
    this.disk?.start()
    return report
  }

  /** Alarms latched by the previous run go back on the boards they belong to. */
  private restoreLatchedAlarms(): void {
    const byId = new Map([...this.cms.values()].map((cm) => [cm.channel.id, cm]))
    const rows = this.opts.store.alarms.open()
    this.alarms.restore(rows.filter((r) => r.channelId === null || !byId.has(r.channelId)))
    for (const cm of byId.values())
      cm.alarms.restore(rows.filter((r) => r.channelId === cm.channel.id))
  }

  private addChannel(row: ChannelInfo): ChannelManager {
    const cm = new ChannelManager(row, this.mode, {
      clock: this.opts.clock,
      schedule: this.opts.schedule,
      store: this.opts.store,
      factory: this.opts.factory,
      budget: this.budget,
      copyShare: () => this.opts.store.renditions.settings().copyShare,
      outputDir: path.join(this.opts.outputRoot, row.uuid),
      policy: this.policy,
      logger: this.opts.logger,
      alarmLog: this.alarmLog,
      health: () => this.outputHealth,
      writeFailed: (what, err) => this.writeFailed(what, err),
      loudness: () => this.loudness,
      onChange: (uuid) => this.status.channelChanged(uuid),
      alarmTransition: this.alarmTransition
    })
    this.cms.set(row.uuid, cm)
    this.status.channelChanged(row.uuid)
    return cm
  }

  private scheduleChanged(ids: number[]): void {
    // An import may have changed how outputs are watched: producers on air apply it at once.
    const health = this.opts.store.settings.outputHealth()
    if (JSON.stringify(health) !== JSON.stringify(this.outputHealth)) {
      this.outputHealth = health
      for (const cm of this.cms.values()) cm.applyOutputHealth(health)
    }
    // So may the loudness target (an import, or the console's setting).
    const loudness = this.opts.store.settings.loudness()
    if (JSON.stringify(loudness) !== JSON.stringify(this.loudness)) {
      this.loudness = loudness
      for (const cm of this.cms.values()) cm.applyLoudness(loudness)
    }
    const byId = new Map([...this.cms.values()].map((cm) => [cm.channel.id, cm]))
    for (const id of ids) {
      const row = this.opts.schedule.channelById(id)
      if (!row) continue
      const cm = byId.get(id)
      if (cm) cm.updateChannel(row)
      else this.addChannel(row)
    }
  }

  // ---- registry and queries -----------------------------------------------------------------

  channel(uuid: string): ChannelManager {
    const cm = this.cms.get(uuid)
    if (!cm) throw new UnknownChannelError(`no channel with uuid ${uuid}`)
    return cm
  }

  channelManagers(): ChannelManager[] {
    return [...this.cms.values()]
  }

  /**
   * Takes a channel off the air for good (it was deleted): its sessions end (viewers get the clean
   * end of an ended session), then its producer stops and its timers go. Nothing can attach to it
   * once this returns's first step has run: it leaves the registry before anything awaits.
   * Returns how many sessions were ended.
   */
  async removeChannel(uuid: string, reason = 'channel deleted'): Promise<number> {
    const cm = this.channel(uuid)
    let ended = 0
    for (const s of this.sessions.liveSessions()) {
      if (s.channelUuid !== uuid) continue
      if (this.sessions.end(s.sessionId, reason)) ended++
    }
    this.cms.delete(uuid)
    // Its alarms leave the boards with it (their history stays in the store).
    for (const a of cm.alarms.list()) cm.alarms.clear(a.key)
    await cm.shutdown()
    this.status.resync()
    this.log.info({ channel: uuid, sessionsEnded: ended }, 'channel removed from the station')
    return ended
  }

  /** Where a channel's output is now (null while nothing is on air); throws for an unknown channel. */
  channelOutput(uuid: string): ChannelOutput | null {
    return this.channel(uuid).output()
  }

  channelStatus(uuid: string, now = this.opts.clock.now()): ChannelStatusDto | undefined {
    return this.cms.get(uuid)?.statusDto(now)
  }

  allChannelStatus(now = this.opts.clock.now()): ChannelStatusDto[] {
    return [...this.cms.values()].map((cm) => cm.statusDto(now))
  }

  modeDto(): ModeDto {
    const e = this.mode.emergency
    return {
      mode: this.mode.global,
      emergency: e
        ? {
            message: e.message,
            scope: e.scope,
            since: formatInstant(e.sinceMs),
            desk: e.desk ?? null
          }
        : null
    }
  }

  /** Every alarm of the station and its channels as it is raised, cleared or acknowledged. */
  onAlarm(listener: (t: AlarmTransition) => void): () => void {
    this.alarmListeners.add(listener)
    return () => this.alarmListeners.delete(listener)
  }

  stationAlarms(): AlarmDto[] {
    return this.alarms.dtos()
  }

  recentAcknowledgements(): AlarmDto[] {
    return this.acknowledged.dtos()
  }

  health(_now = this.opts.clock.now()): StationHealthDto {
    let running = 0
    let viewers = 0
    let previews = 0
    let failed = 0
    // Why the station is degraded, one sentence each: failed channels, critical alarms, the disk.
    const reasons: string[] = []
    for (const cm of this.cms.values()) {
      if (cm.producerStatus === 'running') running++
      viewers += cm.viewerCount
      previews += cm.previewCount
      if (cm.isFailed) {
        failed++
        reasons.push(`${cm.channel.name}: channel failed`)
      }
      for (const a of cm.alarms.list())
        if (a.severity === 'critical') reasons.push(`${cm.channel.name}: ${a.message}`)
    }
    for (const a of this.alarms.list())
      if (a.severity === 'critical' || a.kind === 'disk')
        reasons.push(`${ALARM_CODES[a.kind]}: ${a.message}`)
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      reasons,
      channels: this.cms.size,
      producersRunning: running,
      producerBudget: this.budget.max,
      producerBudgetUsed: this.budget.used,
      viewers,
      previews,
      failedChannels: failed
    }
  }

  // ---- station alarms -----------------------------------------------------------------------

  /** The system clock stepped back; station time keeps running and is ahead of it until it catches up. */
  clockStepped(stepMs: number): void {
    const message = `the system clock stepped back ${(stepMs / 1000).toFixed(1)} s; station time keeps running and stays ahead of it until it catches up`
    this.alarms.raise(alarmKeys.clockStep, {
      kind: 'clock-step',
      severity: 'warning',
      message,
      channelUuid: null
    })
  }

  clockStepResolved(): void {
    this.alarms.clear(alarmKeys.clockStep)
  }

  /** Work on a timer failed (a file operation, a database write): an alarm, never an exit. */
  timerFailed(err: unknown): void {
    this.log.error({ err }, 'station work on a timer failed')
    const message = `station work failed: ${err instanceof Error ? err.message : String(err)}`
    this.alarms.raise(alarmKeys.timerFailed, {
      kind: 'io-error',
      severity: 'warning',
      message,
      channelUuid: null
    })
    this.writeFailed('station work on a timer', err)
  }

  /**
   * Something the station had to write could not be (the store, an output folder, an encoder's
   * segment). A full or failing disk raises the critical DISK alarm; other failures are not the disk's.
   */
  writeFailed(where: string, err: unknown): void {
    const kind = storageFailureOf(err)
    if (kind) this.disk?.writeFailed(where, describeStorageFailure(kind))
  }

  /** An encoder's segment came out truncated or empty (its disk was full): never listed, and said aloud. */
  segmentIncomplete(channelUuid: string, file: string, problem: string): void {
    this.log.error(
      { channel: channelUuid, file, problem },
      'an output segment was not written whole; it is not served'
    )
    const channel = this.cms.get(channelUuid)?.channel.name ?? channelUuid
    this.disk?.writeFailed(
      `the output segment ${file} of ${channel} (${problem})`,
      'the output folder is full or failing'
    )
  }

  // ---- viewers ------------------------------------------------------------------------------

  /** Attaches a viewer (or a multiviewer preview) to a channel; the first one starts its producer. */
  attach(
    channelUuid: string,
    purpose: SessionPurpose = 'viewer',
    clientInfo: Record<string, unknown> = {}
  ): ViewerAttachDto {
    if (this.closed) throw new Error('the station is shutting down')
    const cm = this.channel(channelUuid)
    try {
      cm.admit()
    } catch (err) {
      if (err instanceof CapacityError) {
        this.alarms.raise(
          alarmKeys.capacity,
          { kind: 'capacity', severity: 'warning', message: err.message, channelUuid },
          this.opts.clock.now()
        )
      }
      throw err
    }
    let session: LiveSession
    try {
      session = this.sessions.create(cm.channel, purpose, clientInfo)
    } catch (err) {
      cm.abandonAdmission()
      throw err
    }
    // Committed: now the channel counts it (and the first session brings the producer on air).
    cm.addSession(session.sessionId, purpose)
    return { sessionId: session.sessionId, streamUrl: session.streamUrl, channelUuid, purpose }
  }

  detach(sessionId: string, reason = 'detached'): void {
    if (!this.sessions.end(sessionId, reason))
      throw new UnknownSessionError(`no live viewer session ${sessionId}`)
  }

  // ---- push outputs -------------------------------------------------------------------------

  /** How a channel's push outputs stand (the output service reports; status shows it). */
  outputsChanged(channelUuid: string, outputs: OutputDto[]): void {
    this.channel(channelUuid).reportOutputs(outputs)
  }

  /**
   * A push destination went down (a message) or is flowing again (null): the channel's `output-down`
   * alarm. A warning: the channel itself is on air and its local viewers see it, so its tally
   * stays red; the alarm says the feed beyond this PC is broken.
   */
  outputDown(channelUuid: string, outputId: string, message: string | null): void {
    const cm = this.channel(channelUuid)
    const key = alarmKeys.outputDown(outputId)
    if (message === null) cm.alarms.clear(key)
    else
      cm.alarms.raise(key, {
        kind: 'output-down',
        severity: 'warning',
        message,
        channelUuid,
        owner: `output:${outputId}`
      })
  }

  /** An operator acknowledges an alarm (by its id): a latched one goes, an active one is marked seen. */
  acknowledgeAlarm(
    id: string,
    actor: AuditActor = 'operator',
    desk: string | null = null
  ): AlarmDto {
    const n = /^\d{1,15}$/.test(id) ? Number(id) : NaN
    for (const board of [this.alarms, ...[...this.cms.values()].map((cm) => cm.alarms)]) {
      const done = Number.isSafeInteger(n) ? board.acknowledge(n, { actor, desk }) : undefined
      if (done) return done
    }
    throw new UnknownAlarmError(`no active or latched alarm ${id}`)
  }

  /** Operator reset of a failed channel. */
  resetChannel(uuid: string, actor: AuditActor = 'operator'): void {
    const cm = this.channel(uuid)
    cm.reset()
    this.opts.store.audit.append(this.opts.clock.now(), actor, 'channel-reset', {}, cm.channel.id)
  }

  // ---- emergency ----------------------------------------------------------------------------

  /** Runs mode changes one at a time. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.modeOp.then(fn, fn)
    this.modeOp = run.catch(() => undefined)
    return run
  }

  private async switchAll(
    target: ModeState,
    action: string,
    actor: AuditActor,
    details: Record<string, unknown>
  ): Promise<ModeDto> {
    const cms = [...this.cms.values()]
    const { store, clock } = this.opts
    // A refusal's record still stored (the disk failed in between) goes first; if it still cannot, neither can this.
    const stuck = this.retryUndo()
    if (stuck) throw stuck
    const before = store.system.get()
    let auditId = 0
    const channelModes = (mode: ModeState) => {
      const now = clock.now()
      for (const cm of cms)
        store.channels.setMode(cm.channel.id, channelModeOf(mode.global, cm.channel.kind), now)
    }
    const record = {
      // The mode, every channel's mode and one audit entry: one transaction, before any channel switches.
      commit: () => {
        const now = clock.now()
        try {
          store.transaction(() => {
            const e = target.emergency
            store.system.set({
              globalMode: target.global,
              emergencyMessage: e?.message ?? null,
              emergencyScope: e?.scope ?? null,
              emergencySinceMs: e?.sinceMs ?? null,
              emergencyDesk: e?.desk ?? null,
              updatedAt: now
            })
            channelModes(target)
            auditId = store.audit.append(now, actor, action, { ...details, channels: cms.length })
          })
        } catch (err) {
          this.writeFailed('the station mode', err)
          throw err
        }
      },
      // A channel refused: as if it never happened (the state before, no audit entry).
      undo: () =>
        store.transaction(() => {
          store.system.set(before)
          channelModes(this.mode)
          store.audit.remove(auditId)
        })
    }
    await switchEveryChannel(cms, target, this.mode, record, this.log.child({ action }), (err) => {
      this.writeFailed('the station mode', err)
      this.undoPending = record.undo
    })
    this.mode = target
    this.status.stationChanged()
    this.log.warn({ action, ...details }, 'station mode changed')
    return this.modeDto()
  }

  /** Takes back a refused switch's record the store could not take back at the time. */
  private retryUndo(): unknown {
    if (!this.undoPending) return undefined
    try {
      this.undoPending()
      this.undoPending = null
      this.log.info('the refused switch was taken back in the store')
      return undefined
    } catch (err) {
      this.writeFailed('the station mode', err)
      return err
    }
  }

  /** Takes every channel into an emergency (all or none). Only the ProgramDirector does this. */
  activateEmergency(
    message: string,
    scope: EmergencyScope,
    actor: AuditActor = 'operator',
    desk: string | null = null
  ): Promise<ModeDto> {
    return this.serialize(async () => {
      const text = message.trim()
      if (text.length === 0) throw new Error('an emergency needs a message')
      const target: ModeState = {
        global: 'emergency',
        emergency: { message: text, scope, sinceMs: this.opts.clock.now(), desk }
      }
      return this.switchAll(target, 'emergency-activate', actor, {
        message: text,
        scope,
        ...(desk === null ? {} : { desk })
      })
    })
  }

  /** Returns every channel to its schedule at the clock's position (all or none). */
  clearEmergency(actor: AuditActor = 'operator'): Promise<ModeDto> {
    return this.serialize(async () => {
      if (this.mode.global === 'normal') return this.modeDto()
      return this.switchAll(NORMAL_MODE, 'emergency-clear', actor, {})
    })
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Stops every producer and timer; the station is going down. */
  async shutdown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.opts.schedule.off('changed', this.onScheduleChanged)
    for (const s of this.sessions.liveSessions()) {
      try {
        this.sessions.end(s.sessionId, 'station shutdown')
      } catch (err) {
        // A full disk must not keep the station from stopping: the next start's reconcile ends it.
        this.log.error(
          { err, channel: s.channelUuid },
          'a viewer session could not be ended in the store at shutdown'
        )
      }
    }
    this.sessions.close()
    this.disk?.stop()
    await Promise.allSettled([...this.cms.values()].map((cm) => cm.shutdown()))
    this.status.close()
    this.levels.close()
  }
}
