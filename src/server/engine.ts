// What the HTTP room needs of the runtime beyond the StationApi, as narrow views: viewers' sessions
// (a stream URL's credential), the channels' counts and their outputs. The server depends on these
// calls, never on the ProgramDirector itself (lint keeps it so); the station passes its director.
import type { ChannelOutput } from '../runtime/channel-manager'
import type { LiveSession } from '../runtime/viewer-sessions'

export interface StationRuntime {
  readonly sessions: {
    /** The live session, marked active now; undefined once it ended. */
    touch(sessionId: string): LiveSession | undefined
    get(sessionId: string): LiveSession | undefined
  }
  channelManagers(): ReadonlyArray<{
    readonly uuid: string
    readonly viewerCount: number
    readonly channel: { readonly name: string }
  }>
  /** What the channel's producer writes now (for the segment timelines), if it is on air. */
  channelOutput(channelUuid: string): ChannelOutput | null
  /** A segment the encoder listed but did not write whole (reported, never served). */
  segmentIncomplete(channelUuid: string, file: string, problem: string): void
  detach(sessionId: string, reason?: string): void
}
