// A station's push outputs: each enabled destination holds an output session on its channel (on
// air whatever local viewers do, tally red, counted by the producer budget) and runs an
// OutputPush. The store says what exists and what is enabled (the station file or the API); this
// keeps the running pushes equal to it, and reports their state to the ProgramDirector, which
// shows it in channel status and raises or clears the `output-down` alarm.
import crypto from 'node:crypto'
import type { Logger } from 'pino'
import type { ProcessGroup } from '../media/process'
import type { ProgramDirector } from '../runtime/program-director'
import type { OutputDto } from '../shared/api'
import type { MasterClock, TimerHandle } from '../shared/clock'
import { MAX_OUTPUTS_PER_CHANNEL, sameDestination, redactOutputUrl } from '../shared/output-url'
import { formatInstant } from '../shared/time'
import type { AuditActor, OutputRow, Store } from '../store'
import { type ChannelFeeds, OutputPush } from './push'

export interface OutputServiceDeps {
  store: Store
  director: ProgramDirector
  /** Each channel's output as a byte stream (the station's TsFeeds over its timelines). */
  feeds: ChannelFeeds
  processes: ProcessGroup
  clock: MasterClock
  log: Logger
  ffmpeg: string | null
}

interface Running {
  push: OutputPush
  /** The output session's id; null while the producer budget has no room for the channel. */
  session: { id: string | null }
}

export class UnknownOutputError extends Error {}
export class DuplicateOutputError extends Error {}
export class OutputLimitError extends Error {}

/** How often sessions that could not be ended (the store refused) are tried again. */
const ORPHAN_RETRY_MS = 5_000

export class OutputService {
  private readonly running = new Map<string, Running>()
  /** Pushes being stopped, by output: a new push to the same destination waits for the old one to let go. */
  private readonly stopping = new Map<string, Promise<void>>()
  /** Output sessions whose end the store refused: ended on a timer, so none holds a channel on air for good. */
  private readonly orphans = new Set<string>()
  private orphanTimer: TimerHandle | undefined
  private readonly log: Logger
  private closed = false

  constructor(private readonly d: OutputServiceDeps) {
    this.log = d.log.child({ component: 'outputs' })
  }

  /** The channel's outputs, running or not. */
  list(channelUuid: string): OutputDto[] {
    const channelId = this.d.director.channel(channelUuid).channel.id
    return this.d.store.outputs.ofChannel(channelId).map((row) => this.dto(row, channelUuid))
  }

  private dto(row: OutputRow, channelUuid: string): OutputDto {
    const run = this.running.get(row.outputId)
    if (run) return run.push.dto()
    return {
      id: row.outputId,
      channelUuid,
      url: redactOutputUrl(row.url),
      enabled: row.enabled,
      state: 'off',
      since: formatInstant(row.updatedAt),
      lastError: null,
      connections: 0
    }
  }

  private row(outputId: string): OutputRow & { channelUuid: string } {
    const row = this.d.store.outputs.get(outputId)
    const cm = row && this.d.director.channelManagers().find((c) => c.channel.id === row.channelId)
    if (!row || !cm) throw new UnknownOutputError(`no output ${outputId.slice(0, 64)}`)
    return { ...row, channelUuid: cm.uuid }
  }

  /** Adds a destination (validated by the caller); an enabled one starts at once (503 past the budget: nothing is added). */
  add(channelUuid: string, url: string, enabled: boolean, actor: AuditActor): OutputDto {
    const cm = this.d.director.channel(channelUuid)
    const existing = this.d.store.outputs.ofChannel(cm.channel.id)
    if (existing.some((o) => sameDestination(o.url, url)))
      throw new DuplicateOutputError('this channel already pushes to that destination')
    if (existing.length >= MAX_OUTPUTS_PER_CHANNEL)
      throw new OutputLimitError(
        `a channel has at most ${MAX_OUTPUTS_PER_CHANNEL} outputs; remove one first`
      )
    const outputId = crypto.randomUUID()
    const now = this.d.clock.now()
    this.commit(outputId, channelUuid, url, enabled, () =>
      this.d.store.transaction(() => {
        this.d.store.outputs.insert({ outputId, channelId: cm.channel.id, url, enabled }, now)
        this.d.store.audit.append(
          now,
          actor,
          'output-added',
          { output: outputId, url: redactOutputUrl(url), enabled },
          cm.channel.id
        )
      })
    )
    return this.dto(this.row(outputId), channelUuid)
  }

  setEnabled(outputId: string, enabled: boolean, actor: AuditActor): OutputDto {
    const row = this.row(outputId)
    const now = this.d.clock.now()
    const write = () =>
      this.d.store.transaction(() => {
        this.d.store.outputs.setEnabled(outputId, enabled, now)
        this.d.store.audit.append(
          now,
          actor,
          enabled ? 'output-enabled' : 'output-disabled',
          { output: outputId, url: redactOutputUrl(row.url) },
          row.channelId
        )
      })
    if (enabled && !this.running.has(outputId))
      this.commit(outputId, row.channelUuid, row.url, true, row.enabled ? () => undefined : write)
    else if (!enabled && row.enabled) {
      write()
      this.halt(outputId, row.channelUuid)
    }
    return this.dto(this.row(outputId), row.channelUuid)
  }

  remove(outputId: string, actor: AuditActor): void {
    const row = this.row(outputId)
    const now = this.d.clock.now()
    this.d.store.transaction(() => {
      this.d.store.outputs.remove(outputId)
      this.d.store.audit.append(
        now,
        actor,
        'output-removed',
        { output: outputId, url: redactOutputUrl(row.url) },
        row.channelId
      )
    })
    this.halt(outputId, row.channelUuid)
  }

  /**
   * Starts an output, then writes: the session is taken first (a full budget refuses, changing
   * nothing) and let go again if the write fails.
   */
  private commit(
    outputId: string,
    channelUuid: string,
    url: string,
    enabled: boolean,
    write: () => void
  ): void {
    if (enabled) this.launch(outputId, channelUuid, url, true)
    try {
      write()
    } catch (err) {
      if (enabled) this.halt(outputId, channelUuid)
      throw err
    }
    this.report(channelUuid)
  }

  /** Makes the running pushes what the store says (at start, and after a station file import). */
  sync(): void {
    if (this.closed) return
    const rows = this.d.store.outputs.list()
    const wanted = new Set(rows.filter((r) => r.enabled).map((r) => r.outputId))
    for (const [id, run] of this.running) if (!wanted.has(id)) this.halt(id, run.push.channelUuid)
    for (const row of rows) {
      const cm = this.d.director.channelManagers().find((c) => c.channel.id === row.channelId)
      // Past the producer budget it waits, down and retried, rather than refusing: the file asked for it.
      if (cm && row.enabled && !this.running.has(row.outputId))
        this.launch(row.outputId, cm.uuid, row.url, false)
    }
    for (const cm of this.d.director.channelManagers()) this.report(cm.uuid)
  }

  /** `eager`: take the session now and throw if the budget refuses; otherwise the push takes it when it can. */
  private launch(outputId: string, channelUuid: string, url: string, eager: boolean): void {
    if (this.closed) throw new Error('the station is shutting down')
    const session: Running['session'] = { id: null }
    const acquire = () => {
      if (session.id && this.d.director.sessions.get(session.id)) return
      session.id = this.d.director.attach(channelUuid, 'output', {
        via: 'output',
        output: outputId,
        url: redactOutputUrl(url)
      }).sessionId
    }
    if (eager) acquire()
    const push = new OutputPush(outputId, channelUuid, url, {
      ffmpeg: this.d.ffmpeg,
      processes: this.d.processes,
      feeds: this.d.feeds,
      clock: this.d.clock,
      log: this.log,
      acquire,
      touch: () => session.id && this.d.director.sessions.touch(session.id),
      onChange: () => {
        if (this.running.get(outputId) !== run) return
        this.d.director.outputDown(channelUuid, outputId, push.downReason)
        this.report(channelUuid)
      }
    })
    const run: Running = { push, session }
    this.running.set(outputId, run)
    const previous = this.stopping.get(outputId)
    if (previous) void previous.then(() => this.running.get(outputId) === run && run.push.start())
    else run.push.start()
  }

  private halt(outputId: string, channelUuid: string): void {
    const run = this.running.get(outputId)
    if (!run) return
    this.running.delete(outputId)
    const stopped = run.push.stop().finally(() => {
      if (this.stopping.get(outputId) === stopped) this.stopping.delete(outputId)
    })
    this.stopping.set(outputId, stopped)
    this.d.director.outputDown(channelUuid, outputId, null)
    if (run.session.id) this.endSession(run.session.id)
    this.report(channelUuid)
  }

  private endSession(sessionId: string): void {
    try {
      if (this.d.director.sessions.get(sessionId))
        this.d.director.detach(sessionId, 'output disabled')
      this.orphans.delete(sessionId)
    } catch (err) {
      // The store refused: output sessions never time out, so it is ended later, not left on air.
      this.log.error({ err }, 'an output session could not be ended; trying again')
      this.orphans.add(sessionId)
      this.orphanTimer ??= this.d.clock.every(ORPHAN_RETRY_MS, () => {
        for (const id of [...this.orphans]) this.endSession(id)
        if (this.orphans.size === 0) {
          this.orphanTimer?.cancel()
          this.orphanTimer = undefined
        }
      })
    }
  }

  private report(channelUuid: string): void {
    if (this.closed) return
    try {
      this.d.director.outputsChanged(channelUuid, this.list(channelUuid))
    } catch (err) {
      this.log.warn({ err }, 'output status could not be reported')
    }
  }

  /** Stops every push (station shutdown; the director ends the sessions). */
  async close(): Promise<void> {
    this.closed = true
    this.orphanTimer?.cancel()
    const runs = [...this.running.values()]
    this.running.clear()
    await Promise.all([...runs.map((r) => r.push.stop()), ...this.stopping.values()])
  }
}
