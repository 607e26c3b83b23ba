// Fails the test during which a promise rejection went unhandled (in Node 22 one ends the process:
// in the engine it would take the station off air).
import { afterEach } from 'vitest'

const seen: unknown[] = []
process.on('unhandledRejection', (reason) => {
  seen.push(reason)
})

afterEach(() => {
  if (seen.length === 0) return
  const reasons = seen
    .splice(0)
    .map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r)))
  throw new Error(`unhandled rejection during this test:\n${reasons.join('\n')}`)
})
