// The console's picture of the station, as the event stream paints it. Pure functions of the
// previous state and an event, so they are tested without a browser.
//
// - A snapshot replaces the channels; changes merge per channel uuid. A channel whose status did
//   not change keeps its object, so a tile selecting its own channel does not re-render.
// - Alarms: every alarm the engine reports (station and channels) enters the console's alarm log,
//   keyed by id and raise time. Acknowledgement is the station's, shared by every desk: the engine
//   keeps a cleared alarm (latched) until some desk acknowledges it, and its events carry the latest
//   acknowledgements (who, when). An alarm the station no longer reports is done here too: the
//   console never latches on its own, so two desks cannot disagree.
// - What the console saw happen to each channel (tally, producer, program, alarms) is kept as a
//   short log for the channel detail panel.
import type {
  AlarmDto,
  ChannelStatusDto,
  ModeDto,
  StationEvent,
  StationHealthDto
} from '../../../shared/api'
import { TALLY_LABEL } from '../tally'

export interface AlarmEntry {
  /** Channel, id and raise time (see alarmKey): an alarm raised again later is a new occurrence. */
  key: string
  alarm: AlarmDto
  /** In the engine's latest report. */
  present: boolean
  /** Station time at which the console saw the engine drop it (null while reported). */
  goneAt: string | null
}

export type AlarmBucket = 'active' | 'latched' | 'done'

export const alarmCleared = (e: AlarmEntry): boolean => e.alarm.clearedAt !== null || !e.present
/** Acknowledged at the station (the station drops an alarm only once acknowledged, or with its channel). */
export const alarmAcknowledged = (e: AlarmEntry): boolean =>
  e.alarm.acknowledgedAt !== null || !e.present
/** active: condition present; latched: cleared but not yet acknowledged; done: cleared and acknowledged. */
export function alarmBucket(e: AlarmEntry): AlarmBucket {
  if (!e.present) return 'done'
  if (e.alarm.clearedAt === null) return 'active'
  return e.alarm.acknowledgedAt !== null ? 'done' : 'latched'
}

export interface SeenEvent {
  id: number
  /** Station time of the event that showed it. */
  at: string
  text: string
  level: 'info' | 'warn' | 'alarm'
}

/** Key of the station's own entries in `seen`. */
export const STATION = ''
const SEEN_PER_KEY = 40
const DONE_ALARMS_KEPT = 50

export interface StationState {
  /** A snapshot has arrived since the console started. */
  live: boolean
  seq: number | null
  stationTime: string | null
  mode: ModeDto
  health: StationHealthDto | null
  order: string[]
  channels: Record<string, ChannelStatusDto>
  alarms: Record<string, AlarmEntry>
  seen: Record<string, SeenEvent[]>
}

export const INITIAL_STATION: StationState = {
  live: false,
  seq: null,
  stationTime: null,
  mode: { mode: 'normal', emergency: null },
  health: null,
  order: [],
  channels: {},
  alarms: {},
  seen: {}
}

let seenIds = 0

const TALLY_TEXT = TALLY_LABEL

/** Alarm ids are unique per channel (or station) only; the key adds the channel and the raise time. */
export const alarmKey = (a: AlarmDto): string => `${a.channelUuid ?? 'station'}/${a.id}@${a.since}`

/** What changed on one channel, in words. */
function describeChange(
  prev: ChannelStatusDto | undefined,
  next: ChannelStatusDto
): Array<Omit<SeenEvent, 'id' | 'at'>> {
  const out: Array<Omit<SeenEvent, 'id' | 'at'>> = []
  if (!prev) return [{ text: `Channel appeared (${TALLY_TEXT[next.tally]})`, level: 'info' }]
  if (prev.tally !== next.tally)
    out.push({
      text: `Tally ${TALLY_TEXT[prev.tally]} → ${TALLY_TEXT[next.tally]}`,
      level: next.tally === 'fault' ? 'alarm' : 'info'
    })
  if (prev.producerStatus !== next.producerStatus || prev.producerType !== next.producerType) {
    out.push({
      text: `Producer ${next.producerType ?? 'none'} ${next.producerStatus}`,
      level: next.producerStatus === 'failed' ? 'alarm' : 'info'
    })
  }
  if (prev.failed !== next.failed)
    out.push({
      text: next.failed ? 'Channel FAILED' : 'Channel recovered',
      level: next.failed ? 'alarm' : 'info'
    })
  if (prev.mode !== next.mode)
    out.push({
      text: `Mode ${prev.mode} → ${next.mode}`,
      level: next.mode === 'emergency' ? 'warn' : 'info'
    })
  if ((prev.nowPlaying?.id ?? null) !== (next.nowPlaying?.id ?? null)) {
    out.push({
      text: next.nowPlaying ? `Now airing: ${next.nowPlaying.title}` : 'Nothing scheduled now',
      level: next.nowPlaying ? 'info' : 'warn'
    })
  }
  if (prev.viewerCount !== next.viewerCount)
    out.push({ text: `Viewers ${prev.viewerCount} → ${next.viewerCount}`, level: 'info' })
  const before = new Set(prev.alarms.map(alarmKey))
  const after = new Set(next.alarms.map(alarmKey))
  for (const a of next.alarms)
    if (!before.has(alarmKey(a)))
      out.push({ text: `Alarm ${a.code} raised: ${a.message}`, level: 'alarm' })
  for (const a of prev.alarms)
    if (!after.has(alarmKey(a))) out.push({ text: `Alarm ${a.code} cleared`, level: 'info' })
  return out
}

function sameAlarm(a: AlarmDto, b: AlarmDto): boolean {
  return (
    a.message === b.message &&
    a.severity === b.severity &&
    a.clearedAt === b.clearedAt &&
    a.acknowledgedAt === b.acknowledgedAt &&
    a.acknowledgedBy === b.acknowledgedBy &&
    a.code === b.code
  )
}

function sameChannel(a: ChannelStatusDto, b: ChannelStatusDto): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Folds the engine's current alarm report and its latest acknowledgements into the log. Returns
 * the same object when nothing changed.
 */
export function mergeAlarms(
  log: Record<string, AlarmEntry>,
  reported: AlarmDto[],
  at: string,
  acknowledgements: AlarmDto[] = []
): Record<string, AlarmEntry> {
  let next: Record<string, AlarmEntry> | null = null
  const write = (key: string, entry: AlarmEntry) => {
    next ??= { ...log }
    next[key] = entry
  }
  const seenKeys = new Set<string>()
  for (const a of reported) {
    const key = alarmKey(a)
    seenKeys.add(key)
    const e = log[key]
    if (!e) write(key, { key, alarm: a, present: true, goneAt: null })
    else if (!e.present || !sameAlarm(e.alarm, a))
      write(key, { ...e, alarm: a, present: true, goneAt: null })
  }
  for (const [key, e] of Object.entries(log)) {
    if (e.present && !seenKeys.has(key)) write(key, { ...e, present: false, goneAt: at })
  }
  // Who acknowledged what left the report (an alarm still reported says it itself).
  for (const a of acknowledgements) {
    const key = alarmKey(a)
    const e = (next ?? log)[key]
    if (e && !seenKeys.has(key) && !sameAlarm(e.alarm, a))
      write(key, { ...e, alarm: { ...a, clearedAt: a.clearedAt ?? e.alarm.clearedAt } })
  }
  return next ? pruneDone(next) : log
}

function pruneDone(log: Record<string, AlarmEntry>): Record<string, AlarmEntry> {
  const done = Object.values(log).filter((e) => alarmBucket(e) === 'done')
  if (done.length <= DONE_ALARMS_KEPT) return log
  done.sort((a, b) => (a.alarm.since < b.alarm.since ? -1 : 1))
  const out = { ...log }
  for (const e of done.slice(0, done.length - DONE_ALARMS_KEPT)) delete out[e.key]
  return out
}

function allAlarms(
  stationAlarms: AlarmDto[],
  channels: Record<string, ChannelStatusDto>
): AlarmDto[] {
  const out = [...stationAlarms]
  const ids = new Set(out.map(alarmKey))
  for (const c of Object.values(channels)) {
    for (const a of c.alarms) {
      const k = alarmKey(a)
      if (!ids.has(k)) {
        ids.add(k)
        out.push(a)
      }
    }
  }
  return out
}

function appendSeen(
  seen: Record<string, SeenEvent[]>,
  key: string,
  at: string,
  items: Array<Omit<SeenEvent, 'id' | 'at'>>
): Record<string, SeenEvent[]> {
  if (items.length === 0) return seen
  const list = [
    ...items.map((i) => ({ ...i, at, id: ++seenIds })).reverse(),
    ...(seen[key] ?? [])
  ].slice(0, SEEN_PER_KEY)
  return { ...seen, [key]: list }
}

/** Notes a station-level happening (connection, emergency commands) in the station's log. */
export function noteStation(
  state: StationState,
  text: string,
  level: SeenEvent['level'],
  at?: string
): Pick<StationState, 'seen'> {
  return { seen: appendSeen(state.seen, STATION, at ?? state.stationTime ?? '', [{ text, level }]) }
}

/** The state after one event (levels are not the store's business and return no change). */
export function applyEvent(state: StationState, event: StationEvent): Partial<StationState> {
  // levels go to the meters, library events to the library view
  if (event.type === 'levels' || event.type === 'library') return {}
  const at = event.stationTime
  let seen = state.seen
  let channels: Record<string, ChannelStatusDto>
  let order: string[]

  if (event.type === 'snapshot') {
    channels = {}
    const ids: string[] = []
    for (const c of event.channels) {
      const prev = state.channels[c.uuid]
      // Keep unchanged objects so their tiles do not re-render after a reconnect.
      channels[c.uuid] = prev && sameChannel(prev, c) ? prev : c
      ids.push(c.uuid)
      if (state.live) seen = appendSeen(seen, c.uuid, at, describeChange(prev, c))
    }
    order =
      ids.length === state.order.length && ids.every((id, i) => state.order[i] === id)
        ? state.order
        : ids
  } else {
    channels = state.channels
    order = state.order
    for (const c of event.channels) {
      const prev = state.channels[c.uuid]
      if (prev && sameChannel(prev, c)) continue
      if (channels === state.channels) channels = { ...state.channels }
      channels[c.uuid] = c
      if (!prev && !order.includes(c.uuid)) order = [...order, c.uuid]
      seen = appendSeen(seen, c.uuid, at, describeChange(prev, c))
    }
  }

  const stationAlarms = event.alarms
  const alarms = mergeAlarms(
    state.alarms,
    allAlarms(stationAlarms, channels),
    at,
    event.acknowledgements
  )
  if (state.live && state.mode.mode !== event.mode.mode) {
    seen = appendSeen(seen, STATION, at, [
      {
        text:
          event.mode.mode === 'emergency'
            ? `EMERGENCY ON AIR (${event.mode.emergency?.scope ?? '?'}): ${event.mode.emergency?.message ?? ''}`
            : 'Emergency cleared: back to normal',
        level: event.mode.mode === 'emergency' ? 'warn' : 'info'
      }
    ])
  }
  const mode = sameMode(state.mode, event.mode) ? state.mode : event.mode
  return {
    live: true,
    seq: event.seq,
    stationTime: at,
    mode,
    health: event.health,
    channels,
    order,
    alarms,
    seen
  }
}

export function sameMode(a: ModeDto, b: ModeDto): boolean {
  return (
    a.mode === b.mode &&
    a.emergency?.message === b.emergency?.message &&
    a.emergency?.scope === b.emergency?.scope &&
    a.emergency?.since === b.emergency?.since
  )
}
