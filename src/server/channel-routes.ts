// Channels and their schedules: identity, status, now/next, playlog ranges, broadcast days.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChannelStatusDto } from '../shared/api';
import { formatInstant, isPrintable, parseInstant } from '../shared/time';
import type { MasterClock } from '../shared/clock';
import type { ScheduleService } from '../schedule/service';
import type { ChannelRow, Store } from '../store';
import { badRequest, notFound } from './errors';
import { UUID } from './params';
import { broadcastDayDto, scheduleItemDto } from '../schedule/dto';

export interface ChannelView {
  clock: MasterClock;
  store: Store;
  schedule: ScheduleService;
  channelStatus(channel: ChannelRow): ChannelStatusDto;
  allChannelStatus(): ChannelStatusDto[];
}

/** The longest range one schedule request may ask for. */
export const MAX_SCHEDULE_RANGE_MS = 8 * 24 * 3600_000;

/** Parses an optional ISO instant query parameter, naming it in the error. */
function instantParam(query: Record<string, unknown>, name: string): number | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw badRequest(`query parameter "${name}" must be an ISO 8601 instant with a zone`, 'invalid_parameter');
  try {
    return parseInstant(v, `query parameter "${name}"`);
  } catch (err) {
    throw badRequest((err as Error).message, 'invalid_parameter');
  }
}

/** Refuses a range the response could not print in the channel's zone (years past 9999, or before 0000). */
function assertPrintable(zone: string, name: string, ...instants: number[]): void {
  if (!instants.every((ms) => isPrintable(ms, zone))) {
    throw badRequest(`query parameter "${name}": the answer would fall outside the years 0000 to 9999 in ${zone}`, 'invalid_parameter');
  }
}

const knownParams = (query: Record<string, unknown>, allowed: string[]) => {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest(`unknown query parameter "${unknown[0]}" (allowed: ${allowed.join(', ') || 'none'})`, 'invalid_parameter');
};

export function channelRoutes(view: ChannelView) {
  const lookup = (uuid: string): ChannelRow => {
    if (!UUID.test(uuid)) throw badRequest(`"${uuid}" is not a channel uuid`, 'invalid_parameter');
    const c = view.store.channels.byUuid(uuid);
    if (!c || !c.isActive) throw notFound(`no channel with uuid ${uuid}`);
    return c;
  };
  const paramsSchema = z.object({ uuid: z.string() });

  return (app: FastifyInstance): void => {
    app.get('/api/channels', async (req) => {
      knownParams(req.query as Record<string, unknown>, []);
      // What the runtime has: a channel written by another process is not on air here (yet), and must not fail the list.
      return { channels: view.allChannelStatus() };
    });

    app.get('/api/channels/:uuid', async (req) => {
      const { uuid } = paramsSchema.parse(req.params);
      knownParams(req.query as Record<string, unknown>, []);
      return view.channelStatus(lookup(uuid));
    });

    app.get('/api/channels/:uuid/schedule', async (req) => {
      const { uuid } = paramsSchema.parse(req.params);
      const channel = lookup(uuid);
      const query = req.query as Record<string, unknown>;
      knownParams(query, ['from', 'to']);
      const from = instantParam(query, 'from') ?? view.clock.now();
      const to = instantParam(query, 'to') ?? from + 24 * 3600_000;
      assertPrintable(channel.timezone, query['to'] === undefined ? 'from' : 'to', to);
      assertPrintable(channel.timezone, 'from', from);
      if (to <= from) throw badRequest('query parameter "to" must be after "from"', 'invalid_parameter');
      if (to - from > MAX_SCHEDULE_RANGE_MS) {
        throw badRequest(`query parameters "from" to "to" span more than ${MAX_SCHEDULE_RANGE_MS / 86_400_000} days`, 'invalid_parameter');
      }
      const items = view.schedule.itemsBetween(channel.id, from, to).map((e) => scheduleItemDto(e, channel.timezone));
      return { channelUuid: channel.uuid, from: formatInstant(from, channel.timezone), to: formatInstant(to, channel.timezone), items };
    });

    app.get('/api/channels/:uuid/broadcast-day', async (req) => {
      const { uuid } = paramsSchema.parse(req.params);
      const channel = lookup(uuid);
      const query = req.query as Record<string, unknown>;
      knownParams(query, ['at']);
      const at = instantParam(query, 'at') ?? view.clock.now();
      const day = view.schedule.broadcastDay(channel, at);
      assertPrintable(channel.timezone, 'at', day.startMs, day.endMs);
      return broadcastDayDto(channel, day);
    });
  };
}

