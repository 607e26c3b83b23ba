// Which source feeds frame k. Slots map the playout plan onto frame ranges; the cursor opens the
// slot covering k (or hands out the gap slate between slots), reports when a slot begins and ends
// on air, merges a re-plan without interrupting the slot on air, and opens the next slot's source
// ahead of its first frame (prefetch) so its decoder is ready on time.
import type { Frame, FrameSource, SourceOutcome } from './sources'

export interface Slot {
  /** Identity for re-plans: the same key means the same content at the same place. */
  key: string
  startFrame: number
  /** Exclusive; Infinity for an open-ended slot (a still card). */
  endFrame: number
  /** Opens the slot's source positioned at `fromFrame`. */
  open(fromFrame: number): FrameSource
  /** Its output is watched for black, frozen picture and silence (media, not a card or a slate). */
  watch?: boolean
  /** The channel's logo airs over it (programming; not an item type the logo hides during). */
  logo?: boolean
  /** An item's loudness gain in dB (null: not measured yet); absent for what is not an item. */
  gainDb?: number | null
}

/**
 * A prefetch held back still opens this long before its slot's first frame is written (which is a
 * lead ahead of air): a decoder starts within that even on a loaded machine.
 */
export const URGENT_PREFETCH_SECONDS = 1

export interface SlotEvents {
  began(slot: Slot, atMs: number, slate: boolean): void
  ended(slot: Slot, atMs: number, outcome: SourceOutcome): void
  alarm(slot: Slot, kind: 'media-missing' | 'media-corrupt', message: string): void
}

export interface SlotCursorOptions {
  /** What airs where no slot covers a frame. */
  gapSource: FrameSource
  /** Open the next slot's source this many frames before it starts. */
  prefetchFrames: number
  /**
   * Whether the next slot's source may open now, as frame k is written (prefetch is held back while
   * switches are written: see SwitchWindow). It opens regardless once the slot on air is down to
   * URGENT_PREFETCH_SECONDS. Default: yes.
   */
  mayPrefetch?: (k: number) => boolean
  /** Frames per second of the output (sets the urgent prefetch window). */
  fps: number
  /** Station time at which frame k airs. */
  frameTime: (k: number) => number
  events: SlotEvents
}

interface OnAir {
  slot: Slot
  source: FrameSource
  alarmed: boolean
}

export class SlotCursor {
  private slots: Slot[] = []
  private current: OnAir | null = null
  private readonly prefetched = new Map<string, FrameSource>()
  /** Closes in flight, so that close() can wait for every decoder to be gone. */
  private readonly closing = new Set<Promise<void>>()

  constructor(private readonly o: SlotCursorOptions) {}

  /** Replaces the slots from frame `nextFrame` on (a re-plan). The slot on air continues if the new plan keeps it. */
  setSlots(slots: Slot[], nextFrame: number): void {
    const keep = slots.filter((s) => s.endFrame > nextFrame)
    const cur = this.current
    if (cur) {
      const same = keep.findIndex((s) => s.key === cur.slot.key)
      // The slot on air goes on, with the new plan's loudness gain (the station's target changed).
      if (same >= 0) keep[same] = Object.assign(cur.slot, { gainDb: keep[same]!.gainDb })
      else {
        // The schedule changed under us: what airs now is no longer in the plan. Cut at this frame.
        this.finish(nextFrame, 'partial')
      }
    }
    const keys = new Set(keep.map((s) => s.key))
    for (const [key, source] of this.prefetched) {
      if (!keys.has(key)) {
        this.track(source.close())
        this.prefetched.delete(key)
      }
    }
    this.slots = keep
  }

  /** Ends the slot on air at frame `atFrame` (reported with its source's outcome unless given). */
  finish(atFrame: number, outcome?: SourceOutcome): void {
    const cur = this.current
    if (!cur) return
    this.current = null
    this.o.events.ended(cur.slot, this.o.frameTime(atFrame), outcome ?? cur.source.outcome())
    this.track(cur.source.close())
  }

  /**
   * The producer leaves the air at frame `atFrame` but stands by: the slot on air is reported as
   * ended there, its source stays open (and goes on being read, off air).
   */
  leaveAir(atFrame: number): void {
    const cur = this.current
    if (cur) this.o.events.ended(cur.slot, this.o.frameTime(atFrame), cur.source.outcome())
  }

  /** Back on air from frame k (after a stand-by): the slot covering k is reported as beginning there. */
  rejoinAir(k: number): void {
    this.sourceFor(k)
    const cur = this.current
    if (cur) this.o.events.began(cur.slot, this.o.frameTime(k), cur.source.problem() !== null)
  }

  private track(p: Promise<void>): void {
    this.closing.add(p)
    void p.finally(() => this.closing.delete(p))
  }

  /** The source for frame k: the slot covering it (opened or prefetched), or the gap slate. */
  sourceFor(k: number): FrameSource {
    if (this.current && k >= this.current.slot.endFrame) this.finish(this.current.slot.endFrame)
    if (!this.current) this.enter(k)
    const cur = this.current
    if (!cur) return this.o.gapSource
    const left = cur.slot.endFrame - k
    if (
      left <= this.o.prefetchFrames &&
      (left <= URGENT_PREFETCH_SECONDS * this.o.fps || (this.o.mayPrefetch?.(k) ?? true))
    )
      this.prefetchAfter(cur.slot)
    return cur.source
  }

  /**
   * Reads and drops frames `from` up to `to` (off air), as far as they are decoded: the next frame
   * not read, and the source it waits for when that one is not decoded yet.
   */
  drop(from: number, to: number): { next: number; waiting: FrameSource | null } {
    for (let k = from; k < to; k++) {
      const source = this.sourceFor(k)
      if (!source.next()) return { next: k, waiting: source }
    }
    return { next: Math.max(from, to), waiting: null }
  }

  /** Whether the frame last handed out (by sourceFor) belongs to a watched slot. */
  watching(): boolean {
    return this.current?.slot.watch === true
  }

  /** Whether the frame last handed out (by sourceFor) belongs to a slot the logo airs over. */
  showsLogo(): boolean {
    return this.current?.slot.logo === true
  }

  /** The slot on air, if any (null in a gap between slots). */
  onAir(): Slot | null {
    return this.current?.slot ?? null
  }

  /** Puts the slot covering frame k (if any) on air. */
  private enter(k: number): void {
    while (this.slots.length > 0 && this.slots[0]!.endFrame <= k) this.slots.shift()
    const slot = this.slots[0]
    if (!slot || slot.startFrame > k) return
    const pre = this.prefetched.get(slot.key)
    this.prefetched.delete(slot.key)
    const source = pre ?? slot.open(k)
    this.current = { slot, source, alarmed: false }
    const problem = source.problem()
    this.o.events.began(slot, this.o.frameTime(k), problem !== null)
    if (problem) this.alarmOnce()
  }

  /** Opens the decoders of the slot that follows `slot` early, so they are ready on its first frame. */
  private prefetchAfter(slot: Slot): void {
    const next = this.slots.find((s) => s.startFrame >= slot.endFrame)
    if (next && !this.prefetched.has(next.key) && next.startFrame === slot.endFrame) {
      this.prefetched.set(next.key, next.open(next.startFrame))
    }
  }

  /** A frame went to air: a slate standing in for the slot's media raises its alarm (once). */
  delivered(frame: Frame): void {
    if (frame.slate && this.current && !this.current.alarmed) this.alarmOnce()
  }

  private alarmOnce(): void {
    const cur = this.current!
    const problem = cur.source.problem()
    if (!problem) return
    cur.alarmed = true
    this.o.events.alarm(cur.slot, problem.kind, problem.message)
  }

  /** Closes every source (on air, prefetched, closing) and resolves when their decoders are gone. */
  close(): Promise<unknown> {
    const closing: Promise<unknown>[] = [...this.closing]
    const cur = this.current
    this.current = null
    if (cur) closing.push(cur.source.close())
    for (const s of this.prefetched.values()) closing.push(s.close())
    this.prefetched.clear()
    return Promise.all(closing)
  }
}
