// The slot cursor's prefetch: the next slot's source opens ahead of its first frame, except while a
// switch is being written at once (the frames before `prefetchFrom`), when the decoders the switch
// itself needs come first.
import { describe, expect, it } from 'vitest';
import { SlotCursor, type Slot } from '../../src/runtime/producer/slot-cursor';
import { StillSource } from '../../src/runtime/producer/sources';

const still = () => new StillSource(Buffer.alloc(4), Buffer.alloc(4), false);

function cursor(prefetchFrom: number) {
  const opened: Array<{ key: string; from: number; atFrame: number }> = [];
  let k = 0;
  const slot = (key: string, startFrame: number, endFrame: number): Slot => ({
    key,
    startFrame,
    endFrame,
    open: (from) => {
      opened.push({ key, from, atFrame: k });
      return still();
    },
  });
  const c = new SlotCursor({
    gapSource: still(),
    prefetchFrames: 10,
    prefetchFrom: () => prefetchFrom,
    frameTime: (f) => f * 40,
    events: { began: () => undefined, ended: () => undefined, alarm: () => undefined },
  });
  c.setSlots([slot('a', 0, 30), slot('b', 30, 60)], 0);
  const run = (to: number) => {
    for (; k < to; k++) c.sourceFor(k).next();
  };
  return { opened, run };
}

describe('SlotCursor prefetch', () => {
  it('opens the next slot prefetchFrames ahead of its start', () => {
    const { opened, run } = cursor(0);
    run(31);
    expect(opened).toEqual([
      { key: 'a', from: 0, atFrame: 0 },
      { key: 'b', from: 30, atFrame: 20 },
    ]);
  });

  it('holds the prefetch back while frames before prefetchFrom are written, then opens it', () => {
    const { opened, run } = cursor(25);
    run(25);
    expect(opened.map((o) => o.key)).toEqual(['a']);
    run(31);
    expect(opened).toEqual([
      { key: 'a', from: 0, atFrame: 0 },
      { key: 'b', from: 30, atFrame: 25 },
    ]);
  });
});
