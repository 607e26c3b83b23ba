// One push destination of one channel: an ffmpeg that remuxes the channel's MPEG-TS output (the
// same segments local viewers get, timeline order, across producer swaps and restarts) to an RTMP or SRT
// ingest. It runs while the output is enabled; a destination that is down, refuses or drops the
// connection is reported and tried again with backoff, and nothing of it reaches the producer or
// local viewers: the pusher is one more reader of the channel's timeline.
import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { pushArgs } from '../media/commands'
import type { ManagedProcess, ProcessGroup } from '../media/process'
import type { OutputDto } from '../shared/api'
import type { MasterClock, TimerHandle } from '../shared/clock'
import {
  OUTPUT_SCHEMES,
  type OutputScheme,
  redactOutputUrl,
  scrubOutputUrl
} from '../shared/output-url'
import { formatInstant } from '../shared/time'

/** Waits before the next attempt after a failure: 1 s, doubling to at most 4 s (a returning server is reached within seconds). */
const PUSH_RETRY_MS = [1_000, 2_000, 4_000] as const
/** A write that blocks this long fails: a destination gone without closing the connection. */
const WRITE_TIMEOUT_MS = 5_000
/** No progress for this long while the channel feeds it: the push is stuck and is restarted. */
const STALL_MS = 10_000
/** The feed ends (and the push with it) when the channel writes nothing for this long: it stopped or failed. */
const FEED_STALL_MS = 30_000

export type PushState = OutputDto['state']

/**
 * The channel's MPEG-TS output as one byte stream from just behind the live edge (the station's
 * TsFeeds, the same reader local viewers' continuous streams use).
 */
export interface ChannelFeeds {
  open(o: {
    channelUuid: string
    /** Called for every segment sent: the session is active. */
    touch: () => void
    /** False once the reader is done. */
    alive: () => boolean
    /** The stream ends when no new segment arrives for this long. */
    stallTimeoutMs: number
  }): Readable
}

export interface PushDeps {
  ffmpeg: string | null
  processes: ProcessGroup
  feeds: ChannelFeeds
  clock: MasterClock
  log: Logger
  /** Takes the output's session if it has none (throws when the producer budget has no room). */
  acquire: () => void
  /** Session activity of the output's session (keeps it current in the store). */
  touch: () => void
  /** The state changed (status, alarms). */
  onChange: () => void
}

export class OutputPush {
  private state: PushState = 'connecting'
  private sinceMs: number
  private lastError: string | null = null
  private connections = 0
  private attempt = 0
  private proc: ManagedProcess | undefined
  private feed: Readable | undefined
  private retry: TimerHandle | undefined
  private watchdog: TimerHandle | undefined
  private lastProgressMs = 0
  private lastFedMs = 0
  private outTimeUs = -1
  private stopped = false
  private readonly redacted: string

  constructor(
    readonly outputId: string,
    readonly channelUuid: string,
    private readonly url: string,
    private readonly d: PushDeps
  ) {
    this.sinceMs = d.clock.now()
    this.redacted = redactOutputUrl(url)
  }

  /** Whether the destination is down now (and why), for the `output-down` alarm. */
  get downReason(): string | null {
    return this.state === 'retrying'
      ? `push to ${this.redacted} is down: ${this.lastError ?? 'unknown'}; retrying`
      : null
  }

  dto(): OutputDto {
    return {
      id: this.outputId,
      channelUuid: this.channelUuid,
      url: this.redacted,
      enabled: true,
      state: this.state,
      since: formatInstant(this.sinceMs),
      lastError: this.lastError,
      connections: this.connections
    }
  }

  start(): void {
    if (this.stopped) return
    this.retry = undefined
    if (!this.d.ffmpeg) return this.failed('ffmpeg is unavailable')
    try {
      this.d.acquire()
    } catch (err) {
      // Past the producer budget the channel cannot go on air for it: down, and tried again.
      return this.failed((err as Error).message)
    }
    const format = OUTPUT_SCHEMES[new URL(this.url).protocol as OutputScheme]
    let lastLine: string | null = null
    const proc = this.d.processes.spawn(
      `push ${this.redacted}`,
      this.d.ffmpeg,
      pushArgs({ url: this.url, format, writeTimeoutMs: WRITE_TIMEOUT_MS }),
      {
        stdin: 'pipe',
        // ffmpeg names the URL in its errors; the output's own (redacted) URL says it already.
        onStderr: (line) =>
          (lastLine = scrubOutputUrl(line, this.url)
            .replace(`${this.redacted}: `, '')
            .slice(0, 300))
      }
    )
    this.proc = proc
    this.outTimeUs = -1
    this.lastProgressMs = this.lastFedMs = this.d.clock.now()
    this.readProgress(proc)

    const feed = this.d.feeds.open({
      channelUuid: this.channelUuid,
      touch: () => {
        this.lastFedMs = this.d.clock.now()
        this.d.touch()
      },
      alive: () => this.proc === proc && proc.running,
      stallTimeoutMs: FEED_STALL_MS
    })
    this.feed = feed
    const stdin = proc.child.stdin!
    // ffmpeg gone mid-write: its exit is handled below; the pipe's error says nothing more.
    stdin.on('error', () => undefined)
    feed.on('error', () => stdin.destroy())
    feed.pipe(stdin)

    this.watchdog = this.d.clock.every(1_000, () => {
      const now = this.d.clock.now()
      if (now - this.lastProgressMs > STALL_MS && this.lastFedMs > this.lastProgressMs) {
        lastLine = `no progress for ${STALL_MS / 1000} s while the channel was sending`
        void proc.kill()
      }
    })

    void proc.exited.then(({ code, signal }) => {
      this.watchdog?.cancel()
      feed.destroy()
      if (this.proc !== proc) return
      this.proc = undefined
      if (this.stopped) return
      const why =
        lastLine ??
        (code === 0 ? 'the channel stopped sending' : `ffmpeg exited (${signal ?? `code ${code}`})`)
      this.failed(why)
    })
  }

  /** ffmpeg's -progress blocks: out_time advancing means packets are reaching the destination. */
  private readProgress(proc: ManagedProcess): void {
    let tail = ''
    proc.child.stdout?.on('data', (chunk: Buffer) => {
      tail += chunk.toString()
      const lines = tail.split('\n')
      tail = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line)
        if (!m || this.proc !== proc) continue
        const us = Number(m[1])
        if (us <= this.outTimeUs) continue
        this.outTimeUs = us
        this.lastProgressMs = this.d.clock.now()
        if (this.state !== 'live') this.live()
      }
    })
  }

  private live(): void {
    this.connections++
    this.attempt = 0
    this.set('live')
    this.d.log.info(
      { output: this.outputId, url: this.redacted, connections: this.connections },
      'push output live'
    )
  }

  private failed(why: string): void {
    this.lastError = why
    const wait = PUSH_RETRY_MS[Math.min(this.attempt, PUSH_RETRY_MS.length - 1)]!
    this.attempt++
    this.d.log.warn(
      { output: this.outputId, url: this.redacted, why, retryInMs: wait },
      'push output down'
    )
    this.set('retrying')
    this.retry = this.d.clock.after(wait, () => this.start())
  }

  private set(state: PushState): void {
    if (this.state !== state) {
      this.state = state
      this.sinceMs = this.d.clock.now()
    }
    this.d.onChange()
  }

  /** Ends the push (the output was disabled or removed, or the station stops). */
  async stop(): Promise<void> {
    this.stopped = true
    this.retry?.cancel()
    this.watchdog?.cancel()
    const proc = this.proc
    this.proc = undefined
    this.feed?.destroy()
    // SIGTERM first: the muxer closes the stream properly (an RTMP unpublish), then it is killed.
    await proc?.kill(1_000)
  }
}
