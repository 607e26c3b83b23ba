// The engine's one implementation of the StationApi (src/shared/station-api.ts). The HTTP routes
// and the desktop window's IPC handlers are thin adapters over it: request validation, the mapping
// of runtime refusals to error codes and the joining of schedule rows with runtime status live
// here, once. Every refusal is a StationApiError { code, message } and changes nothing.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { type z, type ZodType } from 'zod'
import type {
  AlarmDto,
  AsRunDayDto,
  AsRunReconcileDto,
  AsRunRowDto,
  BroadcastDayDto,
  ChannelStatusDto,
  EmergencyPreviewDto,
  ModeDto,
  OutputDto,
  ScheduleItemDto,
  ScheduleRangeDto,
  StationHealthDto,
  StationSnapshotDto,
  ViewerAttachDto
} from './shared/api'
import type { HttpEngine } from './shared/api-routes'
import type { MasterClock } from './shared/clock'
import {
  DEFAULT_LOGO_PLACEMENT,
  type ChannelLogo,
  type EmergencyScope,
  type LoudnessSettings,
  type SessionPurpose
} from './shared/domain'
import { describeIssues } from './shared/issues'
import {
  type LibraryAssetDetailDto,
  libraryAssetId,
  type LibraryFolderDto,
  libraryFolderId,
  type LibraryFolderRequest,
  type LibraryImage,
  libraryImage,
  type LibraryImageDto,
  type LibraryJobDto,
  libraryJobId,
  type LibraryPageDto,
  librarySearchRequest,
  type LibrarySearchRequest
} from './shared/library'
import type { MediaLibrary } from './library'
import {
  channelTemplate as channelTemplateSchema,
  type ChannelTemplateDto,
  type ChannelTemplateInput,
  collectionDefinition,
  type CollectionDefinition,
  type CollectionDto,
  collectionId,
  type CollectionItemDto,
  MAX_PREVIEW_DAYS,
  revisionId,
  type StationExportDto,
  type TemplatePreviewDto,
  templatePreviewRequest,
  type TemplatePreviewRequest,
  type TemplatePublishDto,
  templatePublishRequest,
  type TemplatePublishRequest,
  type TemplateRevisionDto
} from './shared/programming'
import { ProgrammingService } from './schedule/programming'
import { checkLogoPng } from './shared/logo'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { stringify } from 'csv-stringify/sync'
import {
  addOutputRequest,
  type AddOutputRequest,
  acknowledgeRequest,
  alarmHistoryRequest,
  asRunReconcileRequest,
  type AsRunReconcileRequest,
  asRunRequest,
  type AsRunRequest,
  type AcknowledgeRequest,
  type AlarmHistoryDto,
  type AlarmHistoryRequest,
  alarmId,
  channelCreateRequest,
  type ChannelCreateRequest,
  type ChannelLineupDto,
  channelLogoRequest,
  type ChannelLogoDto,
  type ChannelLogoRequest,
  channelUpdateRequest,
  type ChannelUpdateRequest,
  channelUuid,
  emergencyRequest,
  type EmergencyRequest,
  loudnessRequest,
  type LoudnessRequest,
  outputId,
  scheduleRangeRequest,
  type ScheduleRangeRequest,
  sessionId,
  StationApiError,
  type StationEventListener
} from './shared/station-api'
import { formatInstant, isPrintable, isValidZone, parseInstant } from './shared/time'
import { ZoneTimes } from './shared/zone-times'
import { alarmRowDto } from './runtime/alarms'
import { asRunRowDto, pageBounds, reconcileDay, withUnloggedTime } from './runtime/as-run-report'
import { broadcastDayByLabel, DEFAULT_ROLLOVER_MINUTES } from './schedule/broadcast-day'
import { storageFailedMessage, storageFailureOf } from './store/write-failure'
import {
  CapacityError,
  ChannelSwitchError,
  UnknownAlarmError,
  UnknownChannelError,
  UnknownSessionError
} from './runtime/errors'
import type { ProgramDirector } from './runtime/program-director'
import { broadcastDayDto, scheduleItemDto } from './schedule/dto'
import type { ScheduleService } from './schedule/service'
import type { AuditActor, Store } from './store'
import type { ChannelRow } from './store/channels'
import {
  DuplicateOutputError,
  OutputLimitError,
  type OutputService,
  UnknownOutputError
} from './outputs/service'
import type { WebhookService } from './ops/webhooks'
import type { ConformService } from './library/conform'
import { type ConformDto, conformRequest, type ConformRequest } from './shared/conform'
import {
  type WebhookDeliveryDto,
  type WebhookDto,
  webhookId,
  webhookRequest,
  type WebhookRequest
} from './shared/webhooks'

/** The as-run CSV's columns (RFC 4180, header row), in the JSON rows' field names. */
export const AS_RUN_CSV_COLUMNS: Array<keyof AsRunRowDto> = [
  'channel',
  'channelUuid',
  'broadcastDay',
  'title',
  'asset',
  'kind',
  'producerType',
  'scheduledStart',
  'scheduledEnd',
  'actualStart',
  'actualEnd',
  'durationMs',
  'status',
  'reason',
  'split'
]

/** The longest range one schedule request may ask for. */
export const MAX_SCHEDULE_RANGE_MS = 8 * 24 * 3600_000
/** The longest range one alarm-history request may ask for. */
export const MAX_ALARM_RANGE_MS = 31 * 24 * 3600_000
const DAY_MS = 24 * 3600_000

export interface FacadeDeps {
  clock: MasterClock
  store: Store
  schedule: ScheduleService
  director: ProgramDirector
  /** Renders emergency text as it airs (the station's card renderer); absent without ffmpeg. */
  emergencyPreview?: (scope: EmergencyScope, message: string) => Promise<EmergencyPreviewDto>
  /** Push outputs; an engine without a stream server has none. */
  outputs?: OutputService
  /** The media library; absent, the library answers empty and refuses changes. */
  library?: MediaLibrary
  /** Alarm webhooks; absent, none are kept and changes are refused. */
  webhooks?: WebhookService
  /** Conformed playout's planner and cache; absent (no ffmpeg), the settings are only kept. */
  conform?: ConformService
}

const invalid = (message: string, code = 'invalid_parameter') => new StationApiError(code, message)

/** Validates with a shared schema, naming the offending field. */
function parse<T extends ZodType>(
  schema: T,
  value: unknown,
  where: string,
  code = 'invalid_parameter'
): z.output<T> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  throw invalid(describeIssues(where, r.error), code)
}

/** Runtime refusals as the API's error codes; anything else is a fault of ours and passes through. */
function mapped(err: unknown): unknown {
  if (
    err instanceof UnknownChannelError ||
    err instanceof UnknownSessionError ||
    err instanceof UnknownAlarmError
  )
    return new StationApiError('not_found', err.message)
  if (err instanceof CapacityError) return new StationApiError('capacity', err.message)
  if (err instanceof UnknownOutputError) return new StationApiError('not_found', err.message)
  if (err instanceof DuplicateOutputError)
    return new StationApiError('duplicate_output', err.message)
  if (err instanceof OutputLimitError) return new StationApiError('output_limit', err.message)
  if (err instanceof ChannelSwitchError)
    return new StationApiError('switch_refused', `${err.message}; no channel was switched`)
  const storage = storageFailureOf(err)
  if (storage) return new StationApiError('storage_failed', storageFailedMessage(storage))
  return err
}

function guard<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw mapped(err)
  }
}

async function guardAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw mapped(err)
  }
}

export class StationFacade implements HttpEngine {
  constructor(
    private readonly e: FacadeDeps,
    /** Who the audit log names for commands made through this facade. */
    private readonly actor: AuditActor = 'operator'
  ) {}

  /** The same engine, acting for another audit actor (the HTTP API is 'api', the desktop window 'operator'). */
  as(actor: AuditActor): StationFacade {
    return new StationFacade(this.e, actor)
  }

  // ---- helpers ------------------------------------------------------------------------------

  private channelOf(uuid: unknown) {
    if (!channelUuid.safeParse(uuid).success) {
      throw invalid(
        `${typeof uuid === 'string' && uuid.length <= 100 ? `"${uuid}"` : 'the value'} is not a channel uuid`
      )
    }
    const id = uuid as string
    const channel = this.e.director
      .channelManagers()
      .find((cm) => cm.uuid.toLowerCase() === id.toLowerCase())?.channel
    if (!channel) throw new StationApiError('not_found', `no channel with uuid ${id}`)
    return channel
  }

  private instant(text: string | undefined, name: string): number | undefined {
    if (text === undefined) return undefined
    try {
      return parseInstant(text, `query parameter "${name}"`)
    } catch (err) {
      throw invalid((err as Error).message)
    }
  }

  /** Refuses an answer that could not be printed in the zone (years past 9999, or before 0000). */
  private printable(zone: string, name: string, ...instants: number[]): void {
    if (!instants.every((ms) => isPrintable(ms, zone)))
      throw invalid(
        `query parameter "${name}": the answer would fall outside the years 0000 to 9999 in ${zone}`
      )
  }

  // ---- queries ------------------------------------------------------------------------------

  async snapshot(): Promise<StationSnapshotDto> {
    return this.e.director.status.snapshot()
  }

  async channel(uuid: string): Promise<ChannelStatusDto> {
    const c = this.channelOf(uuid)
    return guard(
      () =>
        this.e.director.channelStatus(c.uuid) ??
        this.e.director.channel(c.uuid).statusDto(this.e.clock.now())
    )
  }

  async channels(): Promise<ChannelStatusDto[]> {
    return this.e.director.allChannelStatus()
  }

  async schedule(uuid: string, range: ScheduleRangeRequest = {}): Promise<ScheduleRangeDto> {
    const channel = this.channelOf(uuid)
    const q = parse(scheduleRangeRequest, range, 'query')
    const from = this.instant(q.from, 'from') ?? this.e.clock.now()
    const to = this.instant(q.to, 'to') ?? from + DAY_MS
    this.printable(channel.timezone, q.to === undefined ? 'from' : 'to', to)
    this.printable(channel.timezone, 'from', from)
    if (to <= from) throw invalid('query parameter "to" must be after "from"')
    if (to - from > MAX_SCHEDULE_RANGE_MS)
      throw invalid(
        `query parameters "from" to "to" span more than ${MAX_SCHEDULE_RANGE_MS / DAY_MS} days`
      )
    const times = new ZoneTimes(channel.timezone)
    // Read a page at a time with a turn for the event loop between pages (8 days of short items are
    // tens of thousands); a range that changed while it was read (an import) is read again.
    let items: ScheduleItemDto[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const version = this.e.schedule.version
      items = []
      for (const page of this.e.schedule.itemPages(channel.id, from, to, 500)) {
        for (const ev of page) items.push(scheduleItemDto(ev, times))
        await nextTurn()
      }
      if (this.e.schedule.version === version) break
    }
    return { channelUuid: channel.uuid, from: times.iso(from), to: times.iso(to), items }
  }

  async broadcastDay(uuid: string, at?: string): Promise<BroadcastDayDto> {
    const channel = this.channelOf(uuid)
    const t = this.instant(at, 'at') ?? this.e.clock.now()
    const day = this.e.schedule.broadcastDay(channel, t)
    this.printable(channel.timezone, 'at', day.startMs, day.endMs)
    return broadcastDayDto(channel, day)
  }

  async mode(): Promise<ModeDto> {
    return this.e.director.modeDto()
  }

  async health(): Promise<StationHealthDto> {
    return this.e.director.health(this.e.clock.now())
  }

  async loudness(): Promise<LoudnessSettings> {
    return this.e.store.settings.loudness()
  }

  /** Stores the target (audited) and re-plans every channel with it; producers on air apply it at once. */
  async setLoudness(request: LoudnessRequest): Promise<LoudnessSettings> {
    const settings = parse(loudnessRequest, request, 'request')
    const now = this.e.clock.now()
    this.e.store.transaction(() => {
      this.e.store.settings.setLoudness(settings, now)
      this.e.store.audit.append(now, this.actor, 'set-loudness', { ...settings })
    })
    this.e.schedule.loudnessChanged()
    return settings
  }

  // ---- conformed playout ----------------------------------------------------------------------
  async conform(): Promise<ConformDto> {
    return guard(() => this.conformDto())
  }

  /** Stores the settings (audited), as the station file's section does; the planner follows at once. */
  async setConform(request: ConformRequest): Promise<ConformDto> {
    const settings = parse(conformRequest, request, 'request')
    settings.channels?.forEach((slug, i) => {
      const first = settings.channels!.indexOf(slug)
      if (first !== i)
        throw invalid(`request.channels.${i}: "${slug}" is listed twice (first at ${first})`)
      if (!this.e.store.channels.bySlug(slug)?.isActive)
        throw invalid(`request.channels.${i}: there is no channel "${slug}"`)
    })
    const now = this.e.clock.now()
    guard(() =>
      this.e.store.transaction(() => {
        this.e.store.renditions.setSettings(settings, now)
        this.e.store.audit.append(now, this.actor, 'set-conform', { ...settings })
      })
    )
    this.e.conform?.settingsChanged()
    return this.conformDto()
  }

  private conformDto(): ConformDto {
    const settings = this.e.store.renditions.settings()
    return {
      ...settings,
      available: this.e.conform !== undefined,
      budgetBytes: Math.round(settings.budgetGiB * 1024 ** 3),
      ...(this.e.conform?.state() ?? {
        profile: null,
        cacheBytes: this.e.store.renditions.totalBytes(),
        renditions: this.e.store.renditions.count(),
        jobs: []
      })
    }
  }

  // The media library (issue 23): the library room answers; a station without one has none.
  private library(): MediaLibrary {
    if (!this.e.library) throw libraryUnavailable()
    return this.e.library
  }
  async libraryFolders(): Promise<LibraryFolderDto[]> {
    return this.e.library?.folders() ?? []
  }
  async addLibraryFolder(request: LibraryFolderRequest): Promise<LibraryFolderDto> {
    return guard(() => this.library().addFolder(request, this.actor))
  }
  async removeLibraryFolder(id: string): Promise<void> {
    const folder = parse(libraryFolderId, id, 'id')
    await guardAsync(() => this.library().removeFolder(folder, this.actor))
  }
  async rescanLibraryFolder(id: string): Promise<LibraryJobDto> {
    const folder = parse(libraryFolderId, id, 'id')
    return guard(() => this.library().rescan(folder, this.actor))
  }
  async libraryAssets(query?: LibrarySearchRequest): Promise<LibraryPageDto> {
    if (!this.e.library) {
      parse(librarySearchRequest, query ?? {}, 'query')
      return { assets: [], total: 0, nextCursor: null }
    }
    return guard(() => this.library().search(query ?? {}))
  }
  async libraryAsset(id: number): Promise<LibraryAssetDetailDto> {
    const assetId = parse(libraryAssetId, id, 'id')
    return guard(() => this.library().asset(assetId))
  }
  async libraryAssetImage(id: number, image: LibraryImage): Promise<LibraryImageDto | null> {
    const assetId = parse(libraryAssetId, id, 'id')
    const which = parse(libraryImage, image, 'image')
    return guard(() => this.library().image(assetId, which))
  }
  async libraryJobs(): Promise<LibraryJobDto[]> {
    return this.e.library?.jobs() ?? []
  }
  async cancelLibraryJob(id: string): Promise<LibraryJobDto> {
    const job = parse(libraryJobId, id, 'id')
    return guard(() => this.library().cancelJob(job, this.actor))
  }

  async alarms(query: AlarmHistoryRequest = {}): Promise<AlarmHistoryDto> {
    const q = parse(alarmHistoryRequest, query, 'query')
    const to = this.instant(q.to, 'to') ?? this.e.clock.now() + 1
    const from = this.instant(q.from, 'from') ?? to - DAY_MS
    if (to <= from) throw invalid('query parameter "to" must be after "from"')
    if (to - from > MAX_ALARM_RANGE_MS)
      throw invalid(
        `query parameters "from" to "to" span more than ${MAX_ALARM_RANGE_MS / DAY_MS} days`
      )
    this.printable('UTC', 'from', from, to)
    const channel = q.channel === undefined ? null : this.channelOf(q.channel)
    const uuidOf = new Map(this.e.director.channelManagers().map((cm) => [cm.channel.id, cm.uuid]))
    const alarms = this.e.store.alarms
      .between(from, to, channel?.id ?? null)
      .map((r) => alarmRowDto(r, r.channelId === null ? null : (uuidOf.get(r.channelId) ?? null)))
    return { from: formatInstant(from), to: formatInstant(to), alarms }
  }

  // ---- as-run -------------------------------------------------------------------------------

  /** A channel's broadcast day: the one with this label, or the one on air now. */
  private dayOf(
    channel: { timezone: string; rolloverMinutes: number; id: number },
    label: string | undefined
  ) {
    if (label === undefined) return this.e.schedule.broadcastDay(channel, this.e.clock.now())
    const day = broadcastDayByLabel(label, channel.timezone, channel.rolloverMinutes)
    if (!day) throw invalid(`query parameter "day": ${label} is not a date`)
    return day
  }

  private asRunContext(uuid: string, label: string | undefined) {
    const cm = this.e.director.channel(uuid)
    cm.flushReports()
    const channel = cm.channel
    const day = this.dayOf(channel, label)
    const ctx = {
      channel,
      day,
      nowMs: this.e.clock.now(),
      firstStartMs: this.e.store.asRun.firstStartMs(channel.id)
    }
    return {
      channel,
      ctx,
      rows: withUnloggedTime(this.e.store.asRun.forDay(channel.id, day.label), ctx, channel.id)
    }
  }

  async asRun(query: AsRunRequest = {}): Promise<AsRunDayDto[]> {
    const q = parse(asRunRequest, query, 'query')
    const uuids =
      q.channel === undefined
        ? this.e.director.channelManagers().map((cm) => cm.uuid)
        : [this.channelOf(q.channel).uuid]
    return uuids.map((uuid) => {
      const { channel, ctx, rows } = this.asRunContext(uuid, q.day)
      const zone = channel.timezone
      // Only the page is put in words: a day of short items is thousands of rows.
      const [from, to] = pageBounds(rows.length, q, rows.length - 1)
      return {
        channelUuid: channel.uuid,
        broadcastDay: ctx.day.label,
        start: formatInstant(ctx.day.startMs, zone),
        end: formatInstant(ctx.day.endMs, zone),
        offset: from,
        totalRows: rows.length,
        rows: rows.slice(from, to).map((r) => asRunRowDto(r, ctx))
      }
    })
  }

  async asRunCsv(query: AsRunRequest = {}): Promise<string> {
    const rows = (await this.asRun(query)).flatMap((d) => d.rows)
    return stringify(rows, {
      header: true,
      columns: AS_RUN_CSV_COLUMNS,
      record_delimiter: 'windows'
    })
  }

  async asRunReconcile(query: AsRunReconcileRequest): Promise<AsRunReconcileDto> {
    const q = parse(asRunReconcileRequest, query, 'query')
    const { channel, ctx, rows } = this.asRunContext(this.channelOf(q.channel).uuid, q.day)
    return reconcileDay(
      this.e.schedule.itemsBetween(channel.id, ctx.day.startMs, ctx.day.endMs),
      rows,
      ctx,
      q
    )
  }

  // ---- commands -----------------------------------------------------------------------------

  /** Attaches a session (the HTTP API's viewers; the console's previews go through attachPreview). */
  async attach(
    uuid: string,
    purpose: SessionPurpose,
    client: Record<string, unknown> = {}
  ): Promise<ViewerAttachDto> {
    const channel = this.channelOf(uuid)
    return guard(() => this.e.director.attach(channel.uuid, purpose, client))
  }

  attachPreview(uuid: string): Promise<ViewerAttachDto> {
    return this.attach(uuid, 'preview', { app: 'console' })
  }

  async detach(session: string): Promise<void> {
    // A string that cannot be a session id names no live session: the same answer as an ended one.
    if (!sessionId.safeParse(session).success)
      throw new StationApiError('not_found', 'no live viewer session with that id')
    guard(() => this.e.director.detach(session))
  }

  detachPreview(session: string): Promise<void> {
    return this.detach(session)
  }

  async previewEmergency(request: EmergencyRequest): Promise<EmergencyPreviewDto> {
    const body = parse(emergencyRequest, request, 'body', 'invalid_body')
    const render = this.e.emergencyPreview
    if (!render)
      throw new StationApiError(
        'unavailable',
        'this engine cannot render emergency text (no ffmpeg)'
      )
    try {
      return await render(body.scope, body.message)
    } catch (err) {
      throw new StationApiError(
        'unavailable',
        `the emergency text could not be rendered: ${(err as Error).message}`
      )
    }
  }

  activateEmergency(request: EmergencyRequest): Promise<ModeDto> {
    const body = parse(emergencyRequest, request, 'body', 'invalid_body')
    return guardAsync(() =>
      this.e.director.activateEmergency(body.message, body.scope, this.actor, body.desk ?? null)
    )
  }

  clearEmergency(): Promise<ModeDto> {
    return guardAsync(() => this.e.director.clearEmergency(this.actor))
  }

  async resetChannel(uuid: string): Promise<ChannelStatusDto> {
    const channel = this.channelOf(uuid)
    guard(() => this.e.director.resetChannel(channel.uuid, this.actor))
    return this.channel(channel.uuid)
  }

  async acknowledgeAlarm(id: string, request?: AcknowledgeRequest): Promise<AlarmDto> {
    const alarm = parse(alarmId, id, 'id')
    const body = parse(acknowledgeRequest, request, 'request')
    return guard(() => this.e.director.acknowledgeAlarm(alarm, this.actor, body?.desk ?? null))
  }

  private get pushOutputs(): OutputService {
    if (!this.e.outputs) throw new StationApiError('unavailable', 'this engine has no push outputs')
    return this.e.outputs
  }

  async outputs(uuid: string): Promise<OutputDto[]> {
    const channel = this.channelOf(uuid)
    return guard(() => this.pushOutputs.list(channel.uuid))
  }

  async addOutput(uuid: string, request: AddOutputRequest): Promise<OutputDto> {
    const channel = this.channelOf(uuid)
    const body = parse(addOutputRequest, request, 'body', 'invalid_body')
    return guard(() => this.pushOutputs.add(channel.uuid, body.url, body.enabled, this.actor))
  }

  async setOutputEnabled(id: string, enabled: boolean): Promise<OutputDto> {
    const output = parse(outputId, id, 'id').toLowerCase()
    if (typeof enabled !== 'boolean') throw invalid('enabled: must be true or false')
    return guard(() => this.pushOutputs.setEnabled(output, enabled, this.actor))
  }

  async removeOutput(id: string): Promise<void> {
    const output = parse(outputId, id, 'id').toLowerCase()
    guard(() => this.pushOutputs.remove(output, this.actor))
  }

  // ---- channel logo -------------------------------------------------------------------------

  private logoDto(logo: ChannelLogo | null): ChannelLogoDto | null {
    if (!logo) return null
    try {
      return {
        ...logo,
        png: fs.readFileSync(this.e.store.logos.path(logo.file)).toString('base64')
      }
    } catch {
      return null // the file went (a data folder restored without it): the channel airs no logo either
    }
  }

  async channelLogo(uuid: string): Promise<ChannelLogoDto | null> {
    const channel = this.channelOf(uuid)
    return this.logoDto(this.e.store.channels.byId(channel.id)?.logo ?? null)
  }

  async setChannelLogo(uuid: string, request: ChannelLogoRequest): Promise<ChannelLogoDto> {
    const channel = this.channelOf(uuid)
    const { png, ...placement } = parse(channelLogoRequest, request, 'body', 'invalid_body')
    const current = this.e.store.channels.byId(channel.id)?.logo ?? null
    let picture: Pick<ChannelLogo, 'file' | 'width' | 'height'>
    if (png !== undefined) {
      const bytes = Buffer.from(png, 'base64')
      const checked = checkLogoPng(bytes)
      if ('problem' in checked)
        throw invalid(`body.png: the file ${checked.problem}`, 'invalid_body')
      picture = {
        file: this.e.store.logos.put(bytes),
        width: checked.width,
        height: checked.height
      }
    } else if (current) {
      picture = { file: current.file, width: current.width, height: current.height }
    } else {
      throw invalid('body.png: is required: the channel has no logo yet', 'invalid_body')
    }
    const {
      file: _f,
      width: _w,
      height: _h,
      ...stored
    } = current ?? { ...DEFAULT_LOGO_PLACEMENT, file: '', width: 0, height: 0 }
    const logo: ChannelLogo = { ...stored, ...placement, ...picture }
    this.storeLogo(channel.id, logo)
    return this.logoDto(logo)!
  }

  async removeChannelLogo(uuid: string): Promise<void> {
    const channel = this.channelOf(uuid)
    this.storeLogo(channel.id, null)
  }

  /** Records the channel's logo (audited), sweeps PNGs no channel uses, and tells the runtime (it airs from the next frame). */
  private storeLogo(channelId: number, logo: ChannelLogo | null): void {
    const { store, schedule, clock } = this.e
    const now = clock.now()
    store.transaction(() => {
      store.channels.setLogo(channelId, logo, now)
      store.audit.append(
        now,
        this.actor,
        logo ? 'logo-set' : 'logo-removed',
        logo ? { ...logo } : {},
        channelId
      )
    })
    store.logos.sweep(store.channels.list().flatMap((c) => (c.logo ? [c.logo.file] : [])))
    schedule.notifyChanged([channelId])
  }

  // ---- alarm webhooks ------------------------------------------------------------------------

  private hooks(): WebhookService {
    if (!this.e.webhooks) throw new StationApiError('unavailable', 'this station has no webhooks')
    return this.e.webhooks
  }
  async webhooks(): Promise<WebhookDto[]> {
    return this.e.webhooks?.list() ?? []
  }
  async putWebhook(request: WebhookRequest): Promise<WebhookDto> {
    const r = parse(webhookRequest, request, 'body', 'invalid_body')
    return guard(() => this.hooks().put(r, this.actor))
  }
  async setWebhookEnabled(id: string, enabled: boolean): Promise<WebhookDto> {
    const hook = parse(webhookId, id, 'id')
    if (typeof enabled !== 'boolean') throw invalid('enabled: must be true or false')
    return guard(() => this.hooks().setEnabled(hook, enabled, this.actor))
  }
  async removeWebhook(id: string): Promise<void> {
    const hook = parse(webhookId, id, 'id')
    guard(() => this.hooks().remove(hook, this.actor))
  }
  async testWebhook(id: string): Promise<WebhookDeliveryDto> {
    const hook = parse(webhookId, id, 'id')
    return guard(() => this.hooks().test(hook))
  }
  async webhookDeliveries(id: string): Promise<WebhookDeliveryDto[]> {
    const hook = parse(webhookId, id, 'id')
    return guard(() => this.hooks().deliveries(hook))
  }

  // ---- the channel lineup -------------------------------------------------------------------

  async channelLineup(): Promise<ChannelLineupDto[]> {
    return this.e.store.channels.listActive().map(lineupDto)
  }

  /** Refuses a zone that is not one, and a number another channel on the station has (naming it). */
  private checkChannel(
    where: string,
    fields: { timezone?: string; number?: string | null },
    self?: number
  ): void {
    if (fields.timezone !== undefined && !isValidZone(fields.timezone))
      throw invalid(`${where}.timezone: "${fields.timezone}" is not a known IANA time zone`)
    if (fields.number) {
      const holder = this.e.store.channels
        .listActive()
        .find((c) => c.number === fields.number && c.id !== self)
      if (holder)
        throw new StationApiError(
          'duplicate_channel',
          `${where}.number: channel number "${fields.number}" already belongs to "${holder.name}" (${holder.slug})`
        )
    }
  }

  /** A slug from the name, made unique against every channel the store knows (retired ones too). */
  private slugFor(name: string): string {
    const base =
      name
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 50) || 'channel'
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`
      if (!this.e.store.channels.bySlug(slug)) return slug
    }
  }

  async createChannel(request: ChannelCreateRequest): Promise<ChannelLineupDto> {
    const r = parse(channelCreateRequest, request, 'request')
    this.checkChannel('request', r)
    const { store, clock } = this.e
    if (r.id !== undefined && store.channels.bySlug(r.id))
      throw new StationApiError(
        'duplicate_channel',
        `request.id: a channel with id "${r.id}" already exists${store.channels.bySlug(r.id)!.isActive ? '' : ' (deleted; import a station file listing it to bring it back)'}`
      )
    const first = store.channels.listActive()[0]
    const meta = {
      uuid: randomUUID(),
      slug: r.id ?? this.slugFor(r.name),
      name: r.name,
      number: r.number ?? null,
      timezone: r.timezone ?? first?.timezone ?? 'UTC',
      rolloverMinutes: r.rolloverMinutes ?? DEFAULT_ROLLOVER_MINUTES,
      kind: 'normal' as const
    }
    const now = clock.now()
    const id = guard(() =>
      store.transaction(() => {
        const id = store.channels.insert(meta, now)
        const { uuid: _u, ...details } = meta
        store.audit.append(now, this.actor, 'channel-created', { uuid: meta.uuid, ...details }, id)
        return id
      })
    )
    // The director takes a channel the schedule announces: it is on the multiviewer at once.
    this.e.schedule.notifyChanged([id])
    return lineupDto(store.channels.byId(id)!)
  }

  async updateChannel(uuid: string, request: ChannelUpdateRequest): Promise<ChannelLineupDto> {
    const channel = this.channelOf(uuid)
    const r = parse(channelUpdateRequest, request, 'request')
    this.checkChannel('request', r, channel.id)
    const { store, clock } = this.e
    const before = store.channels.byId(channel.id)!
    const after = {
      name: r.name ?? before.name,
      number: r.number === undefined ? before.number : r.number,
      timezone: r.timezone ?? before.timezone,
      rolloverMinutes: r.rolloverMinutes ?? before.rolloverMinutes,
      kind: before.kind
    }
    const changed = Object.fromEntries(
      (['name', 'number', 'timezone', 'rolloverMinutes'] as const)
        .filter((k) => after[k] !== before[k])
        .map((k) => [k, { from: before[k] ?? null, to: after[k] ?? null }])
    )
    if (Object.keys(changed).length === 0) return lineupDto(before)
    const now = clock.now()
    guard(() =>
      store.transaction(() => {
        store.channels.updateMeta(channel.id, after, now)
        store.audit.append(now, this.actor, 'channel-updated', changed, channel.id)
      })
    )
    this.e.schedule.notifyChanged([channel.id])
    return lineupDto(store.channels.byId(channel.id)!)
  }

  async deleteChannel(uuid: string): Promise<void> {
    const channel = this.channelOf(uuid)
    const { store, clock, director } = this.e
    // Its pushes stop first (they hold the channel on air); the rows stay, disabled, with the channel.
    if (this.e.outputs)
      for (const o of this.e.outputs.list(channel.uuid))
        if (o.enabled) guard(() => this.e.outputs!.setEnabled(o.id, false, this.actor))
    const cm = director.channel(channel.uuid)
    const now = clock.now()
    guard(() =>
      store.transaction(() => {
        store.channels.retire(channel.id, now)
        store.audit.append(
          now,
          this.actor,
          'channel-deleted',
          {
            uuid: channel.uuid,
            slug: channel.slug,
            name: channel.name,
            number: channel.number ?? null,
            viewers: cm.viewerCount,
            previews: cm.previewCount
          },
          channel.id
        )
      })
    )
    await guardAsync(() => director.removeChannel(channel.uuid))
    this.e.schedule.notifyChanged([channel.id])
  }

  // ---- events -------------------------------------------------------------------------------

  /** A snapshot, then coalesced changes and, about ten times a second while channels are live, their audio levels. */
  // ---- programming (collections, templates, preview, publish, revisions) ----
  private get programming(): ProgrammingService {
    return new ProgrammingService(this.e.store, this.e.clock, this.e.schedule)
  }
  private programmingInstant(text: string | undefined, name: string): number | undefined {
    if (text === undefined) return undefined
    try {
      return parseInstant(text, `request.${name}`)
    } catch (err) {
      throw invalid((err as Error).message)
    }
  }
  async collections(): Promise<CollectionDto[]> {
    return guard(() => this.programming.collections())
  }
  async collectionItems(id: string): Promise<CollectionItemDto[]> {
    const which = parse(collectionId, id, 'id')
    return guard(() => this.programming.collectionItems(which))
  }
  async saveCollection(id: string, definition: CollectionDefinition): Promise<CollectionDto> {
    const which = parse(collectionId, id, 'id')
    const def = parse(collectionDefinition, definition, 'definition')
    return guard(() => this.programming.saveCollection(which, def))
  }
  async deleteCollection(id: string): Promise<void> {
    const which = parse(collectionId, id, 'id')
    guard(() => this.programming.deleteCollection(which))
  }
  async channelTemplate(uuid: string): Promise<ChannelTemplateDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    return guard(() => this.programming.channelTemplate(channel))
  }
  async saveTemplateDraft(
    uuid: string,
    template: ChannelTemplateInput
  ): Promise<ChannelTemplateDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    const t = parse(channelTemplateSchema, template, 'template')
    return guard(() => this.programming.saveDraft(channel, t, this.actor))
  }
  async discardTemplateDraft(uuid: string): Promise<ChannelTemplateDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    return guard(() => this.programming.discardDraft(channel))
  }
  async previewTemplate(
    uuid: string,
    request?: TemplatePreviewRequest
  ): Promise<TemplatePreviewDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    const r = parse(templatePreviewRequest, request ?? {}, 'request')
    const fromMs = this.programmingInstant(r.from, 'from')
    const toMs = this.programmingInstant(r.to, 'to')
    const start = fromMs ?? this.e.clock.now()
    if (toMs !== undefined && toMs <= start) throw invalid('request.to: must be after from')
    if (toMs !== undefined && toMs - start > MAX_PREVIEW_DAYS * DAY_MS)
      throw invalid(`request.to: a preview covers at most ${MAX_PREVIEW_DAYS} days`)
    return guard(() =>
      this.programming.preview(channel, {
        ...(r.template ? { template: r.template } : {}),
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {})
      })
    )
  }
  async publishTemplate(
    uuid: string,
    request?: TemplatePublishRequest
  ): Promise<TemplatePublishDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    const r = parse(templatePublishRequest, request ?? {}, 'request')
    const atMs = this.programmingInstant(r.at, 'at')
    return guard(() =>
      this.programming.publish(channel, {
        by: this.actor,
        ...(atMs !== undefined ? { atMs } : {}),
        ...(r.note !== undefined ? { note: r.note } : {})
      })
    )
  }
  async templateRevisions(uuid: string): Promise<TemplateRevisionDto[]> {
    const channel = parse(channelUuid, uuid, 'uuid')
    return guard(() => this.programming.revisions(channel))
  }
  async restoreTemplateRevision(
    uuid: string,
    revision: number,
    request?: TemplatePublishRequest
  ): Promise<TemplatePublishDto> {
    const channel = parse(channelUuid, uuid, 'uuid')
    const id = parse(revisionId, revision, 'revision')
    const r = parse(templatePublishRequest, request ?? {}, 'request')
    const atMs = this.programmingInstant(r.at, 'at')
    return guard(() =>
      this.programming.restore(channel, id, {
        by: this.actor,
        ...(atMs !== undefined ? { atMs } : {}),
        ...(r.note !== undefined ? { note: r.note } : {})
      })
    )
  }
  async exportStation(): Promise<StationExportDto> {
    return guard(() => this.programming.exportStation())
  }

  subscribe(listener: StationEventListener): () => void {
    const offStatus = this.e.director.status.subscribe(listener)
    const offLevels = this.e.director.levels.subscribe(listener)
    const offLibrary = this.e.library?.subscribe(listener)
    return () => {
      offStatus()
      offLevels()
      offLibrary?.()
    }
  }
}

const lineupDto = (c: ChannelRow): ChannelLineupDto => ({
  uuid: c.uuid,
  slug: c.slug,
  name: c.name,
  number: c.number ?? null,
  timezone: c.timezone,
  rolloverMinutes: c.rolloverMinutes,
  kind: c.kind
})

const libraryUnavailable = () =>
  new StationApiError('unavailable', 'this station has no media library')
