// Runtime control: viewer sessions, the station mode and emergencies, and the status event stream.
// Every body is validated first; an invalid one is a 400 naming the field, and changes nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StationEvent } from '../shared/api';
import { EMERGENCY_SCOPES } from '../shared/domain';
import type { ProgramDirector } from '../runtime/program-director';
import { ApiError, badRequest, describeZodError } from './errors';
import { channelUuidParam } from './params';

const attachBody = z
  .strictObject({
    purpose: z.enum(['viewer', 'preview'], { error: 'must be "viewer" or "preview"' }).default('viewer'),
    client: z
      .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()]), { error: 'must be an object of short strings, numbers or booleans' })
      .refine((o) => Object.keys(o).length <= 20, { error: 'must have at most 20 fields' })
      .default({}),
  })
  .default({ purpose: 'viewer', client: {} });

const emergencyBody = z.strictObject({
  message: z
    .string({ error: 'is required and must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(500, { error: 'must be at most 500 characters' }),
  scope: z.enum(EMERGENCY_SCOPES as ['crawl', 'takeover'], { error: 'must be "crawl" or "takeover"' }),
});

function parseBody<T extends z.ZodType>(schema: T, req: FastifyRequest): z.output<T> {
  const result = schema.safeParse(req.body ?? undefined);
  if (!result.success) throw badRequest(describeZodError('body', result.error), 'invalid_body');
  return result.data;
}

// Runtime refusals (unknown channel or session, capacity, a refused switch) are thrown as they are:
// the server's error handler maps them to API errors (errors.ts).
export function runtimeRoutes(director: ProgramDirector) {
  return (app: FastifyInstance): void => {
    app.post('/api/channels/:uuid/viewers', async (req, reply) => {
      const uuid = channelUuidParam(req.params);
      const body = parseBody(attachBody, req);
      const clientInfo = { ...body.client, address: req.ip, userAgent: req.headers['user-agent'] ?? null };
      return reply.status(201).send(director.attach(uuid, body.purpose, clientInfo));
    });

    app.delete('/api/viewers/:sessionId', async (req, reply) => {
      const { sessionId } = req.params as { sessionId: string };
      director.detach(sessionId);
      return reply.status(204).send();
    });

    app.get('/api/mode', async () => director.modeDto());

    app.post('/api/emergency', async (req) => {
      const body = parseBody(emergencyBody, req);
      return director.activateEmergency(body.message, body.scope, 'api');
    });

    app.delete('/api/emergency', async () => director.clearEmergency('api'));

    app.post('/api/channels/:uuid/reset', async (req) => {
      const uuid = channelUuidParam(req.params);
      director.resetChannel(uuid, 'api');
      return director.channelStatus(uuid);
    });

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
        const unsubscribe = director.status.subscribe(send);
        socket.on('close', unsubscribe);
        socket.on('error', unsubscribe);
        // The stream is one-way; anything the client sends is ignored.
      },
    });
  };
}
