// Channels and their schedules: identity, status, now/next, playlog ranges, broadcast days. Thin
// adapters: the StationFacade validates and answers; these routes only refuse unknown parameters.
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { ScheduleRangeDto } from '../shared/api';
import type { StationFacade } from '../station-facade';
import { knownQuery } from './params';

/** Items serialised per piece of a schedule answer: a day of short items is megabytes of JSON. */
const ITEMS_A_PIECE = 250;

/** A schedule range as JSON text in pieces, with a turn for the event loop between them (the same text JSON.stringify gives). */
async function* scheduleJson(dto: ScheduleRangeDto): AsyncGenerator<string> {
  const { items, ...head } = dto;
  const open = JSON.stringify({ ...head, items: [] });
  yield open.slice(0, -2);
  for (let i = 0; i < items.length; i += ITEMS_A_PIECE) {
    const piece = JSON.stringify(items.slice(i, i + ITEMS_A_PIECE));
    yield `${i > 0 ? ',' : ''}${piece.slice(1, -1)}`;
    await nextTurn();
  }
  yield ']}';
}

export function channelRoutes(api: StationFacade) {
  return (app: FastifyInstance): void => {
    app.get('/api/channels', async (req) => {
      knownQuery(req.query, []);
      // What the runtime has: a channel written by another process is not on air here (yet), and must not fail the list.
      return { channels: await api.channels() };
    });

    app.get('/api/channels/:uuid', async (req) => {
      knownQuery(req.query, []);
      return api.channel((req.params as { uuid: string }).uuid);
    });

    app.get('/api/channels/:uuid/schedule', async (req, reply) => {
      const { from, to } = knownQuery(req.query, ['from', 'to']);
      const dto = await api.schedule((req.params as { uuid: string }).uuid, { from, to } as Record<string, string | undefined>);
      return reply.type('application/json; charset=utf-8').send(Readable.from(scheduleJson(dto)));
    });

    app.get('/api/channels/:uuid/broadcast-day', async (req) => {
      const { at } = knownQuery(req.query, ['at']);
      return api.broadcastDay((req.params as { uuid: string }).uuid, at as string | undefined);
    });
  };
}
