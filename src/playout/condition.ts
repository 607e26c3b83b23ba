// One watched condition (black, frozen, silent) over a stream of frames: raised once it has lasted
// its duration, cleared once the good picture or sound has lasted a short hold (so that a single
// good frame inside a fault does not flap the alarm). Counted in frames (or any other count that
// only goes up: the engine also watches lateness with it in station milliseconds), so it knows
// nothing of clocks; the engine turns frames into station times.

export class ConditionDetector {
  /** The frame the current bad run began on, and the frame good frames began on inside it. */
  private badSince: number | null = null
  private goodSince: number | null = null
  private raised = false

  /**
   * on: frames the condition must last before it is raised; hold: frames without it before it
   * clears (and before a run that was not raised yet starts over).
   */
  constructor(private readonly frames: { on: number; hold: number }) {}

  /** Raised and not cleared since. */
  get active(): boolean {
    return this.raised
  }

  /** Frame k was measured: `bad` when the condition holds on it. */
  update(k: number, bad: boolean): ConditionChange | null {
    if (bad) {
      this.goodSince = null
      if (this.badSince === null) this.badSince = k
      if (!this.raised && k - this.badSince >= this.frames.on) {
        this.raised = true
        return { active: true, atFrame: this.badSince, dueFrame: k }
      }
      return null
    }
    if (this.badSince === null) return null
    if (this.goodSince === null) this.goodSince = k
    if (k - this.goodSince < this.frames.hold) return null
    const ended = this.goodSince
    const wasRaised = this.raised
    this.reset(k)
    return wasRaised ? { active: false, atFrame: ended, dueFrame: k } : null
  }

  /** Frame k is not watched (a slate, a card): whatever was running ends there. */
  reset(k: number): ConditionChange | null {
    const wasRaised = this.raised
    this.badSince = null
    this.goodSince = null
    this.raised = false
    return wasRaised ? { active: false, atFrame: k, dueFrame: k } : null
  }
}

export interface ConditionChange {
  active: boolean
  /** The frame at which the condition began (raised) or ended (cleared): the alarm's time. */
  atFrame: number
  /** The frame on which it became known: reported when that frame airs. */
  dueFrame: number
}
