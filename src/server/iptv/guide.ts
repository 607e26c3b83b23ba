// The XMLTV guide as an HTTP answer: streamed while it is built (the first byte goes out with the
// first channel, the event loop has turns throughout), then kept and answered again as is while the
// schedule is unchanged. Its ETag names the schedule's version and the instant the guide starts, so
// a media server that asks again with If-None-Match gets 304 without a byte of guide.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ViewerChannel } from './directory';
import { type PlaylogPages, xmltvPieces } from './xmltv';

/** A built guide is answered again while the schedule is unchanged and it is younger than this (it starts at the instant it was built). */
export const GUIDE_REUSE_MS = 10 * 60_000;

export interface GuideSource {
  /** Changes whenever a playlog or the channel list changes. */
  version(): number;
  channels(): ViewerChannel[];
  pages: PlaylogPages;
  now(): number;
  horizonMs: number;
}

interface Kept {
  version: number;
  builtAt: number;
  etag: string;
  /** The guide as it was sent, piece by piece (not joined: no second copy of megabytes). */
  pieces: Buffer[];
  bytes: number;
}

/** Whether an If-None-Match header names this entity tag (a list, weak tags and * included, RFC 9110 13.1.2). */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export class GuideAnswers {
  /** Tags from an earlier run of the station never match this one's. */
  private readonly run = crypto.randomBytes(4).toString('hex');
  private kept: Kept | null = null;

  constructor(private readonly source: GuideSource) {}

  answer(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const version = this.source.version();
    const now = this.source.now();
    const kept = this.kept && this.kept.version === version && now >= this.kept.builtAt && now - this.kept.builtAt < GUIDE_REUSE_MS ? this.kept : null;
    const etag = kept?.etag ?? `"${this.run}-${version}-${now.toString(36)}"`;
    reply.type('application/xml; charset=utf-8').header('etag', etag).header('cache-control', 'no-cache');
    if (noneMatchHits(req.headers['if-none-match'], etag)) return reply.code(304).send();
    if (kept) return reply.header('content-length', kept.bytes).send(Readable.from(kept.pieces));
    return reply.send(Readable.from(this.build(version, now, etag), { objectMode: false }));
  }

  /** The guide's pieces as they are built; the whole is kept when it ran to its end on an unchanged schedule. */
  private async *build(version: number, from: number, etag: string): AsyncGenerator<Buffer> {
    const pieces: Buffer[] = [];
    let bytes = 0;
    for await (const piece of xmltvPieces(this.source.channels(), this.source.pages, from, this.source.horizonMs)) {
      const buffer = Buffer.from(piece, 'utf8');
      pieces.push(buffer);
      bytes += buffer.length;
      yield buffer;
    }
    if (this.source.version() === version) this.kept = { version, builtAt: from, etag, pieces, bytes };
  }
}
