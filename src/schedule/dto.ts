// Playlog rows to the public contract's shapes (used by the status the runtime publishes and by the
// API). Channel times are rendered in the channel's own zone, with offset.
import path from 'node:path'
import type { BroadcastDayDto, ScheduleItemDto } from '../shared/api'
import { formatInstant } from '../shared/time'
import { ZoneTimes } from '../shared/zone-times'
import type { ChannelInfo, PlaylogEvent } from '../shared/domain'
import type { BroadcastDayInfo } from './service'

/** One item; a listing of many passes one ZoneTimes for them all (it prints each offset once). */
export function scheduleItemDto(e: PlaylogEvent, zone: string | ZoneTimes): ScheduleItemDto {
  const times = typeof zone === 'string' ? new ZoneTimes(zone) : zone
  return {
    id: e.id,
    title: e.title,
    type: e.type,
    start: times.iso(e.startMs),
    end: times.iso(e.endMs),
    durationMs: e.endMs - e.startMs,
    inPointMs: e.inPointMs,
    asset: e.assetPath ? path.basename(e.assetPath) : null,
    source: e.source
  }
}

export function broadcastDayDto(channel: ChannelInfo, day: BroadcastDayInfo): BroadcastDayDto {
  return {
    label: day.label,
    start: formatInstant(day.startMs, channel.timezone),
    end: formatInstant(day.endMs, channel.timezone),
    timezone: channel.timezone,
    rolloverMinutes: channel.rolloverMinutes,
    carryover: day.carryover ? scheduleItemDto(day.carryover, channel.timezone) : null
  }
}
