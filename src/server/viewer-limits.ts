// Most viewers at once, per channel and for the whole station: past either, a new viewer gets 503
// with a Retry-After (a viewer leaving frees a place). Every session of purpose "viewer" counts,
// however it was opened (API, HLS or MPEG-TS URL); the console's previews never count and are never
// refused here, so the operator can always see every channel.
//
// The viewers' URLs (no token) also count per client address, so that one client cannot take
// every place by varying its User-Agent or opening .ts streams: past perAddress, 503 for that
// address only. The API's viewers (token holders) and the shared HLS path (one session per
// channel, for a proxy or CDN) are not counted per address.
import type { StationRuntime } from './engine'
import { ApiError } from './errors'

export interface ViewerLimits {
  perChannel: number
  perStation: number
  /** Viewers opened through the viewers' URLs from one client address. */
  perAddress: number
}

/**
 * A hundred viewers of one channel still run on its one producer; the station total bounds the
 * uplink; ten per address leaves room for a household's sets behind one NAT address.
 */
export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  perChannel: 100,
  perStation: 300,
  perAddress: 10
}

const RETRY_AFTER_S = 30

/** Refuses one more viewer of the channel past a limit; an unknown channel passes (the attach refuses it). */
export function checkViewerLimits(
  director: StationRuntime,
  channelUuid: string,
  limits: ViewerLimits
): void {
  const all = director.channelManagers()
  const cm = all.find((c) => c.uuid.toLowerCase() === channelUuid.toLowerCase())
  if (!cm) return
  if (cm.viewerCount >= limits.perChannel) {
    throw new ApiError(
      503,
      'viewer_limit',
      `"${cm.channel.name}" has as many viewers as it takes (${limits.perChannel}); try again later`,
      RETRY_AFTER_S
    )
  }
  const total = all.reduce((n, c) => n + c.viewerCount, 0)
  if (total >= limits.perStation) {
    throw new ApiError(
      503,
      'viewer_limit',
      `the station has as many viewers as it takes (${limits.perStation}); try again later`,
      RETRY_AFTER_S
    )
  }
}

/** The live viewer sessions each client address holds (a session that ended no longer counts). */
export class AddressViewers {
  private readonly byAddress = new Map<string, { sessions: Set<string>; opening: number }>()

  constructor(
    private readonly isLive: (sessionId: string) => boolean,
    private readonly limit: number
  ) {}

  /**
   * Opens a viewer for `address` with `open` unless the address holds its limit already. The place
   * is taken before `open` runs, so requests arriving together cannot all pass the check.
   */
  async admit(address: string, open: () => Promise<string>): Promise<string> {
    const entry = this.byAddress.get(address) ?? { sessions: new Set<string>(), opening: 0 }
    for (const id of entry.sessions) if (!this.isLive(id)) entry.sessions.delete(id)
    if (entry.sessions.size + entry.opening >= this.limit) {
      if (entry.sessions.size + entry.opening === 0) this.byAddress.delete(address)
      throw new ApiError(
        503,
        'viewer_limit',
        `your address has as many viewers as it takes (${this.limit}); close one and try again`,
        RETRY_AFTER_S
      )
    }
    entry.opening++
    this.byAddress.set(address, entry)
    try {
      const id = await open()
      entry.sessions.add(id)
      return id
    } finally {
      entry.opening--
      if (entry.sessions.size + entry.opening === 0) this.byAddress.delete(address)
    }
  }
}
