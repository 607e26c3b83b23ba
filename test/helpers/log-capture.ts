// Everything an engine logs, at every level, kept in memory: for tests that a secret never reaches a log line.
import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'

export function captureLogs(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString())
      done()
    }
  })
  return { logger: pino({ level }, sink), lines }
}
