// A channel's weekly template, materialized: slots and one-off events, with their collections
// resolved to assets, become the items that air over a window. Pure and deterministic: the same
// template, collections, positions and window give the same items, so the console's preview and
// the playlog are the same function's answers (the ScheduleService writes one, the facade shows
// the other).
//
// Times: slot times are wall-clock in the channel's zone, placed on each broadcast day (a time
// before the rollover lies on the next calendar date), so a 23- or 25-hour day keeps 07:00 at
// 07:00. Padding aligns to the local clock.
//
// Positions: every drawn item (program, bumper, filler) counts a draw under a key (the slot's, or
// the bumper/filler collection's); the draws so far, the last asset and the occurrence they were in
// are the state materialization resumes from (the store derives it from the playlog's rows).
import { DateTime } from 'luxon'
import type {
  ChannelTemplate,
  PreviewKind,
  TemplateEvent,
  TemplateProblemDto,
  TemplateSlot
} from '../shared/programming'
import { WEEKDAYS } from '../shared/programming'
import { ZoneTimes } from '../shared/zone-times'
import { rolloverInstant } from './broadcast-day'

/** A playable asset of a collection, as the materializer sees it. */
export interface TemplateAsset {
  assetId: number
  title: string
  durationMs: number
  /** The file name (for previews). */
  file: string | null
}

/** Where a draw key stands: draws so far, the last asset drawn, and the slot occurrence it was in. */
export interface Position {
  draws: number
  lastAssetId: number | null
  /** Start of the occurrence of the last draw, and how many of the key's draws fell in it. */
  occurrenceMs: number | null
  inOccurrence: number
}

export type Positions = ReadonlyMap<string, Position>

export interface MaterializeInput {
  template: ChannelTemplate
  zone: string
  rolloverMinutes: number
  /** Each collection's playable assets in airing order (empty: nothing can air, the slate does). */
  collections: ReadonlyMap<string, readonly TemplateAsset[]>
  /** Assets one-off events name by id. */
  assets?: ReadonlyMap<number, TemplateAsset>
  positions: Positions
  /** Items start at or after fromMs (nothing before it is touched) and before toMs. */
  fromMs: number
  toMs: number
}

export interface PlannedItem {
  kind: PreviewKind
  startMs: number
  endMs: number
  title: string
  assetId: number | null
  file: string | null
  /** The slot key (id or `#index`) or `event:<key>`; null for gaps. */
  slot: string | null
  collection: string | null
  overrunMs?: number
  /** The draw this item made (absent for slate and gaps): persisted so the next plan resumes after it. */
  draw?: { key: string; draws: number; occurrenceMs: number; inOccurrence: number }
}

export interface MaterializeResult {
  items: PlannedItem[]
  positions: Map<string, Position>
  warnings: TemplateProblemDto[]
}

const MINUTE = 60_000
const DAY_MINUTES = 1440

/** "HH:MM" as minutes after local midnight ("24:00" is 1440). */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number)
  return h! * 60 + m!
}

/** Minutes after the rollover within the broadcast day (0 to 1439). */
const offsetOf = (time: string, rollover: number) =>
  (minutesOf(time) - rollover + DAY_MINUTES) % DAY_MINUTES
/** An end time's offset: the rollover itself is the day's end (1440). */
const endOffsetOf = (time: string, rollover: number) => offsetOf(time, rollover) || DAY_MINUTES

/** The key a slot's positions are kept under: its id, else its place in the list. */
export const slotKey = (slot: TemplateSlot, index: number): string => slot.id ?? `#${index}`
const eventKey = (event: TemplateEvent, index: number): string => `event:${event.id ?? `#${index}`}`

const fmtRange = (slot: { days: readonly string[]; start: string; end: string }) =>
  `${slot.days.join(',')} ${slot.start}-${slot.end}`

/**
 * What stops a template being published: slots that overlap (naming both), slots that cross the
 * rollover, events on dates that do not exist or overlapping each other, collections unknown.
 * `known` lists the collections that exist (null: not checked).
 */
export function checkTemplate(
  template: ChannelTemplate,
  rolloverMinutes: number,
  known: ReadonlySet<string> | null
): TemplateProblemDto[] {
  const problems: TemplateProblemDto[] = []
  const spans = template.slots.map((slot) => ({
    s: offsetOf(slot.start, rolloverMinutes),
    e: endOffsetOf(slot.end, rolloverMinutes)
  }))
  template.slots.forEach((slot, i) => {
    const at = `$.slots[${i}]`
    const { s, e } = spans[i]!
    if (e <= s)
      problems.push({
        path: `${at}.end`,
        message: `ends at ${slot.end}, not after its start ${slot.start} within the broadcast day (the day turns over at ${hhmm(rolloverMinutes)}; split a slot that crosses it)`
      })
    if (known)
      for (const [field, id] of [
        ['collection', slot.collection],
        ['filler', slot.filler],
        ['bumpers', slot.bumpers]
      ] as const)
        if (id !== undefined && id !== 'slate' && !known.has(id))
          problems.push({ path: `${at}.${field}`, message: `unknown collection "${id}"` })
    if (known)
      (slot.weights ?? []).forEach((w, wi) => {
        if (!known.has(w.collection))
          problems.push({
            path: `${at}.weights[${wi}].collection`,
            message: `unknown collection "${w.collection}"`
          })
      })
    for (let j = 0; j < i; j++) {
      const other = template.slots[j]!
      const o = spans[j]!
      const shared = slot.days.filter((d) => other.days.includes(d))
      if (shared.length > 0 && s < o.e && o.s < e && e > s && o.e > o.s)
        problems.push({
          path: at,
          message: `slot ${fmtRange(slot)} overlaps $.slots[${j}] (${fmtRange(other)}) on ${shared.join(', ')}`
        })
    }
    if (slot.id !== undefined) {
      const first = template.slots.findIndex((o) => o.id === slot.id)
      if (first !== i)
        problems.push({ path: `${at}.id`, message: `the same id as $.slots[${first}]` })
    }
  })
  template.events.forEach((event, i) => {
    const at = `$.events[${i}]`
    if (!DateTime.fromISO(event.date, { zone: 'UTC' }).isValid)
      problems.push({ path: `${at}.date`, message: `${event.date} is not a date` })
    if (event.end !== undefined) {
      const s = offsetOf(event.start, rolloverMinutes)
      const e = endOffsetOf(event.end, rolloverMinutes)
      if (e <= s)
        problems.push({
          path: `${at}.end`,
          message: `ends at ${event.end}, not after its start ${event.start} within the broadcast day`
        })
    }
    if (known && event.collection !== undefined && !known.has(event.collection))
      problems.push({
        path: `${at}.collection`,
        message: `unknown collection "${event.collection}"`
      })
    for (let j = 0; j < i; j++) {
      const other = template.events[j]!
      if (other.date === event.date && other.start === event.start)
        problems.push({
          path: at,
          message: `starts at the same time as $.events[${j}] (${other.date} ${other.start})`
        })
    }
  })
  return problems
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

/** Local wall times already placed, by zone, date and minutes (luxon places one in microseconds). */
const placed = new Map<string, number>()

/** The instant `offset` minutes after the rollover of broadcast day `date` (ISO), by the local clock. */
function instantOf(date: string, offset: number, zone: string, rollover: number): number {
  const wall = rollover + offset
  const key = `${zone}|${date}|${wall}`
  let t = placed.get(key)
  if (t === undefined) {
    t = rolloverInstant(
      DateTime.fromISO(date, { zone }).plus({ days: Math.floor(wall / DAY_MINUTES) }),
      zone,
      wall % DAY_MINUTES
    )
    if (placed.size >= 100_000) placed.clear()
    placed.set(key, t)
  }
  return t
}

// ---- deterministic draws -------------------------------------------------------------------------

/** FNV-1a of a string, for seeding. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** mulberry32: small, fast, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The order of a shuffle's `cycle`-th pass over n items: every item once, reproducible from the seed. */
export function shuffleOrder(n: number, seed: number, key: string, cycle: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  const rand = prng(hash(`${seed}:${key}:${cycle}`))
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

/** The memo of shuffle orders one materialization builds (a pass is drawn once, not per item). */
class ShuffleMemo {
  private readonly orders = new Map<string, number[]>()
  at(n: number, seed: number, key: string, draw: number): number {
    const cycle = Math.floor(draw / n)
    const k = `${key}:${cycle}:${n}`
    let order = this.orders.get(k)
    if (!order) {
      order = shuffleOrder(n, seed, key, cycle)
      this.orders.set(k, order)
    }
    return order[draw % n]!
  }
}

// ---- materialization ---------------------------------------------------------------------------

interface Block {
  startMs: number
  /** Slots: the occurrence's end; events: their end (or the end of their items). */
  endMs: number
  /** A slot's piece: the start of the whole occurrence (an event may split it). */
  occurrenceMs?: number
  slot?: { slot: TemplateSlot; key: string }
  event?: { event: TemplateEvent; key: string; items: TemplateAsset[] }
}

/**
 * The items of the template over [fromMs, toMs): programs, bumpers, filler, slate padding and gaps,
 * in order, never overlapping, each starting at or after fromMs (the last may end past toMs), and
 * the positions after them. Template problems (checkTemplate) must be empty.
 */
export function materializeTemplate(input: MaterializeInput): MaterializeResult {
  const { template, zone, fromMs, toMs } = input
  const positions = new Map(input.positions)
  const warnings: TemplateProblemDto[] = []
  const warned = new Set<string>()
  const warn = (path: string, message: string) => {
    if (warned.has(path + message)) return
    warned.add(path + message)
    warnings.push({ path, message })
  }
  const items: PlannedItem[] = []
  if (toMs <= fromMs) return { items, positions, warnings }
  const shuffles = new Map<string, ShuffleMemo>()
  const memo = (key: string) => {
    let m = shuffles.get(key)
    if (!m) shuffles.set(key, (m = new ShuffleMemo()))
    return m
  }

  const blocks = blocksOver(input, warn)
  const eventStarts = blocks.filter((b) => b.event).map((b) => b.startMs)
  let cursor = fromMs
  const push = (item: PlannedItem) => {
    items.push(item)
    cursor = item.endMs
  }
  const gapTo = (t: number) => {
    if (t > cursor) push(gapItem(cursor, t))
  }

  const collection = (id: string | undefined, path: string): readonly TemplateAsset[] => {
    if (id === undefined || id === 'slate') return []
    const assets = input.collections.get(id) ?? []
    if (assets.length === 0)
      warn(path, `collection "${id}" has nothing that can air now; the slate airs instead`)
    return assets
  }

  /** Counts a draw under `key` in the occurrence starting at occMs; returns the draw's number (0-based). */
  const draw = (key: string, occMs: number, assetId: number) => {
    const p = positions.get(key) ?? {
      draws: 0,
      lastAssetId: null,
      occurrenceMs: null,
      inOccurrence: 0
    }
    const n = p.draws
    const next: Position = {
      draws: n + 1,
      lastAssetId: assetId,
      occurrenceMs: occMs,
      inOccurrence: p.occurrenceMs === occMs ? p.inOccurrence + 1 : 1
    }
    positions.set(key, next)
    return { key, draws: next.draws, occurrenceMs: occMs, inOccurrence: next.inOccurrence }
  }
  const drawnIn = (key: string, occMs: number) => {
    const p = positions.get(key)
    return p && p.occurrenceMs === occMs ? p.inOccurrence : 0
  }

  /** The next asset of a sequential list: after the last one aired (found by id, so a grown list keeps its place). */
  const nextSequential = (key: string, assets: readonly TemplateAsset[]): TemplateAsset => {
    const p = positions.get(key)
    if (!p || p.lastAssetId === null) return assets[p ? p.draws % assets.length : 0]!
    const at = assets.findIndex((a) => a.assetId === p.lastAssetId)
    return assets[at < 0 ? p.draws % assets.length : (at + 1) % assets.length]!
  }

  /** The slot's next program (not yet drawn), or null when its collections are empty. */
  const peekProgram = (
    slot: TemplateSlot,
    key: string,
    path: string
  ): { asset: TemplateAsset; collection: string } | null => {
    if (slot.order === 'random') {
      const weights = (slot.weights ?? [])
        .map((w) => ({ ...w, assets: collection(w.collection, `${path}.weights`) }))
        .filter((w) => w.assets.length > 0)
      if (weights.length === 0) return null
      const draws = positions.get(key)?.draws ?? 0
      const rand = prng(hash(`${slot.seed ?? 0}:${key}:${draws}`))
      const total = weights.reduce((s, w) => s + w.weight, 0)
      let r = rand() * total
      const chosen = weights.find((w) => (r -= w.weight) < 0) ?? weights[weights.length - 1]!
      return {
        asset: chosen.assets[Math.floor(rand() * chosen.assets.length)]!,
        collection: chosen.collection
      }
    }
    const assets = collection(slot.collection, `${path}.collection`)
    if (assets.length === 0) return null
    if (slot.order === 'shuffle') {
      const draws = positions.get(key)?.draws ?? 0
      return {
        asset: assets[memo(key).at(assets.length, slot.seed ?? 0, key, draws)]!,
        collection: slot.collection!
      }
    }
    return { asset: nextSequential(key, assets), collection: slot.collection! }
  }

  /** Fills [cursor, until) with bumper/filler items that fit, then the slate. */
  const pad = (
    until: number,
    occMs: number,
    slotRef: string,
    filler: string | undefined,
    path: string
  ) => {
    if (until <= cursor) return
    const assets = filler && filler !== 'slate' ? collection(filler, `${path}.filler`) : []
    const key = `filler:${filler}`
    // Each asset is tried at most once per pad: when none fits, the rest is the slate.
    let misses = 0
    while (assets.length > 0 && cursor < until && misses < assets.length) {
      const asset = nextSequential(key, assets)
      if (cursor + asset.durationMs > until) {
        // Skip this one for this pad only: the position moves on as if it aired elsewhere.
        const p = positions.get(key)
        positions.set(key, {
          draws: (p?.draws ?? 0) + 1,
          lastAssetId: asset.assetId,
          occurrenceMs: p?.occurrenceMs ?? null,
          inOccurrence: p?.inOccurrence ?? 0
        })
        misses++
        continue
      }
      misses = 0
      push({
        kind: 'filler',
        startMs: cursor,
        endMs: cursor + asset.durationMs,
        title: asset.title,
        assetId: asset.assetId,
        file: asset.file,
        slot: slotRef,
        collection: filler!,
        draw: draw(key, occMs, asset.assetId)
      })
    }
    if (cursor < until)
      push({
        kind: 'slate',
        startMs: cursor,
        endMs: until,
        title: 'Slate',
        assetId: null,
        file: null,
        slot: slotRef,
        collection: null
      })
  }

  /** The next pad boundary at or after t, by the local clock. */
  const times = new ZoneTimes(zone)
  const boundary = (t: number, minutes: number) => {
    const offset = times.offsetAt(t) * MINUTE
    const step = minutes * MINUTE
    return Math.ceil((t + offset) / step) * step - offset
  }

  for (const block of blocks) {
    if (cursor >= toMs) break
    if (block.endMs <= cursor) continue
    if (block.event) {
      const { event, key, items: eventItems } = block.event
      if (block.startMs < cursor) continue // already on the playlog (the plan starts inside it)
      gapTo(block.startMs)
      for (const asset of eventItems) {
        push({
          kind: 'event',
          startMs: cursor,
          endMs: cursor + asset.durationMs,
          title: event.title ?? asset.title,
          assetId: asset.assetId,
          file: asset.file,
          slot: key,
          collection: event.collection ?? null
        })
      }
      if (cursor < block.endMs) pad(block.endMs, block.startMs, key, 'slate', key)
      continue
    }
    const { slot, key } = block.slot!
    const index = template.slots.indexOf(slot)
    const path = `$.slots[${index}]`
    const occMs = block.occurrenceMs ?? block.startMs
    // An event is a hard stop: nothing runs into it (the slot resumes after it, in the next piece).
    const hardEnd = eventStarts.find((t) => t >= block.startMs) ?? null
    const end = block.endMs
    gapTo(block.startMs)
    if (cursor >= end) continue
    const want =
      slot.fill === 'once' ? 1 : slot.fill === 'count' ? slot.count! : Number.POSITIVE_INFINITY
    let programs = drawnIn(key, occMs)
    while (cursor < end && cursor < toMs && programs < want) {
      const next = peekProgram(slot, key, path)
      if (!next) break
      const { asset } = next
      const endsAt = cursor + asset.durationMs
      if ((endsAt > end && slot.overrun === 'skip') || (hardEnd !== null && endsAt > hardEnd)) {
        if (slot.overrun === 'skip')
          warn(path, `items that would run past the slot's end are skipped`)
        break
      }
      push({
        kind: 'program',
        startMs: cursor,
        endMs: endsAt,
        title: asset.title,
        assetId: asset.assetId,
        file: asset.file,
        slot: key,
        collection: next.collection,
        ...(endsAt > end ? { overrunMs: endsAt - end } : {}),
        draw: draw(key, occMs, asset.assetId)
      })
      programs++
      if (cursor >= end) break
      // Between items: a bumper, then padding to the boundary.
      if (slot.bumpers) {
        const bumpers = collection(slot.bumpers, `${path}.bumpers`)
        const bkey = `bumpers:${slot.bumpers}`
        const bumper = bumpers.length > 0 ? nextSequential(bkey, bumpers) : null
        if (
          bumper &&
          cursor + bumper.durationMs <= end &&
          cursor + bumper.durationMs <= (hardEnd ?? end)
        )
          push({
            kind: 'bumper',
            startMs: cursor,
            endMs: cursor + bumper.durationMs,
            title: bumper.title,
            assetId: bumper.assetId,
            file: bumper.file,
            slot: key,
            collection: slot.bumpers,
            draw: draw(bkey, occMs, bumper.assetId)
          })
      }
      if (slot.padToMinutes)
        pad(Math.min(boundary(cursor, slot.padToMinutes), end), occMs, key, slot.filler, path)
    }
    // What the slot does not fill: the slate when its collection has nothing that can air (the
    // pre-air alarm says why), else its filler (or the slate) when it pads or names one, else a gap.
    if (cursor < end && cursor < toMs) {
      if (programs === 0 && peekProgram(slot, key, path) === null)
        pad(end, occMs, key, 'slate', path)
      else if (slot.padToMinutes !== undefined || slot.filler !== undefined)
        pad(end, occMs, key, slot.filler, path)
    }
  }
  gapTo(Math.max(cursor, toMs))
  // Only items starting inside the window (the gap to it may start before: trim it).
  return {
    // Items past toMs that close a program (its bumper, its padding) stay: their draws are counted.
    items: items.filter((i) => i.endMs > i.startMs && (i.kind !== 'gap' || i.startMs < toMs)),
    positions,
    warnings
  }
}

function gapItem(startMs: number, endMs: number): PlannedItem {
  return {
    kind: 'gap',
    startMs,
    endMs,
    title: 'Nothing scheduled',
    assetId: null,
    file: null,
    slot: null,
    collection: null
  }
}

/** The slot occurrences and events overlapping [fromMs - 1 day, toMs), by start. */
function blocksOver(
  input: MaterializeInput,
  warn: (path: string, message: string) => void
): Block[] {
  const { template, zone, rolloverMinutes: rollover } = input
  const blocks: Block[] = []
  const first = DateTime.fromMillis(input.fromMs, { zone }).startOf('day').minus({ days: 2 })
  const last = DateTime.fromMillis(input.toMs, { zone }).startOf('day').plus({ days: 1 })
  const eventsByDate = new Map<string, Array<[TemplateEvent, number]>>()
  template.events.forEach((e, i) => {
    const list = eventsByDate.get(e.date) ?? []
    list.push([e, i])
    eventsByDate.set(e.date, list)
  })
  const eventBlocks: Block[] = []
  // Calendar days by plain date arithmetic (luxon only places a wall time not placed before).
  const firstDay = Date.UTC(first.year, first.month - 1, first.day)
  const days = Math.round((Date.UTC(last.year, last.month - 1, last.day) - firstDay) / 86_400_000)
  for (let k = 0; k <= days; k++) {
    const calendar = new Date(firstDay + k * 86_400_000)
    const weekday = WEEKDAYS[(calendar.getUTCDay() + 6) % 7]!
    const date = calendar.toISOString().slice(0, 10)
    template.slots.forEach((slot, i) => {
      if (!slot.days.includes(weekday)) return
      const startMs = instantOf(date, offsetOf(slot.start, rollover), zone, rollover)
      const endMs = instantOf(date, endOffsetOf(slot.end, rollover), zone, rollover)
      if (endMs > startMs && endMs > input.fromMs - 86_400_000 && startMs < input.toMs)
        blocks.push({ startMs, endMs, slot: { slot, key: slotKey(slot, i) } })
    })
    for (const [event, i] of eventsByDate.get(date) ?? []) {
      const path = `$.events[${i}]`
      const startMs = instantOf(date, offsetOf(event.start, rollover), zone, rollover)
      let items: TemplateAsset[] = []
      if (event.asset !== undefined) {
        const asset = typeof event.asset === 'number' ? input.assets?.get(event.asset) : undefined
        if (asset) items = [asset]
        else warn(`${path}.asset`, 'the asset cannot air now; the slate airs instead')
      } else {
        const assets = input.collections.get(event.collection!) ?? []
        if (assets.length === 0)
          warn(
            `${path}.collection`,
            `collection "${event.collection}" has nothing that can air now; the slate airs instead`
          )
        items = assets.slice(0, event.count)
      }
      const naturalEnd = startMs + items.reduce((s, a) => s + a.durationMs, 0)
      const endMs =
        event.end !== undefined
          ? Math.max(instantOf(date, endOffsetOf(event.end, rollover), zone, rollover), naturalEnd)
          : naturalEnd
      if (endMs > startMs && endMs > input.fromMs && startMs < input.toMs)
        eventBlocks.push({ startMs, endMs, event: { event, key: eventKey(event, i), items } })
    }
  }
  // Split each slot occurrence around the events inside it: the slot resumes after an event.
  const out: Block[] = [...eventBlocks]
  for (const b of blocks) {
    let start = b.startMs
    for (const e of eventBlocks
      .filter((e) => e.endMs > b.startMs && e.startMs < b.endMs)
      .sort((x, y) => x.startMs - y.startMs)) {
      if (e.startMs > start)
        out.push({ ...b, startMs: start, endMs: e.startMs, occurrenceMs: b.startMs })
      start = Math.max(start, e.endMs)
    }
    if (start < b.endMs) out.push({ ...b, startMs: start, endMs: b.endMs, occurrenceMs: b.startMs })
  }
  return out.sort((a, b) => a.startMs - b.startMs || (a.event ? -1 : 1))
}
