// One continuous MPEG-TS stream over one HTTP response, for clients that want a single connection
// (HDHomeRun clients such as Plex and Jellyfin, IPTV boxes). It is the channel's HLS output itself,
// segment after segment in timeline order: no second encoder, however many read it. Within one
// output (across producer swaps too: the output is handed over) the segments are one muxer's
// output, so timestamps and continuity counters run on; where the output restarts (or a segment is
// left out) the timeline re-bases the new output after the old one (media/ts-splice.ts), so the
// response stays one stream whose timestamps only move forward and whose counters never break.
//
// The response starts behind the live edge, at a segment's start (a keyframe), with a burst of
// about six seconds: ffmpeg's default probing (and so Plex's, Jellyfin's, mpv's) reads five seconds
// of a transport stream before it decodes a frame, so a shorter burst makes it wait for the rest in
// real time (measured: 2 s of head start, a first frame after 3 to 4.5 s; six, within 1 s). Then
// it goes at the pace the producer writes. A client that stops reading stops being fed: its
// session is no longer active and ends after the session timeout, and the response with it.
import { Readable } from 'node:stream'
import type { ChannelTimelines, SegmentEntry } from '../timeline'
import { outputChanged } from '../timeline'
import { TsSplicer } from '../../media/ts-splice'

/** Seconds of segments sent at once when a reader joins: past ffmpeg's default analyzeduration (5 s). */
const HEAD_START_S = 6
/** How often a waiting reader looks for the next segment when no change notification comes. */
const POLL_MS = 250

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
  constructor(private readonly timelines: ChannelTimelines) {}

  /** The channel's output from just behind the live edge on, as one byte stream. */
  open(o: TsFeedOptions): Readable {
    const { timelines } = this
    async function* segments(): AsyncGenerator<Buffer> {
      const timeline = timelines.of(o.channelUuid)
      let last: number | null = null
      /** The last segment sent: the next one continues it, or the splicer re-bases it. */
      let sent: SegmentEntry | null = null
      // The timeline's segments repeat PAT and PMT already (timeline.ts splices them on).
      const splicer = new TsSplicer({ repeatPsi: false })
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
            if (!o.alive()) continue
            // The timeline's segments run on from each other; a reader that fell behind and skips
            // some re-bases after what it sent.
            if (sent !== null && entry.seq !== sent.seq + 1) splicer.splice()
            sent = entry
            o.touch()
            progress()
            yield splicer.push(entry.data)
          }
        }
      } finally {
        clearTimeout(stall)
      }
    }
    return Readable.from(segments(), { objectMode: false })
  }
}
