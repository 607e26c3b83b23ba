// The station store: one SQLite database in the data directory, typed repositories over it.
import path from 'node:path'
import { type Db, openDatabase, type OpenOptions } from './database'
import { ChannelsRepo, ProducersRepo } from './channels'
import { SessionsRepo } from './sessions'
import { AuditRepo, SystemStateRepo } from './system'
import { AssetsRepo, LoopsRepo, PlaylogRepo } from './playlog'
import { AsRunRepo } from './as-run'
import { AlarmsRepo } from './alarms'
import { SettingsRepo } from './settings'
import { OutputsRepo } from './outputs'
import { LogoFiles } from './logo-files'
import { LoudnessRepo } from './loudness'
import { LibraryRepo } from './library'
import { WebhooksRepo } from './webhooks'
import { ProgrammingRepo } from './programming'
import { RenditionsRepo } from './renditions'

export { StoreOpenError, checkIntegrity } from './database'
export { DataFolderError } from './data-folder'
export {
  HOLDER_FILE,
  LOCK_FILE,
  StationLock,
  StationLockedError,
  readHolder,
  type LockHolder
} from './lock'
export type { Db } from './database'
export { LOGO_DIR, LogoFiles } from './logo-files'
export type { ChannelRow, NewChannel, ProducerRow } from './channels'
export type { ViewerSessionRow } from './sessions'
export type { SystemStateRow, AuditEntry, AuditActor } from './system'
export type { AlarmRow, NewAlarm } from './alarms'
export type { OutputRow } from './outputs'
export type { DeliveryRow, WebhookRow } from './webhooks'
export type { LoudnessMeasurement, UnmeasuredAsset } from './loudness'
export type {
  AssetRow,
  NewAsset,
  PlaylogEventRow,
  PlaylogListingRow,
  NewPlaylogEvent,
  PlaylogSource,
  LoopRow
} from './playlog'
export type { AsRunRow, NewAsRunRow } from './as-run'
export type {
  AnalysisRow,
  AssetMetadata,
  KnownFile,
  LibraryAssetRow,
  LibraryFolderRow,
  LibrarySearch,
  NewLibraryFile,
  ProbedMedia
} from './library'
export { BadCursorError, PROBLEM_STATUSES, analysisDto, assetListDto } from './library'
export type { NewRendition, RenditionAiring, RenditionRow, UnrenderedAsset } from './renditions'
export type {
  CollectionRow,
  DrawRow,
  RevisionRow,
  TemplateRow,
  TemplatedEvent
} from './programming'

export const DATABASE_FILE = 'station.db'

export class Store {
  readonly channels: ChannelsRepo
  readonly producers: ProducersRepo
  readonly sessions: SessionsRepo
  readonly system: SystemStateRepo
  readonly audit: AuditRepo
  readonly assets: AssetsRepo
  readonly playlog: PlaylogRepo
  readonly loops: LoopsRepo
  readonly asRun: AsRunRepo
  readonly alarms: AlarmsRepo
  readonly settings: SettingsRepo
  readonly outputs: OutputsRepo
  /** Channel logo PNGs, in the data folder beside the database. */
  readonly logos: LogoFiles
  readonly loudness: LoudnessRepo
  /** The media library: folders, library files (rows of assets), their analysis. */
  readonly library: LibraryRepo
  /** Alarm webhooks and their deliveries (pending ones and the delivery log). */
  readonly webhooks: WebhooksRepo
  /** Programming: collections, channel templates (published and draft), revisions, draws. */
  readonly programming: ProgrammingRepo
  /** Conformed renditions (the house format's cache) and the conform settings. */
  readonly renditions: RenditionsRepo

  private constructor(
    readonly db: Db,
    readonly file: string
  ) {
    this.channels = new ChannelsRepo(db)
    this.producers = new ProducersRepo(db)
    this.sessions = new SessionsRepo(db)
    this.system = new SystemStateRepo(db)
    this.audit = new AuditRepo(db)
    this.assets = new AssetsRepo(db)
    this.playlog = new PlaylogRepo(db)
    this.loops = new LoopsRepo(db)
    this.asRun = new AsRunRepo(db)
    this.alarms = new AlarmsRepo(db)
    this.settings = new SettingsRepo(db)
    this.outputs = new OutputsRepo(db)
    this.logos = new LogoFiles(path.dirname(file))
    this.loudness = new LoudnessRepo(db)
    this.library = new LibraryRepo(db)
    this.webhooks = new WebhooksRepo(db)
    this.programming = new ProgrammingRepo(db)
    this.renditions = new RenditionsRepo(db)
  }

  /** Opens `<dataDir>/station.db`, creating and migrating it as needed. */
  static open(dataDir: string, options: OpenOptions = {}): Store {
    const file = path.join(dataDir, DATABASE_FILE)
    return new Store(openDatabase(file, options), file)
  }

  static openFile(file: string, options: OpenOptions = {}): Store {
    return new Store(openDatabase(file, options), file)
  }

  /** Runs fn in one transaction: all its writes commit together or none do. Nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
