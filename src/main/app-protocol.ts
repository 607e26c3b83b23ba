// The console's origin, retrovue://console: serves the built renderer's files and forwards
// `/streams/*` (and nothing else) to the engine's HTTP server, so previews play from the page's own
// origin with the token-free session URLs the engine hands out. The API is never reachable here:
// the window talks to the engine over IPC only. Plain module: main passes the fetch and the paths.
import fs from 'node:fs/promises'
import path from 'node:path'

export const APP_SCHEME = 'retrovue'
export const APP_HOST = 'console'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const CONSOLE_URL = `${APP_ORIGIN}/index.html`

/**
 * The console's Content Security Policy, sent with every response (index.html carries a looser copy
 * for the browser build, which also needs WebSockets). hls.js needs blob: for its worker and for
 * MediaSource; nothing is ever evaluated from a string.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm'
}

/** A session's playlist or one of its segments: /streams/<session>/index.m3u8, /streams/<session>/<producer>/<file>. */
const STREAM_PATH = /^\/streams(\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}){2,3}$/
/** Request headers a player needs upstream; nothing else of the window's leaves it. */
const FORWARD_REQUEST = ['range', 'accept']
const FORWARD_RESPONSE = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'cache-control',
  'last-modified',
  'etag'
]

export interface AppProtocolOptions {
  /** The built renderer (out/renderer). */
  rendererRoot: string
  /** The engine's HTTP origin (http://127.0.0.1:PORT) once it runs, else null. */
  engineOrigin: () => string | null
  fetch: (url: string, init: RequestInit) => Promise<Response>
  readFile?: (file: string) => Promise<Uint8Array<ArrayBuffer>>
}

const plain = (status: number, text: string, extra: Record<string, string> = {}) =>
  new Response(text, {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      ...extra
    }
  })

export function createAppProtocolHandler(
  options: AppProtocolOptions
): (request: Request) => Promise<Response> {
  const root = path.resolve(options.rendererRoot)
  const readFile = options.readFile ?? ((file: string) => fs.readFile(file))

  const forward = async (request: Request, url: URL): Promise<Response> => {
    const origin = options.engineOrigin()
    if (!origin) return plain(503, 'the station engine is not running')
    const headers: Record<string, string> = {}
    for (const name of FORWARD_REQUEST) {
      const value = request.headers.get(name)
      if (value !== null) headers[name] = value
    }
    let upstream: Response
    try {
      upstream = await options.fetch(`${origin}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        redirect: 'manual'
      })
    } catch {
      return plain(502, 'the station engine did not answer')
    }
    const out = new Headers({ 'x-content-type-options': 'nosniff' })
    for (const name of FORWARD_RESPONSE) {
      const value = upstream.headers.get(name)
      if (value !== null) out.set(name, value)
    }
    return new Response(request.method === 'HEAD' ? null : upstream.body, {
      status: upstream.status,
      headers: out
    })
  }

  const serveFile = async (url: URL): Promise<Response> => {
    let relative: string
    try {
      relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)
    } catch {
      return plain(400, 'bad path')
    }
    const file = path.resolve(root, `.${relative}`)
    const rel = path.relative(root, file)
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || relative.includes('\0'))
      return plain(404, 'not found')
    let body: Uint8Array<ArrayBuffer>
    try {
      body = await readFile(file)
    } catch {
      return plain(404, 'not found')
    }
    return new Response(body, {
      status: 200,
      headers: {
        'content-type':
          CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache'
      }
    })
  }

  return async (request) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return plain(400, 'bad url')
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'not found')
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return plain(405, 'method not allowed', { allow: 'GET, HEAD' })
    if (url.pathname.startsWith('/streams/'))
      return STREAM_PATH.test(url.pathname) ? forward(request, url) : plain(404, 'not found')
    return serveFile(url)
  }
}

/** Whether a frame at this URL is our console (or, unpackaged, the renderer's dev server). */
export function isConsoleUrl(url: string, devServerUrl?: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  // WHATWG URL gives custom schemes an opaque ("null") origin, so compare scheme and host.
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true
  if (!devServerUrl) return false
  try {
    return u.origin === new URL(devServerUrl).origin && u.origin !== 'null'
  } catch {
    return false
  }
}
