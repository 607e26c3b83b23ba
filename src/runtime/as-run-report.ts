// As-run reports: one channel's broadcast day as it went to air, and the schedule reconciled
// against it. Pure functions over the stored as-run facts and the playlog: every status is derived
// here (joined late, cut short, replaced...), so the rules live in one place.
import path from 'node:path'
import {
  type AsRunReconcileDto,
  type AsRunRowDto,
  BEFORE_FIRST_START,
  type ReconciledItemDto
} from '../shared/api'
import type { AsRunStatus, ChannelInfo, PlaylogEvent } from '../shared/domain'
import { formatInstant } from '../shared/time'
import type { AsRunRow } from '../store'
import { ON_TIME_MS } from './as-run'

export interface DayContext {
  channel: Pick<ChannelInfo, 'uuid' | 'name' | 'timezone'>
  day: { label: string; startMs: number; endMs: number }
  /** Station time now: an open row airs until now, and nothing after it has aired yet. */
  nowMs: number
  /** When the station first aired the channel (its first as-run row); null if never yet. */
  firstStartMs: number | null
}

/** A page of a day: `limit` from `offset`; no offset, the page ending at `lastIndex`. */
export interface DayPage {
  offset?: number
  limit?: number
}

/** The [from, to) indexes of a page of `total` things; `endAt`: the one a default page ends with. */
export function pageBounds(total: number, page: DayPage, endAt: number): [number, number] {
  if (page.limit === undefined) {
    const from = Math.min(page.offset ?? 0, total)
    return [from, total]
  }
  const from = Math.min(page.offset ?? Math.max(0, endAt + 1 - page.limit), total)
  return [from, Math.min(total, from + page.limit)]
}

/**
 * A stretch of the day the log has no row for: the station was not running (or had not yet aired
 * the channel at all).
 */
function gapRow(
  channelId: number,
  day: string,
  fromMs: number,
  toMs: number,
  cause = 'station not running'
): AsRunRow {
  return {
    id: 0,
    channelId,
    broadcastDay: day,
    kind: 'off-air',
    title: 'Off air',
    assetPath: null,
    playlogEventId: null,
    scheduledStartMs: null,
    scheduledEndMs: null,
    actualStartMs: fromMs,
    actualEndMs: toMs,
    lastSeenMs: null,
    producerType: null,
    media: 'none',
    startCause: cause,
    endCause: null,
    splitFrom: false,
    splitTo: false
  }
}

/** The day's rows with the stretches nobody logged (the station was down) filled in as off air. */
export function withUnloggedTime(rows: AsRunRow[], ctx: DayContext, channelId: number): AsRunRow[] {
  const out: AsRunRow[] = []
  const until = Math.min(ctx.day.endMs, ctx.nowMs)
  // Before the first start nothing could have aired: said as such, not as the station being down.
  const first = ctx.firstStartMs ?? until
  const gap = (from: number, to: number) => {
    if (from < first)
      out.push(gapRow(channelId, ctx.day.label, from, Math.min(to, first), BEFORE_FIRST_START))
    if (to > first) out.push(gapRow(channelId, ctx.day.label, Math.max(from, first), to))
  }
  let cursor = ctx.day.startMs
  for (const r of rows) {
    // An instant is not a stretch of output, unless it is what the station was airing when it stopped.
    if (r.actualEndMs === r.actualStartMs && r.endCause !== 'station stopped') continue
    if (r.actualStartMs > cursor + ON_TIME_MS) gap(cursor, r.actualStartMs)
    out.push(r)
    cursor = Math.max(cursor, r.actualEndMs ?? until)
  }
  if (until > cursor + ON_TIME_MS) gap(cursor, until)
  return out
}

function status(r: AsRunRow): { status: AsRunStatus; reason: string | null } {
  switch (r.kind) {
    case 'off-air':
      return { status: 'off-air', reason: r.startCause }
    case 'emergency':
      return { status: 'emergency', reason: r.startCause ?? 'emergency' }
    case 'gap':
      return { status: 'gap', reason: 'nothing scheduled in this slot' }
    case 'slate':
      return { status: 'replaced', reason: 'nothing scheduled' }
    case 'guide':
      return { status: 'as-scheduled', reason: null }
  }
  if (r.media === 'slate') return { status: 'replaced', reason: 'missing media' }
  if (r.media === 'partial') return { status: 'replaced', reason: 'media failed during the item' }
  if (
    r.actualEndMs !== null &&
    r.scheduledEndMs !== null &&
    !r.splitTo &&
    r.actualEndMs < r.scheduledEndMs - ON_TIME_MS
  ) {
    return { status: 'cut-short', reason: r.endCause }
  }
  if (
    r.scheduledStartMs !== null &&
    !r.splitFrom &&
    r.actualStartMs > r.scheduledStartMs + ON_TIME_MS
  ) {
    return { status: 'joined-late', reason: r.startCause }
  }
  return { status: 'as-scheduled', reason: null }
}

export function asRunRowDto(r: AsRunRow, ctx: DayContext): AsRunRowDto {
  const zone = ctx.channel.timezone
  const at = (ms: number | null) => (ms === null ? null : formatInstant(ms, zone))
  const end = r.actualEndMs ?? Math.max(r.actualStartMs, Math.min(ctx.nowMs, ctx.day.endMs))
  return {
    channelUuid: ctx.channel.uuid,
    channel: ctx.channel.name,
    broadcastDay: r.broadcastDay,
    kind: r.kind,
    title: r.title,
    asset: r.assetPath ? path.basename(r.assetPath) : null,
    producerType: r.producerType,
    scheduledStart: at(r.scheduledStartMs),
    scheduledEnd: at(r.scheduledEndMs),
    actualStart: formatInstant(r.actualStartMs, zone),
    actualEnd: at(r.actualEndMs),
    durationMs: end - r.actualStartMs,
    ...status(r),
    split:
      r.splitFrom && r.splitTo
        ? 'both'
        : r.splitFrom
          ? 'from-previous-day'
          : r.splitTo
            ? 'into-next-day'
            : null
  }
}

const durationOf = (r: AsRunRow, ctx: DayContext) =>
  (r.actualEndMs ?? Math.min(ctx.nowMs, ctx.day.endMs)) - r.actualStartMs

const itemKey = (eventId: number | null, startMs: number | null) => `${eventId}@${startMs}`

/** What aired for one scheduled item (its part inside the day), before it is put in words. */
interface ItemOutcome {
  e: PlaylogEvent
  scheduledMs: number
  airedMs: number
  outcome: ReconciledItemDto['outcome']
  reason: string | null
}

/** What aired for one scheduled item (its part inside the day), from the rows logged for it. */
function reconcileItem(
  e: PlaylogEvent,
  byItem: Map<string, AsRunRow[]>,
  emergencies: AsRunRow[],
  ctx: DayContext
): ItemOutcome {
  const from = Math.max(e.startMs, ctx.day.startMs)
  const to = Math.min(e.endMs, ctx.day.endMs)
  const mine = byItem.get(itemKey(e.id, e.startMs)) ?? []
  const aired = mine
    .filter((r) => r.media === 'aired')
    .reduce((sum, r) => sum + durationOf(r, ctx), 0)
  const first = mine[0]
  const last = mine[mine.length - 1]
  let outcome: ReconciledItemDto['outcome']
  let reason: string | null = null
  if (mine.length === 0) {
    const overlapsEmergency = emergencies.some(
      (r) => r.actualStartMs < to && (r.actualEndMs ?? ctx.nowMs) > from
    )
    if (from >= ctx.nowMs) outcome = 'upcoming'
    else if (ctx.firstStartMs === null || from < ctx.firstStartMs)
      [outcome, reason] = ['before-first-start', BEFORE_FIRST_START]
    else if (overlapsEmergency) [outcome, reason] = ['replaced', 'emergency']
    else [outcome, reason] = ['not-aired', 'off air']
  } else if (mine.some((r) => r.media !== 'aired')) {
    ;[outcome, reason] = ['replaced', 'missing media']
  } else if (first!.actualStartMs > from + ON_TIME_MS) {
    ;[outcome, reason] = ['late', first!.startCause]
  } else if (last!.actualEndMs !== null && last!.actualEndMs < to - ON_TIME_MS) {
    ;[outcome, reason] = ['short', last!.endCause]
  } else {
    outcome = last!.actualEndMs === null ? 'on-air' : 'as-scheduled'
  }
  return { e, scheduledMs: to - from, airedMs: aired, outcome, reason }
}

function itemDto(o: ItemOutcome, zone: string): ReconciledItemDto {
  return {
    title: o.e.title,
    asset: o.e.assetPath ? path.basename(o.e.assetPath) : null,
    scheduledStart: formatInstant(o.e.startMs, zone),
    scheduledEnd: formatInstant(o.e.endMs, zone),
    scheduledMs: o.scheduledMs,
    airedMs: o.airedMs,
    outcome: o.outcome,
    reason: o.reason
  }
}

/**
 * The day's schedule against what aired: the totals over the whole day, and each item's outcome
 * for a page of it (a day of a loop of short items is thousands: only the page is put in words).
 */
export function reconcileDay(
  items: PlaylogEvent[],
  rows: AsRunRow[],
  ctx: DayContext,
  page: DayPage = {}
): AsRunReconcileDto {
  const emergencies = rows.filter((r) => r.kind === 'emergency')
  // Find each item's rows by key, not by scan.
  const byItem = new Map<string, AsRunRow[]>()
  for (const r of rows) {
    if (r.kind !== 'item') continue
    const key = itemKey(r.playlogEventId, r.scheduledStartMs)
    const list = byItem.get(key)
    if (list) list.push(r)
    else byItem.set(key, [r])
  }
  const reconciled = items.map((e) => reconcileItem(e, byItem, emergencies, ctx))
  const counts = new Map<ReconciledItemDto['outcome'], number>()
  for (const x of reconciled) counts.set(x.outcome, (counts.get(x.outcome) ?? 0) + 1)
  const count = (o: ReconciledItemDto['outcome']) => counts.get(o) ?? 0
  const sum = (pred: (r: AsRunRow) => boolean) =>
    rows.filter(pred).reduce((s, r) => s + durationOf(r, ctx), 0)
  // A default page ends with the last item that has come to air.
  const onAir = reconciled.findLastIndex((x) => x.e.startMs <= ctx.nowMs)
  const [from, to] = pageBounds(reconciled.length, page, onAir)
  const zone = ctx.channel.timezone
  return {
    channelUuid: ctx.channel.uuid,
    broadcastDay: ctx.day.label,
    start: formatInstant(ctx.day.startMs, zone),
    end: formatInstant(ctx.day.endMs, zone),
    firstStart: ctx.firstStartMs === null ? null : formatInstant(ctx.firstStartMs, zone),
    offset: from,
    items: reconciled.slice(from, to).map((x) => itemDto(x, zone)),
    totals: {
      items: reconciled.length,
      asScheduled: count('as-scheduled'),
      late: count('late'),
      short: count('short'),
      replaced: count('replaced'),
      notAired: count('not-aired'),
      beforeFirstStart: count('before-first-start'),
      scheduledMs: reconciled.reduce((s, x) => s + x.scheduledMs, 0),
      airedMs: reconciled.reduce((s, x) => s + x.airedMs, 0),
      offAirMs: sum((r) => r.kind === 'off-air' && r.startCause !== BEFORE_FIRST_START),
      emergencyMs: sum((r) => r.kind === 'emergency')
    }
  }
}
