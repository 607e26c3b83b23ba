// The station's HTTP face: control API under /api, viewer streams, and the operator console at /.
// The server decides nothing about runtime; it turns requests into calls on the engine.
//
// Every response that is not a success has the API's error shape, including the ones Fastify and
// Node would otherwise write themselves (bad URL encoding, over-long parameters or headers,
// timeouts, unsupported bodies), and nothing secret (token, session id) reaches a log line.
import fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions
} from 'fastify'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import pino, { type Logger } from 'pino'
import { type RouteAccess, registerAccessControl } from './access'
import {
  type CorsOrigins,
  corsOpen,
  DEFAULT_CORS_ORIGINS,
  registerCorsHeaders,
  registerPreflights
} from './cors'
import { type HttpLimits, guardConnections, nodeServerOptions, resolveLimits } from './connections'
import { NO_ROUTE_HEADER } from '../shared/api'
import type { StationMetrics } from './metrics'
import {
  ApiError,
  badRequest,
  DEFAULT_RETRY_AFTER_S,
  errorBody,
  errorsUncached,
  rawErrorResponse,
  toApiError
} from './errors'

export interface HttpServerOptions {
  apiToken: string
  /** When set, viewers' URLs carry it (/iptv/<key>/...); see access.ts. */
  streamKey?: string | null
  /** Which sites' pages may read the viewer routes and session streams (cors.ts); default any. */
  cors?: CorsOrigins
  /** The built operator console (index.html and assets); absent in a bare checkout. */
  uiDir?: string
  logger: Logger
  /** Timeouts and connection caps; defaults suit a station (caps from the descriptor limit). */
  limits?: Partial<HttpLimits>
  /** GET /metrics and the request counts (absent: no metrics). */
  metrics?: StationMetrics
  /** A read-only token that opens /metrics only (the API token opens it too). */
  metricsToken?: string | null
}

/** Routes added by the engine's parts; each registers under the prefix it owns. */
export type RouteModule = (app: FastifyInstance) => void | Promise<void>

export interface RegisteredRoute {
  method: string
  url: string
  access: RouteAccess
  /** Takes a WebSocket upgrade. */
  upgrade: boolean
  /** Answers other sites' pages (CORS headers, an OPTIONS preflight): viewer and stream routes only. */
  cors: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app registered, with its access: what the API offers, read from the app itself. */
    routeTable(): RegisteredRoute[]
  }
}

const BODY_LIMIT = 1024 * 1024

/** Log lines name a request by method and path, with ids (sessions, channels) and the query (tokens) left out. */
export function redactUrl(url: string): string {
  const path = url.split('?')[0] ?? ''
  const shown = path
    .split('/')
    .map((seg) => (seg.length >= 16 ? ':id' : seg))
    .join('/')
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown
}

const serializers = {
  req: (req: { method?: string; url?: string }) => ({
    method: req.method,
    url: redactUrl(req.url ?? '')
  }),
  // Node's client errors carry the raw request bytes (rawPacket), headers and all.
  err: (err: Error) => {
    const { rawPacket: _raw, ...rest } = pino.stdSerializers.err(err) as Record<string, unknown>
    return rest
  }
}

/** What a JSON body must be: UTF-8 (a declared charset must say so), then JSON; an empty body is none. */
function parseJsonBody(
  req: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, body?: unknown) => void
): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i
    .exec(req.headers['content-type'] ?? '')?.[1]
    ?.toLowerCase()
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    const named = /^[a-z0-9._:-]{1,40}$/.test(charset) ? `charset=${charset}` : 'an unknown charset'
    done(
      new ApiError(415, 'unsupported_charset', `the request body must be UTF-8 JSON, not ${named}`)
    )
    return
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    done(badRequest('the request body is not valid UTF-8', 'invalid_json'))
    return
  }
  if (text.trim() === '') return done(null, undefined)
  try {
    done(null, JSON.parse(text))
  } catch (err) {
    done(
      badRequest(`the request body is not valid JSON: ${(err as Error).message}`, 'invalid_json')
    )
  }
}

/**
 * How long a refused client may go on sending what it was sending (an oversized header, say)
 * before its connection is closed anyway.
 */
const REFUSAL_LINGER_MS = 2_000

/** Node's own refusals (malformed request, headers too large, timeouts), written in the API's shape. */
function onClientError(log: FastifyBaseLogger) {
  const answered = new WeakSet<Duplex>()
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    // The parser repeats its error on every further chunk the client sends: answered once.
    if (answered.has(socket)) return
    answered.add(socket)
    const [status, reason, code, message] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'the request did not arrive in time']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [
              431,
              'Request Header Fields Too Large',
              'headers_too_large',
              'the request headers are too large'
            ]
          : [400, 'Bad Request', 'bad_request', 'malformed HTTP request']
    log.debug({ code: err.code }, 'client error')
    // As Node does: never write into a response already under way on this socket.
    const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy()
      return
    }
    // Answer, then read on (discarding) until the client has finished sending: closing with its
    // bytes unread would reset the connection, and a reset loses the answer before it is read.
    socket.end(rawErrorResponse(status, reason, code, message))
    const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS)
    linger.unref()
    socket.once('end', () => socket.destroy())
    socket.once('close', () => clearTimeout(linger))
  }
}

export async function createHttpServer(
  options: HttpServerOptions,
  modules: RouteModule[]
): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits)
  const log = options.logger.child({ component: 'http' }, { serializers }) as FastifyBaseLogger
  const app: FastifyInstance = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Shutting down must not wait on viewers' open connections (players keep them alive).
    forceCloseConnections: true,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: nodeServerOptions(limits),
    // Route params are never decoded into paths, but keep the router strict anyway.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 100 },
    frameworkErrors: (err, _req, reply) => {
      const api = toApiError(err) ?? badRequest('the request could not be routed')
      return (reply as FastifyReply).status(api.status).send(errorBody(api.code, api.message))
    },
    clientErrorHandler: onClientError(log)
  })

  // Only a client that sent "Expect: 100-continue" gets a continue; any other expectation, our shape.
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify(
      errorBody('expectation_failed', 'only "Expect: 100-continue" is supported')
    )
    res.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close'
    })
    res.end(body)
  })

  // An error is true only for now (a segment not yet written, a full station): no cache may keep one.
  app.addHook('onSend', errorsUncached)
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const api = toApiError(err)
    if (api?.status === 503)
      reply.header('retry-after', String(api.retryAfterS ?? DEFAULT_RETRY_AFTER_S))
    if (api) return reply.status(api.status).send(errorBody(api.code, api.message))
    req.log.error({ err }, 'unhandled error')
    return reply.status(500).send(errorBody('internal', 'internal error; see the station log'))
  })

  // JSON is the only body the API takes (a form or text body from another site is refused outright).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody)

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    // The header says "no such route" to programs (the browser console degrades a call this
    // station does not offer yet), apart from a 404 of a route that found nothing.
    reply
      .status(404)
      .header(NO_ROUTE_HEADER, 'no_route')
      .send(
        errorBody(
          'not_found',
          `no route for ${req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`
        )
      )
  })

  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => void routes.push(route))
  // Read when asked: scopes may still set a route's access after this hook saw it.
  app.decorate('routeTable', () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
        method: String(method),
        url: r.url,
        access: r.config?.access ?? 'token',
        upgrade: r.config?.upgrade === true,
        cors: corsOpen(r.config)
      }))
    )
  )

  guardConnections(app, limits, log)
  registerAccessControl(
    app,
    options.apiToken,
    options.streamKey ?? null,
    options.metricsToken ?? null
  )
  // At the root, so its request counter sees every route's answers.
  options.metrics?.register(app)
  const cors = options.cors ?? DEFAULT_CORS_ORIGINS
  registerCorsHeaders(app, cors)

  // Upgraded sockets (event streams, refused upgrades) are not closed by the HTTP server's own
  // shutdown; without this a client holding one open would keep the station from stopping.
  const upgraded = new Set<Duplex>()
  app.server.on('upgrade', (_req, socket) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
  })
  app.addHook('preClose', (done) => {
    for (const socket of upgraded) socket.destroy()
    done()
  })

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })
  for (const m of modules) await app.register(async (scope) => m(scope))
  registerPreflights(app, cors, routes)

  // The console's files are public: it asks for the token itself.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: route.config?.access ?? 'public' }
    })
    if (options.uiDir && fs.existsSync(options.uiDir)) {
      await scope.register(fastifyStatic, {
        root: options.uiDir,
        prefix: '/',
        index: ['index.html'],
        wildcard: false,
        // The build writes .br and .gz beside each script and stylesheet (vite.web.config.ts): sent
        // with Content-Encoding and Vary: Accept-Encoding where the browser takes one.
        preCompressed: true
      })
    } else {
      scope.get('/', async (_req, reply) =>
        reply
          .type('text/html')
          .send(
            '<!doctype html><title>RetroVue</title><p>The operator console has not been built. Run <code>npm run build</code>, then reload.</p>'
          )
      )
    }
  })
  return app
}
