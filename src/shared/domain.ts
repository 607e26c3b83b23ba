// Domain vocabulary shared by the engine, the API and the console. Plain types, no behaviour.

/** `guide` channels air listings instead of a playlog of media. */
export type ChannelKind = 'normal' | 'guide';

/** A channel's operating mode, as the seed's data model names it. */
export type ChannelMode = 'normal' | 'emergency' | 'guide';

/** Station-wide mode; only the ProgramDirector changes it. */
export type GlobalMode = 'normal' | 'emergency';

/** crawl: programming stays on air under a crawling message; takeover: a full-screen slate replaces it. */
export type EmergencyScope = 'crawl' | 'takeover';
export const EMERGENCY_SCOPES: readonly EmergencyScope[] = ['crawl', 'takeover'];
/**
 * The longest emergency message, in characters: what the API accepts and the console lets an
 * operator type. The takeover card fits every message of this length (sizing, else paging it) and
 * the crawl carries it whole.
 */
export const EMERGENCY_MESSAGE_MAX = 500;
/** The crawl's speed in characters a second (of average text): a station setting within these bounds. */
export const DEFAULT_CRAWL_SPEED = 9;
export const CRAWL_SPEED_MIN = 4;
export const CRAWL_SPEED_MAX = 20;

export type ProducerType = 'normal' | 'emergency' | 'guide' | 'slate';
export type ProducerStatus = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';
export type ProducerHealth = 'running' | 'degraded' | 'stopped';

/**
 * Multiviewer tally: program (red) on air to outside viewers or an output; preview (green) watched
 * only by the console; emergency (amber) an emergency override on air; off (grey) standby; fault
 * (flashing red, with a code) failed or degraded.
 */
export type Tally = 'program' | 'preview' | 'emergency' | 'off' | 'fault';

/**
 * Why a viewer session exists: a real viewer, the operator's multiviewer preview, or a push output
 * (an enabled RTMP/SRT destination keeps its channel on air like a viewer that never goes idle).
 */
export type SessionPurpose = 'viewer' | 'preview' | 'output';

export type PlaylogItemType = 'program' | 'promo' | 'bumper' | 'commercial' | 'filler' | 'station-id';
export const PLAYLOG_ITEM_TYPES: readonly PlaylogItemType[] = [
  'program',
  'promo',
  'bumper',
  'commercial',
  'filler',
  'station-id',
];

export type AlarmSeverity = 'info' | 'warning' | 'critical';
export type AlarmKind =
  | 'media-missing'
  | 'media-corrupt'
  | 'schedule-gap'
  | 'producer-failed'
  | 'producer-restarting'
  | 'channel-failed'
  | 'capacity'
  | 'black'
  | 'silence'
  | 'freeze'
  | 'clock-step'
  /** A file operation failed (EMFILE, ENOSPC, EACCES...): output or housekeeping could not write. */
  | 'io-error'
  /** Output falling behind the clock. */
  | 'late'
  /** A push destination (RTMP/SRT) is down, refused or dropped the connection. */
  | 'output-down'
  /** Little free space where the station writes (warning), or writes failing there (critical). */
  | 'disk'
  /** Short-term loudness above (loud) or below (quiet) the station's target by more than its margin, for its duration. */
  | 'loud'
  | 'quiet';

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
  disk: 'DISK',
  loud: 'LOUD',
  quiet: 'QUIET',
};

/** Where a channel's logo (its "bug") sits on the picture. */
export type LogoCorner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
export const LOGO_CORNERS: readonly LogoCorner[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

/**
 * How a channel's logo is placed: in a corner, `marginPercent` of the picture's width (left/right)
 * and height (top/bottom) in from its edges, `widthPercent` of the picture's width wide (its height
 * follows the PNG's aspect), blended at `opacity` over the PNG's own alpha. It airs over
 * programming (and a crawl), never over a takeover card, a slate or the guide; items of the types
 * in `hideDuring` air without it.
 */
export interface LogoPlacement {
  corner: LogoCorner;
  marginPercent: number;
  widthPercent: number;
  opacity: number;
  hideDuring: PlaylogItemType[];
}

/** Title-safe margin (5 % is the broadcast action/title-safe rule of thumb), a small bug, a little see-through; off in commercial breaks. */
export const DEFAULT_LOGO_PLACEMENT: Readonly<LogoPlacement> = { corner: 'top-right', marginPercent: 5, widthPercent: 12, opacity: 0.85, hideDuring: ['commercial'] };
/** Largest logo PNG accepted (bytes) and its pixel bounds: a bug, not a picture. */
export const LOGO_MAX_BYTES = 512 * 1024;
export const LOGO_MIN_PIXELS = 8;
export const LOGO_MAX_PIXELS = 2048;
export const LOGO_WIDTH_PERCENT = { min: 2, max: 50 } as const;
export const LOGO_MARGIN_PERCENT = { min: 0, max: 25 } as const;

/** A channel's logo as the station keeps it: a PNG in the data folder's logos/ and its placement. */
export interface ChannelLogo extends LogoPlacement {
  /** The PNG's file name in the data folder's logos/ (named by its content). */
  file: string;
  /** The PNG's size in pixels. */
  width: number;
  height: number;
}

/** A channel as the schedule and the runtime know it: identity, zone and broadcast-day rollover. */
export interface ChannelInfo {
  /** Internal id (database key); never leaves the engine. */
  id: number;
  /** The stable external identifier (API, logs). */
  uuid: string;
  slug: string;
  name: string;
  timezone: string;
  rolloverMinutes: number;
  kind: ChannelKind;
  /** The channel number from the station file ("7", "7.1"), stable for viewers' guides; null or absent when none was set. */
  number?: string | null;
  /** The channel's logo; null or absent when it has none. */
  logo?: ChannelLogo | null;
}

export type PlaylogSource = 'schedule' | 'loop';

/** One entry of a channel's playlog: what the schedule says airs over [startMs, endMs). */
export interface PlaylogEvent {
  id: number;
  channelId: number;
  startMs: number;
  endMs: number;
  title: string;
  type: string;
  assetId: number | null;
  /** Position in the asset that airs at startMs. */
  inPointMs: number;
  source: PlaylogSource;
  /** The asset's file; null when the event has no asset. */
  assetPath: string | null;
}

/** What a producer needs to know about an asset to play it without probing it again. */
export interface AssetInfo {
  path: string;
  durationMs: number;
  hasVideo: boolean;
  hasAudio: boolean;
  width: number | null;
  height: number | null;
  frameRate: number | null;
  sizeBytes: number;
  mtimeMs: number;
}

/**
 * One entry of a playout plan. Items are whole playlog events (the producer joins an item in
 * progress at `startAt - startMs + inPointMs`); gaps are explicit and air as a slate.
 */
export type PlayoutSegment =
  | {
      kind: 'item';
      eventId: number;
      title: string;
      type: string;
      /** Absolute station time, epoch ms. */
      startMs: number;
      endMs: number;
      /** Position in the asset that airs at startMs. */
      inPointMs: number;
      asset: AssetInfo | null;
      /**
       * Gain in dB that brings the asset's measured integrated loudness to the station's target
       * (target - measured); null (or absent) when it is not measured yet: the item airs at a safe
       * gain (0 dB through the limiter) and its levels say so. 0 when loudness control is off.
       */
      gainDb?: number | null;
    }
  /** A hole: `deliberate` when the schedule leaves it on purpose (a loop's `{ gapMs }`), else nothing was scheduled there. */
  | { kind: 'gap'; startMs: number; endMs: number; deliberate?: boolean };

/** The resolved segment sequence a channel should air over [fromMs, toMs). */
export interface PlayoutPlan {
  channelUuid: string;
  fromMs: number;
  toMs: number;
  segments: PlayoutSegment[];
}

/**
 * How a station watches its outputs while media airs (the station file's `health` section). A
 * condition raises its alarm once it has lasted `durationMs`; the alarm's time is when it began.
 */
export interface OutputHealthSettings {
  /** Picture black: at least 98% of the picture darker than `threshold` (0-1 of the way from video black to white, as ffmpeg blackdetect's pixel threshold). */
  black: { enabled: boolean; threshold: number; durationMs: number };
  /** Picture frozen: no region of the picture (1/144 of it) changed by a mean luma difference above `threshold` (0-1 of full scale, as ffmpeg freezedetect's noise, per region). */
  freeze: { enabled: boolean; threshold: number; durationMs: number };
  /** Sound silent: the RMS level of both channels below `thresholdDb` dBFS. */
  silence: { enabled: boolean; thresholdDb: number; durationMs: number };
}

/** Field defaults: blackdetect's 2 s at 0.10, a broadcast multiviewer's ~10 s freeze and -60 dBFS for 10 s silence. */
export const DEFAULT_OUTPUT_HEALTH: Readonly<OutputHealthSettings> = {
  black: { enabled: true, threshold: 0.1, durationMs: 2_000 },
  freeze: { enabled: true, threshold: 0.004, durationMs: 10_000 },
  silence: { enabled: true, thresholdDb: -60, durationMs: 10_000 },
};

/** Which loudness rule a station keeps; `off` applies no gain and raises no LOUD / QUIET. */
export type LoudnessStandard = 'ebu-r128' | 'atsc-a85' | 'off';
export const LOUDNESS_STANDARDS: readonly LoudnessStandard[] = ['ebu-r128', 'atsc-a85', 'off'];

/** The station file's `loudness` section with its defaults filled in (see LOUDNESS_PRESETS). */
export interface LoudnessSettings {
  standard: LoudnessStandard;
  /** Programme loudness every item is brought to, LUFS (= LKFS). */
  targetLufs: number;
  /** Ceiling no sample may exceed, measured as true peak (4x oversampled), dBTP. */
  truePeakDbtp: number;
  /** LOUD / QUIET: short-term loudness more than `marginLu` from the target for `durationMs` while media airs. */
  alarm: { enabled: boolean; marginLu: number; durationMs: number };
}

/** Each standard's target and ceiling: EBU R128 -23 LUFS / -1 dBTP, ATSC A/85 -24 LKFS / -2 dBTP. */
export const LOUDNESS_PRESETS: Readonly<Record<Exclude<LoudnessStandard, 'off'>, { targetLufs: number; truePeakDbtp: number }>> = {
  'ebu-r128': { targetLufs: -23, truePeakDbtp: -1 },
  'atsc-a85': { targetLufs: -24, truePeakDbtp: -2 },
};

/**
 * EBU R128 by default. The alarm's 5 LU for 30 s: R128 allows +-1 LU live and short-term
 * loudness swings several LU within a programme (speech, music, effects), so a smaller margin or a
 * shorter time would flag ordinary dynamics; an item 5 LU off its target for half a minute is one
 * whose gain is wrong (unmeasured, or the measurement stale).
 */
export const DEFAULT_LOUDNESS: Readonly<LoudnessSettings> = {
  standard: 'ebu-r128',
  ...LOUDNESS_PRESETS['ebu-r128'],
  alarm: { enabled: true, marginLu: 5, durationMs: 30_000 },
};
