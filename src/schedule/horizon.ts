// Loop channels: an epoch-anchored rotation materialized into the playlog ahead of the clock.
//
// What airs at T depends only on the epoch, the items and T: instance k of item i starts at
// epoch + k * cycle + offset(i). Absolute schedule items on the same channel take precedence;
// the rotation keeps running underneath them and resumes at its own position afterwards (the
// loop item is clipped, with its in point advanced accordingly).
import type { EpochMs } from '../shared/time'

export type LoopItem =
  | {
      kind: 'item'
      title: string
      assetId: number
      durationMs: number
      inPointMs: number
      type: string
    }
  | { kind: 'gap'; durationMs: number }

export interface LoopDefinition {
  epochMs: EpochMs
  items: LoopItem[]
}

export interface MaterializedEvent {
  startMs: number
  endMs: number
  title: string
  type: string
  assetId: number
  inPointMs: number
}

export const cycleLength = (loop: LoopDefinition): number =>
  loop.items.reduce((sum, i) => sum + i.durationMs, 0)

/** Intervals [start, end) sorted by start and not overlapping (absolute schedule items). */
export type Intervals = ReadonlyArray<readonly [number, number]>

/** Pieces of [start, end) not covered by `busy`. */
function subtract(start: number, end: number, busy: Intervals): Array<[number, number]> {
  const pieces: Array<[number, number]> = []
  let cursor = start
  for (const [bs, be] of busy) {
    if (be <= cursor) continue
    if (bs >= end) break
    if (bs > cursor) pieces.push([cursor, Math.min(bs, end)])
    cursor = Math.max(cursor, be)
    if (cursor >= end) break
  }
  if (cursor < end) pieces.push([cursor, end])
  return pieces
}

/**
 * Loop events for instances that start in [fromMs, toMs), plus, when `includeRunning` is set, the
 * instance already running at fromMs. Instances before the epoch do not exist.
 */
export function materializeLoop(
  loop: LoopDefinition,
  fromMs: number,
  toMs: number,
  busy: Intervals,
  includeRunning: boolean
): MaterializedEvent[] {
  const cycle = cycleLength(loop)
  if (cycle <= 0 || toMs <= fromMs) return []
  const out: MaterializedEvent[] = []
  let k = Math.max(0, Math.floor((fromMs - loop.epochMs) / cycle))
  for (;;) {
    const cycleStart = loop.epochMs + k * cycle
    if (cycleStart >= toMs) break
    let offset = 0
    for (const item of loop.items) {
      const start = cycleStart + offset
      const end = start + item.durationMs
      offset += item.durationMs
      if (start >= toMs) break
      const wanted = start >= fromMs || (includeRunning && end > fromMs)
      if (!wanted || item.kind === 'gap') continue
      for (const [ps, pe] of subtract(start, end, busy)) {
        out.push({
          startMs: ps,
          endMs: pe,
          title: item.title,
          type: item.type,
          assetId: item.assetId,
          inPointMs: item.inPointMs + (ps - start)
        })
      }
    }
    k++
  }
  return out
}

/**
 * The loop's deliberate holes (its `{ gapMs }` items) overlapping [fromMs, toMs), in order: what a
 * plan airs as a slate by design, as against a hole where nothing was scheduled.
 */
export function loopGaps(
  loop: LoopDefinition,
  fromMs: number,
  toMs: number
): Array<[number, number]> {
  const cycle = cycleLength(loop)
  if (cycle <= 0 || toMs <= fromMs || !loop.items.some((i) => i.kind === 'gap')) return []
  const out: Array<[number, number]> = []
  for (
    let k = Math.max(0, Math.floor((fromMs - loop.epochMs) / cycle));
    loop.epochMs + k * cycle < toMs;
    k++
  ) {
    let start = loop.epochMs + k * cycle
    for (const item of loop.items) {
      const end = start + item.durationMs
      if (item.kind === 'gap' && end > fromMs && start < toMs) out.push([start, end])
      start = end
    }
  }
  return out
}
