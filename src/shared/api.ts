// The public contract's data shapes: what the HTTP API returns and what the console receives.
// Times are ISO 8601 with offset and milliseconds; channel times are given in the channel's zone.
import type {
  AlarmKind,
  AlarmSeverity,
  AsRunKind,
  AsRunProducer,
  AsRunStatus,
  ChannelKind,
  ChannelMode,
  EmergencyScope,
  GlobalMode,
  OutputState,
  PlaylogSource,
  ProducerStatus,
  ProducerType,
  SessionPurpose,
  Tally
} from './domain'
import type { LibraryFolderDto, LibraryJobDto } from './library'

export interface ScheduleItemDto {
  id: number
  title: string
  type: string
  start: string
  end: string
  durationMs: number
  inPointMs: number
  /** The asset's file name (not its path). */
  asset: string | null
  source: PlaylogSource
}

export interface NowPlayingDto extends ScheduleItemDto {
  /** Position in the asset now: now - start + in point. */
  offsetMs: number
  remainingMs: number
}

export interface BroadcastDayDto {
  label: string
  start: string
  end: string
  timezone: string
  rolloverMinutes: number
  /** The item that began in the previous broadcast day and runs across this one's start. */
  carryover: ScheduleItemDto | null
}

/** The broadcast day a channel is in, as its status shows it (times in the channel's zone). */
export interface BroadcastDayStatusDto {
  label: string
  start: string
  end: string
}

export interface AlarmDto {
  id: string
  kind: AlarmKind
  /** Short text code (BLACK, FRZ, SIL, LATE, FAIL...): shown with the colour, never instead of it. */
  code: string
  severity: AlarmSeverity
  message: string
  /** When it was raised. */
  since: string
  /** When its condition went; a cleared alarm stays listed (latched) until acknowledged. */
  clearedAt: string | null
  acknowledgedAt: string | null
  /**
   * Who acknowledged it: the console desk as its operator named it, else the audit actor
   * (operator, api); null while not acknowledged.
   */
  acknowledgedBy: string | null
  channelUuid: string | null
}

export interface ChannelStatusDto {
  uuid: string
  slug: string
  name: string
  timezone: string
  kind: ChannelKind
  rolloverMinutes: number
  mode: ChannelMode
  producerStatus: ProducerStatus
  producerType: ProducerType | null
  /** Real viewers (previews and outputs excluded). */
  viewerCount: number
  previewCount: number
  /** Enabled push outputs holding the channel on air. */
  outputCount: number
  outputs: OutputDto[]
  tally: Tally
  failed: boolean
  nowPlaying: NowPlayingDto | null
  next: ScheduleItemDto | null
  broadcastDay: BroadcastDayStatusDto
  alarms: AlarmDto[]
}

/**
 * A push destination (RTMP/SRT) and how it stands: off (disabled), connecting, live (the push is
 * flowing), retrying (down: refused, dropped or unreachable; tried again with backoff).
 */
export interface OutputDto {
  id: string
  channelUuid: string
  /** The URL with its stream key and credentials hidden. */
  url: string
  enabled: boolean
  state: OutputState
  /** Since when it is in this state. */
  since: string
  /** Why the last attempt ended, tool output with the secrets hidden; null when none failed. */
  lastError: string | null
  /** Connections made since the station started (one while it stays up). */
  connections: number
}

export interface EmergencyDto {
  message: string
  scope: EmergencyScope
  since: string
  /** The console desk that fired it, as its operator named it (null or absent: not named). */
  desk?: string | null
}

export interface ModeDto {
  mode: GlobalMode
  emergency: EmergencyDto | null
}

export interface ViewerAttachDto {
  sessionId: string
  streamUrl: string
  channelUuid: string
  purpose: SessionPurpose
}

export interface ApiErrorDto {
  error: { code: string; message: string }
}

/**
 * The header of a 404 that matched no route at all (value `no_route`), as opposed to a route that
 * found nothing (an unknown channel): a client older or newer than the station can tell them apart.
 */
export const NO_ROUTE_HEADER = 'x-retrovue-error'

export interface StationHealthDto {
  status: 'ok' | 'degraded'
  /** Why it is degraded, one sentence each (a failed channel, a critical alarm, the disk); empty when ok. */
  reasons?: string[]
  channels: number
  producersRunning: number
  producerBudget: number
  /** The budget in use: an encode channel counts one, a channel airing by copy its share (conform.copyShare). */
  producerBudgetUsed: number
  viewers: number
  previews: number
  failedChannels: number
}

/** One row of the as-run log: a stretch of one channel's output. Times in the channel's zone. */
export interface AsRunRowDto {
  channelUuid: string
  channel: string
  broadcastDay: string
  kind: AsRunKind
  title: string
  asset: string | null
  /** Null off air. */
  producerType: AsRunProducer | null
  scheduledStart: string | null
  scheduledEnd: string | null
  actualStart: string
  /** Null while it is on air. */
  actualEnd: string | null
  durationMs: number
  status: AsRunStatus
  reason: string | null
  /** The stretch crossed a broadcast-day rollover: this row continues one, or continues into the next day. */
  split: 'from-previous-day' | 'into-next-day' | 'both' | null
}

export interface AsRunDayDto {
  channelUuid: string
  broadcastDay: string
  start: string
  end: string
  /** The page: the day's rows from this one (0: the first), of totalRows. */
  offset: number
  totalRows: number
  rows: AsRunRowDto[]
}

/**
 * Why a stretch of a day has no output and an item did not air: the station had not yet aired the
 * channel at all (an off-air row's reason, a reconciled item's outcome in words).
 */
export const BEFORE_FIRST_START = "before the station's first start"

/** A scheduled item and what aired for it (its part inside the broadcast day). */
export interface ReconciledItemDto {
  title: string
  asset: string | null
  scheduledStart: string
  scheduledEnd: string
  scheduledMs: number
  airedMs: number
  /** before-first-start: scheduled before the station first aired the channel (nothing could air). */
  outcome:
    | 'as-scheduled'
    | 'late'
    | 'short'
    | 'replaced'
    | 'not-aired'
    | 'before-first-start'
    | 'on-air'
    | 'upcoming'
  reason: string | null
}

export interface AsRunReconcileDto {
  channelUuid: string
  broadcastDay: string
  start: string
  end: string
  /** When the station first aired the channel (null: never yet). */
  firstStart: string | null
  /** The page: the day's items from this one (0: the first); totals.items is the day's count. */
  offset: number
  items: ReconciledItemDto[]
  /** Over the whole day, whatever the page. */
  totals: {
    items: number
    asScheduled: number
    late: number
    short: number
    replaced: number
    notAired: number
    beforeFirstStart: number
    scheduledMs: number
    airedMs: number
    offAirMs: number
    emergencyMs: number
  }
}

/**
 * The lowest level a `levels` event carries: digital silence (and anything quieter) reads -120 dBFS,
 * because -Infinity is not JSON. 16-bit sound cannot go below about -96 dBFS otherwise.
 */
export const LEVELS_FLOOR_DBFS = -120

/**
 * Audio levels of one channel's output, [left, right] in dBFS to 0.1 dB, floored at
 * LEVELS_FLOOR_DBFS, over the frames that aired since the previous levels event (about 100 ms).
 * Peak: the largest sample. RMS: referred to a full-scale square wave, as ffmpeg's astats (a
 * full-scale sine reads -3 dBFS).
 */
export interface ChannelLevelsDto {
  uuid: string
  peak: [number, number]
  rms: [number, number]
  /** BS.1770 loudness of the output (absent where it is not metered). */
  loudness?: ChannelLoudnessDto
}

/**
 * A channel's loudness at the frame on air, to 0.1: momentary (400 ms), short-term (3 s) and the
 * item's integrated loudness so far in LUFS (LEVELS_FLOOR_DBFS for silence or before the first
 * gated block), the largest true peak since the previous event in dBTP, and how the item's gain is set.
 */
export interface ChannelLoudnessDto {
  momentary: number
  shortTerm: number
  integrated: number
  truePeak: number
  /** The station's target the LU scale is drawn around, LUFS. */
  targetLufs: number
  /** The gain applied to the item on air, dB. */
  gainDb: number
  /** False while the item on air is not measured yet: it airs at the safe gain (0 dB through the limiter). */
  measured: boolean
  /** The true-peak limiter's largest gain reduction since the previous event, dB (0 or less). */
  limiterDb: number
}

/** A schedule range (GET /api/channels/:uuid/schedule). */
export interface ScheduleRangeDto {
  channelUuid: string
  from: string
  to: string
  items: ScheduleItemDto[]
}

/**
 * The event stream's socket also carries `{"type":"heartbeat"}` this often (not a StationEvent: the
 * transport's own), so a console tells a station that stopped answering from one with nothing to say.
 */
export const EVENT_HEARTBEAT_MS = 500
/** A console that hears nothing on its event stream for this long takes the station for down. */
export const EVENT_SILENCE_MS = 1500

/** The event stream (GET /api/events): a snapshot first, then coalesced changes (and levels, about 10 Hz, when reported). */
export type StationEvent =
  | {
      type: 'snapshot'
      seq: number
      stationTime: string
      mode: ModeDto
      health: StationHealthDto
      alarms: AlarmDto[]
      acknowledgements: AlarmDto[]
      channels: ChannelStatusDto[]
    }
  | {
      type: 'changes'
      seq: number
      stationTime: string
      /** Full status of each channel that changed. */
      channels: ChannelStatusDto[]
      mode: ModeDto
      health: StationHealthDto
      alarms: AlarmDto[]
      /**
       * The station's latest acknowledgements (station and channels, newest first, a bounded
       * number): an acknowledged alarm that leaves the lists above is still seen acknowledged, by
       * whom and when, on every desk.
       */
      acknowledgements: AlarmDto[]
    }
  | {
      /** Lightweight and frequent: not part of the seq of snapshot and changes. */
      type: 'levels'
      stationTime: string
      channels: ChannelLevelsDto[]
    }
  | {
      /**
       * The media library's folders and jobs, whenever either changes (at most about 4 a second
       * while jobs run); not part of the seq of snapshot and changes.
       */
      type: 'library'
      stationTime: string
      folders: LibraryFolderDto[]
      jobs: LibraryJobDto[]
    }

export type StationSnapshotDto = Extract<StationEvent, { type: 'snapshot' }>

/** A picture of emergency text exactly as it airs, rendered by the code that renders it on air. */
export interface EmergencyPictureDto {
  /** data:image/png;base64,... */
  png: string
  width: number
  height: number
}

/**
 * What an emergency message will look like on air (StationApi.previewEmergency): for a takeover,
 * every page of the card (a page count "n/N" on each when there is more than one); for a crawl,
 * its whole strip (the text in its band, as wide as the text).
 */
export interface EmergencyPreviewDto {
  scope: EmergencyScope
  pictures: EmergencyPictureDto[]
  /** The output picture's size (the card is that size; the crawl's band is that wide). */
  frameWidth: number
  frameHeight: number
  /** The text's size in pixels on that picture. */
  textSize: number
  /** Takeover: how long each page stays on air before the next (the pages cycle). Null for a crawl. */
  pageSeconds: number[] | null
  /** Crawl: how long one pass takes, from the first word entering to the last leaving. Null for a takeover. */
  passSeconds: number | null
  /** Crawl: its speed in characters a second (the station's setting). Null for a takeover. */
  crawlSpeed: number | null
}
