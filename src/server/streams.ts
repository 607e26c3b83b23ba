// HLS for viewers, behind each viewer's session URL (/streams/<session>/index.m3u8).
//
// The server keeps one timeline of segments per channel across producers: media sequence numbers
// keep counting when a producer is swapped (emergency takeover, restart) and a discontinuity is
// marked only there, never between items of a plan (the producer's own output has none). Only
// segments the timeline knows are served, so no request can reach any other file. Every playlist
// or segment request is session activity; unknown or ended sessions are refused.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ENCODER_PLAYLIST_SEGMENTS, SEGMENT_PATTERN } from '../media/commands';
import type { ProgramDirector } from '../runtime/program-director';
import { FIRST_SEGMENT_TIMEOUT_MS, type StreamEndpoint } from '../runtime/producer';
import { ApiError } from './errors';

interface Entry {
  seq: number;
  producerId: string;
  file: string;
  path: string;
  duration: number;
  discontinuity: boolean;
}

/**
 * How many segments a viewer's playlist lists: the encoder's own list less a margin, so that a
 * segment handed to a slow client is still on disk when it asks for it.
 */
const VIEWER_WINDOW = ENCODER_PLAYLIST_SEGMENTS - 2;
/** Segments the timeline remembers: a producer's window plus the one before a swap, with room. */
const TIMELINE_ENTRIES = 3 * VIEWER_WINDOW;
/** How long a first playlist request waits for the first segment: as long as a producer's start may take. */
const FIRST_SEGMENT_WAIT_MS = FIRST_SEGMENT_TIMEOUT_MS;

interface ParsedSegment {
  file: string;
  duration: number;
}

function parseProducerPlaylist(text: string): ParsedSegment[] {
  const out: ParsedSegment[] = [];
  let duration = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && SEGMENT_PATTERN.test(line)) {
      out.push({ file: line, duration });
      duration = 0;
    }
  }
  return out;
}

class ChannelTimeline {
  private entries: Entry[] = [];
  private nextSeq = 0;
  private discontinuitySeq = 0;
  private lastProducer: string | null = null;
  private readonly known = new Set<string>();

  /** Reads the producer's playlist and appends the segments not seen yet. */
  refresh(producerId: string, endpoint: StreamEndpoint): void {
    let text: string;
    try {
      text = fs.readFileSync(endpoint.playlist, 'utf8');
    } catch {
      return; // not written yet
    }
    for (const seg of parseProducerPlaylist(text)) {
      const key = `${producerId}/${seg.file}`;
      if (this.known.has(key)) continue;
      this.known.add(key);
      const discontinuity = this.lastProducer !== null && this.lastProducer !== producerId;
      this.lastProducer = producerId;
      this.entries.push({ seq: this.nextSeq++, producerId, file: seg.file, path: path.join(endpoint.dir, seg.file), duration: seg.duration, discontinuity });
    }
    while (this.entries.length > TIMELINE_ENTRIES) {
      const dropped = this.entries.shift()!;
      this.known.delete(`${dropped.producerId}/${dropped.file}`);
      if (dropped.discontinuity) this.discontinuitySeq++;
    }
  }

  /** Whether the given producer's output has reached the timeline. */
  hasOutputFrom(producerId: string): boolean {
    return this.lastProducer === producerId;
  }

  find(producerId: string, file: string): Entry | undefined {
    return this.entries.find((e) => e.producerId === producerId && e.file === file);
  }

  /**
   * The live window: the current producer's latest segments. Earlier producers' segments stay
   * listed only until the new one has output (a swap never leaves a viewer with an empty list), so
   * a viewer arriving after a channel restarted never starts in its past.
   */
  playlist(): string {
    const current = this.lastProducer;
    const ownStart = this.entries.findIndex((e) => e.producerId === current);
    const from = Math.max(ownStart >= 0 ? ownStart : 0, this.entries.length - VIEWER_WINDOW);
    const window = this.entries.slice(from);
    const first = window[0];
    // Discontinuities before the window still count (EXT-X-DISCONTINUITY-SEQUENCE).
    let discSeq = this.discontinuitySeq;
    for (const e of this.entries.slice(0, from)) if (e.discontinuity) discSeq++;
    const target = Math.max(1, Math.ceil(Math.max(...window.map((e) => e.duration), 1)));
    const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? 0}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${discSeq}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
    window.forEach((e) => {
      if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${e.duration.toFixed(6)},`, `${e.producerId}/${e.file}`);
    });
    return `${lines.join('\n')}\n`;
  }
}

/** Resolves when something changes in the output folder (ffmpeg renames its playlist into place), or after a short poll. */
function outputChanged(dir: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, dir ? 25 : 5);
    if (!dir) return;
    try {
      watcher = fs.watch(dir, done);
      watcher.on('error', done);
    } catch {
      // not created yet: the poll covers it
    }
  });
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;
const PRODUCER_ID = /^[A-Za-z0-9-]{1,64}$/;

export function streamRoutes(director: ProgramDirector) {
  const timelines = new Map<string, ChannelTimeline>();
  const timelineFor = (uuid: string) => {
    let t = timelines.get(uuid);
    if (!t) timelines.set(uuid, (t = new ChannelTimeline()));
    return t;
  };

  const session = (sessionId: string) => {
    if (!SESSION_ID.test(sessionId)) throw new ApiError(404, 'unknown_session', 'no such viewer session');
    const s = director.sessions.touch(sessionId);
    if (!s) throw new ApiError(404, 'unknown_session', 'this viewer session has ended or never existed; attach again');
    return s;
  };

  /** Reads the current producer's output into the timeline; true once that producer has segments. */
  const refresh = (channelUuid: string): boolean => {
    const timeline = timelineFor(channelUuid);
    const output = director.channelOutput(channelUuid);
    if (!output) return false;
    timeline.refresh(output.producerId, output.endpoint);
    return timeline.hasOutputFrom(output.producerId);
  };

  return (app: FastifyInstance): void => {
    // No API token: a viewer's player has only its URL, where the session id is the credential.
    app.get('/streams/:sessionId/index.m3u8', { config: { access: 'stream' } }, async (req, reply: FastifyReply) => {
      const { sessionId } = req.params as { sessionId: string };
      const s = session(sessionId);
      // Until the producer now on air has its first segment, the request waits (and not a moment
      // longer): a viewer never starts in the output of an earlier run of the channel.
      let timedOut = false;
      const deadline = setTimeout(() => (timedOut = true), FIRST_SEGMENT_WAIT_MS);
      try {
        while (!refresh(s.channelUuid)) {
          if (timedOut) throw new ApiError(503, 'not_ready', 'the channel has not produced output yet; retry shortly');
          if (req.raw.destroyed) return reply;
          if (!director.sessions.get(sessionId)) throw new ApiError(404, 'unknown_session', 'this viewer session has ended');
          await outputChanged(director.channelOutput(s.channelUuid)?.endpoint.dir);
        }
      } finally {
        clearTimeout(deadline);
      }
      const timeline = timelineFor(s.channelUuid);
      return reply
        .header('content-type', 'application/vnd.apple.mpegurl')
        .header('cache-control', 'no-cache, no-store')
        .send(timeline.playlist());
    });

    app.get('/streams/:sessionId/:producerId/:file', { config: { access: 'stream' } }, async (req, reply: FastifyReply) => {
      const { sessionId, producerId, file } = req.params as { sessionId: string; producerId: string; file: string };
      const s = session(sessionId);
      if (!PRODUCER_ID.test(producerId) || !SEGMENT_PATTERN.test(file)) throw new ApiError(404, 'not_found', 'no such segment');
      let entry = timelineFor(s.channelUuid).find(producerId, file);
      if (!entry) {
        refresh(s.channelUuid);
        entry = timelineFor(s.channelUuid).find(producerId, file);
      }
      if (!entry) throw new ApiError(404, 'not_found', 'no such segment (it may have aged out of the live window)');
      let stream: fs.ReadStream;
      try {
        const stat = fs.statSync(entry.path);
        stream = fs.createReadStream(entry.path);
        reply.header('content-length', stat.size);
      } catch {
        throw new ApiError(404, 'not_found', 'segment no longer available');
      }
      return reply.header('content-type', 'video/mp2t').header('cache-control', 'max-age=60').send(stream);
    });
  };
}
