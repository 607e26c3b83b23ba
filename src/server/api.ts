// The control API over HTTP: every /api route registered from the one table in shared/api-routes.ts,
// each a thin adapter that calls the engine through its contract (HttpEngine) and sends the
// answer. The calls validate what they are given and turn the runtime's refusals into error codes;
// here a request is checked against the table's schemas first (an unknown query parameter or a
// malformed body is a 400 naming it, before anything is called).
import { Readable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { EVENT_HEARTBEAT_MS, type ScheduleRangeDto, type StationEvent } from '../shared/api'
import {
  API_ROUTES,
  type ApiRoute,
  type ApiRouteName,
  argsOf,
  type HttpEngine,
  paramsSchema
} from '../shared/api-routes'
import type { MasterClock } from '../shared/clock'
import { describeIssues } from '../shared/issues'
import { stationImportRequest, viewerAttachRequest } from '../shared/station-api'
import { formatInstant } from '../shared/time'
import { ApiError, badRequest } from './errors'
import { handOffImport, type StationImporter } from './import-hand-off'

const HEARTBEAT = JSON.stringify({ type: 'heartbeat' })

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API route's name in the table (shared/api-routes.ts). */
    apiRoute?: ApiRouteName
  }
}

export interface ApiDeps {
  /** The engine as the API's callers act on it (audited as 'api'). */
  api: HttpEngine
  clock: MasterClock
  /** Refuses one more viewer of a channel past the station's viewer limits. */
  admitViewer: (channelUuid: string) => void
  importer: StationImporter
  /** The station is shutting down: event streams are refused (a console says STATION DOWN at once). */
  stopping: () => boolean
}

/** The query of a route that reads none: whatever it is, it is let through and ignored. */
const unreadQuery = z.record(z.string(), z.unknown())

/** Items serialised per piece of a schedule answer: a day of short items is megabytes of JSON. */
const ITEMS_A_PIECE = 250

/** A schedule range as JSON text in pieces, with a turn for the event loop between them (the same text JSON.stringify gives). */
async function* scheduleJson(dto: ScheduleRangeDto): AsyncGenerator<string> {
  const { items, ...head } = dto
  const open = JSON.stringify({ ...head, items: [] })
  yield open.slice(0, -2)
  for (let i = 0; i < items.length; i += ITEMS_A_PIECE) {
    const piece = JSON.stringify(items.slice(i, i + ITEMS_A_PIECE))
    yield `${i > 0 ? ',' : ''}${piece.slice(1, -1)}`
    await nextTurn()
  }
  yield ']}'
}

/**
 * Checks one part of a request against its route's schema, naming what is wrong as the facade
 * would (`query.from: ...`, `body.scope: ...`). Unknown query parameters are refused by name.
 */
function validatorOf(
  routeOf: (method: string, url: string) => ApiRoute | undefined
): FastifySchemaCompiler<z.ZodType> {
  return ({ schema, httpPart, method, url }) => {
    const route = routeOf(method, url)
    return (data: unknown) => {
      // Fastify hands an absent part over as null; the schemas' defaults apply to undefined.
      const value = data ?? undefined
      if (httpPart === 'querystring' && !route?.query) return { value }
      if (httpPart === 'querystring' && route?.query) {
        const allowed = Object.keys(route.query.shape)
        const unknown = Object.keys(value ?? {}).find((k) => !allowed.includes(k))
        if (unknown !== undefined) {
          return {
            error: badRequest(
              `unknown query parameter "${unknown.slice(0, 60)}" (allowed: ${allowed.join(', ') || 'none'})`,
              'invalid_parameter'
            )
          }
        }
      }
      const r = schema.safeParse(value)
      if (r.success) return { value: r.data }
      const [where, code] =
        httpPart === 'body'
          ? [route?.bodyErrors?.name ?? 'body', route?.bodyErrors?.code ?? 'invalid_body']
          : [httpPart === 'querystring' ? 'query' : 'params', 'invalid_parameter']
      return { error: badRequest(describeIssues(where, r.error), code) }
    }
  }
}

/** What a route's answer reads of its request, as the table's schemas typed it. */
type Request = Pick<FastifyRequest, 'ip' | 'headers'> & {
  params: Record<string, string>
  query: Record<string, unknown>
  body: unknown
}

/** The call's result as the route answers it (status, wrapping, other formats). */
async function answer(
  route: ApiRoute,
  api: HttpEngine,
  req: Request,
  reply: FastifyReply
): Promise<unknown> {
  const call = (name: string, args: unknown[]) =>
    (api[name as keyof HttpEngine] as (...a: unknown[]) => Promise<unknown>).apply(api, args)
  const { format, ...query } = req.query
  const request = { params: req.params, query: route.formats ? query : req.query, body: req.body }
  const other = typeof format === 'string' ? route.formats?.[format] : undefined
  if (other) {
    const text = await call(other.call, argsOf(route, request))
    return reply
      .type(other.type)
      .header('content-disposition', `attachment; filename="${other.filename}"`)
      .send(text)
  }
  const result = await call(route.call!, argsOf(route, request))
  if (route.status === 204) return reply.status(204).send()
  if (route.status) reply.status(route.status)
  return route.wrap ? { [route.wrap]: result } : result
}

/** The routes whose answers the table names but cannot say as data (see ApiRoute.special). */
function specials(
  d: ApiDeps
): Record<
  NonNullable<ApiRoute['special']>,
  (route: ApiRoute, req: Request, reply: FastifyReply) => Promise<unknown>
> {
  return {
    // A schedule range can be megabytes: sent in pieces so other requests are served meanwhile.
    stream: async (route, req, reply) => {
      const dto = (await answer(route, d.api, req, reply)) as ScheduleRangeDto
      return reply.type('application/json; charset=utf-8').send(Readable.from(scheduleJson(dto)))
    },
    attach: async (route, req, reply) => {
      const { uuid } = req.params
      const body = viewerAttachRequest.parse(req.body)
      if (body.purpose === 'viewer') d.admitViewer(uuid!)
      const clientInfo = {
        ...body.client,
        address: req.ip,
        userAgent: req.headers['user-agent'] ?? null
      }
      return reply
        .status(route.status ?? 201)
        .send(await d.api.attach(uuid!, body.purpose, clientInfo))
    },
    // Public: counts, the station's time and its mode, for monitors and start-up scripts.
    health: async () => {
      const [health, mode] = await Promise.all([d.api.health(), d.api.mode()])
      return { ...health, stationTime: formatInstant(d.clock.now()), mode: mode.mode }
    },
    events: async () => {
      throw new ApiError(
        426,
        'upgrade_required',
        'the event stream is a WebSocket: connect with ws:// and ?access_token='
      )
    },
    import: async (_route, req, reply) =>
      handOffImport(d.importer, stationImportRequest.parse(req.body), reply)
  }
}

/** Registers every route of the API table. */
export function apiRoutes(d: ApiDeps) {
  return (scope: FastifyInstance): void => {
    const app = scope.withTypeProvider<ZodTypeProvider>()
    const routes = Object.entries(API_ROUTES) as Array<[ApiRouteName, ApiRoute]>
    const byRoute = new Map(routes.map(([, r]) => [`${r.method} ${r.path}`, r]))
    // A GET route's HEAD twin (Fastify adds one) is checked as the GET.
    app.setValidatorCompiler(
      validatorOf((method, url) => byRoute.get(`${method === 'HEAD' ? 'GET' : method} ${url}`))
    )
    const special = specials(d)
    for (const [name, route] of routes) {
      // No body key on a route without one: Fastify would warn of a HEAD route whose body schema is missing.
      const schema = {
        params: paramsSchema(route.path),
        querystring: route.query ?? unreadQuery,
        ...(route.body ? { body: route.body } : {})
      }
      const config = { access: route.access ?? 'token', apiRoute: name } as const
      if (route.special === 'events') {
        // A snapshot first, then coalesced changes, as JSON StationEvents; anything the client sends is
        // ignored. Browsers cannot set headers on a WebSocket: this route alone also takes ?access_token=.
        app.route({
          method: route.method,
          url: route.path,
          schema,
          config: { ...config, upgrade: true },
          handler: async (req, reply) => special.events(route, req, reply),
          wsHandler: (socket) => {
            if (d.stopping()) {
              socket.close(1001, 'the station is stopping')
              return
            }
            const send = (event: StationEvent) => {
              if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event))
            }
            const unsubscribe = d.api.subscribe(send)
            // The beat says the station still answers when it has nothing to tell (see EVENT_SILENCE_MS).
            const beat = setInterval(() => {
              if (socket.readyState === socket.OPEN) socket.send(HEARTBEAT)
            }, EVENT_HEARTBEAT_MS)
            const end = () => {
              clearInterval(beat)
              unsubscribe()
            }
            socket.on('close', end)
            socket.on('error', end)
          }
        })
        continue
      }
      app.route({
        method: route.method,
        url: route.path,
        schema,
        config,
        handler: async (req, reply) =>
          route.special
            ? special[route.special](route, req, reply)
            : answer(route, d.api, req, reply)
      })
    }
  }
}
