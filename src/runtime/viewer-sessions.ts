// Viewer sessions: who is attached to which channel. Observational only: a session drives fanout,
// never the schedule. Sessions end on explicit detach or after a period without activity (no
// playlist or segment request); each is persisted so that a restart can reconcile.
import crypto from 'node:crypto';
import type { SessionPurpose } from '../shared/domain';
import type { MasterClock, TimerHandle } from '../shared/clock';
import type { Store } from '../store';

export interface LiveSession {
  sessionId: string;
  channelUuid: string;
  channelId: number;
  purpose: SessionPurpose;
  startedAtMs: number;
  lastActivityMs: number;
  /** When lastActivity was last written to the database (activity is frequent; writes are throttled). */
  persistedActivityMs: number;
  streamUrl: string;
}

export interface SessionEndListener {
  (session: LiveSession, reason: string): void;
}

/** Activity is written to the database at most this often per session. */
const ACTIVITY_PERSIST_MS = 5_000;

export const streamUrlFor = (sessionId: string): string => `/streams/${sessionId}/index.m3u8`;

export class SessionRegistry {
  private readonly live = new Map<string, LiveSession>();
  private sweeper: TimerHandle | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    readonly timeoutMs: number,
    private readonly onEnd: SessionEndListener,
  ) {}

  /** Records a new session; `commit` runs in the same transaction (the channel's viewer count). */
  create(
    channel: { uuid: string; id: number },
    purpose: SessionPurpose,
    clientInfo: Record<string, unknown>,
    commit: (session: LiveSession) => void,
  ): LiveSession {
    const sessionId = crypto.randomBytes(18).toString('base64url');
    const now = this.clock.now();
    const session: LiveSession = {
      sessionId,
      channelUuid: channel.uuid,
      channelId: channel.id,
      purpose,
      startedAtMs: now,
      lastActivityMs: now,
      persistedActivityMs: now,
      streamUrl: streamUrlFor(sessionId),
    };
    this.store.transaction(() => {
      this.store.sessions.insert({ sessionId, channelId: channel.id, purpose, startedAt: now, clientInfo, streamUrl: session.streamUrl });
      this.live.set(sessionId, session);
      try {
        commit(session);
      } catch (err) {
        this.live.delete(sessionId);
        throw err;
      }
    });
    this.ensureSweeper();
    return session;
  }

  get(sessionId: string): LiveSession | undefined {
    return this.live.get(sessionId);
  }

  /** A playlist or segment request: the session is alive. Returns undefined for unknown or ended sessions. */
  touch(sessionId: string): LiveSession | undefined {
    const s = this.live.get(sessionId);
    if (!s) return undefined;
    const now = this.clock.now();
    s.lastActivityMs = now;
    if (now - s.persistedActivityMs >= ACTIVITY_PERSIST_MS) {
      s.persistedActivityMs = now;
      this.store.sessions.touch(sessionId, now);
    }
    return s;
  }

  /** Ends a session; false when it was not live. */
  end(sessionId: string, reason: string): boolean {
    const s = this.live.get(sessionId);
    if (!s) return false;
    this.live.delete(sessionId);
    this.store.sessions.end(sessionId, this.clock.now(), reason);
    this.onEnd(s, reason);
    return true;
  }

  liveSessions(): LiveSession[] {
    return [...this.live.values()];
  }

  get size(): number {
    return this.live.size;
  }

  /** Ends sessions that have been silent for longer than the timeout. */
  sweep(): number {
    const cutoff = this.clock.now() - this.timeoutMs;
    let ended = 0;
    for (const s of [...this.live.values()]) {
      if (s.lastActivityMs < cutoff && this.end(s.sessionId, 'inactive')) ended++;
    }
    if (this.live.size === 0) this.stopSweeper();
    return ended;
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    // Check often enough that a session ends within a quarter of the timeout after going silent.
    this.sweeper = this.clock.every(Math.max(250, Math.floor(this.timeoutMs / 4)), () => this.sweep());
  }

  private stopSweeper(): void {
    this.sweeper?.cancel();
    this.sweeper = undefined;
  }

  close(): void {
    this.stopSweeper();
  }
}
