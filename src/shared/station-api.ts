// The console's contract with the engine: one StationApi, implemented once by the engine's facade
// and carried by two transports (Electron IPC in the desktop window, HTTP + WebSocket in a browser).
// The renderer cannot tell them apart. Requests are validated with these schemas on the engine's
// side of every transport; every failure arrives as a StationApiError with a code and a message.
import { z } from 'zod'
import type {
  AlarmDto,
  AsRunDayDto,
  AsRunReconcileDto,
  BroadcastDayDto,
  ChannelStatusDto,
  EmergencyPreviewDto,
  ModeDto,
  OutputDto,
  ScheduleRangeDto,
  StationEvent,
  StationHealthDto,
  StationSnapshotDto,
  ViewerAttachDto
} from './api'
import {
  type LibraryAssetDetailDto,
  libraryAssetId,
  type LibraryFolderDto,
  libraryFolderId,
  type LibraryFolderRequest,
  libraryFolderRequest,
  type LibraryImage,
  libraryImage,
  type LibraryImageDto,
  type LibraryJobDto,
  libraryJobId,
  type LibraryPageDto,
  type LibrarySearchRequest,
  librarySearchRequest
} from './library'
import { outputUrl } from './output-url'
import { type ConformDto, conformRequest, type ConformRequest } from './conform'
import {
  type WebhookDeliveryDto,
  type WebhookDto,
  webhookId,
  webhookRequest,
  type WebhookRequest
} from './webhooks'
import {
  channelTemplate,
  type ChannelTemplateDto,
  type ChannelTemplateInput,
  collectionDefinition,
  type CollectionDefinition,
  type CollectionDto,
  collectionId,
  type CollectionItemDto,
  revisionId,
  type StationExportDto,
  type TemplatePreviewDto,
  templatePreviewRequest,
  type TemplatePreviewRequest,
  type TemplatePublishDto,
  templatePublishRequest,
  type TemplatePublishRequest,
  type TemplateRevisionDto
} from './programming'
import {
  type ChannelKind,
  type ChannelLogo,
  DEFAULT_LOUDNESS,
  describeChoices,
  EMERGENCY_MESSAGE_MAX,
  EMERGENCY_SCOPES,
  LOGO_CORNERS,
  LOGO_MARGIN_PERCENT,
  LOGO_MAX_BYTES,
  LOGO_WIDTH_PERCENT,
  LOUDNESS_PRESETS,
  LOUDNESS_STANDARDS,
  type LoudnessSettings,
  PLAYLOG_ITEM_TYPES
} from './domain'

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const channelUuid = z
  .string({ error: 'must be a channel uuid' })
  .regex(UUID_PATTERN, { error: 'must be a channel uuid' })
const isoInstant = z.string({ error: 'must be an ISO 8601 instant with a zone' }).min(1).max(40)
/** An instant as given (the facade parses it and names what is wrong with it). */
const instantText = z.string({ error: 'must be an ISO 8601 instant' }).max(64)

/** A console desk's name, as its operator gave it (shown to the other desks and kept in the history). */
export const deskName = z
  .string({ error: 'must be a desk name (text)' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(40, { error: 'must be at most 40 characters' })
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'must not contain control characters' })

/** Who acknowledges: the desk, when the console was given a name. */
export const acknowledgeRequest = z
  .strictObject(
    { desk: deskName.optional() },
    // An unknown field is named by the default message.
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object { desk? }' : undefined) }
  )
  .optional()
export type AcknowledgeRequest = z.input<typeof acknowledgeRequest>

export const emergencyRequest = z.strictObject({
  message: z
    .string({ error: 'is required and must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(EMERGENCY_MESSAGE_MAX, { error: `must be at most ${EMERGENCY_MESSAGE_MAX} characters` }),
  scope: z.enum(EMERGENCY_SCOPES, { error: `must be ${describeChoices(EMERGENCY_SCOPES)}` }),
  /** The console desk that fires it (told to the other desks). */
  desk: deskName.optional()
})
export type EmergencyRequest = z.input<typeof emergencyRequest>

export const scheduleRangeRequest = z.strictObject({
  from: isoInstant.optional(),
  to: isoInstant.optional()
})
export type ScheduleRangeRequest = z.input<typeof scheduleRangeRequest>

/** The broadcast day at an instant (absent: now). */
export const broadcastDayRequest = z.strictObject({ at: instantText.optional() })

export const alarmHistoryRequest = z.strictObject({
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  channel: channelUuid.optional()
})
export type AlarmHistoryRequest = z.input<typeof alarmHistoryRequest>

/** A broadcast day by its label (the local date on which it starts). */
const dayLabel = z
  .string({ error: 'must be a broadcast day, YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a broadcast day, YYYY-MM-DD' })
/** The most rows or items one page of an as-run day holds (a day of 20 s items is 4,320). */
export const AS_RUN_PAGE_MAX = 1000
/**
 * A page of a broadcast day: `limit` rows (or items) from `offset` (0 is the day's first); with a
 * limit and no offset, the page that ends with what is on air now. Neither: the whole day.
 */
const dayPage = {
  offset: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 or more' })
    .optional(),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be from 1 to ${AS_RUN_PAGE_MAX}` })
    .max(AS_RUN_PAGE_MAX, { error: `must be from 1 to ${AS_RUN_PAGE_MAX}` })
    .optional()
}
export const asRunRequest = z.strictObject({
  channel: channelUuid.optional(),
  day: dayLabel.optional(),
  ...dayPage
})
export type AsRunRequest = z.input<typeof asRunRequest>
export const asRunReconcileRequest = z.strictObject({
  channel: channelUuid,
  day: dayLabel.optional(),
  ...dayPage
})
export type AsRunReconcileRequest = z.input<typeof asRunReconcileRequest>

export const addOutputRequest = z.strictObject({
  url: outputUrl,
  enabled: z.boolean({ error: 'must be true or false' }).default(true)
})
export type AddOutputRequest = z.input<typeof addOutputRequest>
export const outputId = z
  .string({ error: 'must be an output id' })
  .regex(UUID_PATTERN, { error: 'must be an output id' })

const percent = (range: { min: number; max: number }) =>
  z
    .number({ error: 'must be a percentage' })
    .min(range.min, { error: `must be from ${range.min} to ${range.max} (percent)` })
    .max(range.max, { error: `must be from ${range.min} to ${range.max} (percent)` })
/**
 * A channel's logo from the console or the API: the PNG as base64 (absent: keep the stored one, to
 * change only the placement) and any placement fields to change (absent: as stored, or the default).
 */
export const channelLogoRequest = z.strictObject({
  png: z
    .string({ error: 'must be the PNG file as base64' })
    .max(Math.ceil(LOGO_MAX_BYTES / 3) * 4, {
      error: `must be at most ${LOGO_MAX_BYTES / 1024} KiB of PNG`
    })
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'must be the PNG file as base64' })
    .optional(),
  corner: z.enum(LOGO_CORNERS, { error: `must be one of ${LOGO_CORNERS.join(', ')}` }).optional(),
  marginPercent: percent(LOGO_MARGIN_PERCENT).optional(),
  widthPercent: percent(LOGO_WIDTH_PERCENT).optional(),
  opacity: z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be from 0 to 1' })
    .max(1, { error: 'must be from 0 to 1' })
    .optional(),
  hideDuring: z
    .array(
      z.enum(PLAYLOG_ITEM_TYPES, { error: `must be one of ${PLAYLOG_ITEM_TYPES.join(', ')}` }),
      { error: 'must be an array of item types' }
    )
    .max(PLAYLOG_ITEM_TYPES.length)
    .optional()
})
export type ChannelLogoRequest = z.input<typeof channelLogoRequest>

/** A channel's logo with its PNG (base64), for the console's preview. */
export interface ChannelLogoDto extends ChannelLogo {
  png: string
}

export const sessionId = z
  .string({ error: 'must be a session id' })
  .regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'must be a session id' })
/**
 * The station's loudness target (the station file's `loudness` section, and the console's setting):
 * the standard sets the target and ceiling, which may each be given; `off` keeps them as stated.
 */
export const loudnessRequest = z
  .strictObject(
    {
      standard: z
        .enum(LOUDNESS_STANDARDS, { error: `must be ${describeChoices(LOUDNESS_STANDARDS)}` })
        .default(DEFAULT_LOUDNESS.standard),
      targetLufs: z
        .number({ error: 'must be a loudness in LUFS' })
        .min(-40, { error: 'must be from -40 to -5 LUFS' })
        .max(-5, { error: 'must be from -40 to -5 LUFS' })
        .optional(),
      truePeakDbtp: z
        .number({ error: 'must be a level in dBTP' })
        .min(-12, { error: 'must be from -12 to 0 dBTP' })
        .max(0, { error: 'must be from -12 to 0 dBTP' })
        .optional(),
      alarm: z
        .strictObject(
          {
            enabled: z
              .boolean({ error: 'must be true or false' })
              .default(DEFAULT_LOUDNESS.alarm.enabled),
            marginLu: z
              .number({ error: 'must be a number of LU' })
              .min(1, { error: 'must be from 1 to 20 LU' })
              .max(20, { error: 'must be from 1 to 20 LU' })
              .default(DEFAULT_LOUDNESS.alarm.marginLu),
            durationMs: z
              .number({ error: 'must be a number of milliseconds' })
              .int({ error: 'must be a whole number of milliseconds' })
              .min(3_000, { error: 'must be at least 3000 ms (the short-term window)' })
              .max(3_600_000, { error: 'must be at most 1 hour' })
              .default(DEFAULT_LOUDNESS.alarm.durationMs)
          },
          { error: 'must be an object { enabled?, marginLu?, durationMs? }' }
        )
        .optional()
    },
    { error: 'must be an object { standard, targetLufs?, truePeakDbtp?, alarm? }' }
  )
  .transform((l): LoudnessSettings => {
    const preset = LOUDNESS_PRESETS[l.standard === 'off' ? 'ebu-r128' : l.standard]
    return {
      standard: l.standard,
      targetLufs: l.targetLufs ?? preset.targetLufs,
      truePeakDbtp: l.truePeakDbtp ?? preset.truePeakDbtp,
      alarm: l.alarm ?? { ...DEFAULT_LOUDNESS.alarm }
    }
  })
export type LoudnessRequest = z.input<typeof loudnessRequest>

/** A viewer's (or a preview's) session over HTTP, with what the client says about itself. */
export const viewerAttachRequest = z
  .strictObject({
    purpose: z
      .enum(['viewer', 'preview'], { error: 'must be "viewer" or "preview"' })
      .default('viewer'),
    client: z
      .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()]), {
        error: 'must be an object of short strings, numbers or booleans'
      })
      .refine((o) => Object.keys(o).length <= 20, { error: 'must have at most 20 fields' })
      .default({})
  })
  .default({ purpose: 'viewer', client: {} })
export type ViewerAttachRequest = z.input<typeof viewerAttachRequest>

/** A station file for the running station to import (an absolute path on the station's machine). */
export const stationImportRequest = z.strictObject({
  file: z
    .string({ error: 'is required and must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(4096, { error: 'must be at most 4096 characters' })
})
export type StationImportRequest = z.output<typeof stationImportRequest>

/**
 * A channel number as viewers' software shows it: a major number, optionally a minor one ("7",
 * "7.1"), no leading zeros (so "7" and "07" cannot both exist). The station file's spelling.
 */
export const CHANNEL_NUMBER_PATTERN = /^[1-9]\d{0,4}(\.[1-9]\d{0,2})?$/
const channelNumberText = z
  .string({ error: 'must be a channel number such as "7" or "7.1"' })
  .regex(CHANNEL_NUMBER_PATTERN, {
    error:
      'must be a channel number such as "7" or "7.1" (1 to 99999, optionally a dot and 1 to 999, no leading zeros)'
  })
const channelName = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'must not contain control characters' })
const channelZone = z
  .string({ error: 'must be an IANA time zone name such as "America/New_York"' })
  .min(1, { error: 'must be an IANA time zone name such as "America/New_York"' })
  .max(64, { error: 'must be an IANA time zone name such as "America/New_York"' })
const rolloverMinutes = z
  .number({ error: 'must be a number of minutes after local midnight' })
  .int({ error: 'must be a whole number of minutes' })
  .min(0, { error: 'must be from 0 to 1439' })
  .max(1439, { error: 'must be from 0 to 1439' })
/** The slug a channel is known by in the station file (its `id`). */
export const CHANNEL_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/

/**
 * A new channel from the console or the API: its name, and optionally its number, zone (default
 * the station's first channel's, else UTC), broadcast-day rollover (default 06:00) and station-file
 * id (default made from the name).
 */
export const channelCreateRequest = z.strictObject({
  name: channelName,
  number: channelNumberText.nullable().optional(),
  timezone: channelZone.optional(),
  rolloverMinutes: rolloverMinutes.optional(),
  id: z
    .string({ error: 'must be a slug: lowercase letters, digits and "-", 1-63 characters' })
    .regex(CHANNEL_SLUG_PATTERN, {
      error: 'must be a slug: lowercase letters, digits and "-", 1-63 characters'
    })
    .optional()
})
export type ChannelCreateRequest = z.input<typeof channelCreateRequest>

/** A channel renamed, renumbered (null: no number) or moved to another zone or rollover: the fields given change. */
export const channelUpdateRequest = z.strictObject({
  name: channelName.optional(),
  number: channelNumberText.nullable().optional(),
  timezone: channelZone.optional(),
  rolloverMinutes: rolloverMinutes.optional()
})
export type ChannelUpdateRequest = z.input<typeof channelUpdateRequest>

/** One channel of the station's lineup: how it is named, numbered and when its broadcast day starts. */
export interface ChannelLineupDto {
  uuid: string
  /** The station file's id for it. */
  slug: string
  name: string
  number: string | null
  timezone: string
  rolloverMinutes: number
  kind: ChannelKind
}

export const alarmId = z.string({ error: 'must be an alarm id' }).min(1).max(200)

/** A failure as every transport carries it: a stable code for programs, a sentence for people. */
export interface StationApiErrorShape {
  code: string
  message: string
}

export class StationApiError extends Error implements StationApiErrorShape {
  override readonly name = 'StationApiError'
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export interface AlarmHistoryDto {
  from: string
  to: string
  alarms: AlarmDto[]
}

export type StationEventListener = (event: StationEvent) => void

export interface StationApi {
  // queries
  snapshot(): Promise<StationSnapshotDto>
  channel(uuid: string): Promise<ChannelStatusDto>
  schedule(uuid: string, range?: ScheduleRangeRequest): Promise<ScheduleRangeDto>
  broadcastDay(uuid: string, at?: string): Promise<BroadcastDayDto>
  mode(): Promise<ModeDto>
  health(): Promise<StationHealthDto>
  /** The station's loudness target, ceiling and LOUD / QUIET alarm. */
  loudness(): Promise<LoudnessSettings>
  alarms(query?: AlarmHistoryRequest): Promise<AlarmHistoryDto>
  /** What aired on a broadcast day (each channel's current one unless `day` is given); every channel unless `channel` is. */
  asRun(query?: AsRunRequest): Promise<AsRunDayDto[]>
  /** The same rows as RFC 4180 CSV with a header row, for export. */
  asRunCsv(query?: AsRunRequest): Promise<string>
  /** One channel's scheduled items on a broadcast day, each with what aired for it, and the totals. */
  asRunReconcile(query: AsRunReconcileRequest): Promise<AsRunReconcileDto>
  // commands
  /** A multiviewer preview: keeps the channel's producer running, never counts as a viewer. */
  attachPreview(uuid: string): Promise<ViewerAttachDto>
  detachPreview(sessionId: string): Promise<void>
  /**
   * The message as it would air, rendered by the code that renders it on air (nothing goes to air):
   * the takeover card's pages or the crawl's strip, as PNG, with how long a page or a pass lasts.
   */
  previewEmergency(request: EmergencyRequest): Promise<EmergencyPreviewDto>
  activateEmergency(request: EmergencyRequest): Promise<ModeDto>
  clearEmergency(): Promise<ModeDto>
  resetChannel(uuid: string): Promise<ChannelStatusDto>
  /** Acknowledges an alarm for every desk; `desk` names the console desk that did (history, audit). */
  acknowledgeAlarm(id: string, request?: AcknowledgeRequest): Promise<AlarmDto>
  /** A channel's push destinations (URLs redacted) and how each stands. */
  outputs(uuid: string): Promise<OutputDto[]>
  /** Adds a push destination; an enabled one goes on air at once (`capacity` past the producer budget, and nothing is added). */
  addOutput(uuid: string, request: AddOutputRequest): Promise<OutputDto>
  setOutputEnabled(id: string, enabled: boolean): Promise<OutputDto>
  removeOutput(id: string): Promise<void>
  /** A channel's logo and its placement; null when it has none. */
  channelLogo(uuid: string): Promise<ChannelLogoDto | null>
  /** Sets a channel's logo (a new PNG, its placement, or both); it airs from the next frame once decoded, no restart. */
  setChannelLogo(uuid: string, request: ChannelLogoRequest): Promise<ChannelLogoDto>
  /** Takes a channel's logo off (from the next frame). */
  removeChannelLogo(uuid: string): Promise<void>
  /** Sets the loudness target (as the station file's section; defaults filled in); channels on air apply it at once. */
  setLoudness(request: LoudnessRequest): Promise<LoudnessSettings>
  // conformed playout
  /** The conform settings (which channels are made ahead, how far, the cache's budget), the cache's use and the conform jobs. */
  conform(): Promise<ConformDto>
  /** Sets them (as the station file's `conform` section; defaults filled in; channels by station-file id); the planner runs at once, and turning it off cancels the conform jobs. */
  setConform(request: ConformRequest): Promise<ConformDto>
  // the media library
  /** The library's folders with their scan state and counts. */
  libraryFolders(): Promise<LibraryFolderDto[]>
  /** Adds a folder (an absolute path on the station's machine) and scans it in the background. */
  addLibraryFolder(request: LibraryFolderRequest): Promise<LibraryFolderDto>
  /** Removes a folder: its assets the playlog refers to are kept (offline), the rest forgotten. */
  removeLibraryFolder(id: string): Promise<void>
  /** Scans a folder again now (only changed files are probed). */
  rescanLibraryFolder(id: string): Promise<LibraryJobDto>
  /** A page of assets matching a search, with the total and a cursor for the next page. */
  libraryAssets(query?: LibrarySearchRequest): Promise<LibraryPageDto>
  /** One asset in full: probe, analysis, where it is scheduled. */
  libraryAsset(id: number): Promise<LibraryAssetDetailDto>
  /** An asset's poster frame or filmstrip; null when it has none (yet). */
  libraryAssetImage(id: number, image: LibraryImage): Promise<LibraryImageDto | null>
  /** The library's background jobs: running, queued, and the last finished ones. */
  libraryJobs(): Promise<LibraryJobDto[]>
  cancelLibraryJob(id: string): Promise<LibraryJobDto>
  // alarm webhooks
  /** The webhooks (URLs redacted, secrets never) with each one's last delivery and last failure. */
  webhooks(): Promise<WebhookDto[]>
  /** Adds a webhook, or replaces the one with the request's id. */
  putWebhook(request: WebhookRequest): Promise<WebhookDto>
  /** Turns a webhook's notifications on or off, keeping its receiver and secret (off: nothing is queued for it). */
  setWebhookEnabled(id: string, enabled: boolean): Promise<WebhookDto>
  removeWebhook(id: string): Promise<void>
  /** Queues a test notification (delivered in order, behind what waits). */
  testWebhook(id: string): Promise<WebhookDeliveryDto>
  /** A webhook's delivery log, newest first. */
  webhookDeliveries(id: string): Promise<WebhookDeliveryDto[]>
  // the channel lineup
  /** Every channel on the station with its number, name, zone and rollover, in creation order. */
  channelLineup(): Promise<ChannelLineupDto[]>
  /** Creates a channel (audited); it is on the multiviewer at once, with nothing scheduled. */
  createChannel(request: ChannelCreateRequest): Promise<ChannelLineupDto>
  /** Renames or renumbers a channel, or moves its zone or rollover (audited). */
  updateChannel(uuid: string, request: ChannelUpdateRequest): Promise<ChannelLineupDto>
  /**
   * Takes a channel off the station (audited): its viewers' sessions end, its producer stops; its
   * as-run and alarm history are kept. Importing a station file that lists it brings it back.
   */
  deleteChannel(uuid: string): Promise<void>
  // programming: collections, templates, preview, publish, revisions (src/shared/programming.ts)
  /** Every collection with its counts and where templates use it. */
  collections(): Promise<CollectionDto[]>
  /** A collection's assets in its airing order. */
  collectionItems(id: string): Promise<CollectionItemDto[]>
  /** Creates or replaces a collection (channels using it re-plan from their next slot boundary). */
  saveCollection(id: string, definition: CollectionDefinition): Promise<CollectionDto>
  /** Deletes a collection no template uses (`in_use` names the channel and slot that do). */
  deleteCollection(id: string): Promise<void>
  /** A channel's published template and its unpublished draft. */
  channelTemplate(uuid: string): Promise<ChannelTemplateDto>
  /** Saves the draft (kept across a restart); problems are reported with it, not refused. */
  saveTemplateDraft(uuid: string, template: ChannelTemplateInput): Promise<ChannelTemplateDto>
  /** Throws the draft away. */
  discardTemplateDraft(uuid: string): Promise<ChannelTemplateDto>
  /** What the draft (or `template`) would air over [from, to), by the code that fills the playlog. */
  previewTemplate(uuid: string, request?: TemplatePreviewRequest): Promise<TemplatePreviewDto>
  /** Publishes the draft as a new revision and re-plans the playlog (never cutting the item on air). */
  publishTemplate(uuid: string, request?: TemplatePublishRequest): Promise<TemplatePublishDto>
  /** A channel's revisions, newest first. */
  templateRevisions(uuid: string): Promise<TemplateRevisionDto[]>
  /** Publishes an earlier revision's template again, as a new revision. */
  restoreTemplateRevision(
    uuid: string,
    revision: number,
    request?: TemplatePublishRequest
  ): Promise<TemplatePublishDto>
  /** The station as a station file that, imported into an empty data folder with the same media, gives the same playlog. */
  exportStation(): Promise<StationExportDto>
  // events
  /** Delivers a snapshot first, then every change, until the returned function is called. */
  subscribe(listener: StationEventListener): () => void
}

/** Every StationApi call (subscriptions are not calls). */
export type StationApiMethod = Exclude<keyof StationApi, 'subscribe'>

/** One argument of a StationApi call: its name in error messages, and its schema. */
export interface StationApiArg {
  name: string
  schema: z.ZodType
  optional?: boolean
}

const uuidArg: StationApiArg = { name: 'uuid', schema: channelUuid }

/**
 * Every call's arguments, in order, as each transport checks them before sending (the browser
 * transport, the desktop window's IPC) and names them in a refusal (`<argument>.<field>: ...`).
 * The keys are the calls a window may make: nothing else is callable.
 */
export const STATION_API_ARGS: { readonly [M in StationApiMethod]: readonly StationApiArg[] } = {
  snapshot: [],
  channel: [uuidArg],
  schedule: [uuidArg, { name: 'range', schema: scheduleRangeRequest, optional: true }],
  broadcastDay: [uuidArg, { name: 'at', schema: instantText, optional: true }],
  mode: [],
  health: [],
  alarms: [{ name: 'query', schema: alarmHistoryRequest, optional: true }],
  asRun: [{ name: 'query', schema: asRunRequest, optional: true }],
  asRunCsv: [{ name: 'query', schema: asRunRequest, optional: true }],
  asRunReconcile: [{ name: 'query', schema: asRunReconcileRequest }],
  attachPreview: [uuidArg],
  detachPreview: [{ name: 'sessionId', schema: sessionId }],
  previewEmergency: [{ name: 'body', schema: emergencyRequest }],
  activateEmergency: [{ name: 'body', schema: emergencyRequest }],
  clearEmergency: [],
  resetChannel: [uuidArg],
  acknowledgeAlarm: [
    { name: 'id', schema: alarmId },
    { name: 'request', schema: acknowledgeRequest, optional: true }
  ],
  outputs: [uuidArg],
  addOutput: [uuidArg, { name: 'request', schema: addOutputRequest }],
  setOutputEnabled: [
    { name: 'id', schema: outputId },
    { name: 'enabled', schema: z.boolean({ error: 'must be true or false' }) }
  ],
  removeOutput: [{ name: 'id', schema: outputId }],
  channelLogo: [uuidArg],
  setChannelLogo: [uuidArg, { name: 'request', schema: channelLogoRequest }],
  removeChannelLogo: [uuidArg],
  loudness: [],
  setLoudness: [{ name: 'request', schema: loudnessRequest }],
  conform: [],
  setConform: [{ name: 'request', schema: conformRequest }],
  libraryFolders: [],
  addLibraryFolder: [{ name: 'request', schema: libraryFolderRequest }],
  removeLibraryFolder: [{ name: 'id', schema: libraryFolderId }],
  rescanLibraryFolder: [{ name: 'id', schema: libraryFolderId }],
  libraryAssets: [{ name: 'query', schema: librarySearchRequest, optional: true }],
  libraryAsset: [{ name: 'id', schema: libraryAssetId }],
  libraryAssetImage: [
    { name: 'id', schema: libraryAssetId },
    { name: 'image', schema: libraryImage }
  ],
  libraryJobs: [],
  cancelLibraryJob: [{ name: 'id', schema: libraryJobId }],
  webhooks: [],
  putWebhook: [{ name: 'request', schema: webhookRequest }],
  setWebhookEnabled: [
    { name: 'id', schema: webhookId },
    { name: 'enabled', schema: z.boolean({ error: 'must be true or false' }) }
  ],
  removeWebhook: [{ name: 'id', schema: webhookId }],
  testWebhook: [{ name: 'id', schema: webhookId }],
  webhookDeliveries: [{ name: 'id', schema: webhookId }],
  channelLineup: [],
  createChannel: [{ name: 'request', schema: channelCreateRequest }],
  updateChannel: [uuidArg, { name: 'request', schema: channelUpdateRequest }],
  deleteChannel: [uuidArg],
  collections: [],
  collectionItems: [{ name: 'id', schema: collectionId }],
  saveCollection: [
    { name: 'id', schema: collectionId },
    { name: 'definition', schema: collectionDefinition }
  ],
  deleteCollection: [{ name: 'id', schema: collectionId }],
  channelTemplate: [uuidArg],
  saveTemplateDraft: [uuidArg, { name: 'template', schema: channelTemplate }],
  discardTemplateDraft: [uuidArg],
  previewTemplate: [uuidArg, { name: 'request', schema: templatePreviewRequest, optional: true }],
  publishTemplate: [uuidArg, { name: 'request', schema: templatePublishRequest, optional: true }],
  templateRevisions: [uuidArg],
  restoreTemplateRevision: [
    uuidArg,
    { name: 'revision', schema: revisionId },
    { name: 'request', schema: templatePublishRequest, optional: true }
  ],
  exportStation: []
}

/** The StationApi's method names, for transports that must list them (IPC allow-lists). */
export const STATION_API_METHODS = Object.keys(STATION_API_ARGS) as StationApiMethod[]
