// The station's resource budget: how many producers may run at once. A channel that would exceed
// it is refused a start; a channel already on air is never stopped to make room.
import os from 'node:os'

/** About 8% of a core per 360p30 channel was measured on the reference machine; keep headroom. */
export function defaultProducerBudget(cores = os.availableParallelism()): number {
  return Math.max(4, cores * 10)
}

export class ProducerBudget {
  private readonly holders = new Set<string>()

  constructor(
    readonly max: number,
    /** A slot was given back (the station may clear its capacity alarm). */
    private readonly onRelease: () => void = () => undefined
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`producer budget must be a positive whole number, got ${max}`)
  }

  /** Takes a slot for the channel (idempotent for a holder); false when the budget is spent. */
  tryAcquire(channelUuid: string): boolean {
    if (this.holders.has(channelUuid)) return true
    if (this.holders.size >= this.max) return false
    this.holders.add(channelUuid)
    return true
  }

  release(channelUuid: string): void {
    if (this.holders.delete(channelUuid)) this.onRelease()
  }

  holds(channelUuid: string): boolean {
    return this.holders.has(channelUuid)
  }

  get used(): number {
    return this.holders.size
  }
}
