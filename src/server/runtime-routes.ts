// Runtime control: viewer sessions, the station mode and emergencies, alarms, and the status event
// stream. Thin adapters over the StationFacade, which validates every request (an invalid one is a
// 400 naming the field and changes nothing) and turns the runtime's refusals into error codes.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StationEvent } from '../shared/api';
import type { StationFacade } from '../station-facade';
import { ApiError, badRequest, describeZodError } from './errors';
import { knownQuery } from './params';

/** The HTTP API's own request (the console attaches previews through the StationApi). */
const attachBody = z
  .strictObject({
    purpose: z.enum(['viewer', 'preview'], { error: 'must be "viewer" or "preview"' }).default('viewer'),
    client: z
      .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()]), { error: 'must be an object of short strings, numbers or booleans' })
      .refine((o) => Object.keys(o).length <= 20, { error: 'must have at most 20 fields' })
      .default({}),
  })
  .default({ purpose: 'viewer', client: {} });

/** `admitViewer` refuses one more viewer of a channel past the station's viewer limits. */
export function runtimeRoutes(api: StationFacade, admitViewer: (channelUuid: string) => void = () => undefined) {
  return (app: FastifyInstance): void => {
    app.post('/api/channels/:uuid/viewers', async (req, reply) => {
      const body = attachBody.safeParse(req.body ?? undefined);
      if (!body.success) throw badRequest(describeZodError('body', body.error), 'invalid_body');
      if (body.data.purpose === 'viewer') admitViewer((req.params as { uuid: string }).uuid);
      const clientInfo = { ...body.data.client, address: req.ip, userAgent: req.headers['user-agent'] ?? null };
      return reply.status(201).send(await api.attach((req.params as { uuid: string }).uuid, body.data.purpose, clientInfo));
    });

    app.delete('/api/viewers/:sessionId', async (req, reply) => {
      await api.detach((req.params as { sessionId: string }).sessionId);
      return reply.status(204).send();
    });

    app.get('/api/mode', async () => api.mode());
    app.post('/api/emergency', async (req) => api.activateEmergency(req.body as never));
    // The message as it would air (nothing goes to air): JSON with PNG data URLs (StationApi.previewEmergency).
    app.post('/api/emergency/preview', async (req) => api.previewEmergency(req.body as never));
    app.delete('/api/emergency', async () => api.clearEmergency());

    // The station's loudness target: the station file's `loudness` section, settable from the console.
    app.get('/api/loudness', async () => api.loudness());
    app.put('/api/loudness', async (req) => api.setLoudness(req.body as never));

    app.post('/api/channels/:uuid/reset', async (req) => api.resetChannel((req.params as { uuid: string }).uuid));

    app.get('/api/alarms', async (req) => api.alarms(knownQuery(req.query, ['from', 'to', 'channel']) as never));

    // What aired: JSON by default, RFC 4180 CSV (with a header row) with ?format=csv.
    app.get('/api/asrun', async (req, reply) => {
      const { format, ...query } = knownQuery(req.query, ['channel', 'day', 'format']);
      if (format === undefined || format === 'json') return { days: await api.asRun(query as never) };
      if (format !== 'csv') throw badRequest('query parameter "format" must be "json" or "csv"', 'invalid_parameter');
      const csv = await api.asRunCsv(query as never);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="as-run.csv"').send(csv);
    });
    app.get('/api/asrun/reconcile', async (req) => api.asRunReconcile(knownQuery(req.query, ['channel', 'day']) as never));
    app.post('/api/alarms/:id/acknowledge', async (req) => api.acknowledgeAlarm((req.params as { id: string }).id));

    // A snapshot first, then coalesced changes. Messages are JSON StationEvents. Browsers cannot
    // set headers on a WebSocket, so this route alone also takes ?access_token=.
    app.route({
      method: 'GET',
      url: '/api/events',
      config: { access: 'token', upgrade: true },
      handler: async () => {
        throw new ApiError(426, 'upgrade_required', 'the event stream is a WebSocket: connect with ws:// and ?access_token=');
      },
      wsHandler: (socket) => {
        const send = (event: StationEvent) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
        };
        const unsubscribe = api.subscribe(send);
        socket.on('close', unsubscribe);
        socket.on('error', unsubscribe);
        // The stream is one-way; anything the client sends is ignored.
      },
    });
  };
}
