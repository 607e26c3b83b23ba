// Most viewers at once, per channel and for the whole station: past either, a new viewer gets 503
// with a Retry-After (a viewer leaving frees a place). Every session of purpose "viewer" counts,
// however it was opened (API, HLS or MPEG-TS URL); the console's previews never count and are never
// refused here, so the operator can always see every channel.
import type { ProgramDirector } from '../runtime/program-director';
import { ApiError } from './errors';

export interface ViewerLimits {
  perChannel: number;
  perStation: number;
}

/** A hundred viewers of one channel still run on its one producer; the station total bounds the uplink. */
export const DEFAULT_VIEWER_LIMITS: ViewerLimits = { perChannel: 100, perStation: 300 };

const RETRY_AFTER_S = 30;

/** Refuses one more viewer of the channel past a limit; an unknown channel passes (the attach refuses it). */
export function checkViewerLimits(director: ProgramDirector, channelUuid: string, limits: ViewerLimits): void {
  const all = director.channelManagers();
  const cm = all.find((c) => c.uuid.toLowerCase() === channelUuid.toLowerCase());
  if (!cm) return;
  if (cm.viewerCount >= limits.perChannel) {
    throw new ApiError(503, 'viewer_limit', `"${cm.channel.name}" has as many viewers as it takes (${limits.perChannel}); try again later`, RETRY_AFTER_S);
  }
  const total = all.reduce((n, c) => n + c.viewerCount, 0);
  if (total >= limits.perStation) {
    throw new ApiError(503, 'viewer_limit', `the station has as many viewers as it takes (${limits.perStation}); try again later`, RETRY_AFTER_S);
  }
}
