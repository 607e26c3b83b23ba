// ScheduleService: the authority on what airs when. The runtime never decides; it asks here.
//
// Read side: what is airing at T (and the offset into it), the playout plan from T over a horizon
// (gaps explicit, never filled), next item, listings for the guide, broadcast day and carryover.
// Write side: station-file import (all or nothing) and the horizon builder that keeps loop and
// templated channels materialized ahead of the clock (template-plan.ts). All times come from the MasterClock.
//
// Each item of a plan carries its loudness gain: the station's target minus the asset's measured
// integrated loudness (src/schedule/loudness-analysis.ts measures them), or null while unmeasured.
import { EventEmitter } from 'node:events'
import type {
  AssetInfo,
  ChannelInfo,
  LoudnessSettings,
  PlaylogEvent,
  PlayoutPlan,
  PlayoutSegment
} from '../shared/domain'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { AssetRow, ChannelRow, Store } from '../store'
import type { PlaylogListingRow as PlaylogListing } from '../store'
import { broadcastDayAt, type BroadcastDay } from './broadcast-day'
import { loopGaps, materializeLoop, type LoopDefinition, type Intervals } from './horizon'
import type { PlanRenditions } from './renditions'
import { TemplatePlanner, WRITE_AT_ONCE_MS } from './template-plan'

export const DEFAULT_HORIZON_MS = 48 * 3600_000
/** Loop events are materialized this far into the past when a loop is (re)built, for listings and reports. */
export const LOOP_BACKFILL_MS = 24 * 3600_000
/** Loop events older than this are pruned (the as-run log keeps what actually aired). */
export const LOOP_RETENTION_MS = 14 * 24 * 3600_000

/**
 * The most an item is brought up: a very quiet file (a -50 LUFS recording) would otherwise have
 * its noise floor raised 27 dB; such an item airs quiet and the QUIET alarm says so.
 */
export const MAX_LOUDNESS_GAIN_DB = 20

export interface Airing {
  event: PlaylogEvent
  /** Position in the asset at T: T - start + in point. */
  offsetMs: number
}

export interface BroadcastDayInfo extends BroadcastDay {
  carryover: PlaylogEvent | null
}

export interface Listing {
  channel: ChannelInfo
  now: PlaylogEvent | null
  next: PlaylogEvent | null
}

export interface ScheduleEvents {
  /** The playlog of these channels (by internal id) changed. */
  changed: [channelIds: number[]]
}

/** The schedule's view of a channel row: identity and time settings, none of the runtime's columns. */
const channelInfo = (r: ChannelRow): ChannelInfo => ({
  id: r.id,
  uuid: r.uuid,
  slug: r.slug,
  name: r.name,
  timezone: r.timezone,
  rolloverMinutes: r.rolloverMinutes,
  kind: r.kind,
  number: r.number ?? null,
  logo: r.logo ?? null
})

export class ScheduleService extends EventEmitter<ScheduleEvents> {
  private horizonTimer: TimerHandle | undefined
  private readonly assetCache = new Map<number, AssetInfo | null>()
  private playlogVersion = 0
  /** Gain by asset path (null: unmeasured), for the target cached in `loudness`. */
  private readonly gainCache = new Map<string, number | null>()
  private loudness: LoudnessSettings | null = null
  /** Templated channels: the weekly template materialized a horizon ahead (7 days by default). */
  readonly templates: TemplatePlanner
  /** Conformed playout (set by the station): the renditions items carry in plans; none without. */
  renditions: PlanRenditions | null = null

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    readonly horizonMs = DEFAULT_HORIZON_MS,
    templateHorizonMs?: number
  ) {
    super()
    this.templates = new TemplatePlanner(store, templateHorizonMs)
    // A re-plan's far items written after it: listings built from the playlog are stale.
    this.templates.onWritten = () => this.playlogVersion++
  }

  /**
   * Changes whenever a playlog or the channel list changes (an import, a horizon extension, a logo)
   * or what the library knows of assets does (listingsChanged), not when only gains do (a loudness
   * measured): what a listing built from them (the XMLTV guide) stays valid for.
   */
  get version(): number {
    return this.playlogVersion
  }

  // ---- read side ----------------------------------------------------------------------------

  /** The channels on air (not retired), in creation order. */
  activeChannels(): ChannelInfo[] {
    return this.store.channels.listActive().map(channelInfo)
  }

  /** An active channel by its internal id. */
  channelById(id: number): ChannelInfo | undefined {
    const row = this.store.channels.byId(id)
    return row?.isActive ? channelInfo(row) : undefined
  }

  /** The item airing on the channel at t (start <= t < end), or null in a gap. */
  airingAt(channelId: number, t: number): Airing | null {
    this.templates.settle(channelId, t + 1)
    const e = this.store.playlog.lastStartingAtOrBefore(channelId, t)
    if (!e || e.endMs <= t) return null
    return { event: e, offsetMs: t - e.startMs + e.inPointMs }
  }

  /** The first item starting after t. */
  nextAfter(channelId: number, t: number): PlaylogEvent | null {
    this.templates.settleNext(channelId, t)
    return this.store.playlog.firstStartingAfter(channelId, t) ?? null
  }

  /**
   * Items overlapping [from, to), in order, in pages of at most `pageSize`: each page is read when
   * asked for (no statement stays open between pages), so a reader can yield between them.
   */
  itemPages(
    channelId: number,
    from: number,
    to: number,
    pageSize = 1000
  ): Generator<PlaylogEvent[]> {
    this.templates.settle(channelId, to)
    return this.pages<PlaylogEvent>(
      from,
      to,
      pageSize,
      () => this.store.playlog.lastStartingBefore(channelId, from),
      (a, id, n) => this.store.playlog.startingAfter(channelId, a, id, to, n)
    )
  }

  /** itemPages with only what a listing shows (the guide): lighter to read. */
  /** Whether an active channel airs the asset over part of [from, to) (the guide's posters). */
  airsAsset(assetId: number, from: number, to: number): boolean {
    this.templates.settle(undefined, to)
    return this.store.playlog.airs(assetId, from, to)
  }

  listingPages(
    channelId: number,
    from: number,
    to: number,
    pageSize = 1000
  ): Generator<PlaylogListing[]> {
    this.templates.settle(channelId, to)
    return this.pages<PlaylogListing>(
      from,
      to,
      pageSize,
      () => this.store.playlog.listingBefore(channelId, from),
      (a, id, n) => this.store.playlog.listingsAfter(channelId, a, id, to, n)
    )
  }

  private *pages<T extends Pick<PlaylogEvent, 'id' | 'startMs' | 'endMs'>>(
    from: number,
    to: number,
    pageSize: number,
    lastBefore: () => T | undefined,
    after: (startMs: number, id: number, limit: number) => T[]
  ): Generator<T[]> {
    // The item spanning `from`.
    const before = lastBefore()
    if (before && before.endMs > from) yield [before]
    let last = { startMs: from, id: -1 }
    for (;;) {
      const rows = after(last.startMs, last.id, pageSize)
      if (rows.length > 0) yield rows
      if (rows.length < pageSize) return
      last = rows[rows.length - 1]!
    }
  }

  /** Items overlapping [from, to), in order. */
  itemsBetween(channelId: number, from: number, to: number): PlaylogEvent[] {
    this.templates.settle(channelId, to)
    const items = this.store.playlog.startingIn(channelId, from, to)
    const before = this.store.playlog.lastStartingBefore(channelId, from)
    if (before && before.endMs > from) items.unshift(before)
    return items
  }

  private assetInfo(e: PlaylogEvent): AssetInfo | null {
    if (e.assetId === null) return null
    let info = this.assetCache.get(e.assetId)
    if (info === undefined) {
      const a: AssetRow | undefined = this.store.assets.byId(e.assetId)
      info = a
        ? {
            path: a.path,
            durationMs: a.durationMs,
            hasVideo: a.hasVideo,
            hasAudio: a.hasAudio,
            width: a.width,
            height: a.height,
            frameRate: a.frameRate,
            sizeBytes: a.sizeBytes,
            mtimeMs: a.mtimeMs
          }
        : null
      this.assetCache.set(e.assetId, info)
    }
    return info
  }

  /**
   * The playout plan from t over `horizonMs`: whole items in order (the first may have started
   * before t), with every hole between them an explicit gap segment. The plan covers at least
   * [t, t + horizonMs); a trailing gap ends at the next item or at the horizon.
   */
  playoutPlan(
    channel: Pick<ChannelInfo, 'id' | 'uuid'>,
    t: number,
    horizonMs: number
  ): PlayoutPlan {
    const to = t + horizonMs
    const segments: PlayoutSegment[] = []
    // The loop is read only when there is a hole to tell apart.
    let loop: LoopDefinition | null | undefined = null
    const hole = (startMs: number, endMs: number) => {
      if (loop === null) loop = this.loopOf(channel.id)
      segments.push(...this.holes(loop, startMs, endMs))
    }
    const rendition = this.renditions?.(channel.id) ?? null
    let cursor = t
    for (const e of this.itemsBetween(channel.id, t, to)) {
      if (e.startMs > cursor) hole(cursor, e.startMs)
      segments.push({
        kind: 'item',
        eventId: e.id,
        title: e.title,
        type: e.type,
        startMs: e.startMs,
        endMs: e.endMs,
        inPointMs: e.inPointMs,
        asset: this.assetInfo(e),
        gainDb: this.gainOf(this.assetInfo(e)),
        ...(rendition && e.assetId !== null ? { rendition: rendition(e.assetId) } : {})
      })
      cursor = e.endMs
    }
    if (cursor < to) {
      this.templates.settleNext(channel.id, cursor - 1)
      const next = this.store.playlog.firstStartingAfter(channel.id, cursor - 1)
      hole(cursor, next && next.startMs > cursor ? next.startMs : to)
    }
    const last = segments[segments.length - 1]
    return {
      channelUuid: channel.uuid,
      fromMs: t,
      toMs: Math.max(to, last ? last.endMs : to),
      segments
    }
  }

  /** The gap segments of a hole [from, to): the parts the loop leaves on purpose are deliberate, the rest had nothing scheduled. */
  private holes(loop: LoopDefinition | undefined, from: number, to: number): PlayoutSegment[] {
    const out: PlayoutSegment[] = []
    let cursor = from
    for (const [gs, ge] of loop ? loopGaps(loop, from, to) : []) {
      const s = Math.max(gs, cursor)
      const e = Math.min(ge, to)
      if (e <= s) continue
      if (s > cursor) out.push({ kind: 'gap', startMs: cursor, endMs: s })
      out.push({ kind: 'gap', startMs: s, endMs: e, deliberate: true })
      cursor = e
    }
    if (cursor < to) out.push({ kind: 'gap', startMs: cursor, endMs: to })
    return out
  }

  broadcastDay(
    channel: Pick<ChannelInfo, 'id' | 'timezone' | 'rolloverMinutes'>,
    t: number
  ): BroadcastDayInfo {
    const day = broadcastDayAt(t, channel.timezone, channel.rolloverMinutes)
    return { ...day, carryover: this.carryoverAt(channel.id, day.startMs) }
  }

  /** The item spanning the instant (started before it, ends after it): reported, never cut. */
  carryoverAt(channelId: number, instant: number): PlaylogEvent | null {
    this.templates.settle(channelId, instant)
    const e = this.store.playlog.lastStartingBefore(channelId, instant)
    return e && e.endMs > instant ? e : null
  }

  /** Now and next on every active channel at t, for the guide channel and dashboards. */
  listings(t: number): Listing[] {
    return this.activeChannels().map((channel) => {
      const now = this.airingAt(channel.id, t)?.event ?? null
      return { channel, now, next: this.nextAfter(channel.id, t) }
    })
  }

  // ---- horizon builder ----------------------------------------------------------------------

  private loopOf(channelId: number): LoopDefinition | undefined {
    const row = this.store.loops.get(channelId)
    return row
      ? { epochMs: row.epochMs, items: JSON.parse(row.itemsJson) as LoopDefinition['items'] }
      : undefined
  }

  private busyIntervals(channelId: number, from: number, to: number): Intervals {
    return this.store.playlog.intervalsOf(channelId, 'schedule', from, to)
  }

  /**
   * Rebuilds a loop channel's materialized events from scratch around now (call inside the import
   * transaction, after the channel's schedule items are in place).
   */
  rebuildLoop(channelId: number, now = this.clock.now()): void {
    this.store.playlog.deleteSource(channelId, 'loop')
    const loop = this.loopOf(channelId)
    if (!loop) return
    const from = now - LOOP_BACKFILL_MS
    const to = now + this.horizonMs
    for (const ev of materializeLoop(
      loop,
      from,
      to,
      this.busyIntervals(channelId, from - 86_400_000, to + 86_400_000),
      true
    )) {
      this.store.playlog.insert(channelId, { ...ev, source: 'loop' })
    }
    this.store.loops.setMaterialized(channelId, from, to)
  }

  /** Extends every loop channel to now + horizon; prunes old loop events. Returns channels extended. */
  extendHorizons(now = this.clock.now()): number[] {
    const target = now + this.horizonMs
    const extended: number[] = []
    for (const row of this.store.loops.all()) {
      const until = row.materializedUntilMs
      if (until !== null && until >= target) continue
      this.store.transaction(() => {
        if (until === null || until < now - LOOP_BACKFILL_MS) {
          // Never built, or the station was off for longer than the backfill: start afresh around now.
          this.rebuildLoop(row.channelId, now)
        } else {
          const loop = this.loopOf(row.channelId)!
          const busy = this.busyIntervals(row.channelId, until - 86_400_000, target + 86_400_000)
          for (const ev of materializeLoop(loop, until, target, busy, false)) {
            this.store.playlog.insert(row.channelId, { ...ev, source: 'loop' })
          }
          this.store.playlog.pruneBefore(row.channelId, 'loop', now - LOOP_RETENTION_MS)
          this.store.loops.setMaterialized(
            row.channelId,
            Math.max(row.materializedFromMs ?? 0, now - LOOP_RETENTION_MS),
            target
          )
        }
      })
      extended.push(row.channelId)
    }
    for (const row of this.store.programming.templates()) {
      const channel = this.channelById(row.channelId)
      if (!channel || !row.publishedJson) continue
      if (this.store.transaction(() => this.templates.extend(channel, now)))
        extended.push(row.channelId)
    }
    this.notifyChanged(extended)
    return extended
  }

  /** Keeps loop horizons extended as station time passes (checks every `everyMs`). */
  startHorizonBuilder(everyMs = 3600_000): void {
    this.extendHorizons()
    this.horizonTimer?.cancel()
    this.horizonTimer = this.clock.every(everyMs, () => this.extendHorizons())
  }

  stop(): void {
    // What a re-plan has still to write is written (extend() would redo it after a restart anyway).
    this.templates.settle()
    this.templates.stop()
    this.horizonTimer?.cancel()
    this.horizonTimer = undefined
  }

  /** Forget cached asset facts (after an import re-probed them). */
  invalidateAssets(): void {
    this.assetCache.clear()
    this.gainCache.clear()
  }

  /**
   * An item's loudness gain in dB: the target minus its measured loudness (within
   * +-MAX_LOUDNESS_GAIN_DB); 0 for an asset with nothing audible; null while unmeasured (or when
   * the analysis failed: it airs at the safe gain).
   */
  private gainOf(asset: AssetInfo | null): number | null {
    if (!asset) return null
    if (!asset.hasAudio) return 0
    const cached = this.gainCache.get(asset.path)
    if (cached !== undefined) return cached
    this.loudness ??= this.store.settings.loudness()
    const m = this.store.loudness.of(asset.path, asset.sizeBytes, asset.mtimeMs)
    let gain: number | null = null
    if (m && m.error === null) {
      const raw = m.integratedLufs === null ? 0 : this.loudness.targetLufs - m.integratedLufs
      gain =
        Math.round(Math.max(-MAX_LOUDNESS_GAIN_DB, Math.min(MAX_LOUDNESS_GAIN_DB, raw)) * 10) / 10
    }
    this.gainCache.set(asset.path, gain)
    return gain
  }

  /** An asset's loudness was measured: the channels that air it plan with its gain from now on. */
  loudnessMeasured(path: string): void {
    this.gainCache.delete(path)
    this.replan(this.store.loudness.channelsAiring(path))
  }

  /** The station's loudness target changed (stored already): every channel plans with it now. */
  loudnessChanged(): void {
    this.loudness = null
    this.gainCache.clear()
    this.replan(this.activeChannels().map((c) => c.id))
  }

  /**
   * What the media library knows of assets changed (titles, episodes, plots, genres): listings
   * built from the version (the XMLTV guide) are built again. Playlogs and plans are as they were,
   * so no channel plans again.
   */
  listingsChanged(): void {
    this.playlogVersion++
    this.templatesChanged()
  }

  /**
   * What templated channels' collections hold may have changed (a scan, a probe, a collection
   * edited): each channel whose collections now hold something else than its plan was made from
   * re-plans from its next slot boundary, after the item on air. Returns the channels.
   */
  templatesChanged(now = this.clock.now()): number[] {
    const changed: number[] = []
    for (const row of this.store.programming.templates()) {
      const channel = this.channelById(row.channelId)
      const template = channel && this.templates.published(row.channelId)
      if (!channel || !template) continue
      if (!this.templates.collectionsChanged(channel.id, template)) continue
      this.store.transaction(() =>
        this.templates.replan(
          channel,
          template,
          this.templates.replanPoint(channel, [template], now),
          now,
          WRITE_AT_ONCE_MS
        )
      )
      changed.push(channel.id)
    }
    this.notifyChanged(changed)
    return changed
  }

  /** Tell listeners (ChannelManagers, the API) that these channels' playlogs changed: a new version first, so they see it. */
  notifyChanged(channelIds: number[]): void {
    if (channelIds.length === 0) return
    this.playlogVersion++
    this.emit('changed', channelIds)
  }

  /** The channels' plans changed (an item's gain) but not their playlogs: they plan again, listings built from the version stay valid. */
  private replan(channelIds: number[]): void {
    if (channelIds.length > 0) this.emit('changed', channelIds)
  }
}
