// One slot's settings: its days and times, what it airs and in what order, how it fills, pads to
// the clock and treats an item that would overrun. A problem is shown at the field it names.
import type { ReactNode } from 'react'
import {
  PAD_MINUTES,
  SLATE,
  SLOT_FILLS,
  SLOT_ORDERS,
  SLOT_OVERRUNS,
  WEEKDAYS,
  type SlotFill,
  type SlotOrder,
  type SlotOverrun,
  type TemplateSlotInput
} from '../../../shared/programming'
import { useModel, useProgramming } from '../context'
import { fieldOfProblem, slotOfProblem, WEEKDAY_LABEL } from '../state/week-grid'
import type { SourceRef } from './WeekGrid'

const ORDER_LABEL: Record<SlotOrder, string> = {
  sequential: 'Sequential (next episodes)',
  shuffle: 'Shuffle (each once)',
  random: 'Random (weighted)'
}
const FILL_LABEL: Record<SlotFill, string> = {
  once: 'One item',
  count: 'A number of items',
  fill: 'Fill to the slot’s end'
}
const OVERRUN_LABEL: Record<SlotOverrun, string> = {
  shift: 'Finish it, shift what follows',
  skip: 'Skip it to fit'
}

/** A collection choice: an existing collection, or a show or folder to make one of. */
function CollectionOptions() {
  const collections = useProgramming((s) => s.collections)
  const shows = useProgramming((s) => s.shows)
  const folders = useProgramming((s) => s.folders)
  const made = new Set(
    collections.flatMap((c) =>
      'show' in c.definition
        ? [`show:${c.definition.show}`]
        : 'folder' in c.definition
          ? [`folder:${c.definition.folder.replace(/:$/, '')}`]
          : []
    )
  )
  return (
    <>
      <optgroup label="Collections">
        {collections.map((c) => (
          <option key={c.id} value={`collection:${c.id}`}>
            {c.name} ({c.playable} playable)
          </option>
        ))}
      </optgroup>
      <optgroup label="Library shows">
        {shows
          .filter((s) => !made.has(`show:${s}`))
          .map((s) => (
            <option key={s} value={`show:${s}`}>
              {s}
            </option>
          ))}
      </optgroup>
      <optgroup label="Library folders">
        {folders
          .filter((f) => !made.has(`folder:${f.id}`))
          .map((f) => (
            <option key={f.id} value={`folder:${f.id}`}>
              {f.id}
            </option>
          ))}
      </optgroup>
    </>
  )
}

const sourceOfValue = (v: string): SourceRef => {
  const [kind, ...rest] = v.split(':')
  const value = rest.join(':')
  return kind === 'show'
    ? { show: value }
    : kind === 'folder'
      ? { folder: value }
      : { collection: value }
}

export function SlotEditor({ index }: { index: number }) {
  const model = useModel()
  const p = model.programming
  const edit = useProgramming((s) => s.edit)
  const localProblems = useProgramming((s) => s.localProblems)
  const engineProblems = useProgramming((s) => s.preview?.problems ?? s.stored?.draft?.problems)
  const slot = edit.slots[index]
  if (!slot) return null
  const problems = [...localProblems, ...(engineProblems ?? [])].filter(
    (x) => slotOfProblem(x) === index
  )
  const at = (field: string) => problems.filter((x) => fieldOfProblem(x) === field)
  const set = (patch: Partial<TemplateSlotInput>) => {
    const next = { ...slot, ...patch } as TemplateSlotInput
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete (next as never)[k]
    p.setEdit({ ...edit, slots: edit.slots.map((s, i) => (i === index ? next : s)) }, index)
  }
  const choose = async (value: string, apply: (id: string | undefined) => void) => {
    if (value === '' || value === SLATE) return apply(value === '' ? undefined : SLATE)
    const id = await p.collectionFor(sourceOfValue(value))
    if (id) apply(id)
  }
  const field = (name: string, label: string, control: ReactNode) => (
    <label className={`slot-field${at(name).length ? ' bad' : ''}`}>
      <span>{label}</span>
      {control}
      {at(name).map((x) => (
        <em key={x.message} className="field-problem" role="alert">
          {x.message}
        </em>
      ))}
    </label>
  )
  const other = problems.filter(
    (x) =>
      ![
        'days',
        'start',
        'end',
        'collection',
        'order',
        'fill',
        'count',
        'padToMinutes',
        'filler',
        'overrun',
        'bumpers'
      ].includes(fieldOfProblem(x) ?? '')
  )
  return (
    <section className="slot-editor" aria-label="Slot" data-testid="slot-editor">
      <h3>
        Slot {index + 1}
        <button
          type="button"
          className="danger small"
          onClick={() =>
            p.setEdit({ ...edit, slots: edit.slots.filter((_, i) => i !== index) }, null)
          }
          data-testid="slot-remove"
        >
          Remove slot
        </button>
      </h3>
      {other.map((x) => (
        <p
          key={x.path + x.message}
          className="field-problem"
          role="alert"
          data-testid="slot-editor-problem"
        >
          {x.message}
        </p>
      ))}
      <fieldset className={`slot-days${at('days').length ? ' bad' : ''}`}>
        <legend>Days</legend>
        {WEEKDAYS.map((d) => (
          <label key={d} className="day-toggle">
            <input
              type="checkbox"
              checked={slot.days.includes(d)}
              onChange={(e) =>
                set({
                  days: e.target.checked
                    ? WEEKDAYS.filter((w) => w === d || slot.days.includes(w))
                    : slot.days.filter((w) => w !== d)
                })
              }
            />
            {WEEKDAY_LABEL[d]}
          </label>
        ))}
        {at('days').map((x) => (
          <em key={x.message} className="field-problem" role="alert">
            {x.message}
          </em>
        ))}
      </fieldset>
      <div className="slot-row">
        {field(
          'start',
          'Start',
          <input
            value={slot.start}
            size={5}
            onChange={(e) => set({ start: e.target.value })}
            data-testid="slot-start"
          />
        )}
        {field(
          'end',
          'End',
          <input
            value={slot.end}
            size={5}
            onChange={(e) => set({ end: e.target.value })}
            data-testid="slot-end"
          />
        )}
      </div>
      {field(
        'title',
        'Title (optional)',
        <input
          value={slot.title ?? ''}
          placeholder="from the collection"
          onChange={(e) => set({ title: e.target.value === '' ? undefined : e.target.value })}
        />
      )}
      {slot.order !== 'random' &&
        field(
          'collection',
          'Airs',
          <select
            value={slot.collection ? `collection:${slot.collection}` : ''}
            onChange={(e) => void choose(e.target.value, (id) => set({ collection: id }))}
            data-testid="slot-collection"
          >
            <option value="">— choose —</option>
            <CollectionOptions />
          </select>
        )}
      {field(
        'order',
        'Order',
        <select
          value={slot.order ?? 'sequential'}
          onChange={(e) => {
            const order = e.target.value as SlotOrder
            set(
              order === 'random'
                ? {
                    order,
                    collection: undefined,
                    weights: slot.collection ? [{ collection: slot.collection, weight: 1 }] : []
                  }
                : {
                    order,
                    weights: undefined,
                    collection: slot.collection ?? slot.weights?.[0]?.collection
                  }
            )
          }}
          data-testid="slot-order"
        >
          {SLOT_ORDERS.map((o) => (
            <option key={o} value={o}>
              {ORDER_LABEL[o]}
            </option>
          ))}
        </select>
      )}
      {slot.order === 'random' &&
        field(
          'weights',
          'Collections and weights',
          <span className="weights">
            {(slot.weights ?? []).map((w, i) => (
              <span key={i} className="weight">
                {w.collection}
                <input
                  type="number"
                  min={1}
                  max={1000}
                  value={w.weight}
                  aria-label={`Weight of ${w.collection}`}
                  onChange={(e) =>
                    set({
                      weights: slot.weights!.map((x, j) =>
                        j === i ? { ...x, weight: Number(e.target.value) } : x
                      )
                    })
                  }
                />
                <button
                  type="button"
                  className="small"
                  onClick={() => set({ weights: slot.weights!.filter((_, j) => j !== i) })}
                >
                  ✕
                </button>
              </span>
            ))}
            <select
              value=""
              aria-label="Add a collection"
              onChange={(e) =>
                void choose(e.target.value, (id) =>
                  id
                    ? set({ weights: [...(slot.weights ?? []), { collection: id, weight: 1 }] })
                    : undefined
                )
              }
            >
              <option value="">+ add a collection</option>
              <CollectionOptions />
            </select>
          </span>
        )}
      {slot.order !== 'sequential' &&
        field(
          'seed',
          'Seed',
          <input
            type="number"
            value={slot.seed ?? ''}
            placeholder="from the channel"
            onChange={(e) =>
              set({ seed: e.target.value === '' ? undefined : Number(e.target.value) })
            }
          />
        )}
      <div className="slot-row">
        {field(
          'fill',
          'Fill',
          <select
            value={slot.fill ?? 'fill'}
            onChange={(e) => {
              const fill = e.target.value as SlotFill
              set({ fill, count: fill === 'count' ? (slot.count ?? 1) : undefined })
            }}
            data-testid="slot-fill"
          >
            {SLOT_FILLS.map((f) => (
              <option key={f} value={f}>
                {FILL_LABEL[f]}
              </option>
            ))}
          </select>
        )}
        {slot.fill === 'count' &&
          field(
            'count',
            'Items',
            <input
              type="number"
              min={1}
              max={500}
              value={slot.count ?? 1}
              onChange={(e) => set({ count: Number(e.target.value) })}
            />
          )}
      </div>
      <div className="slot-pad-row">
        {field(
          'padToMinutes',
          'Pad to',
          <select
            value={slot.padToMinutes ?? ''}
            onChange={(e) =>
              set({
                padToMinutes:
                  e.target.value === '' ? undefined : (Number(e.target.value) as 5 | 15 | 30 | 60)
              })
            }
            data-testid="slot-pad"
          >
            <option value="">No padding</option>
            {PAD_MINUTES.map((m) => (
              <option key={m} value={m}>
                :{String(m).padStart(2, '0')} ({m} min)
              </option>
            ))}
          </select>
        )}
        {field(
          'filler',
          'Pad with',
          <select
            value={
              slot.filler === undefined || slot.filler === SLATE ? '' : `collection:${slot.filler}`
            }
            onChange={(e) => void choose(e.target.value, (id) => set({ filler: id }))}
            data-testid="slot-filler"
          >
            <option value="">The slate</option>
            <CollectionOptions />
          </select>
        )}
      </div>
      {field(
        'overrun',
        'An item that would overrun',
        <select
          value={slot.overrun ?? 'shift'}
          onChange={(e) => set({ overrun: e.target.value as SlotOverrun })}
        >
          {SLOT_OVERRUNS.map((o) => (
            <option key={o} value={o}>
              {OVERRUN_LABEL[o]}
            </option>
          ))}
        </select>
      )}
      {field(
        'bumpers',
        'Bumpers between items',
        <select
          value={slot.bumpers ? `collection:${slot.bumpers}` : ''}
          onChange={(e) => void choose(e.target.value, (id) => set({ bumpers: id }))}
        >
          <option value="">None</option>
          <CollectionOptions />
        </select>
      )}
    </section>
  )
}
