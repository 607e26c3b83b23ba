// AsRunLogger: what actually aired, from the producer's own reports (real station times), grouped
// by broadcast day. An item airing across the rollover is split into two rows for reporting, one
// per broadcast day; playout itself is never cut. The channel's zone and rollover are read when
// they matter (a re-import may change them), and the split at the rollover is one transaction.
import type { MasterClock, TimerHandle } from '../shared/clock';
import type { ChannelInfo } from '../shared/domain';
import { broadcastDayAt } from '../schedule/broadcast-day';
import type { SegmentReport } from './producer';
import type { Store } from '../store';

interface OpenRow {
  id: number;
  report: SegmentReport;
  rolloverTimer: TimerHandle | undefined;
}

const segmentKey = (r: SegmentReport): string => `${r.segment.kind}:${r.segment.startMs}`;

export class AsRunLogger {
  private open: OpenRow | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    private readonly channel: () => Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    private readonly producerType: () => string,
    /** A write that failed on a timer (the rollover split): reported, never thrown into the clock. */
    private readonly onError: (err: unknown) => void,
  ) {}

  private insert(r: SegmentReport, atMs: number, note: string | null): void {
    const channel = this.channel();
    const day = broadcastDayAt(atMs, channel.timezone, channel.rolloverMinutes);
    const s = r.segment;
    const id = this.store.asRun.begin({
      channelId: channel.id,
      broadcastDay: day.label,
      title: s.kind === 'item' ? s.title : 'Slate (schedule gap)',
      assetId: null,
      playlogEventId: s.kind === 'item' ? s.eventId : null,
      scheduledStartMs: s.startMs,
      scheduledEndMs: s.endMs,
      actualStartMs: atMs,
      actualEndMs: null,
      producerType: this.producerType(),
      status: r.slate ? 'slate' : 'aired',
      note,
    });
    this.open = { id, report: r, rolloverTimer: undefined };
    this.armRollover(atMs);
  }

  /** Still on air at the rollover: close this day's row there and continue in the next day's. */
  private armRollover(fromMs: number): void {
    const open = this.open;
    if (!open) return;
    open.rolloverTimer?.cancel();
    const channel = this.channel();
    const endMs = broadcastDayAt(fromMs, channel.timezone, channel.rolloverMinutes).endMs;
    open.rolloverTimer = this.clock.at(endMs, () => {
      if (this.open !== open) return;
      try {
        this.store.transaction(() => {
          this.store.asRun.close(open.id, endMs, open.report.slate ? 'slate' : 'aired', 'continues into the next broadcast day');
          this.insert(open.report, endMs, 'carryover from the previous broadcast day');
        });
      } catch (err) {
        // Rolled back: the day's row is still the open one.
        if (this.open !== open) this.open?.rolloverTimer?.cancel();
        this.open = open;
        this.onError(err);
      }
    });
  }

  /** The channel's zone or rollover changed: the open row splits at the new rollover. */
  channelChanged(): void {
    if (this.open) this.armRollover(this.clock.now());
  }

  began(r: SegmentReport): void {
    this.closeOpen(r.atMs, 'partial', 'superseded');
    this.insert(r, r.atMs, null);
  }

  ended(r: SegmentReport & { status: 'aired' | 'slate' | 'partial' }): void {
    if (!this.open || segmentKey(this.open.report) !== segmentKey(r)) return;
    this.open.rolloverTimer?.cancel();
    const id = this.open.id;
    this.open = null;
    this.store.asRun.close(id, r.atMs, r.status);
  }

  /** Output stopped mid-segment (last viewer left, failure, mode switch). */
  closeOpen(atMs: number, status: 'aired' | 'slate' | 'partial' = 'partial', note: string | null = 'output stopped'): void {
    if (!this.open) return;
    this.open.rolloverTimer?.cancel();
    const id = this.open.id;
    this.open = null;
    this.store.asRun.close(id, atMs, status, note);
  }
}
