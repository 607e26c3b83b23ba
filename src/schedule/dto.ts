// Playlog rows to the public contract's shapes (used by the status the runtime publishes and by the
// API). Channel times are rendered in the channel's own zone, with offset.
import path from 'node:path';
import type { BroadcastDayDto, ScheduleItemDto } from '../shared/api';
import { formatInstant } from '../shared/time';
import type { ChannelInfo, PlaylogEvent } from '../shared/domain';
import type { BroadcastDayInfo } from './service';

export function scheduleItemDto(e: PlaylogEvent, zone: string): ScheduleItemDto {
  return {
    id: e.id,
    title: e.title,
    type: e.type,
    start: formatInstant(e.startMs, zone),
    end: formatInstant(e.endMs, zone),
    durationMs: e.endMs - e.startMs,
    inPointMs: e.inPointMs,
    asset: e.assetPath ? path.basename(e.assetPath) : null,
    source: e.source,
  };
}

export function broadcastDayDto(channel: ChannelInfo, day: BroadcastDayInfo): BroadcastDayDto {
  return {
    label: day.label,
    start: formatInstant(day.startMs, channel.timezone),
    end: formatInstant(day.endMs, channel.timezone),
    timezone: channel.timezone,
    rolloverMinutes: channel.rolloverMinutes,
    carryover: day.carryover ? scheduleItemDto(day.carryover, channel.timezone) : null,
  };
}
