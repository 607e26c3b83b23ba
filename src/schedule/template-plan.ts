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

/** What a publish changed: items by asset, matched old to new. */
export function summarize(
  before: ReadonlyArray<{ startMs: number; assetId: number | null }>,
  after: ReadonlyArray<{ startMs: number; assetId: number | null }>
): { added: number; removed: number; moved: number } {
  const unmatched = new Map<number | null, number[]>()
  for (const b of before) unmatched.set(b.assetId, [...(unmatched.get(b.assetId) ?? []), b.startMs])
  let added = 0
  let moved = 0
  const later: Array<{ startMs: number; assetId: number | null }> = []
  for (const a of after) {
    const starts = unmatched.get(a.assetId)
    const same = starts?.indexOf(a.startMs) ?? -1
    if (same >= 0) starts!.splice(same, 1)
    else later.push(a)
  }
  for (const a of later) {
    const starts = unmatched.get(a.assetId)
    if (starts && starts.length > 0) {
      starts.shift()
      moved++
    } else added++
  }
  const removed = [...unmatched.values()].reduce((s, l) => s + l.length, 0)
  return { added, removed, moved }
}

export class TemplatePlanner {
  constructor(
    private readonly store: Store,
    readonly horizonMs = DEFAULT_TEMPLATE_HORIZON_MS
  ) {}

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
   */
  replan(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    template: ChannelTemplate | null,
    t: number,
    now: number
  ): {
    removed: Array<{ startMs: number; assetId: number | null }>
    added: PlannedItem[]
  } {
    const removed = this.store.programming.deleteTemplatedFrom(channel.id, t)
    const target = Math.max(now, t) + this.horizonMs
    let added: PlannedItem[] = []
    if (template) {
      added = this.plan(channel, template, t, target).items
      this.write(channel.id, added)
      this.store.programming.setMaterializedUntil(
        channel.id,
        Math.max(target, added.at(-1)?.endMs ?? target)
      )
    } else this.store.programming.setMaterializedUntil(channel.id, null)
    return { removed, added: added.filter(isWritten) }
  }

  /** Extends a templated channel to now + horizon; false when it was already there. */
  extend(channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>, now: number): boolean {
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
