// The library's words: statuses, kinds and job kinds as the console labels them, and the small
// formats of the library view (episode numbers, sizes, rates).
import type {
  AssetKind,
  AssetStatus,
  LibraryAssetDto,
  LibraryFolderState,
  LibraryJobKind,
  LibraryJobState
} from '../../../shared/library'
import { formatDuration } from '../format'

export const STATUS_LABEL: Record<AssetStatus, string> = {
  pending: 'PENDING',
  ok: 'OK',
  offline: 'OFFLINE',
  missing: 'MISSING',
  unplayable: 'UNPLAYABLE',
  unreadable: 'UNREADABLE',
  empty: 'EMPTY'
}

export const STATUS_DESCRIPTION: Record<AssetStatus, string> = {
  pending: 'found, not probed yet',
  ok: 'probed and playable',
  offline: 'its folder is gone (kept until it returns)',
  missing: 'the file was deleted',
  unplayable: 'no media in it',
  unreadable: 'cannot be read',
  empty: 'zero bytes'
}

/** Statuses that cannot air: they stand out in the list. */
export const PROBLEM_STATUSES: ReadonlySet<AssetStatus> = new Set([
  'offline',
  'missing',
  'unplayable',
  'unreadable',
  'empty'
])

export const KIND_LABEL: Record<AssetKind, string> = {
  episode: 'Episode',
  movie: 'Movie',
  other: 'Other'
}

export const FOLDER_STATE_LABEL: Record<LibraryFolderState, string> = {
  idle: 'IDLE',
  scanning: 'SCANNING',
  offline: 'OFFLINE'
}

export const JOB_KIND_LABEL: Record<LibraryJobKind, string> = {
  scan: 'Scan',
  probe: 'Probe',
  analyse: 'Analyse',
  conform: 'Conform'
}

export const JOB_STATE_LABEL: Record<LibraryJobState, string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  failed: 'FAILED',
  cancelled: 'cancelled'
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** "S01E02" (or "S01", "E02"), null when neither is known. */
export function episodeCode(a: Pick<LibraryAssetDto, 'season' | 'episode'>): string | null {
  if (a.season === null && a.episode === null) return null
  return `${a.season !== null ? `S${pad2(a.season)}` : ''}${a.episode !== null ? `E${pad2(a.episode)}` : ''}`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}

/** An asset's running time, or a dash while unknown. */
export const formatRunTime = (ms: number | null): string => (ms === null ? '—' : formatDuration(ms))

export function formatRate(filesPerSecond: number): string {
  if (filesPerSecond <= 0) return ''
  return filesPerSecond >= 10
    ? `${Math.round(filesPerSecond)} files/s`
    : `${filesPerSecond.toFixed(1)} files/s`
}

export const formatEta = (ms: number | null): string =>
  ms === null ? 'ETA unknown' : `ETA ${formatDuration(Math.ceil(ms / 1000) * 1000)}`

export const formatCount = (n: number): string => n.toLocaleString('en-US')

/** "1.5 LU", "-23.0 LUFS": one decimal, a dash when unknown. */
export const formatLevel = (v: number | null, unit: string): string =>
  v === null ? '—' : `${v.toFixed(1)} ${unit}`
