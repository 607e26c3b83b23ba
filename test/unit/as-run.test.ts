import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock';
import { AsRunLogger } from '../../src/runtime/as-run';
import type { ChannelInfo, PlayoutSegment } from '../../src/shared/domain';
import { Store } from '../../src/store';
import { tempDir } from '../helpers/tmp';

describe('AsRunLogger', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  function setup(start: string, zone: string) {
    const t = tempDir();
    const store = Store.open(t.dir);
    cleanups.push(() => {
      store.close();
      t.cleanup();
    });
    const clock = new SimulatedClock(start);
    const uuid = '00000000-0000-4000-8000-000000000001';
    let channel: ChannelInfo = { id: 0, uuid, slug: 'ch', name: 'Channel', timezone: zone, rolloverMinutes: 360, kind: 'normal' };
    channel = { ...channel, id: store.channels.insert(channel, clock.now()) };
    const errors: unknown[] = [];
    const log = new AsRunLogger(store, clock, () => channel, () => 'normal', (err) => errors.push(err));
    const rows = () => store.asRun.forChannel(channel.id).reverse();
    return { store, clock, log, rows, errors, setChannel: (c: Partial<ChannelInfo>) => (channel = { ...channel, ...c }) };
  }

  const item = (title: string, start: string, end: string): PlayoutSegment => ({ kind: 'item', eventId: 7, title, type: 'program', startMs: Date.parse(start), endMs: Date.parse(end), inPointMs: 0, asset: null });

  it('records what aired with real times, and splits an item across the rollover into two broadcast days', () => {
    const { clock, log, rows } = setup('2026-11-26T04:00:00+09:00', 'Asia/Tokyo');
    const movie = item('The Late Movie', '2026-11-25T20:00:00Z', '2026-11-25T22:00:00Z');
    const gap: PlayoutSegment = { kind: 'gap', startMs: movie.endMs, endMs: movie.endMs + 60_000 };
    clock.advanceTo(movie.startMs);
    log.began({ segment: movie, atMs: movie.startMs, slate: false });
    clock.advanceTo(movie.endMs); // across 06:00 Tokyo (21:00Z)
    log.ended({ segment: movie, atMs: movie.endMs, slate: false, status: 'aired' });
    log.began({ segment: gap, atMs: gap.startMs, slate: true });
    clock.advance(30_000);
    log.closeOpen(clock.now()); // output stopped mid-gap
    expect(rows().map((r) => [r.broadcastDay, r.title, r.status, r.actualStartMs, r.actualEndMs, r.note])).toEqual([
      ['2026-11-25', 'The Late Movie', 'aired', movie.startMs, Date.parse('2026-11-25T21:00:00Z'), 'continues into the next broadcast day'],
      ['2026-11-26', 'The Late Movie', 'aired', Date.parse('2026-11-25T21:00:00Z'), movie.endMs, 'carryover from the previous broadcast day'],
      ['2026-11-26', 'Slate (schedule gap)', 'partial', gap.startMs, gap.startMs + 30_000, 'output stopped'],
    ]);
    expect(rows()[0]!.scheduledStartMs).toBe(movie.startMs);
  });

  it("follows a change of the channel's zone and rollover while an item airs", () => {
    const { clock, log, rows, setChannel } = setup('2026-11-26T03:00:00Z', 'UTC');
    const long = item('Marathon', '2026-11-26T03:00:00Z', '2026-11-26T09:00:00Z');
    log.began({ segment: long, atMs: long.startMs, slate: false });
    // A re-import moves the channel to New York with a midnight rollover...
    setChannel({ timezone: 'America/New_York', rolloverMinutes: 0 });
    log.channelChanged();
    clock.advanceTo(long.endMs);
    log.ended({ segment: long, atMs: long.endMs, slate: false, status: 'aired' });
    // ...so the row splits at New York midnight (05:00Z), not at the old 06:00 UTC.
    expect(rows().map((r) => [r.broadcastDay, r.actualStartMs, r.actualEndMs])).toEqual([
      ['2026-11-25', long.startMs, Date.parse('2026-11-26T05:00:00Z')],
      ['2026-11-26', Date.parse('2026-11-26T05:00:00Z'), long.endMs],
    ]);
  });

  it('splits at the rollover in one transaction: a failed write keeps the open row as it was', () => {
    const { store, clock, log, rows, errors } = setup('2026-11-26T05:00:00Z', 'UTC');
    const long = item('Across', '2026-11-26T05:00:00Z', '2026-11-26T07:00:00Z');
    log.began({ segment: long, atMs: long.startMs, slate: false });
    const begin = store.asRun.begin.bind(store.asRun);
    store.asRun.begin = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    clock.advanceTo(Date.parse('2026-11-26T06:30:00Z'));
    expect(errors).toEqual([new Error('SQLITE_FULL: database or disk is full')]);
    expect(rows().map((r) => [r.actualStartMs, r.actualEndMs])).toEqual([[long.startMs, null]]); // the close was rolled back
    store.asRun.begin = begin;
    log.ended({ segment: long, atMs: long.endMs, slate: false, status: 'aired' });
    expect(rows().map((r) => [r.actualStartMs, r.actualEndMs])).toEqual([[long.startMs, long.endMs]]);
  });
});
