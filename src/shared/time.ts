// Instants cross every boundary (API, station file, database) as ISO 8601 with an explicit offset,
// millisecond precision. Inside the engine an instant is a number: epoch milliseconds, UTC.
// Nothing here reads the system time: "now" belongs to the MasterClock (runtime/clock.ts).
import { DateTime, IANAZone } from 'luxon'

/** Epoch milliseconds, UTC. */
export type EpochMs = number

export class TimeInputError extends Error {
  override readonly name = 'TimeInputError'
}

// A date-time must carry its zone: "Z" or "+hh:mm" / "-hh:mm" (or "+hhmm").
const ISO_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|([+-])(\d{2}):?(\d{2}))$/i

/** Whether a UTC offset is one the world uses: -12:00 to +14:00, in quarter hours. */
function realOffset(sign: string, hours: string, minutes: string): boolean {
  const total = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes))
  return total >= -12 * 60 && total <= 14 * 60 && Number(minutes) % 15 === 0
}

/** Parses an ISO 8601 instant. Zone-less input ("2026-11-25T11:00:00") is ambiguous and rejected. */
export function parseInstant(text: string, what = 'time'): EpochMs {
  const m = typeof text === 'string' ? ISO_WITH_ZONE.exec(text) : null
  if (!m) {
    throw new TimeInputError(
      `${what}: "${String(text)}" is not an ISO 8601 instant with a zone (expected e.g. 2026-11-25T11:00:00Z or 2026-11-25T06:00:00-05:00)`
    )
  }
  const [, , , , sign, hours, minutes] = m
  if (sign && hours && minutes && !realOffset(sign, hours, minutes)) {
    throw new TimeInputError(
      `${what}: "${text}" has UTC offset ${sign}${hours}:${minutes}; offsets run from -12:00 to +14:00 in quarter hours`
    )
  }
  const dt = DateTime.fromISO(text, { setZone: true })
  if (!dt.isValid)
    throw new TimeInputError(
      `${what}: "${text}" is not a valid date-time (${dt.invalidExplanation ?? dt.invalidReason})`
    )
  if (!isPrintable(dt.toMillis()))
    throw new TimeInputError(`${what}: "${text}" is outside the years 0000 to 9999 in UTC`)
  return dt.toMillis()
}

export function isValidZone(zone: string): boolean {
  // IANAZone.create remembers each zone and its validity; IANAZone.isValidZone builds an
  // Intl.DateTimeFormat on every call (about a millisecond and memory the process keeps), and every
  // instant printed for a listing checks its zone.
  return typeof zone === 'string' && zone.length > 0 && IANAZone.create(zone).isValid
}

export function assertZone(zone: string, what = 'timezone'): void {
  if (!isValidZone(zone))
    throw new TimeInputError(`${what}: "${zone}" is not a known IANA time zone`)
}

/** The instant as a DateTime in the given IANA zone (UTC when omitted). */
export function inZone(ms: EpochMs, zone = 'UTC'): DateTime {
  assertZone(zone)
  if (!Number.isFinite(ms))
    throw new TimeInputError(`instant ${ms} is not a finite number of milliseconds`)
  return DateTime.fromMillis(ms, { zone })
}

/** Whether the instant prints as an ISO 8601 date-time (a four-digit year, 0000 to 9999) in the zone. */
export function isPrintable(ms: EpochMs, zone = 'UTC'): boolean {
  if (!Number.isFinite(ms)) return false
  const year = inZone(ms, zone).year
  return year >= 0 && year <= 9999
}

/** ISO 8601 with offset and milliseconds, e.g. 2026-11-25T06:00:00.000-05:00 (UTC renders as Z). */
export function formatInstant(ms: EpochMs, zone = 'UTC'): string {
  const iso = inZone(ms, zone).toISO({ suppressMilliseconds: false, includeOffset: true })
  if (iso === null) throw new TimeInputError(`instant ${ms} cannot be formatted in ${zone}`)
  return iso
}
