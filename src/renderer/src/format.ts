// Times as a broadcast desk reads them: 24-hour clocks with seconds, in a given zone, and
// countdowns in minutes and seconds. Intl only; formatters are cached per zone.

const clockFormats = new Map<string, Intl.DateTimeFormat>()
const zoneFormats = new Map<string, Intl.DateTimeFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

const key = (zone: string | undefined) => zone ?? ''

function clockFormat(zone?: string): Intl.DateTimeFormat {
  let f = clockFormats.get(key(zone))
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23'
    })
    clockFormats.set(key(zone), f)
  }
  return f
}

/** "14:02:33" in the zone (the viewer's own zone when none is given). */
export function formatClock(ms: number, zone?: string): string {
  return clockFormat(zone).format(ms)
}

/** "14:02" in the zone. */
export function formatHm(ms: number, zone?: string): string {
  return formatClock(ms, zone).slice(0, 5)
}

/** The zone's short name at that instant ("EST", "CET", "UTC", "GMT+9"). */
export function zoneAbbr(ms: number, zone?: string): string {
  let f = zoneFormats.get(key(zone))
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
    zoneFormats.set(key(zone), f)
  }
  return f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? zone ?? ''
}

/** "Wed 25 Nov 2026" in the zone. */
export function formatDate(ms: number, zone?: string): string {
  let f = dateFormats.get(key(zone))
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      day: '2-digit',
      month: 'short',
      year: 'numeric'
    })
    dateFormats.set(key(zone), f)
  }
  return f.format(ms)
}

/** "4:07", "12:07", "1:02:03" (no sign). */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`
}

/** A countdown to `targetMs`: "-04:07" before it, "+00:12" after it (an overrun). */
export function countdown(targetMs: number, nowMs: number): { text: string; overrun: boolean } {
  const left = targetMs - nowMs
  // Round up while counting down, so "-00:01" shows during the last second and the cut lands on 00:00.
  if (left > 0) return { text: `-${formatDuration(Math.ceil(left / 1000) * 1000)}`, overrun: false }
  return { text: `+${formatDuration(-left)}`, overrun: left < -999 }
}

export const parseInstant = (iso: string): number => Date.parse(iso)
