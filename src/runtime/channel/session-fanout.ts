// Viewer fanout for one channel: the sessions attached to it (viewers, multiviewer previews and
// enabled push outputs).
// The first session creates demand for a producer; when the last one leaves a grace period starts,
// and if nobody returns within it the channel is idle. It decides nothing about producers: the
// ChannelManager acts on demand and on `onIdle`.
import type { MasterClock, TimerHandle } from '../../shared/clock'
import type { SessionPurpose } from '../../shared/domain'

export class SessionFanout {
  private readonly sessions = new Map<string, SessionPurpose>()
  private viewers = 0
  private outputs = 0
  private graceTimer: TimerHandle | undefined

  constructor(
    private readonly clock: MasterClock,
    private readonly graceMs: number,
    private readonly onIdle: () => void
  ) {}

  get size(): number {
    return this.sessions.size
  }
  get viewerCount(): number {
    return this.viewers
  }
  get outputCount(): number {
    return this.outputs
  }
  get previewCount(): number {
    return this.sessions.size - this.viewers - this.outputs
  }

  /** The viewer count once a session of this purpose has joined (+1) or left (-1). */
  viewersAfter(purpose: SessionPurpose, delta: 1 | -1): number {
    return this.viewers + (purpose === 'viewer' ? delta : 0)
  }

  /** Adds a session (false if it was already here); cancels a running grace period. */
  add(sessionId: string, purpose: SessionPurpose): boolean {
    if (this.sessions.has(sessionId)) return false
    this.sessions.set(sessionId, purpose)
    if (purpose === 'viewer') this.viewers++
    if (purpose === 'output') this.outputs++
    this.graceTimer?.cancel()
    this.graceTimer = undefined
    return true
  }

  /** Removes a session (false if unknown); the last one leaving starts the grace period. */
  remove(sessionId: string): boolean {
    const purpose = this.sessions.get(sessionId)
    if (purpose === undefined) return false
    this.sessions.delete(sessionId)
    if (purpose === 'viewer') this.viewers--
    if (purpose === 'output') this.outputs--
    if (this.sessions.size === 0) this.startGrace()
    return true
  }

  private startGrace(): void {
    this.graceTimer?.cancel()
    const idle = () => {
      this.graceTimer = undefined
      if (this.sessions.size === 0) this.onIdle()
    }
    if (this.graceMs <= 0) idle()
    else this.graceTimer = this.clock.after(this.graceMs, idle)
  }

  close(): void {
    this.graceTimer?.cancel()
    this.graceTimer = undefined
  }
}
