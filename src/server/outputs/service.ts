// A station's push outputs: each enabled destination holds an output session on its channel (on
// air whatever local viewers do, tally red, counted by the producer budget) and runs an
// OutputPush. The store says what exists and what is enabled (the station file or the API); this
// keeps the running pushes equal to it, and reports their state to the ProgramDirector, which
// shows it in channel status and raises or clears the `output-down` alarm.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { ProcessGroup } from '../../media/process';
import type { ProgramDirector } from '../../runtime/program-director';
import type { OutputDto } from '../../shared/api';
import type { MasterClock } from '../../shared/clock';
import { redactOutputUrl } from '../../shared/output-url';
import { formatInstant } from '../../shared/time';
import type { AuditActor, OutputRow, Store } from '../../store';
import { TsFeeds } from '../iptv/ts-stream';
import type { ChannelTimelines } from '../timeline';
import { OutputPush } from './push';

export interface OutputServiceDeps {
  store: Store;
  director: ProgramDirector;
  timelines: ChannelTimelines;
  processes: ProcessGroup;
  clock: MasterClock;
  log: Logger;
  ffmpeg: string | null;
}

interface Running {
  push: OutputPush;
  sessionId: string;
}

export class UnknownOutputError extends Error {}

export class OutputService {
  private readonly running = new Map<string, Running>();
  private readonly feeds: TsFeeds;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly d: OutputServiceDeps) {
    this.feeds = new TsFeeds(d.timelines);
    this.log = d.log.child({ component: 'outputs' });
  }

  /** The channel's outputs, running or not. */
  list(channelUuid: string): OutputDto[] {
    const channelId = this.d.director.channel(channelUuid).channel.id;
    return this.d.store.outputs.ofChannel(channelId).map((row) => this.dto(row, channelUuid));
  }

  private dto(row: OutputRow, channelUuid: string): OutputDto {
    const run = this.running.get(row.outputId);
    if (run) return run.push.dto();
    return { id: row.outputId, channelUuid, url: redactOutputUrl(row.url), enabled: row.enabled, state: 'off', since: formatInstant(row.updatedAt), lastError: null, connections: 0 };
  }

  private row(outputId: string): OutputRow & { channelUuid: string } {
    const row = this.d.store.outputs.get(outputId);
    const cm = row && this.d.director.channelManagers().find((c) => c.channel.id === row.channelId);
    if (!row || !cm) throw new UnknownOutputError(`no output ${outputId.slice(0, 64)}`);
    return { ...row, channelUuid: cm.uuid };
  }

  /** Adds a destination (validated by the caller); an enabled one starts at once (503 past the budget: nothing is added). */
  add(channelUuid: string, url: string, enabled: boolean, actor: AuditActor): OutputDto {
    const cm = this.d.director.channel(channelUuid);
    if (this.d.store.outputs.ofChannel(cm.channel.id).some((o) => o.url === url)) throw new DuplicateOutputError('this channel already pushes to that destination');
    const outputId = crypto.randomUUID();
    const now = this.d.clock.now();
    this.commit(outputId, channelUuid, url, enabled, () =>
      this.d.store.transaction(() => {
        this.d.store.outputs.insert({ outputId, channelId: cm.channel.id, url, enabled }, now);
        this.d.store.audit.append(now, actor, 'output-added', { output: outputId, url: redactOutputUrl(url), enabled }, cm.channel.id);
      }),
    );
    return this.dto(this.row(outputId), channelUuid);
  }

  setEnabled(outputId: string, enabled: boolean, actor: AuditActor): OutputDto {
    const row = this.row(outputId);
    if (row.enabled !== enabled) {
      const now = this.d.clock.now();
      const write = () =>
        this.d.store.transaction(() => {
          this.d.store.outputs.setEnabled(outputId, enabled, now);
          this.d.store.audit.append(now, actor, enabled ? 'output-enabled' : 'output-disabled', { output: outputId, url: redactOutputUrl(row.url) }, row.channelId);
        });
      if (enabled) this.commit(outputId, row.channelUuid, row.url, true, write);
      else {
        write();
        this.halt(outputId, row.channelUuid);
      }
    }
    return this.dto(this.row(outputId), row.channelUuid);
  }

  remove(outputId: string, actor: AuditActor): void {
    const row = this.row(outputId);
    const now = this.d.clock.now();
    this.d.store.transaction(() => {
      this.d.store.outputs.remove(outputId);
      this.d.store.audit.append(now, actor, 'output-removed', { output: outputId, url: redactOutputUrl(row.url) }, row.channelId);
    });
    this.halt(outputId, row.channelUuid);
  }

  /**
   * Starts an output, then writes: the session is taken first (a full budget refuses, changing
   * nothing) and let go again if the write fails.
   */
  private commit(outputId: string, channelUuid: string, url: string, enabled: boolean, write: () => void): void {
    if (enabled) this.launch(outputId, channelUuid, url);
    try {
      write();
    } catch (err) {
      if (enabled) this.halt(outputId, channelUuid);
      throw err;
    }
    this.report(channelUuid);
  }

  /** Makes the running pushes what the store says (at start, and after a station file import). */
  sync(): void {
    if (this.closed) return;
    const rows = this.d.store.outputs.list();
    const wanted = new Set(rows.filter((r) => r.enabled).map((r) => r.outputId));
    for (const [id, run] of this.running) if (!wanted.has(id)) this.halt(id, run.push.channelUuid);
    for (const row of rows) {
      const cm = this.d.director.channelManagers().find((c) => c.channel.id === row.channelId);
      if (!cm || !row.enabled || this.running.has(row.outputId)) continue;
      try {
        this.launch(row.outputId, cm.uuid, row.url);
      } catch (err) {
        // Past the producer budget (the director raised `capacity`): it stays off until enabled again.
        this.log.error({ err, output: row.outputId }, 'an enabled push output could not start');
      }
    }
    for (const cm of this.d.director.channelManagers()) this.report(cm.uuid);
  }

  private launch(outputId: string, channelUuid: string, url: string): void {
    const { sessionId } = this.d.director.attach(channelUuid, 'output', { via: 'output', output: outputId, url: redactOutputUrl(url) });
    const push = new OutputPush(outputId, channelUuid, url, {
      ffmpeg: this.d.ffmpeg,
      processes: this.d.processes,
      feeds: this.feeds,
      clock: this.d.clock,
      log: this.log,
      touch: () => this.d.director.sessions.touch(sessionId),
      onChange: () => {
        if (this.running.get(outputId)?.push !== push) return;
        this.d.director.outputDown(channelUuid, outputId, push.downReason);
        this.report(channelUuid);
      },
    });
    this.running.set(outputId, { push, sessionId });
    push.start();
  }

  private halt(outputId: string, channelUuid: string): void {
    const run = this.running.get(outputId);
    if (!run) return;
    this.running.delete(outputId);
    void run.push.stop();
    try {
      this.d.director.outputDown(channelUuid, outputId, null);
      if (this.d.director.sessions.get(run.sessionId)) this.d.director.detach(run.sessionId, 'output disabled');
    } catch (err) {
      // The store refused: the session ends with the station (outputs' sessions never time out).
      this.log.error({ err, output: outputId }, 'an output session could not be ended');
    }
    this.report(channelUuid);
  }

  private report(channelUuid: string): void {
    if (this.closed) return;
    try {
      this.d.director.outputsChanged(channelUuid, this.list(channelUuid));
    } catch (err) {
      this.log.warn({ err }, 'output status could not be reported');
    }
  }

  /** Stops every push (station shutdown; the director ends the sessions). */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.running.values()];
    this.running.clear();
    await Promise.all(runs.map((r) => r.push.stop()));
  }
}

export class DuplicateOutputError extends Error {}
