// As-run reports: one channel's broadcast day as it went to air, and the schedule reconciled
// against it. Pure functions over the stored as-run facts and the playlog: every status is derived
// here (joined late, cut short, replaced...), so the rules live in one place.
import path from 'node:path'
import type { AsRunReconcileDto, AsRunRowDto, ReconciledItemDto } from '../shared/api'
import type { AsRunStatus, ChannelInfo, PlaylogEvent } from '../shared/domain'
import { formatInstant } from '../shared/time'
import type { AsRunRow } from '../store'
import { ON_TIME_MS } from './as-run'

export interface DayContext {
  channel: Pick<ChannelInfo, 'uuid' | 'name' | 'timezone'>
  day: { label: string; startMs: number; endMs: number }
  /** Station time now: an open row airs until now, and nothing after it has aired yet. */
  nowMs: number
}

/** A stretch of the day the log has no row for: the station was not running. */
function gapRow(channelId: number, day: string, fromMs: number, toMs: number): AsRunRow {
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
    startCause: 'station not running',
    endCause: null,
    splitFrom: false,
    splitTo: false
  }
}

/** The day's rows with the stretches nobody logged (the station was down) filled in as off air. */
export function withUnloggedTime(rows: AsRunRow[], ctx: DayContext, channelId: number): AsRunRow[] {
  const out: AsRunRow[] = []
  const until = Math.min(ctx.day.endMs, ctx.nowMs)
  let cursor = ctx.day.startMs
  for (const r of rows) {
    // An instant is not a stretch of output, unless it is what the station was airing when it stopped.
    if (r.actualEndMs === r.actualStartMs && r.endCause !== 'station stopped') continue
    if (r.actualStartMs > cursor + ON_TIME_MS)
      out.push(gapRow(channelId, ctx.day.label, cursor, r.actualStartMs))
    out.push(r)
    cursor = Math.max(cursor, r.actualEndMs ?? until)
  }
  if (until > cursor + ON_TIME_MS) out.push(gapRow(channelId, ctx.day.label, cursor, until))
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

/** What aired for one scheduled item (its part inside the day), from the rows logged for it. */
function reconcileItem(
  e: PlaylogEvent,
  byItem: Map<string, AsRunRow[]>,
  emergencies: AsRunRow[],
  ctx: DayContext
): ReconciledItemDto {
  const from = Math.max(e.startMs, ctx.day.startMs)
  const to = Math.min(e.endMs, ctx.day.endMs)
  const mine = byItem.get(itemKey(e.id, e.startMs)) ?? []
  const aired = mine
    .filter((r) => r.media === 'aired')
    .reduce((sum, r) => sum + durationOf(r, ctx), 0)
  const first = mine[0]
  const last = mine[mine.length - 1]
  const overlapsEmergency = emergencies.some(
    (r) => r.actualStartMs < to && (r.actualEndMs ?? ctx.nowMs) > from
  )
  let outcome: ReconciledItemDto['outcome']
  let reason: string | null = null
  if (mine.length === 0) {
    outcome = from >= ctx.nowMs ? 'upcoming' : overlapsEmergency ? 'replaced' : 'not-aired'
    reason = outcome === 'replaced' ? 'emergency' : outcome === 'not-aired' ? 'off air' : null
  } else if (mine.some((r) => r.media !== 'aired')) {
    ;[outcome, reason] = ['replaced', 'missing media']
  } else if (first!.actualStartMs > from + ON_TIME_MS) {
    ;[outcome, reason] = ['late', first!.startCause]
  } else if (last!.actualEndMs !== null && last!.actualEndMs < to - ON_TIME_MS) {
    ;[outcome, reason] = ['short', last!.endCause]
  } else {
    outcome = last!.actualEndMs === null ? 'on-air' : 'as-scheduled'
  }
  const zone = ctx.channel.timezone
  return {
    title: e.title,
    asset: e.assetPath ? path.basename(e.assetPath) : null,
    scheduledStart: formatInstant(e.startMs, zone),
    scheduledEnd: formatInstant(e.endMs, zone),
    scheduledMs: to - from,
    airedMs: aired,
    outcome,
    reason
  }
}

/** The day's schedule against what aired: each item's outcome, and the totals. */
export function reconcileDay(
  items: PlaylogEvent[],
  rows: AsRunRow[],
  ctx: DayContext
): AsRunReconcileDto {
  const emergencies = rows.filter((r) => r.kind === 'emergency')
  // A day of a loop with short items is thousands of items: find each one's rows by key, not by scan.
  const byItem = new Map<string, AsRunRow[]>()
  for (const r of rows) {
    if (r.kind !== 'item') continue
    const key = itemKey(r.playlogEventId, r.scheduledStartMs)
    byItem.set(key, [...(byItem.get(key) ?? []), r])
  }
  const reconciled = items.map((e) => reconcileItem(e, byItem, emergencies, ctx))
  const count = (o: ReconciledItemDto['outcome']) =>
    reconciled.filter((x) => x.outcome === o).length
  const sum = (pred: (r: AsRunRow) => boolean) =>
    rows.filter(pred).reduce((s, r) => s + durationOf(r, ctx), 0)
  return {
    channelUuid: ctx.channel.uuid,
    broadcastDay: ctx.day.label,
    start: formatInstant(ctx.day.startMs, ctx.channel.timezone),
    end: formatInstant(ctx.day.endMs, ctx.channel.timezone),
    items: reconciled,
    totals: {
      items: reconciled.length,
      asScheduled: count('as-scheduled'),
      late: count('late'),
      short: count('short'),
      replaced: count('replaced'),
      notAired: count('not-aired'),
      scheduledMs: reconciled.reduce((s, x) => s + x.scheduledMs, 0),
      airedMs: reconciled.reduce((s, x) => s + x.airedMs, 0),
      offAirMs: sum((r) => r.kind === 'off-air'),
      emergencyMs: sum((r) => r.kind === 'emergency')
    }
  }
}
