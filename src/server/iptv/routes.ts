// Viewers' software, without the API token or any prior call: the M3U channel list and the XMLTV
// guide, each channel's HLS and continuous MPEG-TS URL, and HDHomeRun emulation for media servers.
// Every route is registered twice: at its plain path, answering while no stream key is set, and
// under /iptv/<key>/, answering only with the key (access.ts decides, on the matched route).
//
// Sessions: an HLS URL opens a viewer session for the client and redirects to the session's own
// playlist, which the player then polls (one session however long it watches; a player that comes
// back to the channel URL while its session lives gets the same one). A .ts response is one
// session from its first byte to the client's disconnect. Either way the channel's one producer
// feeds it, and inactivity ends a session like any other. The shared HLS under /iptv/live/ (live.ts)
// has no session in its URL and holds one session per channel, for a caching proxy or CDN.
//
// No error from these routes is ever cached (no-store): a 404 or 503 is true only for now.
import fs from 'node:fs'
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StationRuntime } from '../engine'
import type { ChannelInfo } from '../../shared/domain'
import type { MasterClock } from '../../shared/clock'
import type { HttpEngine } from '../../shared/api-routes'
import type { CorsOrigins } from '../cors'
import { notFound } from '../errors'
import type { ChannelTimelines } from '../timeline'
import { AddressViewers, checkViewerLimits, type ViewerLimits } from '../viewer-limits'
import {
  findChannel,
  generatedLogoSvg,
  requestOrigin,
  type ViewerChannel,
  viewerChannels
} from './directory'
import {
  deviceXml,
  discoverJson,
  LINEUP_STATUS,
  lineupJson,
  lineupXml,
  tunerCount,
  type TunerIdentity
} from './hdhomerun'
import { SharedHls } from './live'
import { renderM3u } from './m3u'
import { TsFeeds } from './ts-stream'
import { GuideAnswers } from './guide'
import type { GuideItem } from './xmltv'

export interface IptvSettings {
  /** Base of every URL handed to viewers (e.g. https://tv.example.com); null: the request's Host. */
  publicUrl: string | null
  /** Required in every viewer URL when set. */
  streamKey: string | null
  /** Which sites' pages may read the viewer routes and session streams (see ../cors.ts). */
  corsOrigins: CorsOrigins
  limits: ViewerLimits
  /** How far ahead the XMLTV guide reaches. */
  guideHorizonMs: number
  /** A .ts response ends when its channel writes nothing new for this long. */
  stallTimeoutMs: number
}

export interface IptvDeps {
  api: HttpEngine
  director: StationRuntime
  schedule: {
    activeChannels(): ChannelInfo[]
    listingPages(
      channelId: number,
      from: number,
      to: number,
      pageSize: number
    ): Iterable<GuideItem[]>
    readonly version: number
    /** Whether an active channel airs the asset over part of [from, to) (posters are served only then). */
    airsAsset(assetId: number, from: number, to: number): boolean
  }
  clock: MasterClock
  timelines: ChannelTimelines
  tuner: TunerIdentity
  settings: IptvSettings
  /** Where the channels' logo files are (the data folder's logos/). */
  logos: { path(file: string): string }
}

/** Logos change rarely (a new one is a new import): an hour in a player's cache is fine. */
const LOGO_CACHE = 'public, max-age=3600'
/** A poster is served for a programme that aired this recently, or will within the guide's horizon. */
const POSTER_PAST_MS = 24 * 3600_000
const POSTER_ID = /^[1-9]\d{0,11}$/
const IMAGE_DATA_URL = /^data:(image\/(?:png|jpeg));base64,([A-Za-z0-9+/=]*)$/
/** How often an open .ts response checks that its session still lives (ended by the operator, a timeout or shutdown). */
const SESSION_CHECK_MS = 1_000
const STREAM_NAME = /^(.{1,80})\.(m3u8|ts)$/
/** Programmes the guide writes between two turns of the event loop (about a millisecond of work). */
const GUIDE_PAGE_ITEMS = 500

export function iptvRoutes(deps: IptvDeps) {
  const { director, timelines, settings } = deps
  const feeds = new TsFeeds(timelines)
  const shared = new SharedHls({ api: deps.api, director, timelines, limits: settings.limits })
  /** The HLS session each client (address and user agent) has on each channel. */
  const hlsSessions = new Map<string, string>()

  const channels = () => viewerChannels(deps.schedule.activeChannels(), deps.tuner.deviceId)
  /** The channel a stream URL names, if it is on air in this station's runtime. */
  const channelFor = (id: string): ViewerChannel => {
    const c = findChannel(channels(), id)
    if (!c || !director.channelManagers().some((cm) => cm.uuid === c.info.uuid))
      throw notFound(`no channel "${id.slice(0, 80)}"`)
    return c
  }
  const clientOf = (req: FastifyRequest) => ({
    address: req.ip,
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200)
  })

  const perAddress = new AddressViewers(
    (id) => director.sessions.get(id) !== undefined,
    settings.limits.perAddress
  )

  const openSession = async (
    req: FastifyRequest,
    c: ViewerChannel,
    via: string
  ): Promise<string> => {
    const client = clientOf(req)
    return perAddress.admit(client.address, async () => {
      checkViewerLimits(director, c.info.uuid, settings.limits)
      return (await deps.api.attach(c.info.uuid, 'viewer', { via, ...client })).sessionId
    })
  }

  const hls = async (req: FastifyRequest, reply: FastifyReply, c: ViewerChannel) => {
    const client = clientOf(req)
    const key = `${c.info.uuid}\n${client.address}\n${client.userAgent}`
    let sessionId = hlsSessions.get(key)
    if (!sessionId || !director.sessions.touch(sessionId)) {
      sessionId = await openSession(req, c, 'iptv-hls')
      for (const [k, id] of hlsSessions) if (!director.sessions.get(id)) hlsSessions.delete(k)
      hlsSessions.set(key, sessionId)
    }
    return reply
      .header('cache-control', 'no-store')
      .redirect(`${settings.publicUrl ?? ''}/streams/${sessionId}/index.m3u8`, 302)
  }

  const ts = async (req: FastifyRequest, reply: FastifyReply, c: ViewerChannel) => {
    const sessionId = await openSession(req, c, 'iptv-ts')
    const uuid = c.info.uuid
    let open = true
    const live = () => open && director.sessions.get(sessionId) !== undefined
    const watch = setInterval(() => live() || reply.raw.destroy(), SESSION_CHECK_MS).unref()
    const end = (reason: string) => {
      if (!open) return
      open = false
      clearInterval(watch)
      try {
        if (director.sessions.get(sessionId)) director.detach(sessionId, reason)
      } catch (err) {
        // The store refused the write: the session stays live, silent, and the inactivity sweep ends it.
        req.log.warn(
          { err },
          'a viewer session could not be ended at disconnect; it ends after the session timeout'
        )
      }
    }
    // A response that ran to its end (the channel stalled) finishes first; anything else is the client leaving.
    reply.raw.once('finish', () => end('stream ended'))
    reply.raw.once('close', () => end('client disconnected'))
    try {
      if (!(await timelines.firstOutput(uuid, () => live() && !req.raw.destroyed))) {
        end('client disconnected')
        return reply
      }
    } catch (err) {
      end('no output')
      throw err
    }
    const stream = feeds.open({
      channelUuid: uuid,
      touch: () => director.sessions.touch(sessionId),
      alive: live,
      stallTimeoutMs: settings.stallTimeoutMs
    })
    return reply
      .header('content-type', 'video/mp2t')
      .header('cache-control', 'no-store')
      .send(stream)
  }

  /**
   * The .ts stream's headers, without opening a session (a stream has no length to announce, so
   * none is sent: an empty stream body keeps Fastify from writing Content-Length: 0). Refused as
   * the GET would be when the channel cannot take another viewer.
   */
  const tsHead = (reply: FastifyReply, c: ViewerChannel) => {
    checkViewerLimits(director, c.info.uuid, settings.limits)
    return reply
      .header('content-type', 'video/mp2t')
      .header('cache-control', 'no-store')
      .send(Readable.from([]))
  }

  return (app: FastifyInstance): void => {
    // Bodies mean nothing here; media servers post scan requests with whatever content type.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) =>
      done(null, undefined)
    )
    const config = { access: 'viewer' as const }
    const guide = new GuideAnswers({
      version: () => deps.schedule.version,
      channels,
      pages: (channelId, from, to) =>
        deps.schedule.listingPages(channelId, from, to, GUIDE_PAGE_ITEMS),
      now: () => deps.clock.now(),
      horizonMs: settings.guideHorizonMs,
      report: (err) => app.log.error({ err }, 'the XMLTV guide could not be built')
    })
    // Before the station closes its database: a build under way stops at its next turn.
    app.addHook('onClose', async () => guide.close())

    for (const keyed of [false, true]) {
      const iptv = keyed ? '/iptv/:key' : '/iptv'
      // HDHomeRun clients ask for /discover.json at the address they are given.
      const tuner = keyed ? '/iptv/:key' : ''
      const roots = (req: FastifyRequest) => {
        const origin = requestOrigin(req, settings.publicUrl)
        const prefix = settings.streamKey ? `/iptv/${settings.streamKey}` : ''
        return { iptv: `${origin}${prefix || '/iptv'}`, tuner: `${origin}${prefix}` }
      }

      app.get(`${iptv}/channels.m3u`, { config }, async (req, reply) =>
        reply
          .type('audio/x-mpegurl; charset=utf-8')
          .send(renderM3u(channels(), roots(req).iptv, 'm3u8'))
      )
      app.get(`${iptv}/channels-ts.m3u`, { config }, async (req, reply) =>
        reply
          .type('audio/x-mpegurl; charset=utf-8')
          .send(renderM3u(channels(), roots(req).iptv, 'ts'))
      )

      app.get(`${iptv}/xmltv.xml`, { config }, async (req, reply) =>
        guide.answer(req, reply, roots(req).iptv)
      )

      // Channel logos for the M3U's tvg-logo and the guide's icons: the channel's own PNG, or a
      // generated picture for a channel without one. Any channel of the list, on air or not.
      const logoChannel = (id: string): ViewerChannel => {
        const c = findChannel(channels(), id)
        if (!c) throw notFound(`no channel "${id.slice(0, 80)}"`)
        return c
      }
      app.get<{ Params: { channel: string } }>(
        `${iptv}/channels/:channel/logo.png`,
        { config },
        async (req, reply) => {
          const c = logoChannel(req.params.channel)
          if (!c.info.logo)
            throw notFound(`"${c.info.name.slice(0, 80)}" has no logo of its own; see logo.svg`)
          const png = await fs.promises.readFile(deps.logos.path(c.info.logo.file))
          return reply.type('image/png').header('cache-control', LOGO_CACHE).send(png)
        }
      )
      app.get<{ Params: { channel: string } }>(
        `${iptv}/channels/:channel/logo.svg`,
        { config },
        async (req, reply) =>
          reply
            .type('image/svg+xml; charset=utf-8')
            .header('cache-control', LOGO_CACHE)
            .send(generatedLogoSvg(logoChannel(req.params.channel)))
      )

      // Library posters, the guide's programme icons: only of an asset an active channel airs within
      // the guide's reach (decided on the resolved asset id), so this is no browser of the library.
      app.get<{ Params: { asset: string } }>(
        `${iptv}/posters/:asset`,
        { config },
        async (req, reply) => {
          const id = POSTER_ID.test(req.params.asset) ? Number(req.params.asset) : null
          const now = deps.clock.now()
          const inGuide =
            id !== null &&
            deps.schedule.airsAsset(id, now - POSTER_PAST_MS, now + settings.guideHorizonMs)
          const image = inGuide
            ? await deps.api.libraryAssetImage(id, 'poster').catch(() => null)
            : null
          const m = image ? IMAGE_DATA_URL.exec(image.dataUrl) : null
          if (!m) throw notFound('no poster of a programme in the guide there')
          return reply
            .type(m[1]!)
            .header('cache-control', LOGO_CACHE)
            .send(Buffer.from(m[2]!, 'base64'))
        }
      )

      // Query strings are ignored: players add cache busters (and Jellyfin ?transcode= for HDTC models, which this tuner is not).
      app.get<{ Params: { stream: string } }>(
        `${iptv}/channels/:stream`,
        { config },
        async (req, reply) => {
          const m = STREAM_NAME.exec(req.params.stream)
          if (!m) throw notFound('a channel stream URL ends in .m3u8 (HLS) or .ts (MPEG-TS)')
          const c = channelFor(m[1]!)
          // A HEAD answers as the GET would (RFC 9110 9.3.2): the HLS URL's answer is the redirect
          // to the client's session (the one its GET then gets), the .ts's the stream's headers.
          if (m[2] === 'm3u8') return hls(req, reply, c)
          return req.method === 'HEAD' ? tsHead(reply, c) : ts(req, reply, c)
        }
      )

      // The shared HLS. GET and HEAD are declared together so a HEAD answers with the segment's own length.
      app.route<{ Params: { channel: string } }>({
        method: ['GET', 'HEAD'],
        url: `${iptv}/live/:channel/index.m3u8`,
        config,
        handler: async (req, reply) => shared.playlist(req, reply, channelFor(req.params.channel))
      })
      app.route<{ Params: { channel: string; segment: string } }>({
        method: ['GET', 'HEAD'],
        url: `${iptv}/live/:channel/:segment`,
        config,
        handler: async (req, reply) => {
          const { channel, segment } = req.params
          return shared.segment(req, reply, channelFor(channel), segment)
        }
      })

      app.get(`${tuner}/discover.json`, { config }, async (req) =>
        discoverJson(deps.tuner, roots(req).tuner, tunerCount(settings.limits))
      )
      const lineup = (req: FastifyRequest) => {
        const { iptv: root } = roots(req)
        return channels().map((c) => ({
          number: c.number,
          name: c.info.name,
          url: `${root}/channels/${encodeURIComponent(c.urlId)}.ts`
        }))
      }
      app.get(`${tuner}/lineup.json`, { config }, async (req) =>
        lineupJson(lineup(req), deps.tuner.hd)
      )
      app.get(`${tuner}/lineup.xml`, { config }, async (req, reply) =>
        reply.type('application/xml; charset=utf-8').send(lineupXml(lineup(req), deps.tuner.hd))
      )
      app.get(`${tuner}/lineup_status.json`, { config }, async () => LINEUP_STATUS)
      app.get(`${tuner}/device.xml`, { config }, async (req, reply) =>
        reply.type('application/xml; charset=utf-8').send(deviceXml(deps.tuner, roots(req).tuner))
      )
      // Clients may ask a tuner to scan; the lineup is always current, so there is nothing to do.
      app.post(`${tuner}/lineup.post`, { config }, async (_req, reply) => reply.status(200).send())
    }
  }
}
