// Composition root: builds the whole engine from a data directory. Used by the CLI (headless) and by
// the Electron main process; both get the same Station.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pino, { type Logger } from 'pino'
import type { MasterClock } from './shared/clock'
import { SystemClock } from './runtime/clock'
import { defaultProducerBudget } from './runtime/budget'
import type { RuntimePolicy } from './runtime/policy'
import { ProgramDirector } from './runtime/program-director'
import {
  BaseProducer,
  emergencyPreview,
  FIRST_SEGMENT_TIMEOUT_MS,
  ffmpegProducerFactory,
  type ProducerFactory,
  StillCards
} from './playout'
import { CRAWL_SPEED_MAX, CRAWL_SPEED_MIN, DEFAULT_CRAWL_SPEED } from './shared/domain'
import { PROFILES, type OutputProfile } from './media/profiles'
import { ProcessGroup, reapOrphans } from './media/process'
import {
  type FfmpegTools,
  FfmpegUnavailableError,
  locateFfmpeg,
  type LocateOptions
} from './media/ffmpeg'
import { formatInstant } from './shared/time'
import { createDemoStation } from './schedule/demo-station'
import { importStationFile, type ImportResult } from './schedule/import'
import { LoudnessAnalysis } from './schedule/loudness-analysis'
import { ScheduleService } from './schedule/service'
import { channelConforms, planRenditions } from './schedule/renditions'
import { streamRoutes } from './server/streams'
import { ChannelTimelines } from './server/timeline'
import { loadOrCreateDeviceId, type TunerIdentity } from './server/iptv/hdhomerun'
import { type IptvSettings, iptvRoutes } from './server/iptv/routes'
import { DEFAULT_CORS_ORIGINS } from './server/cors'
import { STREAM_KEY_PATTERN, STREAM_KEY_RULE } from './server/iptv/stream-key'
import { DEFAULT_GUIDE_HORIZON_MS } from './server/iptv/xmltv'
import { checkViewerLimits, DEFAULT_VIEWER_LIMITS } from './server/viewer-limits'
import { createHttpServer } from './server/http'
import { StationFacade } from './station-facade'
import { httpLimitsFromEnv } from './server/connections'
import { apiRoutes } from './server/api'
import { StationMetrics } from './server/metrics'
import { OutputService } from './outputs/service'
import { WebhookService } from './ops/webhooks'
import { MediaLibrary } from './library'
import { analyseMedia } from './library/analysis'
import { CONFORM_DIR, ConformService } from './library/conform'
import { TsFeeds } from './server/iptv/ts-stream'
import { StationLock, Store } from './store'

export const API_TOKEN_FILE = 'api-token'
/** Channels' output folders live under here, one per channel uuid. */
export const OUTPUT_DIR = 'outputs'
/** The media library's pictures (posters, filmstrips) in the data folder. */
export const LIBRARY_DIR = 'library'
export const VERSION = '0.1.0'
/** How long each part of a station's shutdown may wait before it goes on regardless (real time: real processes). */
const SHUTDOWN_GRACE_MS = 10_000

/** Where a headless station keeps its data when no --data-dir is given (per-OS user data home). */
export function defaultDataDir(): string {
  const home = os.homedir()
  if (process.platform === 'win32')
    return path.join(process.env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'RetroVue')
  if (process.platform === 'darwin')
    return path.join(home, 'Library', 'Application Support', 'RetroVue')
  return path.join(process.env['XDG_DATA_HOME'] || path.join(home, '.local', 'share'), 'retrovue')
}

/** The API token if there is one: RETROVUE_API_TOKEN if set, else `<data-dir>/api-token`. Creates nothing. */
export function readApiToken(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env
): string | undefined {
  const fromEnv = env['RETROVUE_API_TOKEN']
  if (fromEnv && fromEnv.trim().length > 0) return fromEnv.trim()
  try {
    const existing = fs.readFileSync(path.join(dataDir, API_TOKEN_FILE), 'utf8').trim()
    if (existing.length > 0) return existing
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  return undefined
}

/** The API token: RETROVUE_API_TOKEN if set, else `<data-dir>/api-token`, created (mode 0600) on first start. */
export function loadOrCreateApiToken(dataDir: string): string {
  const existing = readApiToken(dataDir)
  if (existing) return existing
  const file = path.join(dataDir, API_TOKEN_FILE)
  const token = crypto.randomBytes(24).toString('base64url')
  // wx: never overwrite a token another process created in the meantime.
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return fs.readFileSync(file, 'utf8').trim()
    throw err
  }
  return token
}

export function createLogger(level = process.env['RETROVUE_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { app: 'retrovue' } }, pino.destination(2))
}

/** Fields never logged by value: a session id is a viewer's credential, the token the operator's. */
const SECRET_LOG_FIELDS = [
  'session',
  'sessionId',
  'token',
  'apiToken',
  'authorization',
  'streamKey'
]

/** The engine's logger, with secrets redacted wherever a part logs them (top level or one level down). */
export function redactingLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      redact: {
        paths: [...SECRET_LOG_FIELDS, ...SECRET_LOG_FIELDS.map((f) => `*.${f}`)],
        censor: '[redacted]'
      }
    }
  )
}

/** The built operator console, next to this module in a build or under out/ in a checkout. */
export function findUiDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [
    process.env['RETROVUE_UI_DIR'],
    path.resolve(here, '../renderer'),
    path.resolve(here, '../out/renderer'),
    path.resolve(process.cwd(), 'out/renderer')
  ]
  return candidates.find((d): d is string => !!d && fs.existsSync(path.join(d, 'index.html')))
}

export interface StationOptions {
  dataDir: string
  clock?: MasterClock
  logger?: Logger
  uiDir?: string
  /** Import this station file at start (all or nothing; a bad file stops the start). */
  stationFile?: string
  /** Where to find ffmpeg (configured path, bundled fallback). */
  ffmpeg?: LocateOptions
  /** Create the demo station when the database has no channels and no station file is given (default true). */
  demo?: boolean
  /** How producers are made (tests inject doubles); default: the ffmpeg producers. */
  producerFactory?: ProducerFactory
  policy?: Partial<RuntimePolicy>
  sessionTimeoutMs?: number
  /** Most producers running at once (default from the machine's cores). */
  maxProducers?: number
  /** Output profile of every channel (default 360p). */
  profile?: OutputProfile['name']
  /** The emergency crawl's speed in characters a second (DEFAULT_CRAWL_SPEED; CRAWL_SPEED_MIN to CRAWL_SPEED_MAX). */
  crawlSpeed?: number
  /** HLS segment length in seconds (default 1). */
  segmentSeconds?: number
  /**
   * Watch outputs for black, freeze and silence and meter their sound (default true; the
   * environment's RETROVUE_OUTPUT_MONITOR=off turns it off, to measure what watching costs).
   */
  watchOutput?: boolean
  /**
   * Free space watched in the data folder and the outputs (DISK alarm). Default: warn below 256 MiB
   * (RETROVUE_DISK_WARN_MB in the environment sets it), read every 5 s.
   */
  disk?: { warnFreeBytes?: number; pollMs?: number }
  /** Measure the loudness of the media the playlog refers to, in the background (default true). */
  loudnessAnalysis?: boolean
  /** Viewers' software: public URL, stream key, viewer limits, guide horizon (defaults: none, none, 100/300/10 per address, 48 h). */
  iptv?: Partial<IptvSettings>
  /** How long each part of close() may wait before it goes on regardless (default 10 s; tests shorten it). */
  shutdownGraceMs?: number
  /** A read-only token for GET /metrics (the API token opens it too); default none. */
  metricsToken?: string | null
}

/** RETROVUE_DISK_WARN_MB: the DISK warning's level in MB of free space (unset: the default). */
export function diskWarnFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env['RETROVUE_DISK_WARN_MB']
  if (text === undefined || text.trim() === '') return undefined
  const mb = Number(text)
  if (!Number.isFinite(mb) || mb < 0)
    throw new Error(
      `RETROVUE_DISK_WARN_MB: "${text.slice(0, 40)}" is not a number of megabytes (free space below which the DISK alarm warns)`
    )
  return Math.round(mb * 1024 * 1024)
}

/** Without a usable ffmpeg, every producer refuses to start and says why (the API and console still run). */
function unavailableProducers(reason: string): ProducerFactory {
  return (mode, context) =>
    new (class extends BaseProducer {
      async start(): Promise<void> {
        throw new Error(`cannot start a ${mode} producer: ${reason}`)
      }
      async stop(): Promise<void> {}
      streamEndpoint() {
        return null
      }
    })(mode, context)
}

export class Station {
  private http: FastifyInstance | undefined
  private closed = false
  private readonly shutdownGraceMs: number
  // Imports run one after another, so each one validates against what the previous one wrote.
  private importQueue: Promise<unknown> = Promise.resolve()

  readonly schedule: ScheduleService
  readonly director: ProgramDirector
  /** Measures each asset's loudness in the background, for its items' gain. */
  readonly loudnessAnalysis: LoudnessAnalysis
  /** The StationApi over this engine: what the HTTP routes and the desktop window's IPC call. */
  readonly api: StationFacade
  /** Every ffmpeg this station's producers run (encoders, decoders, card renders). */
  readonly processes = new ProcessGroup()
  /** Each channel's output segments across producers, read by every kind of viewer URL. */
  readonly timelines: ChannelTimelines
  /** Push destinations (RTMP/SRT), each an ffmpeg remuxing a channel's output to a media server. */
  readonly outputs: OutputService
  /** The media library: folders, files probed, analysed and watched. */
  readonly library: MediaLibrary
  /** Conformed playout's foundation: renditions made ahead in the house format (null without ffmpeg). */
  readonly conform: ConformService | null
  /** Alarm notifications posted to webhooks, in order, with retries. */
  readonly webhooks: WebhookService
  readonly iptv: IptvSettings
  private readonly metricsToken: string | null
  /** What HDHomeRun clients see of this station. */
  readonly tuner: TunerIdentity

  private constructor(
    readonly dataDir: string,
    readonly clock: MasterClock,
    readonly logger: Logger,
    readonly store: Store,
    readonly apiToken: string,
    private readonly uiDir: string | undefined,
    /** null when ffmpeg is missing or unfit; `ffmpegProblem` says why. */
    readonly tools: FfmpegTools | null,
    readonly ffmpegProblem: string | null,
    /** This station's hold on its data folder, from open to close. */
    private readonly lock: StationLock,
    options: StationOptions
  ) {
    this.schedule = new ScheduleService(store, clock)
    // Conformed playout: items of conforming channels carry their renditions, and those channels'
    // normal programming airs by copy when the plan allows (else the encode path, as before).
    this.schedule.renditions = planRenditions(store, PROFILES[options.profile ?? '360p'].name)
    this.shutdownGraceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS
    const producerBudget = options.maxProducers ?? defaultProducerBudget()
    const crawlSpeed = options.crawlSpeed ?? DEFAULT_CRAWL_SPEED
    if (
      !Number.isFinite(crawlSpeed) ||
      crawlSpeed < CRAWL_SPEED_MIN ||
      crawlSpeed > CRAWL_SPEED_MAX
    ) {
      throw new Error(
        `invalid crawl speed ${crawlSpeed}: must be ${CRAWL_SPEED_MIN} to ${CRAWL_SPEED_MAX} characters a second`
      )
    }
    // The station's card renderer: what airs and what the console previews are the same frames.
    const cards = tools
      ? new StillCards({
          tools,
          profile: PROFILES[options.profile ?? '360p'],
          processes: this.processes
        })
      : null
    this.director = new ProgramDirector({
      store,
      clock,
      schedule: this.schedule,
      factory:
        options.producerFactory ??
        (tools && cards
          ? ffmpegProducerFactory({
              tools,
              profile: PROFILES[options.profile ?? '360p'],
              segmentSeconds: options.segmentSeconds ?? 1,
              processes: this.processes,
              cards,
              crawlSpeed,
              log: logger,
              copy: (uuid) => {
                const c = store.channels.byUuid(uuid)
                return c !== undefined && channelConforms(store, c.id)
              },
              watchOutput: options.watchOutput ?? process.env['RETROVUE_OUTPUT_MONITOR'] !== 'off',
              // RETROVUE_LOUDNESS=off passes the sound as it is (no gain, limiter or loudness meter): to measure what they cost.
              controlLoudness: process.env['RETROVUE_LOUDNESS'] !== 'off'
            })
          : unavailableProducers(ffmpegProblem ?? 'ffmpeg is unavailable')),
      outputRoot: path.join(dataDir, OUTPUT_DIR),
      logger,
      policy: options.policy,
      producerBudget,
      sessionTimeoutMs: options.sessionTimeoutMs,
      disk: {
        folders: [
          { name: 'data folder', path: dataDir },
          { name: 'outputs', path: path.join(dataDir, OUTPUT_DIR) }
        ],
        warnFreeBytes: diskWarnFromEnv(process.env),
        ...options.disk
      }
    })
    this.timelines = new ChannelTimelines(this.director, () => clock.now())
    this.outputs = new OutputService({
      store,
      director: this.director,
      feeds: new TsFeeds(this.timelines),
      processes: this.processes,
      clock,
      log: logger,
      ffmpeg: tools?.ffmpeg ?? null
    })
    this.library = new MediaLibrary({
      store,
      clock,
      tools,
      pictureDir: path.join(dataDir, LIBRARY_DIR),
      log: logger,
      onAir: () => this.director.channelManagers().some((cm) => cm.producerStatus === 'running'),
      analyse:
        tools && options.loudnessAnalysis !== false
          ? (file, opts) => analyseMedia(tools, this.processes, file, opts)
          : undefined,
      loudnessMeasured: (file) => this.schedule.loudnessMeasured(file),
      listingsChanged: () => this.schedule.listingsChanged(),
      // A renamed or moved file: the channels airing it plan again, with its new path.
      assetsMoved: (ids) => {
        this.schedule.invalidateAssets()
        this.schedule.notifyChanged(store.library.channelsAiring(ids))
      },
      alarms: this.director.alarms
    })
    this.schedule.on('changed', () => this.library.scheduleChanged())
    // Off unless the station file turned it on (`conform`); jobs of the library's queue, lowest priority.
    this.conform = tools
      ? new ConformService({
          store,
          clock,
          tools,
          processes: this.processes,
          queue: this.library.queue,
          profile: PROFILES[options.profile ?? '360p'],
          segmentSeconds: options.segmentSeconds ?? 1,
          dir: path.join(dataDir, CONFORM_DIR),
          log: logger,
          alarms: this.director.alarms
        })
      : null
    this.schedule.on('changed', () => this.conform?.scheduleChanged())
    this.webhooks = new WebhookService({
      store,
      clock,
      log: logger.child({ component: 'webhooks' }),
      director: this.director,
      stationName: os.hostname()
    })
    // The playout's loudness measurements of files outside library folders: jobs of the same queue.
    this.loudnessAnalysis = new LoudnessAnalysis({
      store,
      schedule: this.schedule,
      clock,
      tools: options.loudnessAnalysis === false ? null : tools,
      processes: this.processes,
      queue: this.library.queue,
      log: logger,
      writeFailed: (where, err) => this.director.writeFailed(where, err)
    })
    this.api = new StationFacade({
      clock,
      store,
      schedule: this.schedule,
      director: this.director,
      outputs: this.outputs,
      library: this.library,
      webhooks: this.webhooks,
      ...(this.conform ? { conform: this.conform } : {}),
      emergencyPreview: cards
        ? (scope, message) => emergencyPreview(cards, scope, message, crawlSpeed)
        : undefined
    })
    this.iptv = {
      publicUrl: null,
      streamKey: null,
      corsOrigins: DEFAULT_CORS_ORIGINS,
      limits: DEFAULT_VIEWER_LIMITS,
      guideHorizonMs: DEFAULT_GUIDE_HORIZON_MS,
      stallTimeoutMs: FIRST_SEGMENT_TIMEOUT_MS,
      ...options.iptv
    }
    if (this.iptv.streamKey !== null && !STREAM_KEY_PATTERN.test(this.iptv.streamKey)) {
      throw new Error(`invalid stream key: ${STREAM_KEY_RULE}`)
    }
    this.metricsToken = options.metricsToken ?? null
    const profile = PROFILES[options.profile ?? '360p']
    this.tuner = {
      deviceId: loadOrCreateDeviceId(dataDir),
      friendlyName: 'RetroVue',
      hd: profile.height >= 720
    }
  }

  static async open(options: StationOptions): Promise<Station> {
    const dataDir = path.resolve(options.dataDir)
    const logger = redactingLogger(options.logger ?? createLogger())
    // The director exists only once the station is built; the clock reports to it from then on.
    const built: { director?: ProgramDirector } = {}
    const clock =
      options.clock ??
      new SystemClock({
        onBackwardStep: (ms) => {
          logger.warn({ stepMs: ms }, 'system clock stepped back; station time keeps running')
          built.director?.clockStepped(ms)
        },
        onStepResolved: () => built.director?.clockStepResolved(),
        onTimerError: (err) =>
          built.director
            ? built.director.timerFailed(err)
            : logger.error({ err }, 'station work on a timer failed')
      })
    // First of all: one station per data folder. Nothing below (the store, the outputs folder, the
    // reaping of a previous run's ffmpeg) may touch a folder another station is running from.
    const lock = StationLock.acquire(dataDir, formatInstant(clock.now()))
    let store: Store | undefined
    let station: Station
    try {
      let tools: FfmpegTools | null = null
      let ffmpegProblem: string | null = null
      try {
        tools = await locateFfmpeg(options.ffmpeg)
        logger.info(
          { ffmpeg: tools.ffmpeg, version: tools.version, source: tools.source },
          'ffmpeg found'
        )
      } catch (err) {
        if (!(err instanceof FfmpegUnavailableError)) throw err
        ffmpegProblem = err.message
        logger.error({ problem: err.message }, 'ffmpeg unavailable: channels cannot play out')
      }
      store = Store.open(dataDir)
      const token = loadOrCreateApiToken(dataDir)
      station = new Station(
        dataDir,
        clock,
        logger,
        store,
        token,
        options.uiDir ?? findUiDir(),
        tools,
        ffmpegProblem,
        lock,
        options
      )
    } catch (err) {
      store?.close()
      lock.release()
      throw err
    }
    built.director = station.director
    try {
      if (options.stationFile) {
        const result = await station.importStationFile(options.stationFile)
        logger.info(
          { file: result.file, channels: result.channels.length },
          'station file imported'
        )
      } else if ((options.demo ?? true) && store.channels.list().length === 0) {
        const file = await createDemoStation(dataDir, station.requireTools(), (msg) =>
          logger.info(msg)
        )
        await station.importStationFile(file)
        logger.info({ file }, 'demo station created')
      }
      station.schedule.startHorizonBuilder()
      station.reconcileOutputs()
      station.director.start()
      station.outputs.sync()
      station.loudnessAnalysis.start()
      station.library.start()
      station.conform?.start()
      station.webhooks.start()
    } catch (err) {
      await station.close()
      throw err
    }
    return station
  }

  /** After a crash: no ffmpeg of the previous run keeps writing, and its output folders go. */
  private reconcileOutputs(): void {
    const root = path.join(this.dataDir, OUTPUT_DIR)
    const killed = reapOrphans(root)
    if (killed > 0) this.logger.warn({ killed }, 'killed ffmpeg processes left by the previous run')
    fs.rmSync(root, { recursive: true, force: true })
    fs.mkdirSync(root, { recursive: true })
  }

  requireTools(): FfmpegTools {
    if (!this.tools) throw new FfmpegUnavailableError(this.ffmpegProblem ?? 'ffmpeg is unavailable')
    return this.tools
  }

  /**
   * Validates and imports a station file, all or nothing. Applied through the ScheduleService, whose
   * 'changed' event makes the director add new channels and re-plan the touched ones live.
   */
  importStationFile(file: string): Promise<ImportResult> {
    if (this.closed)
      return Promise.reject(new Error('the station is shutting down; nothing was imported'))
    const run = async () => {
      const result = await importStationFile(file, {
        store: this.store,
        schedule: this.schedule,
        clock: this.clock,
        tools: this.requireTools()
      })
      // The file may have added, enabled or removed push outputs, and added library folders and webhooks.
      this.outputs.sync()
      this.library.sync()
      this.conform?.settingsChanged()
      this.webhooks.sync()
      return result
    }
    const result = this.importQueue.then(run, run)
    this.importQueue = result.catch(() => undefined)
    return result
  }

  /** The HTTP app over this station, not yet listening (listen() serves it; tests inject into it). */
  createHttp(): Promise<FastifyInstance> {
    // Timeouts and connection caps: defaults from the machine, RETROVUE_HTTP_LIMITS for tests.
    const limits = httpLimitsFromEnv(process.env)
    const viewer = this.api.as('api')
    return createHttpServer(
      {
        apiToken: this.apiToken,
        streamKey: this.iptv.streamKey,
        cors: this.iptv.corsOrigins,
        uiDir: this.uiDir,
        logger: this.logger,
        limits,
        metricsToken: this.metricsToken,
        metrics: new StationMetrics({
          api: viewer,
          channelNumbers: () =>
            new Map(this.director.channelManagers().map((cm) => [cm.uuid, cm.channel.number])),
          channelMeters: () =>
            new Map(this.director.channelManagers().map((cm) => [cm.uuid, cm.meters()])),
          childPids: () =>
            this.processes.live().flatMap((p) => (p.pid === undefined ? [] : [p.pid]))
        })
      },
      [
        apiRoutes({
          api: viewer,
          clock: this.clock,
          admitViewer: (uuid) => checkViewerLimits(this.director, uuid, this.iptv.limits),
          importer: this,
          stopping: () => this.closed
        }),
        streamRoutes(this.director, this.timelines),
        iptvRoutes({
          api: viewer,
          director: this.director,
          schedule: this.schedule,
          clock: this.clock,
          timelines: this.timelines,
          tuner: this.tuner,
          settings: this.iptv,
          logos: this.store.logos
        })
      ]
    )
  }

  /** Starts the HTTP server; resolves to the console URL. */
  async listen(host: string, port: number): Promise<string> {
    this.http = await this.createHttp()
    const address = await this.http.listen({ host, port })
    const control = this.controlUrl()
    try {
      // Where `import` finds this station to hand it a file.
      if (control) this.lock.setUrl(control)
    } catch (err) {
      this.logger.warn(
        { err },
        'cannot record the control API address beside the lock; `import` cannot reach this station'
      )
    }
    return address.replace('[::1]', 'localhost')
  }

  /** The control API's base URL as a local client reaches it (a wildcard bind answers on loopback). */
  private controlUrl(): string | undefined {
    const addr = this.http?.server.address()
    if (!addr || typeof addr !== 'object') return undefined
    const host =
      addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address
    return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`
  }

  /** The bound port (useful with port 0). */
  port(): number | undefined {
    const addr = this.http?.server.address()
    return addr && typeof addr === 'object' ? addr.port : undefined
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Consoles hear it at once: their event streams end now (and new ones are refused), so they say
    // STATION DOWN while the channels go off air rather than show the last state as live.
    for (const client of this.http?.websocketServer?.clients ?? [])
      client.close(1001, 'the station is stopping')
    // No new analysis is queued; the library's close below cancels the jobs queued (their ffmpeg killed).
    const analysed = this.loudnessAnalysis.stop()
    let failure: { err: unknown } | undefined
    const orderly = (async () => {
      // Watchers closed, every library job ended (its ffmpeg killed through its signal); a conform
      // cut off leaves only its temporary file, swept at the next start.
      this.conform?.stop()
      await this.library.close()
      this.schedule.stop()
      await this.outputs.close()
      await this.webhooks.close()
      await this.director.shutdown()
      await this.http?.close()
    })().catch((err: unknown) => void (failure = { err }))
    // Every wait is bounded: a step still waiting after the grace (on a child, a request) gets the
    // backstop below under it rather than keep the station, its children and the folder's lock.
    if (!(await settlesWithin(orderly, this.shutdownGraceMs)))
      this.logger.warn(
        `the station's shutdown still waits after ${this.shutdownGraceMs / 1000} s: its ffmpeg processes are killed now`
      )
    // Producers stop their own children; this is the backstop for anything still starting, and it
    // runs even if something above failed or hangs, as does closing the database. The folder is
    // let go last, when nothing of this station can touch it any more.
    try {
      // A child the kernel will not let die (stuck in a write) must not hold the rest up either.
      const finished = Promise.all([this.processes.killAll(), orderly, analysed])
      if (!(await settlesWithin(finished, this.shutdownGraceMs)))
        this.logger.error(
          `the station's shutdown still waits ${this.shutdownGraceMs / 1000} s after killing its ffmpeg processes: closing it anyway`
        )
      this.store.close()
    } finally {
      this.lock.release()
    }
    // A step that failed says so (one still waiting was given up above).
    if (failure) throw failure.err
  }
}

/** Whether `p` settles (either way) within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const settled = await Promise.race([
    p.then(
      () => true,
      () => true
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  ])
  clearTimeout(timer)
  return settled
}
