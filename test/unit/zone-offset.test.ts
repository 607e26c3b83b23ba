// The fast local-time formatting the programming preview uses says exactly what formatInstant
// (luxon) says, across daylight-saving changes and odd offsets.
import { describe, expect, it } from 'vitest'
import { formatLocal, zoneOffsets } from '../../src/schedule/zone-offset'
import { formatInstant } from '../../src/shared/time'

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Etc/UTC',
  'UTC',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Pacific/Chatham'
]

describe('formatLocal', () => {
  it('formats every instant as formatInstant does, around every transition of two years', () => {
    const from = Date.parse('2026-01-01T00:00:00Z')
    const to = Date.parse('2028-01-01T00:00:00Z')
    for (const zone of ZONES) {
      const differ: string[] = []
      // An odd step (331 min 13.337 s) lands at ever different minutes and milliseconds.
      for (let t = from; t < to; t += 331 * 60_000 + 13_337)
        if (formatLocal(t, zone) !== formatInstant(t, zone)) differ.push(formatInstant(t, zone))
      expect(differ, zone).toEqual([])
    }
  })

  it('is exact on both sides of a transition, to the millisecond', () => {
    // 2026-03-08 02:00 EST -> 03:00 EDT, and 2026-11-01 02:00 EDT -> 01:00 EST.
    for (const at of ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z']) {
      const t = Date.parse(at)
      for (const d of [-3_600_000, -1, 0, 1, 1_799_999, 3_600_000])
        expect(formatLocal(t + d, 'America/New_York')).toBe(
          formatInstant(t + d, 'America/New_York')
        )
    }
  })

  it('leaves the names luxon reads as fixed offsets to luxon', () => {
    expect(zoneOffsets('UTC')).toBeNull()
    expect(formatLocal(0, 'UTC')).toBe('1970-01-01T00:00:00.000Z')
    expect(zoneOffsets('Europe/Paris')).not.toBeNull()
  })
})
