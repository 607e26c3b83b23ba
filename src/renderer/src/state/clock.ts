// Station time in the console. The engine's MasterClock is the only "now": every event carries its
// stationTime. Between events the console moves that time forward with the document's monotonic
// timeline (the clock requestAnimationFrame stamps frames with), so the clock runs smoothly without
// the console ever reading the desk PC's wall clock, which may be wrong or stepped.
//
// The renderer reads no system time (`Date.now()`, `performance.now()` are the engine clock's
// alone): it measures elapsed time from frame timestamps and `document.timeline.currentTime`.

/** Milliseconds on the document's monotonic timeline (the time origin of this page). */
export function monotonicNow(): number {
  // Typed structurally so this module also loads (and type-checks) outside a browser, in unit tests.
  const doc = (globalThis as { document?: { timeline?: { currentTime?: unknown } } }).document
  const t = doc?.timeline?.currentTime
  return typeof t === 'number' ? t : lastFrame
}

let lastFrame = 0
/** Frame callbacks tell us the time too; used when the timeline has none (no rendering yet). */
export function noteFrame(t: number): void {
  lastFrame = t
}

export class StationClock {
  private stationMs: number | null = null
  private atMono = 0

  /** A new reading of station time, received at `monoMs`. */
  anchor(stationTime: string, monoMs: number): void {
    const ms = Date.parse(stationTime)
    if (Number.isNaN(ms)) return
    // Never run backwards by a hair because an event travelled slower than the last one did.
    const predicted = this.now(monoMs)
    if (predicted !== null && ms < predicted && predicted - ms < 250) return
    this.stationMs = ms
    this.atMono = monoMs
  }

  /** Station time (epoch ms) at `monoMs`, or null before the first event. */
  now(monoMs: number): number | null {
    if (this.stationMs === null) return null
    return this.stationMs + Math.max(0, monoMs - this.atMono)
  }
}
