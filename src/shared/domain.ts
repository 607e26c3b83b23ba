// Domain vocabulary shared by the engine, the API and the console. Plain types, no behaviour.
//
// Each vocabulary is one `as const` list here and its type is derived from it: the engine's
// unions, the API's zod enums, the console's label maps (typed Record<Type, string>) and the
// database's checks (generated from these lists when the store opens, see store/vocabularies.ts)
// all follow. Adding a name is an edit to its list, never a migration.

/** Names a list accepts, for messages: '"a", "b" or "c"'. */
export function describeChoices(list: readonly string[]): string {
  const quoted = list.map((v) => `"${v}"`)
  return quoted.length <= 1
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`
}

/** Whether `value` is one of `list`'s names (narrowing it to the list's type). */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return (list as readonly unknown[]).includes(value)
}

/** `guide` channels air listings instead of a playlog of media. */
export const CHANNEL_KINDS = ['normal', 'guide'] as const
export type ChannelKind = (typeof CHANNEL_KINDS)[number]

/** A channel's operating mode (`current_mode` in the runtime design's data model). */
export const CHANNEL_MODES = ['normal', 'emergency', 'guide'] as const
export type ChannelMode = (typeof CHANNEL_MODES)[number]

/** Station-wide mode; only the ProgramDirector changes it. */
export const GLOBAL_MODES = ['normal', 'emergency'] as const
export type GlobalMode = (typeof GLOBAL_MODES)[number]

/** crawl: programming stays on air under a crawling message; takeover: a full-screen slate replaces it. */
export const EMERGENCY_SCOPES = ['crawl', 'takeover'] as const
export type EmergencyScope = (typeof EMERGENCY_SCOPES)[number]
/**
 * The longest emergency message, in characters: what the API accepts and the console lets an
 * operator type. The takeover card fits every message of this length (sizing, else paging it) and
 * the crawl carries it whole.
 */
export const EMERGENCY_MESSAGE_MAX = 500
/** The crawl's speed in characters a second (of average text): a station setting within these bounds. */
export const DEFAULT_CRAWL_SPEED = 9
export const CRAWL_SPEED_MIN = 4
export const CRAWL_SPEED_MAX = 20

/** What a producer airs: programming (with an emergency crawl over it), an emergency takeover card, the guide, a slate. */
export const PRODUCER_TYPES = ['normal', 'emergency', 'guide', 'slate'] as const
export type ProducerType = (typeof PRODUCER_TYPES)[number]
export const PRODUCER_STATUSES = ['stopped', 'starting', 'running', 'stopping', 'failed'] as const
export type ProducerStatus = (typeof PRODUCER_STATUSES)[number]
export const PRODUCER_HEALTHS = ['running', 'degraded', 'stopped'] as const
export type ProducerHealth = (typeof PRODUCER_HEALTHS)[number]

/**
 * Multiviewer tally: program (red) on air to outside viewers or a live push output; preview (green)
 * watched only by the console (or by outputs still connecting); emergency (amber) an emergency
 * override on air; off (grey) standby; fault failed, degraded or a critical alarm (the console
 * shows it apart from red, over what the channel airs).
 */
export const TALLIES = ['program', 'preview', 'emergency', 'off', 'fault'] as const
export type Tally = (typeof TALLIES)[number]

/**
 * Why a viewer session exists: a real viewer, the operator's multiviewer preview, or a push output
 * (an enabled RTMP/SRT destination keeps its channel on air like a viewer that never goes idle).
 */
export const SESSION_PURPOSES = ['viewer', 'preview', 'output'] as const
export type SessionPurpose = (typeof SESSION_PURPOSES)[number]

export const PLAYLOG_ITEM_TYPES = [
  'program',
  'promo',
  'bumper',
  'commercial',
  'filler',
  'station-id'
] as const
export type PlaylogItemType = (typeof PLAYLOG_ITEM_TYPES)[number]

export const ALARM_SEVERITIES = ['info', 'warning', 'critical'] as const
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number]
export const ALARM_KINDS = [
  'media-missing',
  'media-corrupt',
  'schedule-gap',
  'producer-failed',
  'producer-restarting',
  'channel-failed',
  'capacity',
  'black',
  'silence',
  'freeze',
  'clock-step',
  /** A file operation failed (EMFILE, ENOSPC, EACCES...): output or housekeeping could not write. */
  'io-error',
  /** Output falling behind the clock. */
  'late',
  /** A push destination (RTMP/SRT) is down, refused or dropped the connection. */
  'output-down',
  /** Little free space where the station writes (warning), or writes failing there (critical). */
  'disk',
  /** Short-term loudness above (loud) or below (quiet) the station's target by more than its margin, for its duration. */
  'loud',
  'quiet',
  /** A scheduled item's file cannot air (offline, missing, unplayable...): raised hours before air. */
  'pre-air'
] as const
export type AlarmKind = (typeof ALARM_KINDS)[number]

/** The short code an alarm shows beside its colour (colour is never the only signal). */
export const ALARM_CODES: Readonly<Record<AlarmKind, string>> = {
  'media-missing': 'MEDIA',
  'media-corrupt': 'MEDIA',
  'schedule-gap': 'GAP',
  'producer-failed': 'FAIL',
  'producer-restarting': 'RSTRT',
  'channel-failed': 'FAIL',
  capacity: 'CAP',
  black: 'BLACK',
  silence: 'SIL',
  freeze: 'FRZ',
  'clock-step': 'CLOCK',
  'io-error': 'IO',
  late: 'LATE',
  'output-down': 'OUT',
  'pre-air': 'PRE',
  disk: 'DISK',
  loud: 'LOUD',
  quiet: 'QUIET'
}

/** Where a channel's logo (its "bug") sits on the picture. */
export const LOGO_CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const
export type LogoCorner = (typeof LOGO_CORNERS)[number]

/**
 * How a channel's logo is placed: in a corner, `marginPercent` of the picture's width (left/right)
 * and height (top/bottom) in from its edges, `widthPercent` of the picture's width wide (its height
 * follows the PNG's aspect), blended at `opacity` over the PNG's own alpha. It airs over
 * programming (and a crawl), never over a takeover card, a slate or the guide; items of the types
 * in `hideDuring` air without it.
 */
export interface LogoPlacement {
  corner: LogoCorner
  marginPercent: number
  widthPercent: number
  opacity: number
  hideDuring: PlaylogItemType[]
}

/** Title-safe margin (5 % is the broadcast action/title-safe rule of thumb), a small bug, a little see-through; off in commercial breaks. */
export const DEFAULT_LOGO_PLACEMENT: Readonly<LogoPlacement> = {
  corner: 'top-right',
  marginPercent: 5,
  widthPercent: 12,
  opacity: 0.85,
  hideDuring: ['commercial']
}
/** Largest logo PNG accepted (bytes) and its pixel bounds: a bug, not a picture. */
export const LOGO_MAX_BYTES = 512 * 1024
export const LOGO_MIN_PIXELS = 8
export const LOGO_MAX_PIXELS = 2048
export const LOGO_WIDTH_PERCENT = { min: 2, max: 50 } as const
export const LOGO_MARGIN_PERCENT = { min: 0, max: 25 } as const

/** A channel's logo as the station keeps it: a PNG in the data folder's logos/ and its placement. */
export interface ChannelLogo extends LogoPlacement {
  /** The PNG's file name in the data folder's logos/ (named by its content). */
  file: string
  /** The PNG's size in pixels. */
  width: number
  height: number
}

/** A channel as the schedule and the runtime know it: identity, zone and broadcast-day rollover. */
export interface ChannelInfo {
  /** Internal id (database key); never leaves the engine. */
  id: number
  /** The stable external identifier (API, logs). */
  uuid: string
  slug: string
  name: string
  timezone: string
  rolloverMinutes: number
  kind: ChannelKind
  /** The channel number from the station file ("7", "7.1"), stable for viewers' guides; null or absent when none was set. */
  number?: string | null
  /** The channel's logo; null or absent when it has none. */
  logo?: ChannelLogo | null
}

export const PLAYLOG_SOURCES = ['schedule', 'loop', 'template'] as const
export type PlaylogSource = (typeof PLAYLOG_SOURCES)[number]

/** One entry of a channel's playlog: what the schedule says airs over [startMs, endMs). */
export interface PlaylogEvent {
  id: number
  channelId: number
  startMs: number
  endMs: number
  title: string
  type: string
  assetId: number | null
  /** Position in the asset that airs at startMs. */
  inPointMs: number
  source: PlaylogSource
  /** The asset's file; null when the event has no asset. */
  assetPath: string | null
}

/** What a producer needs to know about an asset to play it without probing it again. */
export interface AssetInfo {
  path: string
  durationMs: number
  hasVideo: boolean
  hasAudio: boolean
  width: number | null
  height: number | null
  frameRate: number | null
  sizeBytes: number
  mtimeMs: number
}

/** A rendition as a plan carries it: its file, its length in frames and its fixed GOP (frames). */
export interface RenditionRef {
  path: string
  frames: number
  gopFrames: number
}

/**
 * One entry of a playout plan. Items are whole playlog events (the producer joins an item in
 * progress at `startAt - startMs + inPointMs`); gaps are explicit and air as a slate.
 */
export type PlayoutSegment =
  | {
      kind: 'item'
      eventId: number
      title: string
      type: string
      /** Absolute station time, epoch ms. */
      startMs: number
      endMs: number
      /** Position in the asset that airs at startMs. */
      inPointMs: number
      asset: AssetInfo | null
      /**
       * Gain in dB that brings the asset's measured integrated loudness to the station's target
       * (target - measured); null (or absent) when it is not measured yet: the item airs at a safe
       * gain (0 dB through the limiter) and its levels say so. 0 when loudness control is off.
       */
      gainDb?: number | null
      /**
       * The asset made into the channel's house format (a rendition, issue 28), when one is ready:
       * a copy producer airs it by remuxing (no decoder, no encoder). Absent: the encode path.
       */
      rendition?: RenditionRef | null
    }
  /** A hole: `deliberate` when the schedule leaves it on purpose (a loop's `{ gapMs }`), else nothing was scheduled there. */
  | { kind: 'gap'; startMs: number; endMs: number; deliberate?: boolean }

/** The resolved segment sequence a channel should air over [fromMs, toMs). */
export interface PlayoutPlan {
  channelUuid: string
  fromMs: number
  toMs: number
  segments: PlayoutSegment[]
}

/**
 * A push output's state: off (disabled), connecting, live (the push is flowing), retrying (down:
 * refused, dropped or unreachable; tried again with backoff).
 */
export const OUTPUT_STATES = ['off', 'connecting', 'live', 'retrying'] as const
export type OutputState = (typeof OUTPUT_STATES)[number]

/** What a row of the as-run log is a stretch of: an item (or part of one), a schedule gap, an emergency, the guide, a slate, or time off air. */
export const AS_RUN_KINDS = ['item', 'gap', 'emergency', 'guide', 'slate', 'off-air'] as const
export type AsRunKind = (typeof AS_RUN_KINDS)[number]
/** The producer the as-run log names for a stretch: its type, with an emergency told apart by its scope. */
export const AS_RUN_PRODUCERS = [
  'normal',
  'emergency-crawl',
  'emergency-takeover',
  'guide',
  'slate'
] as const
export type AsRunProducer = (typeof AS_RUN_PRODUCERS)[number]
/** Whether the item's media played, or the slate stood in for some or all of it. */
export const AS_RUN_MEDIA = ['aired', 'slate', 'partial', 'none'] as const
export type AsRunMedia = (typeof AS_RUN_MEDIA)[number]
/**
 * How a stretch of output compares with the schedule: as scheduled; joined late or cut short (the
 * reason says why: no viewers, emergency, producer failure...); replaced (a slate aired instead:
 * missing media, nothing scheduled); off air (no producer: no viewers, or the station not running);
 * an emergency takeover; a schedule gap's slate.
 */
export const AS_RUN_STATUSES = [
  'as-scheduled',
  'joined-late',
  'cut-short',
  'replaced',
  'off-air',
  'emergency',
  'gap'
] as const
export type AsRunStatus = (typeof AS_RUN_STATUSES)[number]

/**
 * How a station watches its outputs while media airs (the station file's `health` section). A
 * condition raises its alarm once it has lasted `durationMs`; the alarm's time is when it began.
 */
export interface OutputHealthSettings {
  /**
   * Picture black: at least 98% of the picture darker than `threshold` (0-1 of the way from video
   * black to white, as ffmpeg blackdetect's pixel threshold).
   */
  black: { enabled: boolean; threshold: number; durationMs: number }
  /**
   * Picture frozen: no region of the picture (1/144 of it) changed by a mean luma difference above
   * `threshold` (0-1 of full scale, as ffmpeg freezedetect's noise, per region).
   */
  freeze: { enabled: boolean; threshold: number; durationMs: number }
  /** Sound silent: the RMS level of both channels below `thresholdDb` dBFS. */
  silence: { enabled: boolean; thresholdDb: number; durationMs: number }
}

/** Field defaults: blackdetect's 2 s at 0.10, a broadcast multiviewer's ~10 s freeze and -60 dBFS for 10 s silence. */
export const DEFAULT_OUTPUT_HEALTH: Readonly<OutputHealthSettings> = {
  black: { enabled: true, threshold: 0.1, durationMs: 2_000 },
  freeze: { enabled: true, threshold: 0.004, durationMs: 10_000 },
  silence: { enabled: true, thresholdDb: -60, durationMs: 10_000 }
}

/** Which loudness rule a station keeps; `off` applies no gain and raises no LOUD / QUIET. */
export const LOUDNESS_STANDARDS = ['ebu-r128', 'atsc-a85', 'off'] as const
export type LoudnessStandard = (typeof LOUDNESS_STANDARDS)[number]

/** The station file's `loudness` section with its defaults filled in (see LOUDNESS_PRESETS). */
export interface LoudnessSettings {
  standard: LoudnessStandard
  /** Programme loudness every item is brought to, LUFS (= LKFS). */
  targetLufs: number
  /** Ceiling no sample may exceed, measured as true peak (4x oversampled), dBTP. */
  truePeakDbtp: number
  /** LOUD / QUIET: short-term loudness more than `marginLu` from the target for `durationMs` while media airs. */
  alarm: { enabled: boolean; marginLu: number; durationMs: number }
}

/** Each standard's target and ceiling: EBU R128 -23 LUFS / -1 dBTP, ATSC A/85 -24 LKFS / -2 dBTP. */
export const LOUDNESS_PRESETS: Readonly<
  Record<Exclude<LoudnessStandard, 'off'>, { targetLufs: number; truePeakDbtp: number }>
> = {
  'ebu-r128': { targetLufs: -23, truePeakDbtp: -1 },
  'atsc-a85': { targetLufs: -24, truePeakDbtp: -2 }
}

/**
 * EBU R128 by default. The alarm's 5 LU for 30 s: R128 allows +-1 LU live and short-term
 * loudness swings several LU within a programme (speech, music, effects), so a smaller margin or a
 * shorter time would flag ordinary dynamics; an item 5 LU off its target for half a minute is one
 * whose gain is wrong (unmeasured, or the measurement stale).
 */
export const DEFAULT_LOUDNESS: Readonly<LoudnessSettings> = {
  standard: 'ebu-r128',
  ...LOUDNESS_PRESETS['ebu-r128'],
  alarm: { enabled: true, marginLu: 5, durationMs: 30_000 }
}
