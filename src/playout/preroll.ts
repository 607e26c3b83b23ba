// A new output's pre-roll. A channel that comes on air starts its output a few seconds before the
// clock's position: those frames (the schedule's picture for those seconds) are written as fast as
// the encoder takes them, so the first playlist a viewer gets already lasts three target durations
// (RFC 8216 6.2.2) and players start that far back with a buffer. Without it the first playlist
// held one short segment: VLC 3.0 starts at such a live edge with a one-second cache, and the
// first segment that comes a second late (an encoder slower than real time under load) stalls it
// ("ES_OUT_SET_(GROUP_)PCR is called too late", a rebuffer). Frames still air at their own times
// (frame k at t0 + k / fps), so EXT-X-PROGRAM-DATE-TIME stays the station clock's.
//
// The pre-roll was never on air live: the as-run says the channel, and the item on air, began when
// the output was asked for, and an item whose end fell within the pre-roll is not reported at all.
import { segmentStartFrame } from '../media/commands'
import type { OutputProfile } from '../media/profiles'
import type { Slot, SlotEvents } from './slot-cursor'
import type { SourceOutcome } from './sources'

/** Whole segments lasting at least three target durations: a new output's pre-roll, in frames. */
export function prerollFrames(profile: OutputProfile, segmentSeconds: number): number {
  const least = Math.ceil(3 * Math.ceil(segmentSeconds) * profile.fps)
  let n = 1
  while (segmentStartFrame(n, profile, segmentSeconds) < least) n++
  return segmentStartFrame(n, profile, segmentSeconds)
}

/**
 * The slot reports of an engine whose output starts with a pre-roll: a slot that begins in the
 * pre-roll is reported as beginning on air (at `airMs`), once the air frame is written or it ends
 * after it; one that ends within the pre-roll never aired and is not reported. Alarms pass.
 */
export class PrerollReports implements SlotEvents {
  private readonly held = new Map<Slot, boolean>()

  /** `airMs` null: no pre-roll, every report passes as it is. */
  constructor(
    private airMs: number | null,
    private readonly to: () => SlotEvents
  ) {}

  began(slot: Slot, atMs: number, slate: boolean): void {
    if (this.airMs !== null && atMs < this.airMs) this.held.set(slot, slate)
    else this.to().began(slot, atMs, slate)
  }

  ended(slot: Slot, atMs: number, outcome: SourceOutcome): void {
    const slate = this.held.get(slot)
    if (slate !== undefined) {
      this.held.delete(slot)
      if (this.airMs === null || atMs <= this.airMs) return
      this.to().began(slot, this.airMs, slate)
    }
    this.to().ended(slot, atMs, outcome)
  }

  alarm(slot: Slot, kind: 'media-missing' | 'media-corrupt', message: string): void {
    this.to().alarm(slot, kind, message)
  }

  /** The air frame was written: what began in the pre-roll and airs on is reported as beginning at air time. */
  onAir(): void {
    const airMs = this.airMs
    if (airMs === null) return
    this.airMs = null
    for (const [slot, slate] of this.held) this.to().began(slot, airMs, slate)
    this.held.clear()
  }
}
