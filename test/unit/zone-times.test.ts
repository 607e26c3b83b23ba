// ZoneTimes prints exactly what Luxon prints (the API's formatInstant and XMLTV's time format),
// around every offset change, in zones with odd offsets and half-hour summer time, and far away.
import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { formatInstant, isValidZone } from '../../src/shared/time'
import { ZoneTimes } from '../../src/shared/zone-times'

const ZONES = [
  'UTC',
  'utc',
  'Etc/UTC',
  'GMT',
  'Europe/London',
  'America/New_York',
  'Asia/Tokyo',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
  'America/Sao_Paulo',
  'Africa/Casablanca',
  'Antarctica/Troll',
  'Etc/GMT+12',
  'Pacific/Kiritimati',
  'Europe/Dublin'
]
const luxonXmltv = (ms: number, zone: string) =>
  DateTime.fromMillis(ms, { zone }).toFormat('yyyyMMddHHmmss ZZZ')

describe('ZoneTimes', () => {
  it.each(ZONES)('prints every millisecond around %s offset changes as Luxon does', (zone) => {
    const times = new ZoneTimes(zone)
    // Every four hours of 2026, and the milliseconds either side of each change found.
    const STEP = 4 * 3_600_000
    for (
      let ms = Date.parse('2026-01-01T00:00:00Z');
      ms < Date.parse('2027-01-01T00:00:00Z');
      ms += STEP
    ) {
      for (const t of [ms, ms + 1_799_999]) {
        expect(times.iso(t)).toBe(formatInstant(t, zone))
        expect(times.xmltv(t)).toBe(luxonXmltv(t, zone))
      }
      const before = DateTime.fromMillis(ms, { zone }).offset
      const after = DateTime.fromMillis(ms + STEP, { zone }).offset
      if (before === after) continue
      // The change to the millisecond: the last instant at the old offset and the first at the new.
      let lo = ms
      let hi = ms + STEP
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (DateTime.fromMillis(mid, { zone }).offset === before) lo = mid
        else hi = mid
      }
      for (const t of [lo - 1, lo, hi, hi + 1]) {
        expect(times.iso(t)).toBe(formatInstant(t, zone))
        expect(times.xmltv(t)).toBe(luxonXmltv(t, zone))
      }
    }
  })

  it('agrees with Luxon on any instant of years 0001 to 9999 in any of the zones, in any order', () => {
    const formatters = new Map(ZONES.map((z) => [z, new ZoneTimes(z)]))
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({
          min: Date.parse('0001-01-02T00:00:00Z'),
          max: Date.parse('9999-12-30T00:00:00Z')
        }),
        (zone, ms) => {
          const times = formatters.get(zone)!
          expect(times.iso(ms)).toBe(formatInstant(ms, zone))
          expect(times.xmltv(ms)).toBe(luxonXmltv(ms, zone))
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it('refuses a zone that is not an IANA zone, as the rest of the station does', () => {
    for (const zone of ['', 'local', 'system', 'UTC+3', 'Nowhere/City']) {
      expect(isValidZone(zone)).toBe(false)
      expect(() => new ZoneTimes(zone)).toThrow(/not a known IANA time zone/)
    }
    expect(isValidZone('America/New_York')).toBe(true)
  })
})
