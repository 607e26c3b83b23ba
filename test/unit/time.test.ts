import { describe, expect, it } from 'vitest'
import { isPrintable, parseInstant } from '../../src/shared/time'

describe('parseInstant', () => {
  it.each(['+00:00', '-00:00', '+05:45', '+0530', '-03:30', '-12:00', '+12:45', '+14:00', 'Z'])(
    'takes the real offset %s',
    (offset) => {
      expect(Number.isFinite(parseInstant(`2026-11-25T11:00:00${offset}`))).toBe(true)
    }
  )

  it.each(['+25:00', '+14:15', '-12:15', '-13:00', '+05:10', '+99:99', '+0001'])(
    'refuses the offset %s, naming the field',
    (offset) => {
      expect(() => parseInstant(`2026-11-25T11:00:00${offset}`, 'schedule[0].start')).toThrow(
        /^schedule\[0\]\.start: .*offset/
      )
    }
  )

  it('refuses instants outside the years the API prints, in UTC', () => {
    expect(() => parseInstant('9999-12-31T23:00:00-05:00', 'at')).toThrow(/^at: .*0000 to 9999/)
    expect(() => parseInstant('0000-01-01T00:00:00+01:00', 'at')).toThrow(/^at: .*0000 to 9999/)
    expect(parseInstant('9999-12-31T23:59:59.999Z')).toBe(253402300799999)
  })

  it('says whether an instant prints with a four-digit year in a zone', () => {
    const last = parseInstant('9999-12-31T20:00:00Z')
    expect(isPrintable(last, 'UTC')).toBe(true)
    expect(isPrintable(last, 'Asia/Tokyo')).toBe(false)
    expect(isPrintable(Number.NaN)).toBe(false)
  })
})
