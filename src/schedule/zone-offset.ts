// A zone's UTC offset and local ISO times, fast: luxon asks Intl for every offset, which costs
// microseconds an instant, and a week's preview or a horizon of padding asks thousands of times.
// Offsets are remembered by the hour (an hour whose two ends agree has one offset all through it;
// an hour holding a transition is asked exactly every time), so the answers are luxon's own.
import { IANAZone } from 'luxon'
import { formatInstant } from '../shared/time'

const HOUR_MS = 3600_000
/** Hours remembered per zone before the memo starts afresh (a few years of hours). */
const MEMO_LIMIT = 50_000

/** The offsets of one IANA zone, memoized by the hour. */
export class ZoneOffsets {
  private readonly zone: IANAZone
  /** Hour → offset in minutes (null: the hour holds a transition). */
  private readonly hours = new Map<number, number | null>()

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name)
  }

  /** The offset from UTC at t, in minutes (what luxon's IANAZone.offset says). */
  offsetMinutes(t: number): number {
    const hour = Math.floor(t / HOUR_MS)
    let known = this.hours.get(hour)
    if (known === undefined) {
      const start = hour * HOUR_MS
      const a = this.zone.offset(start)
      known = a === this.zone.offset(start + HOUR_MS - 1) ? a : null
      if (this.hours.size >= MEMO_LIMIT) this.hours.clear()
      this.hours.set(hour, known)
    }
    return known ?? this.zone.offset(t)
  }
}

const zones = new Map<string, ZoneOffsets | null>()

/**
 * The memo for a zone luxon treats as IANA, or null for a name it reads otherwise ("UTC", "utc+3",
 * "local"): those are left to luxon.
 */
export function zoneOffsets(name: string): ZoneOffsets | null {
  let z = zones.get(name)
  if (z === undefined) {
    z =
      /^(utc|gmt|local|system|default)/i.test(name) || !IANAZone.isValidZone(name)
        ? null
        : new ZoneOffsets(name)
    zones.set(name, z)
  }
  return z
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** formatInstant(ms, zone), the same text, without luxon in the common case. */
export function formatLocal(ms: number, zone: string): string {
  const z = zoneOffsets(zone)
  if (!z || !Number.isFinite(ms)) return formatInstant(ms, zone)
  const offset = z.offsetMinutes(ms)
  const d = new Date(ms + offset * 60_000)
  const year = d.getUTCFullYear()
  if (!Number.isInteger(offset) || year < 1000 || year > 9999) return formatInstant(ms, zone)
  const abs = Math.abs(offset)
  return (
    `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:` +
    `${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}` +
    `${offset < 0 ? '-' : '+'}${pad2(Math.trunc(abs / 60))}:${pad2(abs % 60)}`
  )
}
