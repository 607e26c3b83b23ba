// A copy run: a playout plan laid onto an output's frame grid for the copy producer (issue 28),
// or the reason it cannot be (then the channel stays on the encode path).
//
// Output frame n airs at t0 + n / fps. A join lands on the GOP that holds the clock's position in
// the item on air: the output starts with that GOP's keyframe, so t0 is at most one GOP (the house
// GOP, at most MAX_HOUSE_GOP_SECONDS: 1 s at 30 fps) before the time asked for, and every frame
// after it airs at its scheduled time (the output is not shifted later). Every later item starts
// on its scheduled frame: its first frame is a keyframe of its rendition (an item that does not
// start on a GOP boundary of its rendition is not copied, for now). An item may end on any frame:
// a GOP cut short decodes, being closed and without B-frames.
import type { PlayoutPlan, PlayoutSegment, RenditionRef } from '../shared/domain'

type ItemSegment = Extract<PlayoutSegment, { kind: 'item' }>

/** One item of a copy run: which rendition frames air on which output frames. */
export interface CopyItem {
  segment: ItemSegment
  rendition: RenditionRef
  /** The output frame its first copied frame airs on. */
  startFrame: number
  /** The output frame after its last. */
  endFrame: number
  /** The rendition frame copied first: a keyframe (a GOP boundary). */
  fromFrame: number
}

export interface CopyRun {
  /** When output frame 0 airs (station time, ms). */
  t0Ms: number
  fps: number
  gopFrames: number
  items: CopyItem[]
}

/** A rendition may be this many frames shorter than its slot (rounding of the schedule's times): the picture holds. */
const SHORT_TOLERANCE_FRAMES = 1

/**
 * The plan from `startAtMs` as a copy run on a grid of `fps`, or why it cannot be copied (a gap,
 * an item without a rendition, a rendition of another GOP, an item starting mid-GOP, a rendition
 * shorter than its slot). Items already over are left out.
 */
export function copyRun(
  plan: PlayoutPlan,
  startAtMs: number,
  fps: number,
  gopFrames: number
): CopyRun | string {
  const ahead = plan.segments.filter((s) => s.endMs > startAtMs)
  if (ahead.length === 0) return 'the plan has nothing left to air'
  let t0Ms: number | null = null
  const items: CopyItem[] = []
  for (const seg of ahead) {
    const where = `at ${new Date(seg.startMs).toISOString()}`
    if (seg.kind !== 'item') return `the plan has a gap ${where}`
    const r = seg.rendition
    if (!r) return `"${seg.title}" ${where} has no rendition`
    if (r.gopFrames !== gopFrames)
      return `the rendition of "${seg.title}" has GOPs of ${r.gopFrames} frames, not ${gopFrames}`
    let fromFrame: number
    if (t0Ms === null) {
      // The join: the GOP holding the clock's position (at most one GOP early).
      const posMs = Math.max(0, startAtMs - seg.startMs) + seg.inPointMs
      const f = Math.floor((posMs * fps) / 1000 + 1e-6)
      fromFrame = Math.floor(f / gopFrames) * gopFrames
      t0Ms = seg.startMs + (fromFrame * 1000) / fps - seg.inPointMs
    } else {
      const inFrames = (seg.inPointMs * fps) / 1000
      fromFrame = Math.round(inFrames)
      if (Math.abs(inFrames - fromFrame) > 1e-6 || fromFrame % gopFrames !== 0)
        return `"${seg.title}" ${where} does not start on a GOP of its rendition`
    }
    const startFrame = items.length === 0 ? 0 : Math.round(((seg.startMs - t0Ms) * fps) / 1000)
    const endFrame = Math.round(((seg.endMs - t0Ms) * fps) / 1000)
    if (endFrame <= startFrame) continue // shorter than a frame
    const prev = items[items.length - 1]
    if (prev && prev.endFrame !== startFrame)
      return `"${seg.title}" ${where} does not follow the item before it`
    if (fromFrame + (endFrame - startFrame) > r.frames + SHORT_TOLERANCE_FRAMES)
      return `the rendition of "${seg.title}" (${r.frames} frames) is shorter than its slot`
    items.push({ segment: seg, rendition: r, startFrame, endFrame, fromFrame })
  }
  if (items.length === 0 || t0Ms === null) return 'the plan has nothing left to air'
  return { t0Ms, fps, gopFrames, items }
}
