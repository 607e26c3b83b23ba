// The broadcast day: [rollover, next rollover) in the channel's own time zone, labelled by the
// calendar date on which it starts. With the default rollover of 06:00, 03:00 on the 26th still
// belongs to the broadcast day of the 25th.
//
// The rollover is a grouping for logs and listings, never a cut: an item spanning it (the
// carryover) airs whole.
import { DateTime } from 'luxon'
import { assertZone, type EpochMs } from '../shared/time'

export const DEFAULT_ROLLOVER_MINUTES = 360

export interface BroadcastDay {
  /** ISO calendar date (yyyy-MM-dd) of the local day on which this broadcast day starts. */
  label: string
  startMs: EpochMs
  endMs: EpochMs
}

/**
 * The instant of the rollover on a local calendar date. When the rollover's wall time does not
 * exist that day (spring-forward gap) it is the first instant after the gap; when it occurs twice
 * (fall-back) it is the first occurrence.
 */
export function rolloverInstant(date: DateTime, zone: string, rolloverMinutes: number): EpochMs {
  const dt = DateTime.fromObject(
    {
      year: date.year,
      month: date.month,
      day: date.day,
      hour: Math.floor(rolloverMinutes / 60),
      minute: rolloverMinutes % 60
    },
    { zone }
  )
  if (!dt.isValid)
    throw new Error(
      `cannot place rollover ${rolloverMinutes} min on ${date.toISODate()} in ${zone}`
    )
  // Luxon resolves an ambiguous wall time to the later offset in some zones; prefer the earlier instant.
  const earlier = dt.minus({ hours: 1 })
  if (earlier.hour === dt.hour && earlier.minute === dt.minute && earlier.day === dt.day)
    return earlier.toMillis()
  return dt.toMillis()
}

export function broadcastDayAt(
  t: EpochMs,
  zone: string,
  rolloverMinutes = DEFAULT_ROLLOVER_MINUTES
): BroadcastDay {
  assertZone(zone)
  if (!Number.isInteger(rolloverMinutes) || rolloverMinutes < 0 || rolloverMinutes > 1439) {
    throw new RangeError(
      `rolloverMinutes must be a whole number from 0 to 1439, got ${rolloverMinutes}`
    )
  }
  const localDate = DateTime.fromMillis(t, { zone }).startOf('day')
  let day = localDate
  let start = rolloverInstant(day, zone, rolloverMinutes)
  if (t < start) {
    day = localDate.minus({ days: 1 })
    start = rolloverInstant(day, zone, rolloverMinutes)
  }
  const end = rolloverInstant(day.plus({ days: 1 }), zone, rolloverMinutes)
  const label = day.toISODate()
  if (label === null) throw new Error(`invalid broadcast day for ${t} in ${zone}`)
  return { label, startMs: start, endMs: end }
}

/** The broadcast day with this label (the local date it starts on) in the zone; null for a date that does not exist. */
export function broadcastDayByLabel(
  label: string,
  zone: string,
  rolloverMinutes = DEFAULT_ROLLOVER_MINUTES
): BroadcastDay | null {
  assertZone(zone)
  const date = DateTime.fromISO(label, { zone })
  if (!date.isValid || date.toISODate() !== label) return null
  return {
    label,
    startMs: rolloverInstant(date, zone, rolloverMinutes),
    endMs: rolloverInstant(date.plus({ days: 1 }), zone, rolloverMinutes)
  }
}
