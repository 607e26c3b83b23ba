// The channels as viewers' software sees them: a number each, a stable guide id, and URLs built
// for the address the client used (or the configured public URL).
import type { FastifyRequest } from 'fastify'
import type { ChannelInfo } from '../../shared/domain'
import { normalHost } from '../access'
import { badRequest } from '../errors'
import { escapeXml } from './xml'

export interface ViewerChannel {
  info: ChannelInfo
  /** tvg-chno, GuideNumber: the station file's number, else one derived from creation order. */
  number: string
  /**
   * The guide id (tvg-id, XMLTV channel id): `<slug>.<station>.retrovue`, dotted and globally unique
   * as XMLTV wants (tv_validate_file refuses anything else), and kept by re-imports and renumbering.
   */
  guideId: string
  /** What stream URLs name the channel by: its number when the station file sets one, else its slug. */
  urlId: string
}

const byNumber = (a: ViewerChannel, b: ViewerChannel): number => {
  const [am = 0, an = 0] = a.number.split('.').map(Number)
  const [bm = 0, bn = 0] = b.number.split('.').map(Number)
  return am - bm || an - bn || a.info.name.localeCompare(b.info.name)
}

/** A channel's guide id: its slug (letters, digits, hyphens) within this station's id. */
export function guideIdOf(slug: string, stationId: string): string {
  return `${slug}.${stationId.toLowerCase()}.retrovue`
}

/**
 * Numbers every channel: its own number when the station file gives one; otherwise its place in
 * creation order (1, 2, ...), or the next number free above it when that one is taken. Setting a
 * number on one channel therefore never renumbers another. Sorted by number. `stationId` makes the
 * guide ids unique to this station (the HDHomeRun DeviceID, kept in the data folder).
 */
export function viewerChannels(channels: ChannelInfo[], stationId: string): ViewerChannel[] {
  const taken = new Set(channels.flatMap((c) => (c.number ? [c.number] : [])))
  const out = channels.map((info, i) => {
    const guideId = guideIdOf(info.slug, stationId)
    if (info.number) return { info, number: info.number, guideId, urlId: info.number }
    let n = i + 1
    while (taken.has(String(n))) n++
    taken.add(String(n))
    return { info, number: String(n), guideId, urlId: info.slug }
  })
  return out.sort(byNumber)
}

/**
 * Where a channel's logo is, under the viewers' /iptv root: its own PNG when it has one, else a
 * generated picture (its number and name), so every channel has one in the M3U and the guide.
 */
export function logoPath(c: ViewerChannel): string {
  return `/channels/${encodeURIComponent(c.urlId)}/logo.${c.info.logo ? 'png' : 'svg'}`
}

/** The generated logo: the channel's number over its name, on a colour its slug picks. */
export function generatedLogoSvg(c: ViewerChannel): string {
  let hue = 0
  for (const ch of c.info.slug) hue = (hue * 31 + ch.charCodeAt(0)) % 360
  const name = c.info.name.length > 18 ? `${c.info.name.slice(0, 17)}\u2026` : c.info.name
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
    `<rect width="256" height="256" rx="32" fill="hsl(${hue},45%,30%)"/>`,
    `<text x="128" y="140" font-family="sans-serif" font-size="96" font-weight="bold" fill="#fff" text-anchor="middle">${escapeXml(c.number)}</text>`,
    `<text x="128" y="206" font-family="sans-serif" font-size="26" fill="#fff" text-anchor="middle">${escapeXml(name)}</text>`,
    '</svg>',
    ''
  ].join('\n')
}

/** A channel by number (its own or derived), then slug, then uuid; undefined when none matches. */
export function findChannel(channels: ViewerChannel[], id: string): ViewerChannel | undefined {
  const lower = id.toLowerCase()
  return (
    channels.find((c) => c.number === id) ??
    channels.find((c) => c.info.slug === lower) ??
    channels.find((c) => c.info.uuid.toLowerCase() === lower)
  )
}

/**
 * Where viewers reach the station: the configured public URL, else http:// and the Host the client
 * used (validated: a forged Host can only change the client's own answer), else the local address
 * the request came in on (HTTP/1.0 clients send no Host).
 */
export function requestOrigin(req: FastifyRequest, publicUrl: string | null): string {
  if (publicUrl) return publicUrl
  const host = req.headers.host
  if (host !== undefined) {
    const normal = normalHost(host)
    if (!normal)
      throw badRequest(
        'the Host header is not a host name or address with an optional port',
        'invalid_host'
      )
    return `http://${normal}`
  }
  const addr = req.socket.localAddress ?? '127.0.0.1'
  const ip = addr.replace(/^::ffff:/, '')
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${req.socket.localPort ?? 80}`
}
