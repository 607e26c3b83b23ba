// Viewer sessions: who is attached to which channel. Observational only: a session drives fanout,
// never the schedule. Sessions end on explicit detach or after a period without activity (no
// playlist or segment request); each is persisted so that a restart can reconcile.
//
// Creating and ending a session are transactions (the session row and the channel's viewer count
// together), and memory and the producer follow only a committed write: a write that fails leaves
// no phantom session behind and no producer running for it.
import crypto from 'node:crypto'
import type { SessionPurpose } from '../shared/domain'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { Store } from '../store'

export interface LiveSession {
  sessionId: string
  channelUuid: string
  channelId: number
  purpose: SessionPurpose
  startedAtMs: number
  lastActivityMs: number
  /** When lastActivity was last written to the database (activity is frequent; writes are throttled). */
  persistedActivityMs: number
  streamUrl: string
}

export interface SessionHooks {
  /** Inside the create/end transaction: store what else changes with it (the viewer count). */
  persist(session: LiveSession, delta: 1 | -1): void
  /** After the end committed. */
  ended(session: LiveSession, reason: string): void
  /** A sweep could not end a silent session (the store refused); it is retried on the next sweep. */
  sweepFailed(session: LiveSession, err: unknown): void
}

/** Activity is written to the database at most this often per session. */
const ACTIVITY_PERSIST_MS = 5_000

export const streamUrlFor = (sessionId: string): string => `/streams/${sessionId}/index.m3u8`

export class SessionRegistry {
  private readonly live = new Map<string, LiveSession>()
  private sweeper: TimerHandle | undefined

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    readonly timeoutMs: number,
    private readonly hooks: SessionHooks
  ) {}

  /** Records a new session; it is live once the transaction committed. */
  create(
    channel: { uuid: string; id: number },
    purpose: SessionPurpose,
    clientInfo: Record<string, unknown>
  ): LiveSession {
    const sessionId = crypto.randomBytes(18).toString('base64url')
    const now = this.clock.now()
    const session: LiveSession = {
      sessionId,
      channelUuid: channel.uuid,
      channelId: channel.id,
      purpose,
      startedAtMs: now,
      lastActivityMs: now,
      persistedActivityMs: now,
      streamUrl: streamUrlFor(sessionId)
    }
    this.store.transaction(() => {
      this.store.sessions.insert({
        sessionId,
        channelId: channel.id,
        purpose,
        startedAt: now,
        clientInfo,
        streamUrl: session.streamUrl
      })
      this.hooks.persist(session, 1)
    })
    this.live.set(sessionId, session)
    this.ensureSweeper()
    return session
  }

  get(sessionId: string): LiveSession | undefined {
    return this.live.get(sessionId)
  }

  /** A playlist or segment request: the session is alive. Returns undefined for unknown or ended sessions. */
  touch(sessionId: string): LiveSession | undefined {
    const s = this.live.get(sessionId)
    if (!s) return undefined
    const now = this.clock.now()
    s.lastActivityMs = now
    if (now - s.persistedActivityMs >= ACTIVITY_PERSIST_MS) {
      // Stored activity is a hint for reconciliation: a viewer keeps watching when it cannot be
      // written, and the next request tries again.
      try {
        this.store.sessions.touch(sessionId, now)
        s.persistedActivityMs = now
      } catch {
        // retried on the next request
      }
    }
    return s
  }

  /** Ends a session; false when it was not live. Throws (and the session stays live) if the store refuses. */
  end(sessionId: string, reason: string): boolean {
    const s = this.live.get(sessionId)
    if (!s) return false
    this.store.transaction(() => {
      this.store.sessions.end(sessionId, this.clock.now(), reason)
      this.hooks.persist(s, -1)
    })
    this.live.delete(sessionId)
    this.hooks.ended(s, reason)
    return true
  }

  liveSessions(): LiveSession[] {
    return [...this.live.values()]
  }

  get size(): number {
    return this.live.size
  }

  /** Ends sessions that have been silent for longer than the timeout (an output's lasts until it is disabled). */
  sweep(): number {
    const cutoff = this.clock.now() - this.timeoutMs
    let ended = 0
    for (const s of [...this.live.values()]) {
      if (s.lastActivityMs >= cutoff || s.purpose === 'output') continue
      try {
        if (this.end(s.sessionId, 'inactive')) ended++
      } catch (err) {
        this.hooks.sweepFailed(s, err)
      }
    }
    if (this.live.size === 0) this.stopSweeper()
    return ended
  }

  private ensureSweeper(): void {
    if (this.sweeper) return
    // Check often enough that a session ends within a quarter of the timeout after going silent.
    this.sweeper = this.clock.every(Math.max(250, Math.floor(this.timeoutMs / 4)), () =>
      this.sweep()
    )
  }

  private stopSweeper(): void {
    this.sweeper?.cancel()
    this.sweeper = undefined
  }

  close(): void {
    this.stopSweeper()
  }
}
