// Instants printed in one zone, fast: for listings of thousands of items (the XMLTV guide, schedule
// ranges). Luxon's formatting costs tens of microseconds an instant; here the zone's offset is looked
// up once per hour of time (and found to the millisecond where it changes), each distinct offset is
// printed once, and the date and time come from plain arithmetic. The output is exactly Luxon's
// (formatInstant, and 'yyyyMMddHHmmss ZZZ'); anything unusual (a year outside 1000-9999, an offset
// that is not whole minutes) is handed to Luxon itself.
import { Info, type Zone } from 'luxon'
import { assertZone, type EpochMs, formatInstant, inZone } from './time'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/** Where an hour of time changes offset, if it does. */
interface Hour {
  offset: number
  /** The instant the offset changes within the hour, and the offset from it on. */
  change?: { at: number; offset: number }
}

/** One zone's instants as ISO 8601 (formatInstant) and XMLTV times; one instance per listing (it remembers offsets). */
export class ZoneTimes {
  private readonly zone: Zone
  private readonly utcZ: boolean
  private readonly hours = new Map<number, Hour>()
  /** The offset at the start of each hour asked about (an hour's end is the next one's start). */
  private readonly hourStarts = new Map<number, number>()
  /** XMLTV dates (yyyyMMddHHmmss's first 8) by local day. */
  private readonly days = new Map<number, string>()
  /** The last XMLTV time printed: a listing prints each programme's stop again as the next one's start. */
  private lastXmltv = { ms: NaN, text: '' }
  private readonly isoOffsets = new Map<number, string>()
  private readonly techieOffsets = new Map<number, string>()

  constructor(readonly zoneName: string) {
    assertZone(zoneName)
    this.zone = Info.normalizeZone(zoneName)
    // Luxon prints a fixed zero offset ("UTC") as Z and any other zone at zero ("Etc/UTC", London in winter) as +00:00.
    this.utcZ = this.zone.isUniversal && this.zone.offset(0) === 0
  }

  /** The zone's offset from UTC at the instant, in minutes. */
  offsetAt(ms: EpochMs): number {
    const h = Math.floor(ms / HOUR_MS)
    let hour = this.hours.get(h)
    if (!hour) {
      hour = this.hourAt(h)
      this.hours.set(h, hour)
    }
    return hour.change && ms >= hour.change.at ? hour.change.offset : hour.offset
  }

  private offsetAtHourStart(h: number): number {
    let offset = this.hourStarts.get(h)
    if (offset === undefined) {
      offset = this.zone.offset(h * HOUR_MS)
      this.hourStarts.set(h, offset)
    }
    return offset
  }

  /** Zones change offset at most once within an hour: compare the hour's ends, and find the change by bisection. */
  private hourAt(h: number): Hour {
    const start = h * HOUR_MS
    const offset = this.offsetAtHourStart(h)
    const after = this.offsetAtHourStart(h + 1)
    if (after === offset) return { offset }
    let lo = start
    let hi = start + HOUR_MS
    // Invariant: offset at lo is the first, at hi the second.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (this.zone.offset(mid) === offset) lo = mid
      else hi = mid
    }
    return { offset, change: { at: hi, offset: after } }
  }

  /** 2026-11-25T06:00:00.000-05:00, exactly as formatInstant. */
  iso(ms: EpochMs): string {
    const offset = this.offsetAt(ms)
    const d = this.local(ms, offset)
    if (!d) return formatInstant(ms, this.zoneName)
    let suffix = this.isoOffsets.get(offset)
    if (suffix === undefined) {
      suffix =
        this.utcZ && offset === 0
          ? 'Z'
          : `${offset < 0 ? '-' : '+'}${pad2(Math.trunc(Math.abs(offset) / 60))}:${pad2(Math.abs(offset) % 60)}`
      this.isoOffsets.set(offset, suffix)
    }
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}${suffix}`
  }

  /** XMLTV's time format: 20261125060000 -0500. */
  xmltv(ms: EpochMs): string {
    if (ms === this.lastXmltv.ms) return this.lastXmltv.text
    const text = this.xmltvOf(ms)
    this.lastXmltv = { ms, text }
    return text
  }

  private xmltvOf(ms: EpochMs): string {
    const offset = this.offsetAt(ms)
    if (!Number.isInteger(offset) || !Number.isFinite(ms))
      return inZone(ms, this.zoneName).toFormat('yyyyMMddHHmmss ZZZ')
    let suffix = this.techieOffsets.get(offset)
    if (suffix === undefined) {
      suffix = ` ${offset < 0 ? '-' : '+'}${pad2(Math.trunc(Math.abs(offset) / 60))}${pad2(Math.abs(offset) % 60)}`
      this.techieOffsets.set(offset, suffix)
    }
    // The local day's date printed once; the time of day from plain arithmetic.
    const local = ms + offset * 60_000
    const day = Math.floor(local / DAY_MS)
    let date = this.days.get(day)
    if (date === undefined) {
      const d = this.local(ms, offset)
      if (!d) return inZone(ms, this.zoneName).toFormat('yyyyMMddHHmmss ZZZ')
      date = `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}`
      this.days.set(day, date)
    }
    const seconds = Math.floor((local - day * DAY_MS) / 1000)
    return `${date}${pad2(Math.floor(seconds / 3600))}${pad2(Math.floor(seconds / 60) % 60)}${pad2(seconds % 60)}${suffix}`
  }

  /** The wall-clock fields as a UTC Date, or null when Luxon's own printing is needed. */
  private local(ms: EpochMs, offset: number): Date | null {
    if (!Number.isInteger(offset) || !Number.isFinite(ms)) return null
    const d = new Date(ms + offset * 60_000)
    const year = d.getUTCFullYear()
    return year >= 1000 && year <= 9999 ? d : null
  }
}
