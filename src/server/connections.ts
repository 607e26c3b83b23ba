// Hostile clients: every connection times out when it stalls (one that never sends a request is
// closed after the headers timeout), and connections are capped (all clients, and per remote
// address) below what the process's file descriptors allow, so a flood of idle sockets can never
// starve the station of descriptors for its outputs; a share of them is kept for the operator, so
// neither can it lock the console and the API out. Past the caps the client gets a short 503.
import fs from 'node:fs'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { z } from 'zod'
import { ApiError, rawErrorResponse } from './errors'
import { describeIssues } from '../shared/issues'

export interface HttpLimits {
  /** A client must send its request headers within this long (slow or silent clients). */
  headersTimeoutMs: number
  /** ... and the whole request, body included, within this long. */
  requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this long between requests. */
  keepAliveTimeoutMs: number
  /** A connection with no traffic either way for this long is closed; longer than a playlist's first-segment wait. */
  idleTimeoutMs: number
  /** Connections open at once, all clients together. */
  maxConnections: number
  /** Connections open at once from one remote address (the operator's reserve aside). */
  maxConnectionsPerAddress: number
  /**
   * Of maxConnections, how many are kept for the operator (requests with the API token; the
   * console's files and health are answered from it too). Default: an eighth, at least 8.
   */
  operatorReserve?: number
}

/** When /proc is not there to ask (macOS, Windows). */
const FALLBACK_FD_LIMIT = 1024
/** Descriptors kept for everything else: the database, producers' pipes and outputs, watchers, logs. */
const FD_RESERVE = 64

/** The soft limit on open files (Linux: /proc/self/limits; Node raises it to the hard limit at start). */
export function fdSoftLimit(): number {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
    if (soft === 'unlimited') return Number.POSITIVE_INFINITY
    const n = Number(soft)
    return Number.isInteger(n) && n > 0 ? n : FALLBACK_FD_LIMIT
  } catch {
    return FALLBACK_FD_LIMIT
  }
}

/** Caps from a descriptor limit: each connection may hold a second descriptor (a segment being sent). */
export function connectionCaps(
  fdLimit: number
): Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress'> {
  const maxConnections = Math.min(4096, Math.max(16, Math.floor((fdLimit - FD_RESERVE) / 2)))
  return { maxConnections, maxConnectionsPerAddress: Math.max(8, Math.floor(maxConnections / 4)) }
}

export function defaultHttpLimits(): HttpLimits {
  return {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    ...connectionCaps(fdSoftLimit())
  }
}

const ms = z.number().int().min(1).max(3_600_000)
const limitsSchema = z.strictObject({
  headersTimeoutMs: ms.optional(),
  requestTimeoutMs: ms.optional(),
  keepAliveTimeoutMs: ms.optional(),
  idleTimeoutMs: ms.optional(),
  maxConnections: z.number().int().min(1).max(100_000).optional(),
  maxConnectionsPerAddress: z.number().int().min(1).max(100_000).optional(),
  operatorReserve: z.number().int().min(1).max(100_000).optional()
})

export const HTTP_LIMITS_ENV = 'RETROVUE_HTTP_LIMITS'

/** Overrides from RETROVUE_HTTP_LIMITS (a JSON object of HttpLimits fields), for tests and unusual sites. */
export function httpLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<HttpLimits> {
  const text = env[HTTP_LIMITS_ENV]
  if (!text) return {}
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${HTTP_LIMITS_ENV} must be a JSON object, e.g. {"idleTimeoutMs":30000}`)
  }
  const result = limitsSchema.safeParse(json)
  if (!result.success) throw new Error(`${HTTP_LIMITS_ENV}: ${describeIssues('', result.error)}`)
  return Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined))
}

export function resolveLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...defaultHttpLimits(), ...overrides }
  // Node refuses a headers timeout longer than the whole-request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new Error('headersTimeoutMs must not exceed requestTimeoutMs')
  if (limits.operatorReserve !== undefined && limits.operatorReserve >= limits.maxConnections)
    throw new Error('operatorReserve must be less than maxConnections')
  return limits
}

/** Node http server options for the limits (Fastify sets the rest from its own options). */
export function nodeServerOptions(limits: HttpLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node would answer an HTTP/1.1 request without Host with an empty 400: the access hook answers it in the API's shape.
    requireHostHeader: false,
    // How often Node looks for requests past their timeouts; the default (30 s) would stretch them.
    connectionsCheckingInterval: Math.max(
      100,
      Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))
    )
  }
}

const addressOf = (socket: Socket) => (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '')

/**
 * Where a connection stands. viewer: admitted within the shared caps (anyone's traffic); trial:
 * admitted into the operator's reserve, not yet shown to be the operator's; operator: a trial
 * connection that carried a request with the API token.
 */
type Standing = 'viewer' | 'trial' | 'operator'

interface Connection {
  socket: Socket
  address: string
  standing: Standing
  /** Why it is on trial: the cap it was past (the refusal's wording, should it come to that). */
  past: 'station' | 'address'
  /** A request on it is being answered (such a connection is never evicted). */
  busy: boolean
  released: boolean
}

const TOO_MANY = {
  station: 'the station has too many open connections; close some and retry',
  address: 'too many open connections from your address; close some and retry'
} as const

/** Reserve kept for the operator by default: an eighth of all connections, at least 8. */
export const reserveFor = (maxConnections: number) =>
  Math.min(maxConnections - 1, Math.max(8, Math.floor(maxConnections / 8)))

/**
 * Counts connections as they open and close, with a reserve kept for the operator, so that no
 * flood of viewers or idle sockets locks the console and the API out:
 *
 * - Everyone shares maxConnections minus the reserve, at most maxConnectionsPerAddress from one address.
 * - Past either cap a connection goes into the reserve on trial. Its requests are decided on the
 *   route the router matched: one with the API token makes it the operator's connection (kept);
 *   the console's public files and health are answered and the connection closed; anything else
 *   gets a 503. A full reserve makes room by closing its oldest trial connection with no request
 *   under way (a silent or idle socket), so new connections always get their turn at the reserve.
 * - Past maxConnections altogether (descriptors), and with nothing to make room, a 503 at once.
 *
 * A refused socket's requests never reach a route (the hook below drops them), whatever the
 * client sent with it.
 */
export function guardConnections(
  app: FastifyInstance,
  limits: HttpLimits,
  log: FastifyBaseLogger
): void {
  const server: Server = app.server
  const reserve = limits.operatorReserve ?? reserveFor(limits.maxConnections)
  const shared = limits.maxConnections - reserve
  const perAddress = new Map<string, number>()
  const connections = new WeakMap<Socket, Connection>()
  /** Trial connections, oldest first. */
  const trials = new Set<Connection>()
  const refused = new WeakSet<Socket>()
  let viewers = 0
  let reserved = 0
  let quiet = false

  const warn = (address: string, why: string) => {
    if (quiet) return
    // Once per burst: a flood must not flood the log as well.
    quiet = true
    setTimeout(() => (quiet = false), 10_000).unref()
    log.warn({ address, viewers, reserved, reserve, ...limitsSummary(limits) }, why)
  }

  const refuse = (socket: Socket, message: string) =>
    socket.end(
      rawErrorResponse(503, 'Service Unavailable', 'too_many_connections', message, {
        'Retry-After': '5'
      }),
      () => socket.destroy()
    )

  const release = (c: Connection) => {
    if (c.released) return
    c.released = true
    trials.delete(c)
    if (c.standing !== 'viewer') reserved--
    else {
      viewers--
      const n = (perAddress.get(c.address) ?? 1) - 1
      if (n > 0) perAddress.set(c.address, n)
      else perAddress.delete(c.address)
    }
  }

  /** Closes the oldest trial connection with no request under way; false when there is none. */
  const evictTrial = (): boolean => {
    for (const c of trials) {
      if (c.busy) continue
      release(c)
      refused.add(c.socket)
      refuse(c.socket, TOO_MANY[c.past])
      return true
    }
    return false
  }

  server.prependListener('connection', (socket: Socket) => {
    const address = addressOf(socket)
    const fromAddress = perAddress.get(address) ?? 0
    let c: Connection
    if (viewers < shared && fromAddress < limits.maxConnectionsPerAddress) {
      c = { socket, address, standing: 'viewer', past: 'station', busy: false, released: false }
      viewers++
      perAddress.set(address, fromAddress + 1)
    } else {
      const past = viewers < shared ? 'address' : 'station'
      if (reserved >= reserve && !evictTrial()) {
        refused.add(socket)
        warn(address, 'refusing connections: too many open')
        refuse(socket, TOO_MANY[past])
        return
      }
      warn(address, "connections past the caps: only the operator's are kept")
      c = { socket, address, standing: 'trial', past, busy: false, released: false }
      reserved++
      trials.add(c)
    }
    connections.set(socket, c)
    socket.once('close', () => release(c))
  })

  app.addHook('onRequest', async (req, reply) => {
    const socket = req.raw.socket
    if (refused.has(socket)) {
      reply.hijack()
      socket.destroy()
      return
    }
    const c = connections.get(socket)
    if (c) c.busy = true
  })

  // After the access hook: a request that reaches here has passed it (a token route: a valid token).
  app.addHook('preHandler', async (req) => {
    const c = connections.get(req.raw.socket)
    if (c?.standing !== 'trial' || req.is404) return
    const access = req.routeOptions.config.access ?? 'token'
    if (access === 'token') {
      c.standing = 'operator'
      trials.delete(c)
    } else if (access !== 'public') {
      throw new ApiError(503, 'too_many_connections', TOO_MANY[c.past], 5)
    }
  })

  app.addHook('onSend', async (req, reply) => {
    // A trial connection carries one request (the console's files, health, a refusal) and closes.
    if (connections.get(req.raw.socket)?.standing === 'trial') reply.header('connection', 'close')
  })

  app.addHook('onResponse', async (req) => {
    const c = connections.get(req.raw.socket)
    if (c) c.busy = false
  })

  // With descriptors exhausted, accept() fails and Node reports it on the server, where an error
  // with no listener would end the process: logged instead. (Listen errors still reject listen().)
  server.on('error', (err: NodeJS.ErrnoException) =>
    log.error({ code: err.code, syscall: err.syscall }, 'http server error')
  )
}

const limitsSummary = (l: HttpLimits) => ({
  maxConnections: l.maxConnections,
  maxConnectionsPerAddress: l.maxConnectionsPerAddress
})
