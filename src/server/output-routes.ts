// Push outputs over HTTP: thin adapters over the StationFacade, which validates (a bad URL is a 400
// naming the field, changing nothing) and maps refusals (unknown output 404, a full producer
// budget 503, the same destination twice 409). URLs come back with their keys hidden.
import type { FastifyInstance } from 'fastify';
import type { StationFacade } from '../station-facade';

export function outputRoutes(api: StationFacade) {
  return (app: FastifyInstance): void => {
    app.get('/api/channels/:uuid/outputs', async (req) => ({ outputs: await api.outputs((req.params as { uuid: string }).uuid) }));
    app.post('/api/channels/:uuid/outputs', async (req, reply) => reply.status(201).send(await api.addOutput((req.params as { uuid: string }).uuid, req.body as never)));
    app.post('/api/outputs/:id/enable', async (req) => api.setOutputEnabled((req.params as { id: string }).id, true));
    app.post('/api/outputs/:id/disable', async (req) => api.setOutputEnabled((req.params as { id: string }).id, false));
    app.delete('/api/outputs/:id', async (req, reply) => {
      await api.removeOutput((req.params as { id: string }).id);
      return reply.status(204).send();
    });
  };
}
