// One continuous MPEG-TS stream over one HTTP response, for clients that want a single connection
// (HDHomeRun clients such as Plex and Jellyfin, IPTV boxes). It is the channel's HLS output itself,
// segment after segment in timeline order: no second encoder, however many read it. Within one
// output (across producer swaps too: the output is handed over) the segments are one muxer's
// output, so timestamps and continuity counters run on; where the output restarts (or a segment is
// left out) each reader's splicer (ts-splice.ts) re-bases the new output after the old one, so the
// response stays one stream whose timestamps only move forward and whose counters never break.
//
// The response starts behind the live edge, at a segment's start (a keyframe), with a burst of
// about six seconds: ffmpeg's default probing (and so Plex's, Jellyfin's, mpv's) reads five seconds
// of a transport stream before it decodes a frame, so a shorter burst makes it wait for the rest in
// real time (measured: 2 s of head start, a first frame after 3 to 4.5 s; six, within 1 s). Then
// it goes at the pace the producer writes. A client that stops reading stops being fed: its
// session is no longer active and ends after the session timeout, and the response with it.
import fs from 'node:fs'
import { Readable } from 'node:stream'
import type { ChannelTimelines, SegmentEntry } from '../timeline'
import { outputChanged } from '../timeline'
import { TsSplicer } from './ts-splice'

/** Seconds of segments sent at once when a reader joins: past ffmpeg's default analyzeduration (5 s). */
const HEAD_START_S = 6
/** How often a waiting reader looks for the next segment when no change notification comes. */
const POLL_MS = 250
/** Segments kept in memory per channel: every reader of a channel is at about the same place. */
const CACHED_SEGMENTS = 8

/** The last few segments of each channel, read from disk once however many readers want them. */
class SegmentCache {
  private readonly byChannel = new Map<string, Map<number, Promise<Buffer | null>>>()

  read(channelUuid: string, entry: SegmentEntry): Promise<Buffer | null> {
    let cache = this.byChannel.get(channelUuid)
    if (!cache) this.byChannel.set(channelUuid, (cache = new Map()))
    let data = cache.get(entry.seq)
    if (!data) {
      // A segment ffmpeg has already deleted is skipped: the reader goes on with the next.
      data = fs.promises.readFile(entry.path).catch(() => null)
      cache.set(entry.seq, data)
      for (const seq of cache.keys()) if (seq <= entry.seq - CACHED_SEGMENTS) cache.delete(seq)
    }
    return data
  }

  forget(channelUuid: string): void {
    this.byChannel.delete(channelUuid)
  }
}

/** The latest segments lasting HEAD_START_S (all of them if they last less). */
function headStart(window: SegmentEntry[]): SegmentEntry[] {
  let from = window.length
  for (let s = 0; from > 0 && s < HEAD_START_S;) s += window[--from]!.duration
  return window.slice(from)
}

export interface TsFeedOptions {
  channelUuid: string
  /** Called for every segment sent: the session is active. */
  touch: () => void
  /** False once the response is over (client gone, session ended). */
  alive: () => boolean
  /** The stream ends when no new segment arrives for this long (the channel failed or stopped). */
  stallTimeoutMs: number
}

export class TsFeeds {
  private readonly cache = new SegmentCache()
  private readers = new Map<string, number>()

  constructor(private readonly timelines: ChannelTimelines) {}

  /** The channel's output from just behind the live edge on, as one byte stream. */
  open(o: TsFeedOptions): Readable {
    const { timelines, cache } = this
    this.readers.set(o.channelUuid, (this.readers.get(o.channelUuid) ?? 0) + 1)
    const release = () => {
      const n = (this.readers.get(o.channelUuid) ?? 1) - 1
      if (n > 0) this.readers.set(o.channelUuid, n)
      else {
        this.readers.delete(o.channelUuid)
        cache.forget(o.channelUuid)
      }
    }
    async function* segments(): AsyncGenerator<Buffer> {
      const timeline = timelines.of(o.channelUuid)
      let last: number | null = null
      /** The last segment sent: the next one continues it, or the splicer re-bases it. */
      let sent: SegmentEntry | null = null
      const splicer = new TsSplicer()
      let stalled = false
      let stall: NodeJS.Timeout | undefined
      const progress = () => {
        clearTimeout(stall)
        stall = setTimeout(() => (stalled = true), o.stallTimeoutMs)
      }
      progress()
      try {
        while (o.alive()) {
          timelines.refresh(o.channelUuid)
          const pending: SegmentEntry[] =
            last === null ? headStart(timeline.latest(Infinity)) : timeline.after(last)
          if (pending.length === 0) {
            if (stalled) return
            await outputChanged(timelines.outputDir(o.channelUuid), POLL_MS)
            continue
          }
          for (const entry of pending) {
            last = entry.seq
            const data: Buffer | null = await cache.read(o.channelUuid, entry)
            if (!data || !o.alive()) continue
            if (
              sent !== null &&
              (entry.discontinuity ||
                entry.outputId !== sent.outputId ||
                entry.seq !== sent.seq + 1)
            )
              splicer.splice()
            sent = entry
            o.touch()
            progress()
            yield splicer.push(data)
          }
        }
      } finally {
        clearTimeout(stall)
      }
    }
    const stream = Readable.from(segments(), { objectMode: false })
    stream.once('close', release)
    return stream
  }
}
