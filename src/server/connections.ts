// Hostile clients: every connection times out when it stalls, and connections are capped (all
// clients, and per remote address) below what the process's file descriptors allow, so a flood of
// idle sockets can never starve the station of descriptors for its outputs. Past a cap the client
// gets a short 503 and the connection closes at once.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { z } from 'zod';
import { rawErrorResponse } from './errors';

export interface HttpLimits {
  /** A client must send its request headers within this long (slow or silent clients). */
  headersTimeoutMs: number;
  /** ... and the whole request, body included, within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long between requests. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed; longer than a playlist's first-segment wait. */
  idleTimeoutMs: number;
  /** Connections open at once, all clients together. */
  maxConnections: number;
  /** Connections open at once from one remote address. */
  maxConnectionsPerAddress: number;
}

/** When /proc is not there to ask (macOS, Windows). */
const FALLBACK_FD_LIMIT = 1024;
/** Descriptors kept for everything else: the database, producers' pipes and outputs, watchers, logs. */
const FD_RESERVE = 64;

/** The soft limit on open files (Linux: /proc/self/limits; Node raises it to the hard limit at start). */
export function fdSoftLimit(): number {
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
    const n = Number(soft);
    return Number.isInteger(n) && n > 0 ? n : FALLBACK_FD_LIMIT;
  } catch {
    return FALLBACK_FD_LIMIT;
  }
}

/** Caps from a descriptor limit: each connection may hold a second descriptor (a segment being sent). */
export function connectionCaps(fdLimit: number): Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress'> {
  const maxConnections = Math.min(4096, Math.max(16, Math.floor((fdLimit - FD_RESERVE) / 2)));
  return { maxConnections, maxConnectionsPerAddress: Math.max(8, Math.floor(maxConnections / 4)) };
}

export function defaultHttpLimits(): HttpLimits {
  return {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    ...connectionCaps(fdSoftLimit()),
  };
}

const ms = z.number().int().min(1).max(3_600_000);
const limitsSchema = z.strictObject({
  headersTimeoutMs: ms.optional(),
  requestTimeoutMs: ms.optional(),
  keepAliveTimeoutMs: ms.optional(),
  idleTimeoutMs: ms.optional(),
  maxConnections: z.number().int().min(1).max(100_000).optional(),
  maxConnectionsPerAddress: z.number().int().min(1).max(100_000).optional(),
});

export const HTTP_LIMITS_ENV = 'RETROVUE_HTTP_LIMITS';

/** Overrides from RETROVUE_HTTP_LIMITS (a JSON object of HttpLimits fields), for tests and unusual sites. */
export function httpLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<HttpLimits> {
  const text = env[HTTP_LIMITS_ENV];
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${HTTP_LIMITS_ENV} must be a JSON object, e.g. {"idleTimeoutMs":30000}`);
  }
  const result = limitsSchema.safeParse(json);
  if (!result.success) throw new Error(`${HTTP_LIMITS_ENV}: ${result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined));
}

export function resolveLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...defaultHttpLimits(), ...overrides };
  // Node refuses a headers timeout longer than the whole-request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error('headersTimeoutMs must not exceed requestTimeoutMs');
  return limits;
}

/** Node http server options for the limits (Fastify sets the rest from its own options). */
export function nodeServerOptions(limits: HttpLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node looks for requests past their timeouts; the default (30 s) would stretch them.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

const addressOf = (socket: Socket) => (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');

/**
 * Counts connections as they open and close and refuses those past a cap. A refused socket's
 * requests never reach a route (the hook below drops them), whatever the client sent with it.
 */
export function guardConnections(app: FastifyInstance, limits: HttpLimits, log: FastifyBaseLogger): void {
  const server: Server = app.server;
  const perAddress = new Map<string, number>();
  const refused = new WeakSet<Socket>();
  let open = 0;
  let quiet = false;

  server.prependListener('connection', (socket: Socket) => {
    const address = addressOf(socket);
    const fromAddress = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnections || fromAddress >= limits.maxConnectionsPerAddress) {
      refused.add(socket);
      if (!quiet) {
        // Once per burst: a flood must not flood the log as well.
        quiet = true;
        setTimeout(() => (quiet = false), 10_000).unref();
        log.warn({ address, open, fromAddress, ...limitsSummary(limits) }, 'refusing connections: too many open');
      }
      const tooMany = open >= limits.maxConnections ? 'the station has too many open connections' : 'too many open connections from your address';
      socket.end(rawErrorResponse(503, 'Service Unavailable', 'too_many_connections', `${tooMany}; close some and retry`, { 'Retry-After': '5' }), () =>
        socket.destroy(),
      );
      return;
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n > 0) perAddress.set(address, n);
      else perAddress.delete(address);
    });
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!refused.has(req.raw.socket)) return;
    reply.hijack();
    req.raw.socket.destroy();
  });

  // With descriptors exhausted, accept() fails and Node reports it on the server, where an error
  // with no listener would end the process: logged instead. (Listen errors still reject listen().)
  server.on('error', (err: NodeJS.ErrnoException) => log.error({ code: err.code, syscall: err.syscall }, 'http server error'));
}

const limitsSummary = (l: HttpLimits) => ({ maxConnections: l.maxConnections, maxConnectionsPerAddress: l.maxConnectionsPerAddress });
