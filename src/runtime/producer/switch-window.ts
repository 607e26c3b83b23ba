// Station-wide: the channels writing a switch right now (the rest of a segment written at once
// after a takeover, its clear or a crawl change). In an emergency every channel switches in the
// same moment, and each switch needs its decoder started and its frames encoded at once. The next
// items' decoders (prefetch, opened seconds before they are needed) wait while any channel is
// switching: their start-ups, on a small machine, take the CPU the switches need.

/** A switch that is not written within this long stops holding prefetches back (a stalled source). */
export const SWITCH_HOLD_MAX_MS = 1_500;

export class SwitchWindow {
  private readonly holds = new Map<number, number>();
  private nextId = 0;

  /** A channel starts writing a switch at station time `nowMs`; the function returned ends it (once). */
  hold(nowMs: number): () => void {
    const id = this.nextId++;
    this.holds.set(id, nowMs);
    return () => void this.holds.delete(id);
  }

  /** Some channel is writing a switch at station time `nowMs` (holds older than SWITCH_HOLD_MAX_MS lapse). */
  busy(nowMs: number): boolean {
    for (const [id, since] of this.holds) {
      if (nowMs - since < SWITCH_HOLD_MAX_MS) return true;
      this.holds.delete(id);
    }
    return false;
  }
}
