import { describe, expect, it } from 'vitest'
import { broadcastDayAt } from '../../src/schedule/broadcast-day'
import { formatInstant, parseInstant } from '../../src/shared/time'

const H = 3_600_000
const day = (at: string, zone: string, rollover?: number) => {
  const d = broadcastDayAt(parseInstant(at), zone, rollover)
  return {
    label: d.label,
    start: formatInstant(d.startMs, zone),
    end: formatInstant(d.endMs, zone),
    hours: (d.endMs - d.startMs) / H
  }
}

describe('broadcast day', () => {
  it.each([
    // zone, instant just before the 06:00 rollover, label before, instant at the rollover, label after
    [
      'America/New_York',
      '2026-11-25T05:59:59.999-05:00',
      '2026-11-24',
      '2026-11-25T06:00:00.000-05:00',
      '2026-11-25'
    ],
    [
      'Europe/Berlin',
      '2026-11-25T05:59:59.999+01:00',
      '2026-11-24',
      '2026-11-25T06:00:00.000+01:00',
      '2026-11-25'
    ],
    [
      'Asia/Tokyo',
      '2026-11-26T05:59:59.999+09:00',
      '2026-11-25',
      '2026-11-26T06:00:00.000+09:00',
      '2026-11-26'
    ],
    ['UTC', '2026-11-25T05:59:59.999Z', '2026-11-24', '2026-11-25T06:00:00.000Z', '2026-11-25']
  ])('%s: labels change exactly at 06:00 local', (zone, before, labelBefore, at, labelAt) => {
    expect(day(before, zone).label).toBe(labelBefore)
    const d = day(at, zone)
    expect(d.label).toBe(labelAt)
    expect(d.start).toBe(at)
    expect(d.hours).toBe(24)
    // Midnight belongs to the previous broadcast day.
    const midnight = at.replace('T06:00:00.000', 'T00:00:00.000')
    expect(day(midnight, zone).label).toBe(labelBefore)
  })

  it('spans the local day, across time zones, for one UTC instant', () => {
    const t = '2026-11-25T23:30:00Z'
    expect(day(t, 'UTC').label).toBe('2026-11-25')
    expect(day(t, 'America/New_York').label).toBe('2026-11-25') // 18:30 local
    expect(day(t, 'Asia/Tokyo').label).toBe('2026-11-26') // 08:30 local on the 26th
    expect(day(t, 'Europe/Berlin').label).toBe('2026-11-25') // 00:30 on the 26th, before 06:00
  })

  it('is 23 hours long across spring-forward and 25 across fall-back (America/New_York)', () => {
    const spring = day('2026-03-08T05:59:59.999-04:00', 'America/New_York')
    expect(spring).toEqual({
      label: '2026-03-07',
      start: '2026-03-07T06:00:00.000-05:00',
      end: '2026-03-08T06:00:00.000-04:00',
      hours: 23
    })
    expect(day('2026-03-08T06:00:00-04:00', 'America/New_York').label).toBe('2026-03-08')
    // 02:30 does not exist on 2026-03-08; 03:30 EDT still belongs to the 7th's broadcast day.
    expect(day('2026-03-08T03:30:00-04:00', 'America/New_York').label).toBe('2026-03-07')

    const fall = day('2026-11-01T01:30:00-05:00', 'America/New_York') // the second 01:30
    expect(fall).toEqual({
      label: '2026-10-31',
      start: '2026-10-31T06:00:00.000-04:00',
      end: '2026-11-01T06:00:00.000-05:00',
      hours: 25
    })
    expect(day('2026-11-01T01:30:00-04:00', 'America/New_York').label).toBe('2026-10-31') // the first 01:30
  })

  it('is 23 and 25 hours long on Europe/Berlin change days', () => {
    expect(day('2026-03-29T05:59:00+02:00', 'Europe/Berlin')).toEqual({
      label: '2026-03-28',
      start: '2026-03-28T06:00:00.000+01:00',
      end: '2026-03-29T06:00:00.000+02:00',
      hours: 23
    })
    expect(day('2026-10-25T06:00:00+01:00', 'Europe/Berlin').label).toBe('2026-10-25')
    expect(day('2026-10-25T05:00:00+01:00', 'Europe/Berlin').hours).toBe(25)
  })

  it('honours a non-default rollover', () => {
    // Midnight rollover: broadcast day = calendar day.
    expect(day('2026-11-25T00:00:00-05:00', 'America/New_York', 0).label).toBe('2026-11-25')
    expect(day('2026-11-24T23:59:59.999-05:00', 'America/New_York', 0).label).toBe('2026-11-24')
    // 05:00 rollover in Tokyo.
    expect(day('2026-11-26T05:00:00+09:00', 'Asia/Tokyo', 300)).toEqual({
      label: '2026-11-26',
      start: '2026-11-26T05:00:00.000+09:00',
      end: '2026-11-27T05:00:00.000+09:00',
      hours: 24
    })
    expect(day('2026-11-26T04:59:59.999+09:00', 'Asia/Tokyo', 300).label).toBe('2026-11-25')
  })

  it('places a rollover that falls in a DST gap at the first instant after it, and a repeated one at its first occurrence', () => {
    // 02:30 does not exist in New York on 2026-03-08: that broadcast day starts at 03:30 EDT.
    const spring = day('2026-03-08T12:00:00-04:00', 'America/New_York', 150)
    expect(spring.label).toBe('2026-03-08')
    expect(spring.start).toBe('2026-03-08T03:30:00.000-04:00')
    // 01:30 happens twice on 2026-11-01: the day starts at the first (EDT).
    const fall = day('2026-11-01T12:00:00-05:00', 'America/New_York', 90)
    expect(fall.start).toBe('2026-11-01T01:30:00.000-04:00')
    expect(fall.hours).toBe(25)
    expect(day('2026-11-01T01:29:59.999-04:00', 'America/New_York', 90).label).toBe('2026-10-31')
  })

  it('rejects bad zones and rollovers', () => {
    expect(() => broadcastDayAt(0, 'Nowhere/City')).toThrow(/not a known IANA time zone/)
    expect(() => broadcastDayAt(0, 'UTC', 1440)).toThrow(/0 to 1439/)
  })
})
