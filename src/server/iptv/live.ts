// The channel's shared HLS (/iptv/live/<channel>/index.m3u8): no session in any URL, so a caching
// proxy or CDN in front of the station can serve one copy to every viewer behind it.
//
// The playlist is the channel's timeline under segment names that are never reused (`<run>-<seq>.ts`,
// timeline.ts), so segments may be cached for a day; the playlist only for a second. The path holds
// one viewer session per channel, opened by a playlist request and kept alive by every playlist or
// segment request, and it ends by inactivity like any other: a cache that stops polling lets the
// channel go off air. Only a known run and seq is ever served, never any other file.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { StationRuntime } from '../engine'
import type { HttpEngine } from '../../shared/api-routes'
import { notFound } from '../errors'
import { type ChannelTimelines, parseSharedSegment } from '../timeline'
import { checkViewerLimits, type ViewerLimits } from '../viewer-limits'
import type { ViewerChannel } from './directory'

const HLS_PLAYLIST_TYPE = 'application/vnd.apple.mpegurl'
/** The least max-age there is: at most half a target duration of 2 s or more, so a cached list trails the live edge by under half a segment. */
const SHARED_PLAYLIST_CACHE = 'public, max-age=1'
/** A segment name is never reused (a fresh run each time the station starts), so its bytes never change. */
const SHARED_SEGMENT_CACHE = 'public, max-age=86400, immutable'

export interface SharedHlsDeps {
  api: HttpEngine
  director: StationRuntime
  timelines: ChannelTimelines
  limits: ViewerLimits
}

export class SharedHls {
  /** The session each channel's shared path holds. */
  private readonly sessions = new Map<string, string>()
  /** A session being opened, so that requests arriving together share it. */
  private readonly opening = new Map<string, Promise<string>>()

  constructor(private readonly deps: SharedHlsDeps) {}

  /** The channel's shared session, touched; a new one when there is none or it has ended. */
  private async session(uuid: string): Promise<string> {
    const id = this.sessions.get(uuid)
    if (id && this.deps.director.sessions.touch(id)) return id
    let pending = this.opening.get(uuid)
    if (!pending) {
      // finally() runs after set(), even when the open fails at once.
      pending = this.open(uuid).finally(() => this.opening.delete(uuid))
      this.opening.set(uuid, pending)
    }
    return pending
  }

  private async open(uuid: string): Promise<string> {
    checkViewerLimits(this.deps.director, uuid, this.deps.limits)
    const { sessionId } = await this.deps.api.attach(uuid, 'viewer', { via: 'iptv-shared' })
    this.sessions.set(uuid, sessionId)
    return sessionId
  }

  /** Touches the channel's session if it lives; never opens one. */
  private touch(uuid: string): void {
    const id = this.sessions.get(uuid)
    if (id) this.deps.director.sessions.touch(id)
  }

  async playlist(
    req: FastifyRequest,
    reply: FastifyReply,
    c: ViewerChannel
  ): Promise<FastifyReply> {
    const uuid = c.info.uuid
    const { timelines } = this.deps
    // A HEAD asks what is there: it opens no session, and gets the list only while the channel is on air.
    if (req.method === 'HEAD') {
      if (!timelines.refresh(uuid))
        return reply.type(HLS_PLAYLIST_TYPE).header('cache-control', 'no-store').send()
    } else {
      await this.session(uuid)
      if (!(await timelines.firstOutput(uuid, () => !req.raw.destroyed))) return reply
    }
    return reply
      .type(HLS_PLAYLIST_TYPE)
      .header('cache-control', SHARED_PLAYLIST_CACHE)
      .send(timelines.of(uuid).sharedPlaylist())
  }

  async segment(
    req: FastifyRequest,
    reply: FastifyReply,
    c: ViewerChannel,
    name: string
  ): Promise<FastifyReply> {
    const uuid = c.info.uuid
    const { timelines } = this.deps
    const id = parseSharedSegment(name)
    if (!id) throw notFound('no such segment')
    let entry = timelines.of(uuid).findShared(id.run, id.seq)
    if (!entry) {
      timelines.refresh(uuid)
      entry = timelines.of(uuid).findShared(id.run, id.seq)
    }
    if (!entry) throw notFound('no such segment (it may have aged out of the live window)')
    // The segment exists already: serving it needs no producer, so it keeps the session alive but never opens one.
    if (req.method !== 'HEAD') this.touch(uuid)
    // The segment as checked whole and re-based when it joined the timeline (timeline.ts).
    reply
      .type('video/mp2t')
      .header('content-length', entry.data.length)
      .header('cache-control', SHARED_SEGMENT_CACHE)
    return reply.send(req.method === 'HEAD' ? undefined : entry.data)
  }
}
