// The XMLTV guide as an HTTP answer: streamed while it is built (the first byte goes out with the
// first channel, the event loop has turns throughout), then kept and answered again as is while the
// schedule is unchanged. Its ETag names the schedule's version and the instant the guide starts, so
// a media server that asks again with If-None-Match gets 304 without a byte of guide.
//
// One build per schedule version: a request that arrives while the guide is being built reads the
// same build (what is built so far at once, the rest as it comes) instead of starting another, so
// media servers that all ask at the top of the hour cost the station one guide, not one each.
//
// The channels' icons are absolute URLs on the address each client used, so the build holds a mark
// where their root goes (NUL, which no XML text can contain) and each answer writes its own root
// there: one build serves every address, and its ETag names the root too.
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ViewerChannel } from './directory'
import { escapeXml } from './xml'
import { type PlaylogPages, xmltvPieces } from './xmltv'

/** A built guide is answered again while the schedule is unchanged and it is younger than this (it starts at the instant it was built). */
export const GUIDE_REUSE_MS = 10 * 60_000

export interface GuideSource {
  /** Changes whenever a playlog or the channel list changes. */
  version(): number
  channels(): ViewerChannel[]
  pages: PlaylogPages
  now(): number
  horizonMs: number
  /** A build failed (its readers' answers end in error; the next request builds again). */
  report(err: unknown): void
}

/** Whether an If-None-Match header names this entity tag (a list, weak tags and * included, RFC 9110 13.1.2). */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

/** Where a request's icon root goes in a build (XML cannot carry NUL, so no text is mistaken for it). */
const ROOT_MARK = '\u0000'

/** One build of the guide: its pieces as they come, read by every request for it, then kept while it is current. */
class GuideBuild {
  /** The guide piece by piece (not joined: no second copy of megabytes); null: the icon root. */
  readonly pieces: Array<Buffer | null> = []
  bytes = 0
  /** How many icon roots the guide holds. */
  marks = 0
  state: 'building' | 'built' | 'failed' = 'building'
  private error: unknown
  private waiting: Array<() => void> = []

  constructor(
    readonly version: number,
    readonly builtAt: number,
    readonly etag: string
  ) {}

  add(piece: string): void {
    const parts = piece.split(ROOT_MARK)
    parts.forEach((part, i) => {
      if (i > 0) {
        this.pieces.push(null)
        this.marks++
      }
      if (part) {
        const b = Buffer.from(part, 'utf8')
        this.pieces.push(b)
        this.bytes += b.length
      }
    })
    this.wake()
  }

  /** The whole guide's length with this root in it. */
  length(root: Buffer): number {
    return this.bytes + this.marks * root.length
  }

  end(error?: unknown): void {
    this.state = error === undefined ? 'built' : 'failed'
    this.error = error
    this.wake()
  }

  /** The pieces from the first with `root` in, waiting for those not built yet; ends in the build's error if it fails. */
  async *read(root: Buffer): AsyncGenerator<Buffer> {
    for (let i = 0; ; i++) {
      while (i === this.pieces.length) {
        if (this.state === 'failed') throw this.error
        if (this.state === 'built') return
        await new Promise<void>((resolve) => this.waiting.push(resolve))
      }
      yield this.pieces[i] ?? root
    }
  }

  private wake(): void {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }
}

export class GuideAnswers {
  /** Tags from an earlier run of the station never match this one's. */
  private readonly run = crypto.randomBytes(4).toString('hex')
  /** The build being made or kept for the current schedule version. */
  private current: GuideBuild | null = null
  /** Builds under way stop when the station's HTTP server closes (before its database does). */
  private readonly closing = new AbortController()

  constructor(private readonly source: GuideSource) {}

  /** `root`: the viewers' /iptv URL for this client (the icons' root); none, no icons. */
  answer(req: FastifyRequest, reply: FastifyReply, root?: string): FastifyReply {
    const version = this.source.version()
    const now = this.source.now()
    const c = this.current
    let build =
      c && c.version === version && now >= c.builtAt && now - c.builtAt < GUIDE_REUSE_MS ? c : null
    const tag = build?.etag ?? `${this.run}-${version}-${now.toString(36)}`
    const rootXml = Buffer.from(escapeXml(root ?? ''), 'utf8')
    const rootTag = crypto.createHash('sha256').update(rootXml).digest('base64url').slice(0, 8)
    const etag = `"${tag}-${rootTag}"`
    reply
      .type('application/xml; charset=utf-8')
      .header('etag', etag)
      .header('cache-control', 'no-cache')
    if (noneMatchHits(req.headers['if-none-match'], etag)) return reply.code(304).send()
    if (!build) build = this.start(version, now, tag, root !== undefined)
    if (build.state === 'built')
      return reply
        .header('content-length', build.length(rootXml))
        .send(Readable.from(build.pieces.map((p) => p ?? rootXml)))
    return reply.send(Readable.from(build.read(rootXml), { objectMode: false }))
  }

  /** Stops any build under way (its readers' answers end in error); nothing is built after this. */
  close(): void {
    this.closing.abort(new Error('the station is closing'))
    this.current = null
  }

  private start(version: number, from: number, etag: string, icons: boolean): GuideBuild {
    const build = new GuideBuild(version, from, etag)
    this.current = build
    void this.make(build, icons)
    return build
  }

  /** Builds the guide into `build`, to the end whoever reads it (a client that leaves does not waste what is built for the next). */
  private async make(build: GuideBuild, icons: boolean): Promise<void> {
    const signal = this.closing.signal
    try {
      signal.throwIfAborted()
      for await (const piece of xmltvPieces(
        this.source.channels(),
        this.source.pages,
        build.builtAt,
        this.source.horizonMs,
        signal,
        icons ? ROOT_MARK : undefined
      ))
        build.add(piece)
      build.end()
      // The schedule changed while it was built: answered to those who asked, never again.
      if (this.current === build && this.source.version() !== build.version) this.current = null
    } catch (err) {
      build.end(err)
      if (this.current === build) this.current = null
      if (!signal.aborted) this.source.report(err)
    }
  }
}
