// HLS for viewers, behind each viewer's session URL (/streams/<session>/index.m3u8).
//
// The playlist is the channel's timeline (timeline.ts): one sequence across producers, with a
// discontinuity only where the channel's output was restarted. Only segments the timeline knows are served, so
// no request can reach any other file. Every playlist or segment request is session activity;
// unknown or ended sessions are refused.
//
// Caching: the URLs hold a session, so no shared cache may keep them (private). Segment names
// (output id, file) start over when the station restarts, so a segment is kept only briefly, and
// errors never (no-store).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { SEGMENT_PATTERN } from '../media/commands'
import type { StationRuntime } from './engine'
import { ApiError } from './errors'
import type { ChannelTimelines } from './timeline'

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/
const OUTPUT_ID = /^[A-Za-z0-9-]{1,64}$/

export function streamRoutes(director: StationRuntime, timelines: ChannelTimelines) {
  const session = (sessionId: string) => {
    if (!SESSION_ID.test(sessionId))
      throw new ApiError(404, 'unknown_session', 'no such viewer session')
    const s = director.sessions.touch(sessionId)
    if (!s)
      throw new ApiError(
        404,
        'unknown_session',
        'this viewer session has ended or never existed; attach again'
      )
    return s
  }

  return (app: FastifyInstance): void => {
    // No API token: a viewer's player has only its URL, where the session id is the credential.
    app.get<{ Params: { sessionId: string } }>(
      '/streams/:sessionId/index.m3u8',
      { config: { access: 'stream' } },
      async (req, reply: FastifyReply) => {
        const { sessionId } = req.params
        const s = session(sessionId)
        const alive = () => {
          if (!director.sessions.get(sessionId))
            throw new ApiError(404, 'unknown_session', 'this viewer session has ended')
          return !req.raw.destroyed
        }
        if (!(await timelines.firstOutput(s.channelUuid, alive))) return reply
        const timeline = timelines.of(s.channelUuid)
        return reply
          .header('content-type', 'application/vnd.apple.mpegurl')
          .header('cache-control', 'no-cache, no-store')
          .send(timeline.playlist())
      }
    )

    app.get<{ Params: { sessionId: string; outputId: string; file: string } }>(
      '/streams/:sessionId/:outputId/:file',
      { config: { access: 'stream' } },
      async (req, reply: FastifyReply) => {
        const { sessionId, outputId, file } = req.params
        const s = session(sessionId)
        if (!OUTPUT_ID.test(outputId) || !SEGMENT_PATTERN.test(file))
          throw new ApiError(404, 'not_found', 'no such segment')
        let entry = timelines.of(s.channelUuid).find(outputId, file)
        if (!entry) {
          timelines.refresh(s.channelUuid)
          entry = timelines.of(s.channelUuid).find(outputId, file)
        }
        if (!entry)
          throw new ApiError(
            404,
            'not_found',
            'no such segment (it may have aged out of the live window)'
          )
        // The segment as checked whole and re-based when it joined the timeline (never a file cut since).
        return reply
          .header('content-type', 'video/mp2t')
          .header('content-length', entry.data.length)
          .header('cache-control', 'private, max-age=60')
          .send(entry.data)
      }
    )
  }
}
