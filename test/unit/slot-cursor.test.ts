// The slot cursor's prefetch: the next slot's source opens ahead of its first frame, except while
// switches are being written at once (mayPrefetch says no), when the decoders the switches need
// come first; a held prefetch still opens once the slot on air is down to its last second.
import { describe, expect, it } from 'vitest'
import { SlotCursor, URGENT_PREFETCH_SECONDS, type Slot } from '../../src/playout/slot-cursor'
import { StillSource } from '../../src/playout/sources'
import { SWITCH_HOLD_MAX_MS, SwitchWindow } from '../../src/playout/engine'

const still = () => new StillSource(Buffer.alloc(4), Buffer.alloc(4), false)
const FPS = 5

function cursor(mayPrefetch: (k: number) => boolean) {
  const opened: Array<{ key: string; from: number; atFrame: number }> = []
  let k = 0
  const slot = (key: string, startFrame: number, endFrame: number): Slot => ({
    key,
    startFrame,
    endFrame,
    open: (from) => {
      opened.push({ key, from, atFrame: k })
      return still()
    }
  })
  const c = new SlotCursor({
    gapSource: still(),
    prefetchFrames: 10,
    mayPrefetch,
    fps: FPS,
    frameTime: (f) => f * 200,
    events: { began: () => undefined, ended: () => undefined, alarm: () => undefined }
  })
  c.setSlots([slot('a', 0, 30), slot('b', 30, 60)], 0)
  const run = (to: number) => {
    for (; k < to; k++) c.sourceFor(k).next()
  }
  return { opened, run }
}

describe('SlotCursor prefetch', () => {
  it('opens the next slot prefetchFrames ahead of its start', () => {
    const { opened, run } = cursor(() => true)
    run(31)
    expect(opened).toEqual([
      { key: 'a', from: 0, atFrame: 0 },
      { key: 'b', from: 30, atFrame: 20 }
    ])
  })

  it('holds the prefetch back while mayPrefetch says no, then opens it', () => {
    const { opened, run } = cursor((k) => k >= 23)
    run(23)
    expect(opened.map((o) => o.key)).toEqual(['a'])
    run(31)
    expect(opened).toEqual([
      { key: 'a', from: 0, atFrame: 0 },
      { key: 'b', from: 30, atFrame: 23 }
    ])
  })

  it('opens a held prefetch anyway once the slot is down to its last second', () => {
    const { opened, run } = cursor(() => false)
    run(31)
    expect(opened[1]).toEqual({ key: 'b', from: 30, atFrame: 30 - URGENT_PREFETCH_SECONDS * FPS })
  })
})

describe('SwitchWindow', () => {
  it('is busy while any channel holds it, and each hold ends once', () => {
    const w = new SwitchWindow()
    const a = w.hold(0)
    const b = w.hold(10)
    expect(w.busy(20)).toBe(true)
    a()
    a()
    expect(w.busy(20)).toBe(true)
    b()
    expect(w.busy(20)).toBe(false)
  })

  it('lets a hold lapse after SWITCH_HOLD_MAX_MS (a stalled switch does not hold prefetch back for good)', () => {
    const w = new SwitchWindow()
    w.hold(1_000)
    expect(w.busy(1_000 + SWITCH_HOLD_MAX_MS - 1)).toBe(true)
    expect(w.busy(1_000 + SWITCH_HOLD_MAX_MS)).toBe(false)
  })
})
