// The station's HTTP face: control API under /api, viewer streams, and the operator console at /.
// The server decides nothing about runtime; it turns requests into calls on the engine.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { Logger } from 'pino';
import { ApiError, errorBody, toApiError } from './errors';

export interface HttpServerOptions {
  apiToken: string;
  /** The built operator console (index.html and assets); absent in a bare checkout. */
  uiDir?: string;
  logger: Logger;
}

/** Routes added by the engine's parts; each registers under the prefix it owns. */
export type RouteModule = (app: FastifyInstance) => void | Promise<void>;

function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function presentedToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  // Browsers cannot set headers on a WebSocket, so the event stream also takes the token in the query.
  const query = req.query as Record<string, unknown> | undefined;
  const t = query?.['access_token'];
  return typeof t === 'string' ? t : undefined;
}

// Liveness needs no credentials so that monitors and start-up scripts can poll it.
const PUBLIC_API = new Set(['/api/health']);

export async function createHttpServer(options: HttpServerOptions, modules: RouteModule[]): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Shutting down must not wait on viewers' open connections (players keep them alive).
    forceCloseConnections: true,
    // Route params are never decoded into paths, but keep the router strict anyway.
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const api = toApiError(err);
    if (api) return reply.status(api.status).send(errorBody(api.code, api.message));
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'internal error; see the station log'));
  });

  // JSON bodies, where an empty body (a DELETE from a client that always sets the header) means none.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.addHook('onRequest', async (req) => {
    const url = req.url.split('?')[0] ?? '';
    if (!url.startsWith('/api/') || PUBLIC_API.has(url)) return;
    if (!tokenMatches(options.apiToken, presentedToken(req))) {
      throw new ApiError(401, 'unauthorized', 'missing or wrong API token (Authorization: Bearer <token from <data-dir>/api-token>)');
    }
  });

  // Upgraded sockets (event streams, refused upgrades) are not closed by the HTTP server's own
  // shutdown; without this a client holding one open would keep the station from stopping.
  const upgraded = new Set<Duplex>();
  app.server.on('upgrade', (_req, socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  app.addHook('preClose', (done) => {
    for (const socket of upgraded) socket.destroy();
    done();
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  for (const m of modules) await app.register(async (scope) => m(scope));

  if (options.uiDir && fs.existsSync(options.uiDir)) {
    await app.register(fastifyStatic, { root: options.uiDir, prefix: '/', index: ['index.html'], wildcard: false });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>RetroVue</title><p>The operator console has not been built. Run <code>npm run build</code>, then reload.</p>',
        ),
    );
  }
  return app;
}
