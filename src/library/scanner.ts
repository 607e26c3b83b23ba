// A library folder's files as they are on disk, reconciled with the store's rows: a walk finds
// media-looking files; each is stat'ed and fingerprinted (size + first and last 64 KiB, cheap and
// stable across a rename); an unchanged file is left alone (never probed again), a changed or new
// one is made pending for its probe, a file whose content matches a row whose file is gone takes
// that row over (a move or a rename keeps the asset's identity, so its place in schedules).
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { AssetStatus } from '../shared/library'
import type { AssetMetadata, KnownFile, Store } from '../store'
import { isMediaFile, parseMediaName } from './naming'
import { findSidecars } from './nfo'

/** Bytes read from each end of a file for its fingerprint. */
export const FINGERPRINT_EDGE_BYTES = 64 * 1024

/** A file as the scanner found it. */
export interface FileFacts {
  path: string
  relPath: string
  sizeBytes: number
  mtimeMs: number
  fingerprint: string | null
  /** Set when the file cannot be a playable asset before any probe: empty, unreadable. */
  problem: { status: Extract<AssetStatus, 'empty' | 'unreadable'>; reason: string } | null
}

const isHidden = (name: string): boolean => name.startsWith('.')

const inside = (root: string, p: string): boolean => p === root || p.startsWith(root + path.sep)

/**
 * Every media-looking file under `root` (absolute paths), hidden names skipped. Symlinked folders
 * are not followed; symlinked files are listed (examineFile says what they point at). A folder
 * that cannot be listed is reported through `onUnlistable` and skipped.
 */
export async function walkFolder(
  root: string,
  onUnlistable: (dir: string, err: Error) => void = () => {},
  signal?: AbortSignal
): Promise<string[]> {
  const found: string[] = []
  const dirs = [root]
  while (dirs.length > 0) {
    if (signal?.aborted) break
    const dir = dirs.pop()!
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true })
    } catch (err) {
      if (dir === root) throw err
      onUnlistable(dir, err as Error)
      continue
    }
    for (const e of entries) {
      if (isHidden(e.name)) continue
      const full = path.join(dir, e.name)
      if (e.isDirectory()) dirs.push(full)
      else if (isMediaFile(e.name) && !e.isDirectory()) found.push(full)
    }
  }
  return found.sort()
}

/** sha1 over the size and the first and last 64 KiB: equal for the same content wherever it is. */
export async function fingerprintOf(file: string, size: number): Promise<string> {
  const hash = createHash('sha1')
  hash.update(String(size))
  const fh = await fs.promises.open(file, 'r')
  try {
    const head = Buffer.alloc(Math.min(FINGERPRINT_EDGE_BYTES, size))
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    hash.update(head.subarray(0, bytesRead))
    if (size > FINGERPRINT_EDGE_BYTES) {
      const tailStart = Math.max(FINGERPRINT_EDGE_BYTES, size - FINGERPRINT_EDGE_BYTES)
      const tail = Buffer.alloc(size - tailStart)
      const r = await fh.read(tail, 0, tail.length, tailStart)
      hash.update(tail.subarray(0, r.bytesRead))
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

function describeError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'the station is not allowed to read it (check its permissions)'
    case 'ENOENT':
      return 'it disappeared while being read'
    case 'ELOOP':
      return 'it is a link that points back to itself'
    case 'EIO':
      return 'the disk reported an error reading it'
    default:
      return `it cannot be read (${(err as Error).message})`
  }
}

/**
 * Stats and fingerprints one file; undefined when it is not there at all (deleted meanwhile). With
 * `known` (the stored row of that path), a file whose size and mtime have not moved keeps its
 * fingerprint unread: a rescan of an unchanged library reads no file's content.
 */
export async function examineFile(
  root: string,
  file: string,
  known?: { sizeBytes: number; mtimeMs: number; fingerprint: string | null }
): Promise<FileFacts | undefined> {
  const relPath = path.relative(root, file)
  const base = { path: file, relPath, sizeBytes: 0, mtimeMs: 0, fingerprint: null }
  let lst: fs.Stats
  try {
    lst = await fs.promises.lstat(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return { ...base, problem: { status: 'unreadable', reason: describeError(err) } }
  }
  let st = lst
  if (lst.isSymbolicLink()) {
    let target = ''
    try {
      target = await fs.promises.readlink(file)
    } catch {
      // the message below says what we know
    }
    try {
      st = await fs.promises.stat(file)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      return {
        ...base,
        mtimeMs: Math.floor(lst.mtimeMs),
        problem: {
          status: 'unreadable',
          reason:
            code === 'ENOENT'
              ? `it is a broken link: what it points to (${target}) does not exist`
              : describeError(err)
        }
      }
    }
    const real = await fs.promises.realpath(file).catch(() => '')
    const realRoot = await fs.promises.realpath(root).catch(() => root)
    if (!inside(realRoot, real))
      return {
        ...base,
        problem: {
          status: 'unreadable',
          reason: `it is a link to a file outside the library folder (${target}); add that folder instead`
        }
      }
  }
  const facts = { ...base, sizeBytes: st.size, mtimeMs: Math.floor(st.mtimeMs) }
  if (!st.isFile()) {
    const what = st.isFIFO()
      ? 'a named pipe'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : 'not a regular file'
    return {
      ...facts,
      sizeBytes: 0,
      problem: { status: 'unreadable', reason: `it is ${what}, not a media file` }
    }
  }
  if (st.size === 0)
    return { ...facts, problem: { status: 'empty', reason: 'the file is empty (0 bytes)' } }
  if (known?.fingerprint && known.sizeBytes === facts.sizeBytes && known.mtimeMs === facts.mtimeMs)
    return { ...facts, fingerprint: known.fingerprint, problem: null }
  try {
    return { ...facts, fingerprint: await fingerprintOf(file, st.size), problem: null }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return { ...facts, problem: { status: 'unreadable', reason: describeError(err) } }
  }
}

/** Names and sidecars: show, season, episode, title, year, genres, plot, poster. */
export function metadataOf(root: string, file: string, relPath: string): AssetMetadata {
  const name = parseMediaName(relPath)
  const side = findSidecars(file, root)
  const own = side.own
  const show = side.show
  const isEpisode = name.kind === 'episode' || own?.root === 'episodedetails'
  const isMovie = !isEpisode && (name.kind === 'movie' || own?.root === 'movie')
  const episodeTitle = isEpisode ? (own?.title ?? name.episodeTitle) : null
  return {
    kind: isEpisode ? 'episode' : isMovie ? 'movie' : 'other',
    title: (isEpisode ? episodeTitle : own?.title) ?? name.title,
    show: isEpisode ? (own?.showTitle ?? show?.title ?? name.show) : null,
    season: isEpisode ? (own?.season ?? name.season) : null,
    episode: isEpisode ? (own?.episode ?? name.episode) : null,
    episodeTitle,
    year: own?.year ?? (isEpisode ? (show?.year ?? name.year) : name.year),
    genres: own && own.genres.length > 0 ? own.genres : (show?.genres ?? []),
    plot: own?.plot ?? null,
    posterPath: side.poster
  }
}

export type Reconciled =
  | { action: 'unchanged'; id: number; probe: boolean }
  | { action: 'added' | 'changed' | 'moved' | 'restored'; id: number; probe: boolean }

const sameFile = (a: KnownFile, f: FileFacts) =>
  a.sizeBytes === f.sizeBytes && a.mtimeMs === f.mtimeMs && a.fingerprint === f.fingerprint

/**
 * Brings the store in line with one file as found in `folderId` (rooted at `root`). Synchronous
 * against the store, so a batch of these runs in one transaction.
 */
export function reconcileFile(
  store: Store,
  folderId: string,
  root: string,
  f: FileFacts,
  now: number
): Reconciled {
  const repo = store.library
  const known = repo.fileAt(f.path)
  const status: AssetStatus = f.problem?.status ?? 'pending'
  const reason = f.problem?.reason ?? null
  const fields = () => ({
    folderId,
    path: f.path,
    relPath: f.relPath,
    sizeBytes: f.sizeBytes,
    mtimeMs: f.mtimeMs,
    fingerprint: f.fingerprint,
    ...metadataOf(root, f.path, f.relPath)
  })
  if (known && known.folderId === folderId && sameFile(known, f)) {
    // Back from offline or missing with the same content: as it was before.
    if (known.status === 'offline' || known.status === 'missing') {
      const back: AssetStatus = f.problem ? status : known.probed ? 'ok' : 'pending'
      repo.setStatus(known.id, back, f.problem ? reason : null)
      return { action: 'restored', id: known.id, probe: back === 'pending' }
    }
    return { action: 'unchanged', id: known.id, probe: known.status === 'pending' }
  }
  if (known) {
    // Same path, other content (or adopted from another folder): probed again.
    repo.updateFile(known.id, { ...fields(), status, reason, addedAt: now, keepProbe: false })
    return { action: 'changed', id: known.id, probe: status === 'pending' }
  }
  if (f.fingerprint !== null) {
    // A move or a rename: a row with this content whose file is no longer where it was.
    const from = repo
      .byFingerprint(f.fingerprint)
      .find(
        (r) =>
          r.path !== f.path &&
          (r.status === 'missing' || r.status === 'offline' || !fs.existsSync(r.path))
      )
    if (from) {
      const keep = from.probed && from.sizeBytes === f.sizeBytes
      const moved: AssetStatus = keep ? 'ok' : 'pending'
      repo.updateFile(from.id, {
        ...fields(),
        status: moved,
        reason: null,
        addedAt: now,
        keepProbe: keep
      })
      return { action: 'moved', id: from.id, probe: moved === 'pending' }
    }
  }
  const id = repo.addFile({ ...fields(), status, reason, addedAt: now })
  return { action: 'added', id, probe: status === 'pending' }
}

/** After a full walk: rows of the folder whose file was not found are missing (kept). */
export function markUnseen(store: Store, folderId: string, seen: ReadonlySet<string>): number[] {
  const gone: number[] = []
  for (const r of store.library.filesOf(folderId)) {
    if (seen.has(r.path) || r.status === 'missing') continue
    store.library.setStatus(r.id, 'missing', 'the file is no longer in its folder')
    gone.push(r.id)
  }
  return gone
}

/** The container a file's first bytes announce, when they announce one. */
export function containerByMagic(file: string): string | null {
  let head: Buffer
  try {
    const fd = fs.openSync(file, 'r')
    try {
      head = Buffer.alloc(12)
      fs.readSync(fd, head, 0, 12, 0)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return null
  }
  const box = head.toString('latin1', 4, 8)
  if (box === 'ftyp' || box === 'moov' || box === 'mdat') return 'an MP4/QuickTime file'
  if (head.readUInt32BE(0) === 0x1a45dfa3) return 'a Matroska/WebM file'
  if (head[0] === 0x47) return 'an MPEG transport stream'
  if (head.toString('latin1', 0, 4) === 'RIFF') return 'a RIFF (AVI/WAV) file'
  return null
}

/** ffprobe's refusal in words a person understands. */
export function plainProbeReason(message: string, file: string): string {
  const looks = containerByMagic(file)
  let m = message.split(file).join('the file')
  if (looks) {
    const said = /\(ffprobe: (.*)\)\s*$/.exec(m)
    return `it starts like ${looks} but cannot be read to the end: probably cut short (an unfinished copy or download) or damaged${said ? ` — ffprobe: ${said[1]!.replace(/^the file: /, '')}` : ''}`
  }
  const said = /\(ffprobe: (.*)\)\s*$/.exec(m)
  if (said) {
    const why = said[1]!.replace(/^the file: /, '').trim()
    const hint = /moov atom not found/i.test(why)
      ? 'the file is cut short or not finished (its index is missing)'
      : /invalid data found/i.test(why)
        ? 'the file is not audio or video that ffmpeg knows'
        : /end of file|truncat/i.test(why)
          ? 'the file ends too early (cut short)'
          : null
    return hint ? `${hint} — ffprobe: ${why}` : `ffprobe cannot play it: ${why}`
  }
  m = m.replace(/^the file is not playable media/, 'not playable media')
  return m
}
