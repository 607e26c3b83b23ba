// A channel's week as the operator programs it: seven broadcast days side by side, each from the
// rollover to the next (the hours after midnight at the foot, shaded: the carryover onto the next
// date). Collections are dropped into a day; a slot is moved by dragging its body and resized by
// its edges, or from the keyboard: arrows move it (up/down 15 minutes, left/right a day),
// Shift+arrows move its end, Alt+arrows its start, Delete removes it, Enter edits it. Every change
// is said aloud in a live region.
import { useRef, useState, type DragEvent, type KeyboardEvent, type PointerEvent } from 'react'
import { WEEKDAYS, type TemplateSlotInput, type Weekday } from '../../../shared/programming'
import { useModel, useProgramming } from '../context'
import {
  daysText,
  DAY_MINUTES,
  moveSlot,
  resizeSlot,
  resizeSlotStart,
  shiftDays,
  slotAt,
  slotOfProblem,
  spanOf,
  startAt,
  WEEKDAY_LABEL
} from '../state/week-grid'

export const PX_PER_HOUR = 30
const PX_PER_MIN = PX_PER_HOUR / 60
/** The drag type of a collection, show or folder dragged from the sources list. */
export const SOURCE_MIME = 'application/x-retrovue-source'

export type SourceRef = { show: string } | { folder: string } | { collection: string }

interface Drag {
  index: number
  kind: 'move' | 'end' | 'start'
  x0: number
  y0: number
  dMin: number
  dDay: number
}

export function WeekGrid({ rollover }: { rollover: number }) {
  const model = useModel()
  const p = model.programming
  const edit = useProgramming((s) => s.edit)
  const selected = useProgramming((s) => s.selected)
  const localProblems = useProgramming((s) => s.localProblems)
  const engineProblems = useProgramming((s) => s.preview?.problems ?? s.stored?.draft?.problems)
  const collections = useProgramming((s) => s.collections)
  const [drag, setDrag] = useState<Drag | null>(null)
  const [said, setSaid] = useState('')
  const [dropDay, setDropDay] = useState<Weekday | null>(null)
  const columnsRef = useRef<HTMLDivElement>(null)

  const problems = [...localProblems, ...(engineProblems ?? [])]
  const problemsOf = (i: number) => problems.filter((x) => slotOfProblem(x) === i)
  const nameOf = (slot: TemplateSlotInput) =>
    slot.title ??
    (slot.collection
      ? (collections.find((c) => c.id === slot.collection)?.name ?? slot.collection)
      : slot.weights
        ? `Random: ${slot.weights.map((w) => w.collection).join(', ')}`
        : 'Slot')
  const describe = (slot: TemplateSlotInput) =>
    `${nameOf(slot)}, ${daysText(slot.days)} ${slot.start}–${slot.end}`

  const replace = (index: number, slot: TemplateSlotInput, saying: string) => {
    const slots = edit.slots.map((s, i) => (i === index ? slot : s))
    p.setEdit({ ...edit, slots }, index)
    setSaid(saying)
  }
  const remove = (index: number) => {
    const slot = edit.slots[index]!
    p.setEdit({ ...edit, slots: edit.slots.filter((_, i) => i !== index) }, null)
    setSaid(`${describe(slot)} removed`)
  }

  const changed = (index: number, d: Pick<Drag, 'kind' | 'dMin' | 'dDay'>) => {
    const slot = edit.slots[index]!
    if (d.kind === 'end') return resizeSlot(slot, d.dMin, rollover)
    if (d.kind === 'start') return resizeSlotStart(slot, d.dMin, rollover)
    const moved = moveSlot(slot, d.dMin, rollover)
    return d.dDay ? shiftDays(moved, d.dDay) : moved
  }

  const onKey = (e: KeyboardEvent, index: number) => {
    const slot = edit.slots[index]!
    const step = e.key === 'ArrowUp' ? -15 : e.key === 'ArrowDown' ? 15 : 0
    let next: TemplateSlotInput
    if (step && e.shiftKey) next = resizeSlot(slot, step, rollover)
    else if (step && e.altKey) next = resizeSlotStart(slot, step, rollover)
    else if (step) next = moveSlot(slot, step, rollover)
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight')
      next = shiftDays(slot, e.key === 'ArrowLeft' ? -1 : 1)
    else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault()
      remove(index)
      return
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      p.select(index)
      return
    } else return
    e.preventDefault()
    replace(index, next, `${describe(next)}`)
  }

  const onPointerDown = (e: PointerEvent, index: number, kind: Drag['kind']) => {
    if (e.button !== 0) return
    e.stopPropagation()
    e.currentTarget.setPointerCapture(e.pointerId)
    p.select(index)
    setDrag({ index, kind, x0: e.clientX, y0: e.clientY, dMin: 0, dDay: 0 })
  }
  const onPointerMove = (e: PointerEvent) => {
    if (!drag) return
    const width = (columnsRef.current?.clientWidth ?? 700) / 7
    setDrag({
      ...drag,
      dMin: Math.round((e.clientY - drag.y0) / PX_PER_MIN / 15) * 15,
      dDay: drag.kind === 'move' ? Math.round((e.clientX - drag.x0) / width) : 0
    })
  }
  const onPointerUp = () => {
    if (!drag) return
    setDrag(null)
    if (drag.dMin === 0 && drag.dDay === 0) return
    const next = changed(drag.index, drag)
    replace(drag.index, next, describe(next))
  }

  const sourceOf = (e: DragEvent): SourceRef | null => {
    try {
      return JSON.parse(e.dataTransfer.getData(SOURCE_MIME)) as SourceRef
    } catch {
      return null
    }
  }
  const onDrop = async (e: DragEvent, day: Weekday) => {
    e.preventDefault()
    setDropDay(null)
    const source = sourceOf(e)
    if (!source) return
    const offset = (e.clientY - e.currentTarget.getBoundingClientRect().top) / PX_PER_MIN
    const id = await p.collectionFor(source)
    if (!id) return
    const slot = slotAt(day, offset, id, rollover, p.newSlotId())
    const current = p.state.edit
    p.setEdit({ ...current, slots: [...current.slots, slot] }, current.slots.length)
    setSaid(`${describe(slot)} added`)
  }

  const hours = Array.from({ length: 24 }, (_, h) => h)
  const carryFrom = rollover > 0 ? DAY_MINUTES - rollover : DAY_MINUTES
  return (
    // Focusable: the grid scrolls, and a keyboard must be able to scroll it.
    <div className="week" data-testid="week-grid" tabIndex={0} role="region" aria-label="Week grid">
      <div className="week-head">
        <div className="week-gutter" />
        {WEEKDAYS.map((d) => (
          <div key={d} className="week-day-head">
            {WEEKDAY_LABEL[d]}
          </div>
        ))}
      </div>
      <div className="week-body" style={{ height: 24 * PX_PER_HOUR }}>
        <div className="week-gutter">
          {hours.map((h) => (
            <div
              key={h}
              className={`week-hour${h * 60 >= carryFrom ? ' carry' : ''}`}
              style={{ top: h * PX_PER_HOUR }}
            >
              {startAt(h * 60, rollover)}
            </div>
          ))}
        </div>
        <div className="week-columns" ref={columnsRef}>
          {WEEKDAYS.map((day) => (
            <div
              key={day}
              className={`week-col${dropDay === day ? ' drop' : ''}`}
              data-testid={`day-${day}`}
              aria-label={`${WEEKDAY_LABEL[day]} broadcast day from ${startAt(0, rollover)}`}
              onDragOver={(e) => {
                if (!e.dataTransfer.types.includes(SOURCE_MIME)) return
                e.preventDefault()
                e.dataTransfer.dropEffect = 'copy'
                if (dropDay !== day) setDropDay(day)
              }}
              onDragLeave={() => setDropDay(null)}
              onDrop={(e) => void onDrop(e, day)}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
            >
              {hours.map((h) => (
                <div key={h} className="week-line" style={{ top: h * PX_PER_HOUR }} />
              ))}
              {carryFrom < DAY_MINUTES && (
                <div
                  className="week-carry"
                  style={{ top: carryFrom * PX_PER_MIN }}
                  title="After midnight: the next calendar date, still this broadcast day"
                >
                  <span>next date</span>
                </div>
              )}
              {edit.slots.map((slot, index) => {
                if (!slot.days.includes(day) && !(drag?.index === index && drag.dDay)) return null
                const shown = drag?.index === index ? changed(index, drag) : slot
                if (!shown.days.includes(day)) return null
                const { start, end } = spanOf(shown, rollover)
                const bad = problemsOf(index)
                const first = shown.days[0] === day
                return (
                  <div
                    key={`${slot.id ?? index}-${day}`}
                    role="button"
                    tabIndex={first ? 0 : -1}
                    aria-label={`${describe(shown)}${bad.length ? `; problem: ${bad[0]!.message}` : ''}. Arrows move it, Shift+arrows its end, Alt+arrows its start, Delete removes it.`}
                    aria-pressed={selected === index}
                    className={`slot-block${selected === index ? ' on' : ''}${bad.length ? ' bad' : ''}${drag?.index === index ? ' dragging' : ''}`}
                    data-testid="slot"
                    data-slot={index}
                    data-day={day}
                    style={{ top: start * PX_PER_MIN, height: (end - start) * PX_PER_MIN }}
                    onPointerDown={(e) => onPointerDown(e, index, 'move')}
                    onKeyDown={(e) => onKey(e, index)}
                    onFocus={() => p.select(index)}
                  >
                    <div
                      className="slot-edge top"
                      aria-hidden
                      onPointerDown={(e) => onPointerDown(e, index, 'start')}
                    />
                    <span className="slot-time">
                      {shown.start}–{shown.end}
                    </span>
                    <span className="slot-name">{nameOf(shown)}</span>
                    {shown.padToMinutes && (
                      <span className="slot-pad">pad {shown.padToMinutes}′</span>
                    )}
                    {bad.length > 0 && (
                      <span className="slot-problem" data-testid="slot-problem">
                        ⚠ {bad[0]!.message}
                      </span>
                    )}
                    <div
                      className="slot-edge bottom"
                      aria-hidden
                      data-testid="slot-resize"
                      onPointerDown={(e) => onPointerDown(e, index, 'end')}
                    />
                  </div>
                )
              })}
            </div>
          ))}
        </div>
      </div>
      <p className="sr-only" aria-live="polite" data-testid="grid-said">
        {said}
      </p>
    </div>
  )
}
