// The station's resource budget: how many producers may run at once. A channel that would exceed
// it is refused a start; a channel already on air is never stopped to make room. A channel counts
// as one encode channel, or as a share of one while it airs by copy (no decoder, no encoder: its
// producer says which path it took, see ProducerEvents.path).
import os from 'node:os'

/** About 8% of a core per 360p30 channel was measured on the reference machine; keep headroom. */
export function defaultProducerBudget(cores = os.availableParallelism()): number {
  return Math.max(4, cores * 10)
}

/** Shares are summed to this many decimals, so that eight eighths make exactly one. */
const round = (n: number) => Math.round(n * 1e6) / 1e6

export class ProducerBudget {
  /** Each holder's weight: 1 for an encode channel, its share for a copy channel. */
  private readonly holders = new Map<string, number>()

  constructor(
    readonly max: number,
    /** Room for a whole channel again after some was given back (the station clears its capacity alarm). */
    private readonly onRelease: () => void = () => undefined
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`producer budget must be a positive whole number, got ${max}`)
  }

  /**
   * Takes a slot for the channel (idempotent for a holder); false when the budget has no room for
   * a whole encode channel (any start may end on the encode path).
   */
  tryAcquire(channelUuid: string): boolean {
    if (this.holders.has(channelUuid)) return true
    if (round(this.used + 1) > this.max) return false
    this.holders.set(channelUuid, 1)
    return true
  }

  /**
   * What a holder counts as from now (1: encode, less: its share while it copies). Never refused: a
   * channel on air going over to the encode path may take the budget past its end.
   */
  setWeight(channelUuid: string, weight: number): void {
    const before = this.holders.get(channelUuid)
    if (before === undefined || before === weight) return
    this.holders.set(channelUuid, weight)
    if (weight < before) this.freed()
  }

  release(channelUuid: string): void {
    if (this.holders.delete(channelUuid)) this.freed()
  }

  private freed(): void {
    if (round(this.used + 1) <= this.max) this.onRelease()
  }

  holds(channelUuid: string): boolean {
    return this.holders.has(channelUuid)
  }

  /** The budget in use: encode channels count one each, copy channels their share. */
  get used(): number {
    let sum = 0
    for (const w of this.holders.values()) sum += w
    return round(sum)
  }
}
