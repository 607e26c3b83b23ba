// Channels and their schedules: identity, status, now/next, playlog ranges, broadcast days. Thin
// adapters: the StationFacade validates and answers; these routes only refuse unknown parameters.
import type { FastifyInstance } from 'fastify';
import type { StationFacade } from '../station-facade';
import { knownQuery } from './params';

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

    app.get('/api/channels/:uuid/schedule', async (req) => {
      const { from, to } = knownQuery(req.query, ['from', 'to']);
      return api.schedule((req.params as { uuid: string }).uuid, { from, to } as Record<string, string | undefined>);
    });

    app.get('/api/channels/:uuid/broadcast-day', async (req) => {
      const { at } = knownQuery(req.query, ['at']);
      return api.broadcastDay((req.params as { uuid: string }).uuid, at as string | undefined);
    });
  };
}
