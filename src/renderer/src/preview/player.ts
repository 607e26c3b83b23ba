// One multiviewer tile's live picture: a *preview* session on the channel (keeps its producer
// running, never turns its tally red) played with hls.js into a muted <video>.
//
// Many players on one page is where hls.js gets into trouble (memory growth, players that never
// start, Chromium's cap on media players; see notes/console-notes.md), so each tile:
// - buffers little (about 4 s ahead, nothing behind) and stays near the live edge;
// - stops loading while hidden (off screen, another tile soloed, the window hidden), and after
//   HIDDEN_DETACH_MS hidden gives its preview session back, so an unseen channel can stop;
// - on unmount destroys the player, clears the <video>'s source and ends its session;
// - re-attaches with backoff when its session goes (station restart, session timeout) or the
//   stream fails.
import type Hls from 'hls.js'
import type { ErrorData, HlsConfig } from 'hls.js'
import type { StationApi } from '../../../shared/station-api'
import type { ViewerAttachDto } from '../../../shared/api'

export const TILE_HLS_CONFIG: Partial<HlsConfig> = {
  maxBufferLength: 4,
  maxMaxBufferLength: 6,
  maxBufferSize: 8 * 1000 * 1000,
  backBufferLength: 0,
  liveSyncDurationCount: 3,
  // Fall back to the live edge rather than drift behind it.
  liveMaxLatencyDurationCount: 8,
  lowLatencyMode: false,
  // A channel's first playlist waits (up to 20 s) for its producer's first segment.
  manifestLoadingTimeOut: 25_000,
  levelLoadingTimeOut: 25_000,
  manifestLoadingMaxRetry: 1,
  enableWorker: true,
  startFragPrefetch: false
}

/**
 * hls.js (about a third of the console's script) loaded on first need, in a chunk of its own: the
 * console paints before it is fetched and parsed, and once loaded every tile shares it.
 */
let hlsModule: Promise<typeof Hls> | null = null
let HlsClass: typeof Hls | null = null
function loadHls(): Promise<typeof Hls> {
  hlsModule ??= import('hls.js').then(
    (m) => (HlsClass = m.default),
    (err: unknown) => {
      // A failed fetch (the station restarting) is tried again at the next attach.
      hlsModule = null
      throw err
    }
  )
  return hlsModule
}

const HIDDEN_DETACH_MS = 30_000
const RETRY_MS = [2_000, 5_000, 10_000, 30_000]

export type PreviewStatus =
  'attaching' | 'loading' | 'playing' | 'paused' | 'retrying' | 'unavailable'

export interface PreviewCallbacks {
  /** What the tile should say over the picture (null: the picture speaks for itself). */
  onStatus(status: PreviewStatus, detail: string | null): void
}

export class PreviewPlayer {
  private session: ViewerAttachDto | null = null
  private attaching = false
  private hls: Hls | null = null
  private visible = false
  private listening = false
  private disposed = false
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private hiddenTimer: ReturnType<typeof setTimeout> | null = null
  private mediaRecoveries = 0

  constructor(
    private readonly api: StationApi,
    private readonly channelUuid: string,
    private readonly video: HTMLVideoElement,
    private readonly callbacks: PreviewCallbacks
  ) {
    video.muted = true
    video.playsInline = true
    video.addEventListener('playing', this.onPlaying)
    video.addEventListener('waiting', this.onWaiting)
  }

  private readonly onPlaying = () => {
    this.attempt = 0
    this.mediaRecoveries = 0
    this.callbacks.onStatus('playing', null)
  }

  private readonly onWaiting = () => {
    if (this.visible) this.callbacks.onStatus('loading', null)
  }

  /** Shown or hidden: loads only while shown. */
  setVisible(visible: boolean): void {
    if (this.disposed || visible === this.visible) return
    this.visible = visible
    if (visible) {
      if (this.hiddenTimer) clearTimeout(this.hiddenTimer)
      this.hiddenTimer = null
      if (this.hls) {
        this.hls.startLoad(-1)
        this.play()
      } else if (this.session) this.startPlayer()
      else if (!this.attaching && !this.retryTimer) void this.attach()
    } else {
      this.hls?.stopLoad()
      this.video.pause()
      if (this.session || this.hls) this.callbacks.onStatus('paused', 'hidden: not loading')
      this.hiddenTimer ??= setTimeout(() => {
        this.hiddenTimer = null
        this.release()
      }, HIDDEN_DETACH_MS)
    }
  }

  /** Sound on for the one listened channel; muted otherwise. */
  setListening(listening: boolean): void {
    this.listening = listening
    this.video.muted = !listening
    if (listening) this.play()
  }

  private play(): void {
    this.video.play().catch(() => {
      // Sound needs a user gesture first (e.g. the listened channel remembered across a reload):
      // play muted, and unmute at the operator's next click or key press anywhere.
      if (!this.video.muted) {
        this.video.muted = true
        this.video.play().catch(() => undefined)
        this.unmuteOnGesture()
      }
    })
  }

  private gestureArmed = false
  private unmuteOnGesture(): void {
    if (this.gestureArmed || typeof window === 'undefined') return
    this.gestureArmed = true
    const retry = () => {
      window.removeEventListener('pointerdown', retry, true)
      window.removeEventListener('keydown', retry, true)
      this.gestureArmed = false
      if (!this.disposed && this.listening) {
        this.video.muted = false
        this.play()
      }
    }
    window.addEventListener('pointerdown', retry, true)
    window.addEventListener('keydown', retry, true)
  }

  private async attach(): Promise<void> {
    this.attaching = true
    this.callbacks.onStatus('attaching', null)
    try {
      // The player's code first (once per page): a session is never held without a player for it.
      await loadHls()
      const session = await this.api.attachPreview(this.channelUuid)
      if (this.disposed) {
        this.api.detachPreview(session.sessionId).catch(() => undefined)
        return
      }
      this.session = session
      if (this.visible) this.startPlayer()
      else this.setVisibleLater()
    } catch (err) {
      if (this.disposed) return
      const detail = err instanceof Error ? err.message : String(err)
      this.callbacks.onStatus('unavailable', detail)
      this.scheduleRetry()
    } finally {
      this.attaching = false
    }
  }

  /** Attached while hidden: hold the session only as long as a hidden tile would. */
  private setVisibleLater(): void {
    this.hiddenTimer ??= setTimeout(() => {
      this.hiddenTimer = null
      this.release()
    }, HIDDEN_DETACH_MS)
  }

  private startPlayer(): void {
    const session = this.session
    if (!session || this.hls) return
    this.callbacks.onStatus('loading', null)
    const Hls = HlsClass
    if (Hls?.isSupported()) {
      const hls = new Hls(TILE_HLS_CONFIG)
      this.hls = hls
      hls.on(Hls.Events.ERROR, (_e, data) => this.onHlsError(hls, data))
      hls.loadSource(session.streamUrl)
      hls.attachMedia(this.video)
    } else if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = session.streamUrl
    } else {
      this.callbacks.onStatus('unavailable', 'this browser cannot play HLS')
      return
    }
    this.video.muted = !this.listening
    this.play()
  }

  private onHlsError(hls: Hls, data: ErrorData): void {
    if (hls !== this.hls || !data.fatal) return
    if (data.type === HlsClass!.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
      this.mediaRecoveries++
      hls.recoverMediaError()
      return
    }
    // The session is gone (station restarted, timed out) or the stream failed: start over.
    const code = data.response?.code
    this.callbacks.onStatus('retrying', code ? `stream answered ${code}` : data.details)
    this.release()
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]!
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.visible && !this.session && !this.attaching) void this.attach()
    }, delay)
  }

  private stopPlayer(): void {
    if (this.hls) {
      this.hls.destroy()
      this.hls = null
    }
    // Let Chromium count this media player as gone.
    this.video.removeAttribute('src')
    this.video.load()
  }

  /** Ends the player and gives the preview session back. */
  private release(): void {
    this.stopPlayer()
    const s = this.session
    this.session = null
    if (s) this.api.detachPreview(s.sessionId).catch(() => undefined)
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.hiddenTimer) clearTimeout(this.hiddenTimer)
    this.video.removeEventListener('playing', this.onPlaying)
    this.video.removeEventListener('waiting', this.onWaiting)
    this.release()
  }
}
