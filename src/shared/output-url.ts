// Push destinations: the URL of an RTMP or SRT ingest a channel is sent to (nginx-rtmp, SRS,
// MediaMTX, a CDN). The URL carries a secret (the RTMP stream key, SRT's passphrase or streamid,
// user:password), so everything outside the store sees only its redacted form.
import { z } from 'zod'

/** The schemes we push to, and the container each carries. */
export const OUTPUT_SCHEMES = { 'rtmp:': 'flv', 'rtmps:': 'flv', 'srt:': 'mpegts' } as const
export type OutputScheme = keyof typeof OUTPUT_SCHEMES

/** Outputs per channel (the station file and the API alike): each is an ffmpeg and a connection. */
export const MAX_OUTPUTS_PER_CHANNEL = 8

/** SRT query parameters that are secrets. */
const SRT_SECRETS = new Set(['passphrase', 'streamid', 'pbkeylen'])
const HIDDEN = '****'

/** Why a destination URL cannot be used, or null when it can. */
export function outputUrlProblem(text: string): string | null {
  if (text.length > 2000) return 'must be at most 2000 characters'
  if ([...text].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f))
    return 'must not contain spaces or control characters'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute URL such as rtmp://host/app/key or srt://host:port'
  }
  if (!(url.protocol in OUTPUT_SCHEMES))
    return `must be an rtmp://, rtmps:// or srt:// URL (not ${url.protocol}//)`
  // ffmpeg looks protocols up as written: RTMP:// would never connect.
  if (!text.startsWith(url.protocol))
    return `must spell its scheme in lower case (${url.protocol}//)`
  if (!url.hostname) return 'must name a host'
  if (url.protocol === 'srt:') {
    if (!url.port) return 'an srt:// URL must give a port (srt://host:port)'
  } else {
    // rtmp://host[:port]/app/key: the application and the stream key are both required.
    const parts = url.pathname.split('/').filter(Boolean)
    if (parts.length < 2)
      return 'an rtmp:// URL must name the application and the stream key (rtmp://host/app/key)'
  }
  return null
}

export const outputUrl = z
  .string({ error: 'must be a push URL (rtmp://host/app/key or srt://host:port)' })
  .superRefine((text, ctx) => {
    const problem = outputUrlProblem(text)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/**
 * The URL as logs, the API and the console show it: scheme, host, port and the RTMP application,
 * with the stream key, credentials and SRT secrets hidden (the key's last two characters stay, so
 * an operator can tell two keys apart).
 */
export function redactOutputUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return HIDDEN
  }
  const auth = url.username || url.password ? `${HIDDEN}@` : ''
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname
  let pathPart: string
  if (url.protocol === 'srt:') {
    pathPart = url.pathname === '/' ? '' : url.pathname
  } else {
    const [app, ...key] = url.pathname.split('/').filter(Boolean)
    const secret = key.join('/')
    pathPart = `/${app ?? ''}/${secret.length > 6 ? `${HIDDEN}${secret.slice(-2)}` : HIDDEN}`
  }
  const query = queryParams(text)
    .map(
      ([k, v]) =>
        `${k}=${url.protocol === 'srt:' && !SRT_SECRETS.has(k.toLowerCase()) ? v : HIDDEN}`
    )
    .join('&')
  return `${url.protocol}//${auth}${host}${pathPart}${query ? `?${query}` : ''}`
}

/**
 * The query's parameters as written, split by hand: SRT's streamid often starts with `#`, which
 * the URL parser takes for a fragment (and everything after it with it).
 */
function queryParams(text: string): Array<[string, string]> {
  const q = text.indexOf('?')
  if (q < 0) return []
  return text
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=')
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)]
    })
}

/** Whether two URLs name the same destination (host names compared without case; the rest as written). */
export function sameDestination(a: string, b: string): boolean {
  const key = (text: string) => {
    try {
      const u = new URL(text)
      return `${u.protocol}//${u.username}:${u.password}@${u.hostname.toLowerCase()}:${u.port}${u.pathname}${u.search}`
    } catch {
      return text
    }
  }
  return key(a) === key(b)
}

/** Every secret substring of the URL, for scrubbing text that may quote it (a tool's error message). */
function outputUrlSecrets(text: string): string[] {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return [text]
  }
  const secrets = [text, url.username, url.password]
  if (url.protocol !== 'srt:')
    secrets.push(
      url.pathname.split('/').filter(Boolean).slice(1).join('/'),
      url.search.slice(1),
      url.hash.slice(1)
    )
  for (const [k, v] of queryParams(text))
    if (url.protocol !== 'srt:' || SRT_SECRETS.has(k.toLowerCase())) secrets.push(v)
  // Raw and decoded forms: a tool may quote either.
  const decoded = secrets.map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  })
  return [...new Set([...secrets, ...decoded])]
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length)
}

/** Replaces any secret of the URL in `text` (longest first) with the redacted form. */
export function scrubOutputUrl(text: string, url: string): string {
  let out = text.split(url).join(redactOutputUrl(url))
  for (const s of outputUrlSecrets(url)) out = out.split(s).join(HIDDEN)
  return out
}
