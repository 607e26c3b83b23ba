// Alarm keys. A board holds one active occurrence per key: raising an active key again updates it,
// clearing finds it by key. Every key is built here from typed parts, so the raiser and the
// clearer of a condition spell it the same way and two conditions never share one. The texts are
// the ones stored with each occurrence in the alarm history, unchanged.
import type { AlarmKind } from '../shared/domain'

declare const built: unique symbol
/** A key built by `alarmKeys`; a plain string is not one. */
export type AlarmKey = string & { readonly [built]: true }

const key = (text: string): AlarmKey => text as AlarmKey

/** The MEDIA alarm kinds: a slot's media could not be played (missing, or failed to decode). */
export const MEDIA_ALARM_KINDS = [
  'media-missing',
  'media-corrupt'
] as const satisfies readonly AlarmKind[]

export const alarmKeys = {
  // ---- a channel's board: its producer's reports
  /** Nothing scheduled: one alarm while the hole lasts, however many segments it airs as. */
  scheduleGap: key('gap'),
  /** The producer's output degraded (falling behind the clock). */
  degraded: key('degraded'),
  /** An alarm about one segment (a slot's media, cleared when the slot ends), or about the producer's output as a whole (null). */
  segment: (kind: AlarmKind, segmentStartMs: number | null): AlarmKey =>
    key(`${kind}:${segmentStartMs ?? 'output'}`),
  /** A condition of the output's picture or sound (black, freeze, silence, loud, quiet), raised and cleared as it comes and goes. */
  outputCondition: (kind: AlarmKind): AlarmKey => key(`output:${kind}`),
  /** A push output is down. */
  outputDown: (outputId: string): AlarmKey => key(`output-down:${outputId}`),
  /** A report (the as-run log...) could not be recorded. */
  recordFailed: (what: string): AlarmKey => key(`record:${what}`),

  // ---- a channel's board: its supervision
  /** Switching producers failed. */
  transitionFailed: key('transition'),
  /** A producer did not stop cleanly. */
  stopFailed: key('stop'),
  /** The supervisor could not record the producer's state. */
  storeFailed: key('store'),
  /** The producer failed and is being restarted. */
  restarting: key('restarting'),
  /** Restarts gave up: the channel is failed. */
  channelFailed: key('failed'),

  // ---- the station's board
  /** The producer budget is reached. */
  capacity: key('capacity'),
  /** The system clock stepped back. */
  clockStep: key('clock-step'),
  /** Station work on a timer failed (a file operation, a database write). */
  timerFailed: key('timer'),
  /** Little free space, or writes failing, where the station writes. */
  disk: key('disk'),
  /** A channel's scheduled file (a library asset) cannot air: offline, missing, unplayable. */
  preAir: (channelId: number, assetId: number): AlarmKey => key(`pre-air:${channelId}:${assetId}`),
  /** A templated channel's collection with nothing that can air: the slate airs in its slot. */
  preAirCollection: (channelId: number, collection: string): AlarmKey =>
    key(`pre-air:${channelId}:collection:${collection}`),
  /** Whether a key read back is a pre-air one (to clear those no longer true after a restart). */
  isPreAir: (text: string): boolean => text.startsWith('pre-air:'),
  /** A channel's scheduled file has a rendition with black, freeze or silence (found at conform time). */
  conformDefect: (channelId: number, assetId: number): AlarmKey =>
    key(`conform-defect:${channelId}:${assetId}`),
  isConformDefect: (text: string): boolean => text.startsWith('conform-defect:')
} as const
