// Output behind the clock: viewers at the live edge would stall. Reported only once it has lasted,
// and cleared once being on time again has lasted: a hiccup of a few hundred milliseconds (a burst
// of decoder starts) is absorbed by the players' buffers and would only flood the operator with
// alarms that come and go.
import { ConditionDetector } from './condition';

/** Output this far behind the clock is late. */
const LATE_MS = 500;
const LATE_TRIGGER_MS = 2_000;
const LATE_CLEAR_MS = 1_000;

export class Lateness {
  private readonly detector = new ConditionDetector({ on: LATE_TRIGGER_MS, hold: LATE_CLEAR_MS });

  /**
   * At station time `now` the output is `behindMs` behind (counted only when `counting`: start-up
   * is not lateness). Returns how far behind when it became late, null when it is on time again,
   * undefined when nothing changed.
   */
  update(now: number, behindMs: number, counting: boolean): number | null | undefined {
    const change = this.detector.update(now, counting && behindMs > LATE_MS);
    if (!change) return undefined;
    return change.active ? behindMs : null;
  }
}
