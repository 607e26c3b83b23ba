// The week grid's arithmetic, pure so it is tested without a browser. A column is a broadcast day:
// it starts at the channel's rollover, so with the default 06:00 a Monday column runs from Monday
// 06:00 to Tuesday 06:00, and the hours after midnight at its foot are the carryover onto the next
// calendar date. A slot never crosses the rollover (the engine refuses it), so a slot is one
// block per day it names, from its start offset to its end offset within the column.
import {
  WEEKDAYS,
  type TemplateProblemDto,
  type TemplateSlotInput,
  type Weekday
} from '../../../shared/programming'

export const DAY_MINUTES = 1440
/** Keyboard and mouse moves snap to this. */
export const SNAP_MINUTES = 15
export const MIN_SLOT_MINUTES = 15

export const WEEKDAY_LABEL: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun'
}

/** "HH:MM" as minutes after midnight ("24:00" is 1440). */
export function minutesOf(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm)
  if (!m) return NaN
  return Number(m[1]) * 60 + Number(m[2])
}

export function clockText(minutes: number): string {
  const m = ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

/** Where a start time falls in the broadcast day: minutes after the rollover, 0 to 1439. */
export function startOffset(hhmm: string, rollover: number): number {
  return (((minutesOf(hhmm) - rollover) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES
}

/** Where an end time falls: 1 to 1440 (an end at the rollover is the day's end, not its start). */
export function endOffset(hhmm: string, rollover: number): number {
  return startOffset(hhmm, rollover) || DAY_MINUTES
}

/** The wall-clock start time at an offset into the broadcast day. */
export function startAt(offset: number, rollover: number): string {
  return clockText(offset + rollover)
}

/** The wall-clock end time at an offset (midnight is "24:00", as the template spells a day's end). */
export function endAt(offset: number, rollover: number): string {
  const t = clockText(offset + rollover)
  return t === '00:00' ? '24:00' : t
}

/** True when an offset lies after local midnight: the carryover onto the next calendar date. */
export function isCarryover(offset: number, rollover: number): boolean {
  return rollover > 0 && offset >= DAY_MINUTES - rollover
}

export interface SlotSpan {
  start: number
  end: number
}

/** Where a slot is drawn; a time being typed (not "HH:MM" yet) draws it at the day's top, an hour long. */
export function spanOf(slot: Pick<TemplateSlotInput, 'start' | 'end'>, rollover: number): SlotSpan {
  const start = startOffset(slot.start, rollover) || 0
  const end = endOffset(slot.end, rollover) || start + 60
  return { start, end: end > start ? end : start + MIN_SLOT_MINUTES }
}

const snap = (m: number, to = SNAP_MINUTES) => Math.round(m / to) * to

/** The slot moved by `delta` minutes, kept inside the broadcast day, its length unchanged. */
export function moveSlot<T extends TemplateSlotInput>(slot: T, delta: number, rollover: number): T {
  const { start, end } = spanOf(slot, rollover)
  const length = end - start
  const next = Math.max(0, Math.min(DAY_MINUTES - length, snap(start + delta)))
  return { ...slot, start: startAt(next, rollover), end: endAt(next + length, rollover) }
}

/** The slot's end moved by `delta` minutes: at least MIN_SLOT_MINUTES long, not past the day's end. */
export function resizeSlot<T extends TemplateSlotInput>(
  slot: T,
  delta: number,
  rollover: number
): T {
  const { start, end } = spanOf(slot, rollover)
  const next = Math.max(start + MIN_SLOT_MINUTES, Math.min(DAY_MINUTES, snap(end + delta)))
  return { ...slot, end: endAt(next, rollover) }
}

/** The slot's start moved by `delta` minutes, its end staying: at least MIN_SLOT_MINUTES long. */
export function resizeSlotStart<T extends TemplateSlotInput>(
  slot: T,
  delta: number,
  rollover: number
): T {
  const { start, end } = spanOf(slot, rollover)
  const next = Math.max(0, Math.min(end - MIN_SLOT_MINUTES, snap(start + delta)))
  return { ...slot, start: startAt(next, rollover) }
}

/** The slot moved to another day of the week (a slot on several days shifts them all). */
export function shiftDays<T extends TemplateSlotInput>(slot: T, by: number): T {
  const days = slot.days.map(
    (d) => WEEKDAYS[(((WEEKDAYS.indexOf(d) + by) % 7) + 7) % 7]!
  ) as Weekday[]
  return { ...slot, days }
}

/** A new slot where a collection was dropped: an hour from the drop (snapped), on that day. */
export function slotAt(
  day: Weekday,
  offset: number,
  collection: string,
  rollover: number,
  id: string
): TemplateSlotInput {
  const start = Math.max(0, Math.min(DAY_MINUTES - 60, snap(offset, 30)))
  return {
    id,
    days: [day],
    start: startAt(start, rollover),
    end: endAt(start + 60, rollover),
    collection,
    order: 'sequential',
    fill: 'fill'
  }
}

/** The slot index a problem's path names (`$.slots[2].collection` is 2); null for the template's own. */
export function slotOfProblem(p: TemplateProblemDto): number | null {
  const m = /^\$\.slots\[(\d+)\]/.exec(p.path)
  return m ? Number(m[1]) : null
}

/** The field of the slot a problem names (`collection`), or null. */
export function fieldOfProblem(p: TemplateProblemDto): string | null {
  const m = /^\$\.slots\[\d+\]\.(\w+)/.exec(p.path)
  return m ? m[1]! : null
}

/** Days in words: "Mon–Fri", "Sat, Sun", "Every day". */
export function daysText(days: readonly Weekday[]): string {
  if (days.length === 7) return 'Every day'
  const idx = [...days].map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b)
  const runs: number[][] = []
  for (const i of idx) {
    const last = runs.at(-1)
    if (last && last.at(-1) === i - 1) last.push(i)
    else runs.push([i])
  }
  return runs
    .map((r) =>
      r.length >= 3
        ? `${WEEKDAY_LABEL[WEEKDAYS[r[0]!]!]}–${WEEKDAY_LABEL[WEEKDAYS[r.at(-1)!]!]}`
        : r.map((i) => WEEKDAY_LABEL[WEEKDAYS[i]!]).join(', ')
    )
    .join(', ')
}

/** A short duration: "2 h 05 min", "25 min", "40 s". */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}
