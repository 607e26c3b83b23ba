// AsRunLogger: what actually aired, from the producer's own reports (real station times), grouped
// by broadcast day. An item airing across the rollover is split into two rows for reporting, one
// per broadcast day; playout itself is never cut.
import type { MasterClock, TimerHandle } from '../shared/clock';
import { broadcastDayAt } from '../schedule/broadcast-day';
import type { SegmentReport } from './producer';
import type { Store } from '../store';

interface OpenRow {
  id: number;
  segmentKey: string;
  rolloverTimer: TimerHandle;
}

export class AsRunLogger {
  private open: OpenRow | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    private readonly channel: { id: number; timezone: string; rolloverMinutes: number },
    private readonly producerType: () => string,
  ) {}

  private key(r: SegmentReport): string {
    return `${r.segment.kind}:${r.segment.startMs}`;
  }

  private insert(r: SegmentReport, atMs: number, note: string | null): void {
    const day = broadcastDayAt(atMs, this.channel.timezone, this.channel.rolloverMinutes);
    const s = r.segment;
    const id = this.store.asRun.begin({
      channelId: this.channel.id,
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
    // Still on air at the rollover: close this day's row there and continue in the next day's.
    const rolloverTimer = this.clock.at(day.endMs, () => {
      if (this.open?.id !== id) return;
      this.store.asRun.close(id, day.endMs, r.slate ? 'slate' : 'aired', 'continues into the next broadcast day');
      this.insert(r, day.endMs, 'carryover from the previous broadcast day');
    });
    this.open = { id, segmentKey: this.key(r), rolloverTimer };
  }

  began(r: SegmentReport): void {
    this.closeOpen(r.atMs, 'partial', 'superseded');
    this.insert(r, r.atMs, null);
  }

  ended(r: SegmentReport & { status: 'aired' | 'slate' | 'partial' }): void {
    if (this.open?.segmentKey !== this.key(r)) return;
    this.open.rolloverTimer.cancel();
    this.store.asRun.close(this.open.id, r.atMs, r.status);
    this.open = null;
  }

  /** Output stopped mid-segment (last viewer left, failure, mode switch). */
  closeOpen(atMs: number, status: 'aired' | 'slate' | 'partial' = 'partial', note: string | null = 'output stopped'): void {
    if (!this.open) return;
    this.open.rolloverTimer.cancel();
    this.store.asRun.close(this.open.id, atMs, status, note);
    this.open = null;
  }
}
