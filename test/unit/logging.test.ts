// `serve`'s log lines: readable on a terminal, JSON for programs (or when asked), secrets redacted either way.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createStationLogger, logFormatFor } from '../../src/logging'
import { redactingLogger } from '../../src/station'

function collector(): { stream: Writable; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString()
      cb()
    }
  })
  return { stream, text: () => text }
}

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise, unless RETROVUE_LOG_FORMAT says', () => {
    expect(logFormatFor({}, true)).toBe('pretty')
    expect(logFormatFor({}, false)).toBe('json')
    expect(logFormatFor({ RETROVUE_LOG_FORMAT: 'json' }, true)).toBe('json')
    expect(logFormatFor({ RETROVUE_LOG_FORMAT: 'JSON ' }, true)).toBe('json')
    expect(logFormatFor({ RETROVUE_LOG_FORMAT: 'pretty' }, false)).toBe('pretty')
    expect(logFormatFor({ RETROVUE_LOG_FORMAT: 'xml' }, false)).toBe('json')
  })

  it('writes readable lines for people, with secrets redacted', () => {
    const out = collector()
    const log = redactingLogger(
      createStationLogger({ format: 'pretty', level: 'info', destination: out.stream })
    )
    log.info({ channel: 'retro-toons', sessionId: 'SECRET-SESSION' }, 'producer started')
    const line = out.text()
    expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: producer started\n/)
    expect(line).toContain('channel: "retro-toons"')
    expect(line).not.toContain('SECRET-SESSION')
    expect(() => JSON.parse(line)).toThrow()
  })

  it('writes one JSON object per line for programs', () => {
    const out = collector()
    const log = redactingLogger(
      createStationLogger({ format: 'json', level: 'info', destination: out.stream })
    )
    log.warn({ token: 'SECRET-TOKEN' }, 'ffmpeg unavailable')
    const entry = JSON.parse(out.text().trim()) as Record<string, unknown>
    expect(entry).toMatchObject({
      level: 40,
      msg: 'ffmpeg unavailable',
      app: 'retrovue',
      token: '[redacted]'
    })
  })
})
