// Channel logos over HTTP: thin adapters over the StationFacade, which validates (the PNG arrives as
// base64 in the JSON body, within the body limit; a file that is not a PNG of sane size is a 400
// naming the field, changing nothing).
import type { FastifyInstance } from 'fastify';
import type { StationFacade } from '../station-facade';

export function logoRoutes(api: StationFacade) {
  return (app: FastifyInstance): void => {
    app.get('/api/channels/:uuid/logo', async (req) => ({ logo: await api.channelLogo((req.params as { uuid: string }).uuid) }));
    app.post('/api/channels/:uuid/logo', async (req) => api.setChannelLogo((req.params as { uuid: string }).uuid, req.body as never));
    app.delete('/api/channels/:uuid/logo', async (req, reply) => {
      await api.removeChannelLogo((req.params as { uuid: string }).uuid);
      return reply.status(204).send();
    });
  };
}
