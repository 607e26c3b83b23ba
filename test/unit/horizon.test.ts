import { describe, expect, it } from 'vitest'
import {
  cycleLength,
  loopGaps,
  materializeLoop,
  type LoopDefinition
} from '../../src/schedule/horizon'

const loop: LoopDefinition = {
  epochMs: 1_000_000,
  items: [
    { kind: 'item', title: 'A', assetId: 1, durationMs: 100, inPointMs: 0, type: 'program' },
    { kind: 'gap', durationMs: 50 },
    { kind: 'item', title: 'B', assetId: 2, durationMs: 200, inPointMs: 10, type: 'promo' }
  ]
}

describe('loop materialization', () => {
  it('lays instances out from the epoch, leaving gaps empty', () => {
    expect(cycleLength(loop)).toBe(350)
    const ev = materializeLoop(loop, 1_000_000, 1_000_700, [], false)
    expect(
      ev.map((e) => [e.title, e.startMs - 1_000_000, e.endMs - 1_000_000, e.inPointMs])
    ).toEqual([
      ['A', 0, 100, 0],
      ['B', 150, 350, 10],
      ['A', 350, 450, 0],
      ['B', 500, 700, 10]
    ])
  })

  it("lists the loop's deliberate gaps overlapping a window, none before the epoch", () => {
    expect(
      loopGaps(loop, 1_000_000 - 1_000, 1_000_000 + 500).map(([s, e]) => [
        s - 1_000_000,
        e - 1_000_000
      ])
    ).toEqual([
      [100, 150],
      [450, 500]
    ])
    // A window starting inside a gap has it; one ending where a gap starts does not.
    expect(
      loopGaps(loop, 1_000_120, 1_000_450).map(([s, e]) => [s - 1_000_000, e - 1_000_000])
    ).toEqual([[100, 150]])
    expect(
      loopGaps({ ...loop, items: loop.items.filter((i) => i.kind === 'item') }, 0, 2_000_000)
    ).toEqual([])
  })

  it('depends only on epoch, items and T: any window gives the same events', () => {
    const whole = materializeLoop(loop, 1_000_000, 1_010_000, [], false)
    const pieces = [
      ...materializeLoop(loop, 1_000_000, 1_003_333, [], false),
      ...materializeLoop(loop, 1_003_333, 1_007_001, [], false),
      ...materializeLoop(loop, 1_007_001, 1_010_000, [], false)
    ]
    expect(pieces).toEqual(whole)
    // The running instance is included when asked, unchanged.
    const running = materializeLoop(loop, 1_000_420, 1_000_500, [], true)
    expect(running[0]).toEqual(whole.find((e) => e.startMs === 1_000_350))
  })

  it('has nothing before the epoch', () => {
    expect(materializeLoop(loop, 0, 1_000_000, [], true)).toEqual([])
    expect(materializeLoop(loop, 999_000, 1_000_100, [], true)[0]?.startMs).toBe(1_000_000)
  })

  it('runs underneath absolute items and resumes at its own position after them', () => {
    // An absolute item covering [1_000_050, 1_000_200) clips A and the start of B.
    const ev = materializeLoop(loop, 1_000_000, 1_000_350, [[1_000_050, 1_000_200]], false)
    expect(
      ev.map((e) => [e.title, e.startMs - 1_000_000, e.endMs - 1_000_000, e.inPointMs])
    ).toEqual([
      ['A', 0, 50, 0],
      ['B', 200, 350, 60] // B started at 150 with in point 10; it resumes 50 ms in
    ])
  })
})
