// One animation-frame loop for everything that moves with time (the station clock, channel clocks,
// countdowns, meters' decay). Subscribers write to the DOM through refs: no React render per tick.
import { noteFrame } from './clock'

export type TickFn = (monoMs: number) => void

const subscribers = new Set<TickFn>()
let frame: number | null = null
let lastRun = -Infinity
/** About 10 updates a second: enough for clocks that show seconds, cheap beside video. */
const INTERVAL_MS = 100

function loop(t: number): void {
  noteFrame(t)
  frame = subscribers.size > 0 ? requestAnimationFrame(loop) : null
  if (t - lastRun < INTERVAL_MS) return
  lastRun = t
  for (const fn of [...subscribers]) {
    try {
      fn(t)
    } catch (err) {
      console.error('tick subscriber failed', err)
    }
  }
}

export function onTick(fn: TickFn): () => void {
  subscribers.add(fn)
  if (frame === null) frame = requestAnimationFrame(loop)
  return () => {
    subscribers.delete(fn)
    if (subscribers.size === 0 && frame !== null) {
      cancelAnimationFrame(frame)
      frame = null
    }
  }
}
