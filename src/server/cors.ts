// Cross-origin reads for viewers' software: a web player on another site (a station's own page, a
// CDN, a web IPTV player) reads the token-free viewer routes (/iptv/*, the HDHomeRun files) and the
// session streams (/streams/*) with hls.js or fetch. Decided on the route the router matched (its
// access level), never on the URL's spelling: the API, the console and unknown URLs never get a CORS
// header, so another site can still not read anything a token guards.
//
// No credentials are ever allowed (no cookies exist here; the stream key and session ids are in the
// URL the page already holds), so `*` is safe for these routes and is the default.
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Which sites' pages may read the viewer routes: any (`*`), or these origins (none when empty). */
export type CorsOrigins = '*' | readonly string[]

export const DEFAULT_CORS_ORIGINS: CorsOrigins = '*'

/** What `--cors-origins` takes: `*`, `none`, or origins separated by commas. */
export const CORS_ORIGINS_RULE =
  '"*" (any site), "none", or a comma-separated list of origins such as https://tv.example.com'

/**
 * An origin as browsers send it (scheme, host, optional port; lower case, no default port, no
 * path), or null when the text is not one.
 */
export function canonicalOrigin(text: string): string | null {
  if (!/^https?:\/\/[^/?#\s]+$/i.test(text)) return null
  try {
    const u = new URL(text)
    return u.username || u.password ? null : u.origin
  } catch {
    return null
  }
}

/** `--cors-origins` parsed; throws naming the bad entry. */
export function parseCorsOrigins(text: string): CorsOrigins {
  const t = text.trim()
  if (t === '*') return '*'
  if (t.toLowerCase() === 'none') return []
  const out: string[] = []
  for (const entry of t.split(',')) {
    const origin = canonicalOrigin(entry.trim())
    if (!origin)
      throw new Error(`"${entry.trim().slice(0, 100)}" is not an origin: ${CORS_ORIGINS_RULE}`)
    if (!out.includes(origin)) out.push(origin)
  }
  return out
}

/** The routes another site's page may read: the viewer routes and the session streams. */
export function corsOpen(config: FastifyContextConfig | undefined): boolean {
  return config?.access === 'viewer' || config?.access === 'stream'
}

const PREFLIGHT_MAX_AGE_S = 600
/** Request headers a player may send (hls.js's byte ranges, revalidation); nothing else is asked for. */
const ALLOWED_HEADERS = 'Range, If-None-Match, If-Modified-Since, Cache-Control'
const EXPOSED_HEADERS = 'ETag, Retry-After, Content-Length, Content-Range'

/** The Access-Control-Allow-Origin value for a request's Origin, or null when that site may not read. */
function allowOrigin(origins: CorsOrigins, origin: string | undefined): string | null {
  if (origin === undefined) return null
  if (origins === '*') return '*'
  return origins.includes(origin.toLowerCase()) ? origin : null
}

function corsHeaders(origins: CorsOrigins, req: FastifyRequest, reply: FastifyReply): void {
  // A list makes the answer depend on the Origin: caches must keep one per origin.
  if (origins !== '*') reply.header('vary', 'Origin')
  const allowed = allowOrigin(origins, req.headers.origin)
  if (!allowed) return
  reply.header('access-control-allow-origin', allowed)
  reply.header('access-control-expose-headers', EXPOSED_HEADERS)
}

/** CORS headers on every answer of an open route (errors included, so a page can read why). */
export function registerCorsHeaders(app: FastifyInstance, origins: CorsOrigins): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.is404 && corsOpen(req.routeOptions.config)) corsHeaders(origins, req, reply)
    return payload
  })
}

/**
 * An OPTIONS route beside each open route, answering preflights with 204. Call once every route
 * module is registered; `routes` is what the app's onRoute hook collected.
 */
export function registerPreflights(
  app: FastifyInstance,
  origins: CorsOrigins,
  routes: ReadonlyArray<{ url: string; method: string | string[]; config?: FastifyContextConfig }>
): void {
  // One OPTIONS route per URL that has a GET, with that route's access (a keyed URL's preflight needs the key too).
  const done = new Set<string>()
  for (const r of [...routes]) {
    const methods = Array.isArray(r.method) ? r.method : [r.method]
    if (!methods.includes('GET') || !corsOpen(r.config) || done.has(r.url)) continue
    done.add(r.url)
    app.options(r.url, { config: { access: r.config!.access } }, async (req, reply) => {
      reply.header('allow', 'GET, HEAD, OPTIONS')
      if (allowOrigin(origins, req.headers.origin)) {
        reply
          .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
          .header('access-control-allow-headers', ALLOWED_HEADERS)
          .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
      }
      return reply.code(204).send()
    })
  }
}
