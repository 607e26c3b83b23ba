// Runtime policy: the timings that govern fanout, planning and supervision of every channel.

export interface RuntimePolicy {
  /** Keep the producer this long after the last viewer leaves. */
  viewerGraceMs: number
  /** How far ahead each playout plan reaches. */
  planHorizonMs: number
  /** Re-plan this long before the current plan runs out. */
  replanLeadMs: number
  restartBaseMs: number
  restartCapMs: number
  /** Consecutive failures after which the channel is failed. */
  maxFailures: number
  /** A producer that has run this long without failing resets the failure count. */
  stableMs: number
}

export const DEFAULT_POLICY: RuntimePolicy = {
  viewerGraceMs: 20_000,
  planHorizonMs: 6 * 3600_000,
  replanLeadMs: 30 * 60_000,
  restartBaseMs: 1_000,
  restartCapMs: 30_000,
  maxFailures: 3,
  stableMs: 10_000
}
