import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/runtime/clock';
import { AsRunLogger } from '../../src/runtime/as-run';
import type { PlayoutSegment } from '../../src/shared/domain';
import { Store } from '../../src/store';
import { tempDir } from '../helpers/tmp';

describe('AsRunLogger', () => {
  const t = tempDir();
  afterEach(() => undefined);

  it('records what aired with real times, and splits an item across the rollover into two broadcast days', () => {
    const store = Store.open(t.dir);
    try {
      const clock = new SimulatedClock('2026-11-26T04:00:00+09:00');
      const channelId = store.channels.insert({ uuid: '00000000-0000-4000-8000-000000000001', slug: 'tokyo', name: 'Tokyo', timezone: 'Asia/Tokyo', rolloverMinutes: 360, kind: 'normal' }, clock.now());
      const log = new AsRunLogger(store, clock, () => ({ id: channelId, timezone: 'Asia/Tokyo', rolloverMinutes: 360 }), () => 'normal', (err) => {
        throw err;
      });
      const movie: PlayoutSegment = { kind: 'item', eventId: 7, title: 'The Late Movie', type: 'program', startMs: Date.parse('2026-11-25T20:00:00Z'), endMs: Date.parse('2026-11-25T22:00:00Z'), inPointMs: 0, asset: null };
      const gap: PlayoutSegment = { kind: 'gap', startMs: movie.endMs, endMs: movie.endMs + 60_000 };
      clock.advanceTo(movie.startMs);
      log.began({ segment: movie, atMs: movie.startMs, slate: false });
      clock.advanceTo(movie.endMs); // across 06:00 Tokyo (21:00Z)
      log.ended({ segment: movie, atMs: movie.endMs, slate: false, status: 'aired' });
      log.began({ segment: gap, atMs: gap.startMs, slate: true });
      clock.advance(30_000);
      log.closeOpen(clock.now()); // output stopped mid-gap
      const rows = store.asRun.forChannel(channelId).reverse();
      expect(rows.map((r) => [r.broadcastDay, r.title, r.status, r.actualStartMs, r.actualEndMs, r.note])).toEqual([
        ['2026-11-25', 'The Late Movie', 'aired', movie.startMs, Date.parse('2026-11-25T21:00:00Z'), 'continues into the next broadcast day'],
        ['2026-11-26', 'The Late Movie', 'aired', Date.parse('2026-11-25T21:00:00Z'), movie.endMs, 'carryover from the previous broadcast day'],
        ['2026-11-26', 'Slate (schedule gap)', 'partial', gap.startMs, gap.startMs + 30_000, 'output stopped'],
      ]);
      expect(rows[0]!.scheduledStartMs).toBe(movie.startMs);
    } finally {
      store.close();
      t.cleanup();
    }
  });
});
