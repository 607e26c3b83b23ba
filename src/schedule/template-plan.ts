// Templated channels' playlogs: the template materialized a horizon ahead (default 7 days),
// extended as time passes, re-planned from a chosen instant on publish. Positions come back from
// the playlog's own rows (each drawn item records its draw), so a restart resumes exactly.
// The item on air is never cut: a re-plan starts after it.
import path from 'node:path'
import type { ChannelInfo } from '../shared/domain'
import {
  type ChannelTemplate,
  type CollectionDefinition,
  channelTemplate,
  collectionDefinition
} from '../shared/programming'
import type { Store } from '../store'
import type { CollectionAssetRow, CollectionQuery } from '../store/programming'
import {
  checkTemplate,
  materializeTemplate,
  type MaterializeResult,
  slotKey,
  type PlannedItem,
  type Position,
  type TemplateAsset
} from './template'

export const DEFAULT_TEMPLATE_HORIZON_MS = 7 * 24 * 3600_000
const DAY_MS = 24 * 3600_000

/** What the store's query of a collection is, from its definition. */
export function collectionQuery(def: CollectionDefinition): CollectionQuery {
  if ('show' in def) return { show: def.show }
  if ('folder' in def) {
    const at = def.folder.indexOf(':')
    return { folder: def.folder.slice(0, at), prefix: def.folder.slice(at + 1) }
  }
  if ('list' in def)
    return {
      ids: def.list.filter((r): r is number => typeof r === 'number'),
      refs: def.list
        .filter((r): r is string => typeof r === 'string')
        .map((r) => ({ folder: r.slice(0, r.indexOf(':')), relPath: r.slice(r.indexOf(':') + 1) }))
    }
  return { filter: def.filter }
}

export const playable = (r: CollectionAssetRow): boolean =>
  r.status === 'ok' && r.durationMs !== null && r.durationMs > 0

export const templateAsset = (r: CollectionAssetRow): TemplateAsset => ({
  assetId: r.assetId,
  title: r.title,
  durationMs: r.durationMs!,
  file: path.basename(r.path)
})

/** What a publish changed: items by asset, matched old to new (same start: kept; else moved, added or removed). */
export function summarize(
  before: ReadonlyArray<{ startMs: number; assetId: number | null }>,
  after: ReadonlyArray<{ startMs: number; assetId: number | null }>
): { added: number; removed: number; moved: number } {
  // A channel's items never overlap, so a start names one item.
  const at = new Map<number, number | null>()
  const left = new Map<number | null, number>()
  for (const b of before) {
    at.set(b.startMs, b.assetId)
    left.set(b.assetId, (left.get(b.assetId) ?? 0) + 1)
  }
  const later: Array<{ startMs: number; assetId: number | null }> = []
  for (const a of after) {
    if (at.has(a.startMs) && at.get(a.startMs) === a.assetId) {
      at.delete(a.startMs)
      left.set(a.assetId, left.get(a.assetId)! - 1)
    } else later.push(a)
  }
  let added = 0
  let moved = 0
  for (const a of later) {
    const n = left.get(a.assetId) ?? 0
    if (n > 0) {
      left.set(a.assetId, n - 1)
      moved++
    } else added++
  }
  const removed = [...left.values()].reduce((s, n) => s + n, 0)
  return { added, removed, moved }
}

/** A re-plan written now up to here past its start; the rest is written a slice at a time. */
export const WRITE_AT_ONCE_MS = 24 * 3600_000
/** Rows a background slice writes (a few milliseconds of the event loop). */
const SLICE_ROWS = 500

/** Planned items not yet on the playlog, and where its materialization will stand when they are. */
interface Pending {
  items: PlannedItem[]
  next: number
  until: number
}

export class TemplatePlanner {
  /** Re-plans' far items still to write, by channel: readers settle them first (settle()). */
  private readonly pending = new Map<number, Pending>()
  private flushing: NodeJS.Immediate | undefined
  /** Called after a background slice wrote rows (listings built from the playlog are stale). */
  onWritten: () => void = () => {}

  constructor(
    private readonly store: Store,
    readonly horizonMs = DEFAULT_TEMPLATE_HORIZON_MS
  ) {}

  /**
   * Writes the channel's (or every channel's) pending items starting before `upTo`: what a reader
   * of the playlog asks for is on it. Cheap when nothing is pending.
   */
  settle(channelId?: number, upTo = Number.POSITIVE_INFINITY): void {
    if (this.pending.size === 0) return
    for (const id of channelId === undefined ? [...this.pending.keys()] : [channelId])
      this.writePending(id, upTo, Number.POSITIVE_INFINITY)
  }

  /** Writes the channel's pending items up to the first starting after t (what "next after t" reads). */
  settleNext(channelId: number, t: number): void {
    const p = this.pending.get(channelId)
    if (!p) return
    let i = p.next
    while (i < p.items.length && p.items[i]!.startMs <= t) i++
    this.settle(channelId, i < p.items.length ? p.items[i]!.startMs + 1 : Number.POSITIVE_INFINITY)
  }

  /** Writes pending items of a channel before `upTo`, at most `rows` of them; true when some were. */
  private writePending(channelId: number, upTo: number, rows: number): boolean {
    const p = this.pending.get(channelId)
    if (!p || !this.store.db.open) return false
    if (p.next >= p.items.length || p.items[p.next]!.startMs >= upTo) return false
    this.store.transaction(() => {
      const from = p.next
      while (p.next < p.items.length && p.next - from < rows && p.items[p.next]!.startMs < upTo)
        p.next++
      const slice = p.items.slice(from, p.next)
      this.write(channelId, slice)
      const done = p.next >= p.items.length
      if (done) this.pending.delete(channelId)
      this.store.programming.setMaterializedUntil(
        channelId,
        done ? p.until : p.items[p.next]!.startMs
      )
    })
    return true
  }

  /** Writes pending items a slice at a time between other work, until none are left. */
  private flushSoon(): void {
    if (this.flushing) return
    this.flushing = setImmediate(() => {
      this.flushing = undefined
      if (!this.store.db.open) {
        this.pending.clear()
        return
      }
      const [id] = this.pending.keys()
      if (id === undefined) return
      if (!this.writePending(id, Number.POSITIVE_INFINITY, SLICE_ROWS)) this.pending.delete(id)
      if (!this.pending.has(id) || this.pending.size > 0) this.onWritten()
      if (this.pending.size > 0) this.flushSoon()
    })
  }

  /** Forgets what is still to be written (the station stops; extend() resumes from the rows). */
  stop(): void {
    if (this.flushing) clearImmediate(this.flushing)
    this.flushing = undefined
    this.pending.clear()
  }

  /** The channel's published template, or null. */
  published(channelId: number): ChannelTemplate | null {
    const json = this.store.programming.template(channelId)?.publishedJson
    return json ? channelTemplate.parse(JSON.parse(json)) : null
  }

  /** Every collection's playable assets in order (the ones `ids` names, or all). */
  collections(ids?: ReadonlySet<string>): Map<string, TemplateAsset[]> {
    const out = new Map<string, TemplateAsset[]>()
    for (const row of this.store.programming.collections()) {
      if (ids && !ids.has(row.id)) continue
      const def = collectionDefinition.parse(JSON.parse(row.definitionJson))
      out.set(
        row.id,
        this.store.programming
          .collectionAssets(collectionQuery(def))
          .filter(playable)
          .map(templateAsset)
      )
    }
    return out
  }

  /** What each channel's published plan was made from (its collections' playable assets), by channel. */
  private readonly madeFrom = new Map<number, string>()

  /** What a template's collections hold now, as text to compare (ids, lengths, titles, in order). */
  private contents(template: ChannelTemplate): string {
    return JSON.stringify(
      [...this.collections(TemplatePlanner.collectionsOf(template))].map(([id, assets]) => [
        id,
        assets.map((a) => [a.assetId, a.durationMs, a.title])
      ])
    )
  }

  /**
   * Whether the channel's published plan was made from other collection contents than its
   * collections hold now (unknown, as after a restart: yes).
   */
  collectionsChanged(channelId: number, template: ChannelTemplate): boolean {
    return this.madeFrom.get(channelId) !== this.contents(template)
  }

  /** The collections a template names. */
  static collectionsOf(template: ChannelTemplate): Set<string> {
    const ids = new Set<string>()
    for (const s of template.slots) {
      for (const id of [s.collection, s.filler, s.bumpers]) if (id && id !== 'slate') ids.add(id)
      for (const w of s.weights ?? []) ids.add(w.collection)
    }
    for (const e of template.events) if (e.collection) ids.add(e.collection)
    return ids
  }

  /** Where each draw key stands at t, from the playlog's rows before it. */
  positionsAt(channelId: number, t: number): Map<string, Position> {
    this.settle(channelId, t)
    return new Map(
      this.store.programming.drawsBefore(channelId, t).map((d) => [
        d.key,
        {
          draws: d.draws,
          lastAssetId: d.assetId,
          occurrenceMs: d.occurrenceMs,
          inOccurrence: d.inOccurrence
        }
      ])
    )
  }

  /** Materializes a template for a channel from t (positions as the playlog has them at t). */
  plan(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    template: ChannelTemplate,
    fromMs: number,
    toMs: number
  ): MaterializeResult {
    const ids = TemplatePlanner.collectionsOf(template)
    const assets = new Map<number, TemplateAsset>()
    for (const e of template.events)
      if (typeof e.asset === 'number') {
        const [row] = this.store.programming.collectionAssets({ ids: [e.asset], refs: [] })
        if (row && playable(row)) assets.set(row.assetId, templateAsset(row))
      } else if (typeof e.asset === 'string') {
        const at = e.asset.indexOf(':')
        const [row] = this.store.programming.collectionAssets({
          ids: [],
          refs: [{ folder: e.asset.slice(0, at), relPath: e.asset.slice(at + 1) }]
        })
        if (row && playable(row)) assets.set(row.assetId, templateAsset(row))
      }
    // Events naming an asset by reference are resolved to its id for the materializer.
    const resolved: ChannelTemplate = {
      ...template,
      events: template.events.map((e) => {
        if (typeof e.asset !== 'string') return e
        const at = e.asset.indexOf(':')
        const [row] = this.store.programming.collectionAssets({
          ids: [],
          refs: [{ folder: e.asset.slice(0, at), relPath: e.asset.slice(at + 1) }]
        })
        return row ? { ...e, asset: row.assetId } : e
      })
    }
    return materializeTemplate({
      template: resolved,
      zone: channel.timezone,
      rolloverMinutes: channel.rolloverMinutes,
      collections: this.collections(ids),
      assets,
      positions: this.positionsAt(channel.id, fromMs),
      fromMs,
      toMs
    })
  }

  /**
   * Where a change published at `now` takes over: the next slot boundary of either template (or
   * `at`), moved past the item airing then so it is never cut.
   */
  replanPoint(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    templates: ReadonlyArray<ChannelTemplate | null>,
    now: number,
    at?: number
  ): number {
    let t = at ?? this.nextBoundary(channel, templates, now)
    t = Math.max(t, now)
    this.settle(channel.id, t)
    const airing = this.store.playlog.lastStartingBefore(channel.id, t)
    if (airing && airing.endMs > t) t = airing.endMs
    return t
  }

  private nextBoundary(
    channel: Pick<ChannelInfo, 'timezone' | 'rolloverMinutes'>,
    templates: ReadonlyArray<ChannelTemplate | null>,
    now: number
  ): number {
    let best = Number.POSITIVE_INFINITY
    for (const template of templates) {
      if (!template) continue
      // The boundaries are the starts and ends of slot occurrences: a window of gaps tells them.
      const r = materializeTemplate({
        template: {
          slots: template.slots.map((s) => ({
            ...s,
            fill: 'once' as const,
            padToMinutes: undefined,
            filler: undefined,
            bumpers: undefined
          })),
          events: []
        },
        zone: channel.timezone,
        rolloverMinutes: channel.rolloverMinutes,
        collections: new Map(),
        positions: new Map(),
        fromMs: now,
        toMs: now + 8 * DAY_MS
      })
      for (const item of r.items) {
        if (item.startMs > now) best = Math.min(best, item.startMs)
        if (item.endMs > now) best = Math.min(best, item.endMs)
      }
    }
    return Number.isFinite(best) ? best : now
  }

  /**
   * Re-plans a channel's templated playlog from t (after the item on air) to the horizon with
   * `template` (null: the channel stops being templated from t). Returns the rows removed and added.
   * With `atOnceMs`, only items starting before t + atOnceMs are written now (the runtime's plan
   * is among them) and the rest a slice at a time just after; any reader settles them first.
   */
  replan(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    template: ChannelTemplate | null,
    t: number,
    now: number,
    atOnceMs = Number.POSITIVE_INFINITY
  ): {
    removed: Array<{ startMs: number; assetId: number | null }>
    added: PlannedItem[]
    /** Where the materialization stands once every item is written (null: not templated). */
    until: number | null
  } {
    // The old plan's unwritten items are gone with it.
    this.pending.delete(channel.id)
    if (template) this.madeFrom.set(channel.id, this.contents(template))
    else this.madeFrom.delete(channel.id)
    const removed = this.store.programming.deleteTemplatedFrom(channel.id, t)
    const target = Math.max(now, t) + this.horizonMs
    let added: PlannedItem[] = []
    let until: number | null = null
    if (template) {
      const planned = this.plan(channel, template, t, target).items
      // The last item (slate padding too) tells where the plan stands.
      until = Math.max(target, planned.at(-1)?.endMs ?? target)
      added = planned.filter(isWritten)
      const split = added.findIndex((i) => i.startMs >= t + atOnceMs)
      if (split < 0) {
        this.write(channel.id, added)
        this.store.programming.setMaterializedUntil(channel.id, until)
      } else {
        this.write(channel.id, added.slice(0, split))
        // Until the rest is written, the materialization stands where it starts (a restart
        // extends from there, to the same items).
        this.store.programming.setMaterializedUntil(channel.id, added[split]!.startMs)
        this.pending.set(channel.id, { items: added.slice(split), next: 0, until })
        this.flushSoon()
      }
    } else this.store.programming.setMaterializedUntil(channel.id, null)
    return { removed, added, until }
  }

  /** Extends a templated channel to now + horizon; false when it was already there. */
  extend(channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>, now: number): boolean {
    this.settle(channel.id)
    const row = this.store.programming.template(channel.id)
    if (!row?.publishedJson) return false
    const target = now + this.horizonMs
    const until = row.materializedUntil
    if (until !== null && until >= target) return false
    const template = channelTemplate.parse(JSON.parse(row.publishedJson))
    if (until === null || until < now) {
      this.replan(channel, template, this.replanPoint(channel, [], now, now), now)
      return true
    }
    const last = this.store.playlog.lastStartingBefore(channel.id, Number.MAX_SAFE_INTEGER)
    const from = Math.max(until, last?.endMs ?? until)
    const items = this.plan(channel, template, from, target).items
    this.write(channel.id, items)
    this.store.programming.setMaterializedUntil(
      channel.id,
      Math.max(target, items.at(-1)?.endMs ?? target)
    )
    return true
  }

  private write(channelId: number, items: readonly PlannedItem[]): void {
    for (const item of items) {
      if (!isWritten(item)) continue
      this.store.programming.insertTemplated(channelId, {
        startMs: item.startMs,
        endMs: item.endMs,
        title: item.title,
        type:
          item.kind === 'program' || item.kind === 'event'
            ? 'program'
            : item.kind === 'bumper'
              ? 'bumper'
              : 'filler',
        assetId: item.assetId!,
        draw: item.draw ?? null
      })
    }
  }

  /**
   * Where the channel's published template airs the slate over [from, to) because a slot's (or an
   * event's) collections have nothing that can air (every file offline, missing or unplayable):
   * the first such airing of each collection, for the pre-air check.
   */
  darkSlots(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    from: number,
    to: number
  ): Array<{ collection: string; slot: string; startMs: number }> {
    const template = this.published(channel.id)
    if (!template) return []
    const collections = this.collections(TemplatePlanner.collectionsOf(template))
    const empty = (id: string | undefined) =>
      id !== undefined && id !== 'slate' && (collections.get(id)?.length ?? 0) === 0
    // Each slot's and event's own collections (not its filler or bumpers: those pad, the slate can too).
    const programmesOf = new Map<string, string[]>()
    template.slots.forEach((s, i) =>
      programmesOf.set(
        slotKey(s, i),
        s.order === 'random' ? (s.weights ?? []).map((w) => w.collection) : [s.collection!]
      )
    )
    template.events.forEach((e, i) => {
      if (e.collection) programmesOf.set(`event:${e.id ?? `#${i}`}`, [e.collection])
    })
    const out = new Map<string, { collection: string; slot: string; startMs: number }>()
    const r = materializeTemplate({
      template,
      zone: channel.timezone,
      rolloverMinutes: channel.rolloverMinutes,
      collections,
      positions: this.positionsAt(channel.id, from),
      fromMs: from,
      toMs: to
    })
    for (const item of r.items) {
      if (item.kind !== 'slate' || item.slot === null || item.startMs >= to) continue
      const ids = programmesOf.get(item.slot) ?? []
      if (ids.length === 0 || !ids.every(empty)) continue
      for (const id of ids)
        if (!out.has(id)) out.set(id, { collection: id, slot: item.slot, startMs: item.startMs })
    }
    return [...out.values()]
  }

  /** Problems that stop a template being published, with the collections that exist now. */
  problems(template: ChannelTemplate, rolloverMinutes: number) {
    return checkTemplate(
      template,
      rolloverMinutes,
      new Set(this.store.programming.collections().map((c) => c.id))
    )
  }
}

/** Items the playlog holds (slate and gaps are holes in it, aired as the slate). */
export const isWritten = (i: PlannedItem): boolean =>
  i.assetId !== null && i.kind !== 'gap' && i.kind !== 'slate'
