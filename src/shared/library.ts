// The media library's contract: folders the station knows, the assets found in them (probed,
// analysed, named), and the background jobs that keep them. The library belongs to the schedule
// side; the playout engine never reads it (a producer still gets a plan of files).
import { z } from 'zod'
import { describeChoices } from './domain'

/**
 * Where an asset stands. pending: found, not probed yet; ok: probed and playable; offline: its
 * folder is gone (an unmounted disk) — kept, with its schedule entries, until the folder returns;
 * missing: the file was deleted while its folder is there (kept while the playlog refers to it);
 * unplayable: ffprobe finds no media in it (a text file named .mp4, a truncated file); unreadable:
 * permissions, a broken symlink; empty: zero bytes.
 */
export const ASSET_STATUSES = [
  'pending',
  'ok',
  'offline',
  'missing',
  'unplayable',
  'unreadable',
  'empty'
] as const
export type AssetStatus = (typeof ASSET_STATUSES)[number]

/** What an asset is, from its names and sidecars: an episode of a show, a movie, or other media. */
export const ASSET_KINDS = ['episode', 'movie', 'other'] as const
export type AssetKind = (typeof ASSET_KINDS)[number]

export const LIBRARY_FOLDER_STATES = ['idle', 'scanning', 'offline'] as const
export type LibraryFolderState = (typeof LIBRARY_FOLDER_STATES)[number]

/**
 * Background work: a folder's scan, a file's probe, a file's analysis (loudness, trims, pictures),
 * a file's conform into the house format (its progress counted in seconds of media).
 */
export const LIBRARY_JOB_KINDS = ['scan', 'probe', 'analyse', 'conform'] as const
export type LibraryJobKind = (typeof LIBRARY_JOB_KINDS)[number]
export const LIBRARY_JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const
export type LibraryJobState = (typeof LIBRARY_JOB_STATES)[number]

/** A folder id: short, lowercase, as the station file names it (`"library": [{ "id": "tv", ... }]`). */
export const libraryFolderId = z
  .string({ error: 'must be a folder id' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
    error: 'must be 1 to 40 lowercase letters, digits, - or _, starting with a letter or digit'
  })

export const libraryFolderRequest = z.strictObject(
  {
    id: libraryFolderId,
    path: z
      .string({ error: 'is required and must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(4096, { error: 'must be at most 4096 characters' })
  },
  { error: 'must be an object { id, path }' }
)
export type LibraryFolderRequest = z.input<typeof libraryFolderRequest>

export const libraryAssetId = z.coerce
  .number({ error: 'must be an asset id' })
  .int({ error: 'must be an asset id' })
  .positive({ error: 'must be an asset id' })

export const LIBRARY_SORTS = ['title', 'duration', 'added'] as const
export const LIBRARY_PAGE_MAX = 500

/** A search of the library: every field narrows it; `cursor` continues a page (opaque). */
export const librarySearchRequest = z.strictObject({
  q: z
    .string({ error: 'must be text' })
    .max(200, { error: 'must be at most 200 characters' })
    .optional(),
  folder: libraryFolderId.optional(),
  kind: z.enum(ASSET_KINDS, { error: `must be ${describeChoices(ASSET_KINDS)}` }).optional(),
  status: z
    .enum(ASSET_STATUSES, { error: `must be ${describeChoices(ASSET_STATUSES)}` })
    .optional(),
  show: z.string({ error: 'must be text' }).max(200).optional(),
  minDurationMs: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int()
    .min(0)
    .optional(),
  maxDurationMs: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int()
    .min(0)
    .optional(),
  sort: z.enum(LIBRARY_SORTS, { error: `must be ${describeChoices(LIBRARY_SORTS)}` }).optional(),
  cursor: z.string({ error: 'must be a cursor from a previous page' }).max(200).optional(),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be from 1 to ${LIBRARY_PAGE_MAX}` })
    .max(LIBRARY_PAGE_MAX, { error: `must be from 1 to ${LIBRARY_PAGE_MAX}` })
    .optional()
})
export type LibrarySearchRequest = z.input<typeof librarySearchRequest>

export const LIBRARY_IMAGES = ['poster', 'filmstrip'] as const
export type LibraryImage = (typeof LIBRARY_IMAGES)[number]
export const libraryImage = z.enum(LIBRARY_IMAGES, {
  error: `must be ${describeChoices(LIBRARY_IMAGES)}`
})

export const libraryJobId = z
  .string({ error: 'must be a job id' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be a job id' })

export interface LibraryFolderDto {
  id: string
  /** Absolute, as the station resolved it. */
  path: string
  state: LibraryFolderState
  assets: number
  /** Assets that cannot air now (offline, missing, unplayable, unreadable, empty). */
  problems: number
  /** ISO instant of the last finished scan; null before the first. */
  lastScanAt: string | null
}

/** An asset as the library lists it (a search result row). */
export interface LibraryAssetDto {
  id: number
  folderId: string | null
  /** Absolute path as the station reads it now (a rename changes it; the id stays). */
  path: string
  /** Path inside its folder. */
  relPath: string
  status: AssetStatus
  /** Why it cannot air, in words a person understands; null when ok or pending. */
  reason: string | null
  kind: AssetKind
  /** The asset's title (the episode's title for an episode when known, else the file's name). */
  title: string
  show: string | null
  season: number | null
  episode: number | null
  year: number | null
  genres: string[]
  durationMs: number | null
  sizeBytes: number
  /** Analysis done (loudness, trims, pictures). */
  analysed: boolean
  /** A poster (sidecar or frame) exists: libraryAssetImage(id, 'poster'). */
  hasPoster: boolean
  /** ISO instant the library first found it. */
  addedAt: string
}

export interface LibraryProbeDto {
  container: string
  video: {
    codec: string
    profile: string | null
    level: number | null
    width: number
    height: number
    frameRate: number
    fieldOrder: string | null
    /** Display aspect ratio, e.g. "16:9". */
    aspect: string | null
  } | null
  audio: { codec: string; channels: number; sampleRate: number } | null
  subtitles: Array<{ codec: string; language: string | null }>
}

export interface LibraryAnalysisDto {
  integratedLufs: number | null
  rangeLu: number | null
  truePeakDbtp: number | null
  /** Black or silent stretches at the head and tail, to trim (ms; 0 when none). */
  headBlackMs: number
  headSilenceMs: number
  tailBlackMs: number
  tailSilenceMs: number
  /** What airs when trimmed: the later of head black and silence, the earlier of the tail's. */
  trimInMs: number
  trimOutMs: number
  analysedAt: string
  error: string | null
}

/** One asset in full (StationApi.libraryAsset). */
export interface LibraryAssetDetailDto extends LibraryAssetDto {
  plot: string | null
  episodeTitle: string | null
  fingerprint: string | null
  mtimeMs: number
  probe: LibraryProbeDto | null
  analysis: LibraryAnalysisDto | null
  hasFilmstrip: boolean
  /** Where the playlog airs it next (up to 20 entries from now on). */
  scheduled: Array<{ channelUuid: string; channelName: string; startsAt: string }>
}

export interface LibraryPageDto {
  assets: LibraryAssetDto[]
  /** How many match in all. */
  total: number
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null
}

export interface LibraryImageDto {
  /** data:image/jpeg;base64,... (or png) */
  dataUrl: string
  width: number
  height: number
}

export interface LibraryJobDto {
  id: string
  kind: LibraryJobKind
  state: LibraryJobState
  folderId: string | null
  /** Files done and in all (a scan counts files seen; probe and analysis the files queued). */
  done: number
  total: number
  currentFile: string | null
  /** Files a second over the last few seconds. */
  rate: number
  /** Estimated time to finish, ms; null while unknown. */
  etaMs: number | null
  startedAt: string | null
  finishedAt: string | null
  error: string | null
}
