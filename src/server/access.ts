// Who may use a route is decided on the route the router matched, never on the spelling of the
// URL: each route says its access in its config, and one hook checks it after routing. Encodings,
// case, doubled slashes or dot segments either reach a route (and its access) or reach nothing.
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from './errors'

/**
 * public: anyone (health, the console's files); token: the API token (the default);
 * stream: a viewer's URL, where the session id in the path is the credential;
 * viewer: viewers' software (M3U, XMLTV, channel streams, HDHomeRun): no token, and when the
 * station has a stream key, only the routes with the key in their path, presented correctly;
 * metrics: the API token or the read-only metrics token (`--metrics-token`), as Bearer.
 */
export type RouteAccess = 'public' | 'token' | 'stream' | 'viewer' | 'metrics'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
    /** A WebSocket route: takes the upgrade and, as browsers cannot set headers there, `?access_token=`. */
    upgrade?: boolean
  }
}

/** The desktop app's console (a privileged custom scheme in Electron). */
export const DESKTOP_ORIGIN = 'retrovue://console'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/** Equal-time comparison: hashing first means neither the content nor the length leaks through timing. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest()
  return crypto.timingSafeEqual(digest(expected), digest(presented))
}

function presentedToken(req: FastifyRequest, queryAllowed: boolean): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')
  if (m) return m[1]
  if (!queryAllowed) return undefined
  const t = (req.query as Record<string, unknown> | undefined)?.['access_token']
  return typeof t === 'string' ? t : undefined
}

/** host[:port] as a URL would normalize it (lower case, default port dropped); null when malformed. */
export function normalHost(host: string, scheme = 'http:'): string | null {
  try {
    const u = new URL(`${scheme}//${host}`)
    return u.username || u.password || u.pathname !== '/' || u.search || u.hash ? null : u.host
  } catch {
    return null
  }
}

/** The console's own origin (same scheme-less host as the request) or the desktop app's. */
function originAllowed(origin: string, host: string | undefined): boolean {
  if (origin === DESKTOP_ORIGIN) return true
  if (!host) return false
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return false // "null" (sandboxed frames, file://) and garbage
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== origin.toLowerCase())
    return false
  return normalHost(host, u.protocol) === u.host
}

/** When bound to loopback, the names the station answers to: anything else is DNS rebinding. */
function loopbackHosts(app: FastifyInstance): Set<string> | null {
  const addr = app.server.address()
  if (!addr || typeof addr !== 'object') return null
  const ip = addr.address.replace(/^::ffff:/, '')
  if (!ip.startsWith('127.') && ip !== '::1') return null
  return new Set(
    LOOPBACK_NAMES.map((n) => normalHost(`${n}:${addr.port}`)).filter(
      (h): h is string => h !== null
    )
  )
}

/**
 * The access hook: Host (DNS rebinding, when on loopback), Origin (state changes and WebSocket
 * upgrades from other sites), then the route's own access. Unknown routes answer 404 to anyone.
 */
/**
 * The stream key, decided on the matched route: a viewer route whose pattern has a `:key` segment
 * answers only with a stream key set and presented (compared in equal time); one without answers
 * only when no key is set. Either refusal is the 404 of a URL that does not exist.
 */
function checkStreamKey(req: FastifyRequest, streamKey: string | null): void {
  const params = (req.params ?? {}) as Record<string, unknown>
  const keyed = Object.hasOwn(params, 'key')
  const presented = typeof params['key'] === 'string' ? params['key'] : undefined
  const ok = streamKey === null ? !keyed : keyed && tokenMatches(streamKey, presented)
  if (!ok)
    throw new ApiError(
      404,
      'not_found',
      'no such viewer URL (with a stream key set, viewer URLs start /iptv/<key>/)'
    )
}

export function registerAccessControl(
  app: FastifyInstance,
  apiToken: string,
  streamKey: string | null = null,
  metricsToken: string | null = null
): void {
  // The bound address is known once listening and never changes after; undefined until then.
  let allowedHosts: Set<string> | null | undefined
  app.addHook('onRequest', async (req) => {
    if (allowedHosts === undefined && app.server.listening) allowedHosts = loopbackHosts(app)
    const host = req.headers.host
    if (host === undefined && req.raw.httpVersion === '1.1')
      throw new ApiError(400, 'missing_host', 'an HTTP/1.1 request must send a Host header')
    // A request without Host (HTTP/1.0) cannot come from a browser, so it is no rebinding.
    if (allowedHosts && host !== undefined && !allowedHosts.has(normalHost(host) ?? '')) {
      throw new ApiError(
        403,
        'forbidden_host',
        'this station answers only to localhost, 127.0.0.1 or [::1] with its port'
      )
    }
    const origin = req.headers.origin
    const websocket = /websocket/i.test(req.headers.upgrade ?? '')
    if (
      origin !== undefined &&
      (STATE_CHANGING.has(req.method) || websocket) &&
      !originAllowed(origin, host)
    ) {
      throw new ApiError(
        403,
        'forbidden_origin',
        'requests from another site may not change the station or open its event stream'
      )
    }
    if (req.is404) return
    const config = req.routeOptions.config
    if ((req.raw as { upgrade?: boolean }).upgrade === true && !config.upgrade)
      throw new ApiError(
        400,
        'upgrade_not_supported',
        'this route does not take a connection upgrade'
      )
    if (config.access === 'viewer') return checkStreamKey(req, streamKey)
    if (config.access === 'metrics') {
      const presented = presentedToken(req, false)
      if (
        tokenMatches(apiToken, presented) ||
        (metricsToken !== null && tokenMatches(metricsToken, presented))
      )
        return
      throw new ApiError(
        401,
        'unauthorized',
        'missing or wrong token: send Authorization: Bearer <the API token or the --metrics-token>'
      )
    }
    if ((config.access ?? 'token') !== 'token') return
    if (!tokenMatches(apiToken, presentedToken(req, config.upgrade === true))) {
      throw new ApiError(
        401,
        'unauthorized',
        'missing or wrong API token: send Authorization: Bearer <token from <data-dir>/api-token> (only the event stream also takes ?access_token=)'
      )
    }
  })
}
