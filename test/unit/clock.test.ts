import { describe, expect, it } from 'vitest'
import { SimulatedClock, SystemClock } from '../../src/runtime/clock'
import { formatInstant, inZone, parseInstant } from '../../src/shared/time'

describe('MasterClock time conversion', () => {
  it('formats zone-aware ISO 8601 with offset and milliseconds', () => {
    const t = parseInstant('2026-11-25T11:00:00.123Z')
    expect(formatInstant(t)).toBe('2026-11-25T11:00:00.123Z')
    expect(formatInstant(t, 'America/New_York')).toBe('2026-11-25T06:00:00.123-05:00')
    expect(formatInstant(t, 'Asia/Tokyo')).toBe('2026-11-25T20:00:00.123+09:00')
    expect(inZone(t, 'Europe/London').offset).toBe(0)
  })

  it.each(['America/New_York', 'Europe/London', 'Asia/Tokyo'])(
    'round-trips UTC -> %s -> UTC within 1 ms',
    (zone) => {
      // A year of instants at an odd stride, including sub-second parts.
      const start = parseInstant('2026-01-01T00:00:00.000Z')
      for (let i = 0; i < 2000; i++) {
        const t = start + i * 15_778_463 + (i % 1000)
        const local = formatInstant(t, zone)
        expect(local).toMatch(/[+-]\d{2}:\d{2}$/)
        expect(Math.abs(parseInstant(local) - t)).toBeLessThanOrEqual(1)
      }
    }
  )

  it('handles the skipped hour of spring-forward (America/New_York, 2026-03-08)', () => {
    // 01:59:59.999 EST is followed directly by 03:00:00.000 EDT.
    const before = parseInstant('2026-03-08T01:59:59.999-05:00')
    expect(formatInstant(before + 1, 'America/New_York')).toBe('2026-03-08T03:00:00.000-04:00')
    const local = inZone(before + 1, 'America/New_York')
    expect(local.hour).toBe(3)
    // A wall time inside the gap does not exist; with an explicit offset it is one unambiguous instant.
    expect(formatInstant(parseInstant('2026-03-08T02:30:00-05:00'), 'America/New_York')).toBe(
      '2026-03-08T03:30:00.000-04:00'
    )
  })

  it('handles the repeated hour of fall-back (Europe/London, 2026-10-25)', () => {
    // 01:30 local happens twice: first in BST (+01:00), then in GMT (+00:00), one hour apart.
    const first = parseInstant('2026-10-25T01:30:00+01:00')
    const second = parseInstant('2026-10-25T01:30:00+00:00')
    expect(second - first).toBe(3_600_000)
    expect(formatInstant(first, 'Europe/London')).toBe('2026-10-25T01:30:00.000+01:00')
    expect(formatInstant(second, 'Europe/London')).toBe('2026-10-25T01:30:00.000+00:00')
    expect(inZone(first, 'Europe/London').hour).toBe(inZone(second, 'Europe/London').hour)
  })

  it('rejects zone-less and malformed input with an error that quotes it', () => {
    expect(() => parseInstant('2026-11-25T11:00:00')).toThrow(
      /"2026-11-25T11:00:00" is not an ISO 8601 instant with a zone/
    )
    expect(() => parseInstant('2026-11-25')).toThrow(/with a zone/)
    expect(() => parseInstant('yesterday')).toThrow(/with a zone/)
    expect(() => parseInstant('2026-13-45T11:00:00Z')).toThrow(/not a valid date-time/)
    expect(() => formatInstant(0, 'Mars/Olympus_Mons')).toThrow(/not a known IANA time zone/)
  })
})

describe('SystemClock', () => {
  function fakeSources(wallStart: number) {
    const s = { wallMs: wallStart, monoMs: 0 }
    return {
      s,
      sources: { wall: () => s.wallMs, mono: () => s.monoMs },
      tick(ms: number) {
        s.wallMs += ms
        s.monoMs += ms
      }
    }
  }

  it('reads system time in integer milliseconds', () => {
    const clock = new SystemClock()
    const t = clock.now()
    expect(Number.isInteger(t)).toBe(true)
    expect(t).toBeGreaterThan(parseInstant('2020-01-01T00:00:00Z'))
  })

  it('never goes backwards when the system clock is stepped back', () => {
    const f = fakeSources(parseInstant('2026-11-25T12:00:00Z'))
    const steps: number[] = []
    const clock = new SystemClock({ sources: f.sources, onBackwardStep: (ms) => steps.push(ms) })
    const readings = [clock.now()]
    f.tick(500)
    readings.push(clock.now())
    f.s.wallMs -= 3_600_000 // operator sets the clock back an hour
    readings.push(clock.now())
    f.tick(250)
    readings.push(clock.now())
    for (let i = 1; i < readings.length; i++)
      expect(readings[i]!).toBeGreaterThanOrEqual(readings[i - 1]!)
    // It keeps running on the monotonic clock rather than freezing.
    expect(readings[3]! - readings[1]!).toBe(250)
    expect(steps).toHaveLength(1)
    expect(steps[0]).toBeGreaterThanOrEqual(3_600_000)
  })

  it('says when the system clock has caught up with station time after a backward step', () => {
    const f = fakeSources(parseInstant('2026-11-25T12:00:00Z'))
    const events: string[] = []
    const clock = new SystemClock({
      sources: f.sources,
      onBackwardStep: (ms) => events.push(`back ${ms}`),
      onStepResolved: () => events.push('resolved')
    })
    clock.now()
    f.s.wallMs -= 10_000
    clock.now()
    f.tick(5_000)
    clock.now()
    expect(events).toEqual(['back 10000'])
    f.s.wallMs += 10_000 // NTP puts the clock right again
    clock.now()
    expect(events).toEqual(['back 10000', 'resolved'])
  })

  it('reports a timer callback that throws instead of letting it end the process', async () => {
    const errors: unknown[] = []
    const clock = new SystemClock({ onTimerError: (err) => errors.push(err) })
    await new Promise<void>((resolve) => {
      clock.after(0, () => {
        throw new Error('EMFILE: too many open files')
      })
      clock.after(5, resolve)
    })
    expect(errors).toEqual([new Error('EMFILE: too many open files')])
  })

  it('follows a forward step of the system clock', () => {
    const f = fakeSources(parseInstant('2026-11-25T12:00:00Z'))
    const clock = new SystemClock({ sources: f.sources })
    const a = clock.now()
    f.s.wallMs += 60_000
    expect(clock.now() - a).toBe(60_000)
  })
})

describe('SimulatedClock', () => {
  it('fires timers in due order, each seeing its own due time, and cancels cleanly', () => {
    const clock = new SimulatedClock('2026-11-25T11:00:00Z')
    const t0 = clock.now()
    const fired: Array<[string, number]> = []
    clock.after(300, () => fired.push(['c', clock.now() - t0]))
    clock.after(100, () => fired.push(['a', clock.now() - t0]))
    const cancelled = clock.after(200, () => fired.push(['x', clock.now() - t0]))
    clock.at(t0 + 100, () => fired.push(['b', clock.now() - t0]))
    cancelled.cancel()
    clock.advance(250)
    expect(fired).toEqual([
      ['a', 100],
      ['b', 100]
    ])
    expect(clock.now() - t0).toBe(250)
    clock.advance(50)
    expect(fired.at(-1)).toEqual(['c', 300])
    expect(clock.pending()).toBe(0)
  })

  it('runs intervals without drift and timers scheduled by timers', () => {
    const clock = new SimulatedClock(0)
    const ticks: number[] = []
    const h = clock.every(1000, () => {
      ticks.push(clock.now())
      if (ticks.length === 2) clock.after(10, () => ticks.push(-clock.now()))
    })
    clock.advance(3500)
    h.cancel()
    clock.advance(5000)
    expect(ticks).toEqual([1000, 2000, -2010, 3000])
  })

  it('lets async work settle between timers with advanceAsync', async () => {
    const clock = new SimulatedClock(0)
    const log: string[] = []
    clock.after(100, () => {
      void Promise.resolve().then(() => {
        log.push(`settled@${clock.now()}`)
        clock.after(100, () => log.push(`second@${clock.now()}`))
      })
    })
    await clock.advanceAsync(250)
    expect(log).toEqual(['settled@100', 'second@200'])
  })

  it('refuses to go backwards', () => {
    const clock = new SimulatedClock(1000)
    expect(() => clock.advanceTo(999)).toThrow(/backwards/)
  })
})
