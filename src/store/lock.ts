// One station per data folder.
//
// The lock is a small SQLite file, `station.lock`, held by one connection in exclusive locking mode
// after a write: SQLite then keeps its OS lock on the file until that connection closes, and the OS
// drops it when the process ends, however it ends (SIGKILL, power loss). So there is never a stale
// lock to guess about, and no pid is trusted to decide who holds the folder. SQLite also tracks
// locks per file inside a process, so a second Station in the same process is refused as well (a
// bare fcntl lock would let it through).
//
// Beside it, `station.lock.json` names the holder (pid, host, start, control URL once listening), so
// that a refused start can say who holds the folder and `import` can hand its file to the running
// station. That file is information, never the lock: it is read only after the lock was refused.
//
// Do not open station.lock any other way inside a holding process (closing any descriptor of a file
// drops the process's POSIX locks on it), and do not delete it while a station runs.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import {
  DataFolderError,
  ensureDataFolder,
  fileWriteProblem,
  folderWriteProblem
} from './data-folder'

export const LOCK_FILE = 'station.lock'
export const HOLDER_FILE = 'station.lock.json'

export interface LockHolder {
  pid: number
  hostname: string
  /** ISO 8601 instant the holder took the lock. */
  startedAt: string
  /** Base URL of the holder's control API once it listens (e.g. http://127.0.0.1:8787), else null. */
  url: string | null
}

export class StationLockedError extends Error {
  override readonly name = 'StationLockedError'
  constructor(
    readonly dataDir: string,
    /** Who holds it, when it said so; null if it has not written its holder file yet. */
    readonly holder: LockHolder | null
  ) {
    super(
      `The data folder ${dataDir} is in use by ${describeHolder(holder)}. One station per data folder: stop that one first, or use another data folder.`
    )
  }
}

function describeHolder(h: LockHolder | null): string {
  if (!h) return 'another RetroVue process (it has not recorded its pid yet)'
  const here = h.hostname === os.hostname()
  const parts = [`running since ${h.startedAt}`]
  if (h.url) parts.push(`control API ${h.url}`)
  return `another RetroVue station, pid ${h.pid}${here ? '' : ` on ${h.hostname}`}${here && h.pid === process.pid ? ' (this process)' : ''} (${parts.join(', ')})`
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The holder file's contents, or null if missing, unreadable, or left by a process that is gone. */
export function readHolder(dataDir: string): LockHolder | null {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'))
  } catch {
    return null
  }
  const h = raw as Partial<LockHolder> | null
  if (
    !h ||
    !Number.isInteger(h.pid) ||
    typeof h.hostname !== 'string' ||
    typeof h.startedAt !== 'string'
  )
    return null
  if (h.url !== null && typeof h.url !== 'string') return null
  const holder: LockHolder = {
    pid: h.pid!,
    hostname: h.hostname,
    startedAt: h.startedAt,
    url: h.url ?? null
  }
  // A crashed holder's file survives it; the live holder rewrites it right after taking the lock.
  if (holder.hostname === os.hostname() && !isAlive(holder.pid)) return null
  return holder
}

const codeOf = (err: unknown): string =>
  err instanceof Database.SqliteError ? err.code : ((err as NodeJS.ErrnoException).code ?? '')

/** Turns a failure to take the lock into what an operator can act on. */
function explain(dir: string, file: string, err: unknown): Error {
  const code = codeOf(err)
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new StationLockedError(dir, readHolder(dir))
  if (
    /^SQLITE_(CANTOPEN|READONLY|PERM|AUTH|IOERR)/.test(code) ||
    /^(EACCES|EPERM|EROFS)$/.test(code)
  ) {
    const folder = folderWriteProblem(dir)
    if (folder) return new DataFolderError(dir, folder)
    const own = fileWriteProblem(file)
    if (own) {
      return new DataFolderError(
        dir,
        own,
        `The lock file ${file} cannot be written (${own}): RetroVue needs to write its database, lock and outputs in ${dir}. Nothing was changed. Give the user running RetroVue write access to it, or use another data folder.`
      )
    }
  }
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
    // Not locked by anyone (we could read it). It holds no station data.
    return new Error(
      `The lock file ${file} is damaged (${(err as Error).message}). It holds no station data and no station holds it: delete it, then start again.`
    )
  }
  return new Error(`Cannot lock the data folder ${dir} (${file}): ${(err as Error).message}`)
}

export class StationLock {
  private released = false

  private constructor(
    readonly dataDir: string,
    private readonly db: Database.Database,
    private holder: LockHolder
  ) {}

  /**
   * Takes the data folder (creating it if needed) or throws: StationLockedError naming the holder,
   * DataFolderError when the folder cannot be written. Never waits.
   */
  static acquire(dataDir: string, startedAt: string): StationLock {
    const dir = path.resolve(dataDir)
    ensureDataFolder(dir)
    const file = path.join(dir, LOCK_FILE)
    let db: Database.Database | undefined
    try {
      // No busy timeout: a held lock is an answer, not something to wait for.
      db = new Database(file, { timeout: 0 })
      db.pragma('locking_mode = EXCLUSIVE')
      // The write makes SQLite take, and in this mode keep, the exclusive lock.
      db.exec('BEGIN EXCLUSIVE')
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, started_at TEXT NOT NULL)'
      )
      db.prepare('INSERT OR REPLACE INTO holder (id, pid, started_at) VALUES (1, ?, ?)').run(
        process.pid,
        startedAt
      )
      db.exec('COMMIT')
    } catch (err) {
      db?.close()
      throw explain(dir, file, err)
    }
    const lock = new StationLock(dir, db, {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt,
      url: null
    })
    try {
      lock.writeHolder()
    } catch (err) {
      lock.release()
      throw explain(dir, path.join(dir, HOLDER_FILE), err)
    }
    return lock
  }

  get info(): LockHolder {
    return { ...this.holder }
  }

  /** Records the control API's URL, so that `import` can hand files to this station. */
  setUrl(url: string): void {
    this.holder = { ...this.holder, url }
    this.writeHolder()
  }

  // Written whole then renamed: a reader never sees half a file.
  private writeHolder(): void {
    const file = path.join(this.dataDir, HOLDER_FILE)
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, `${JSON.stringify(this.holder, null, 2)}\n`)
    fs.renameSync(tmp, file)
  }

  /** Releases the folder. The holder file goes first, while ours, so a next holder's is never removed. */
  release(): void {
    if (this.released) return
    this.released = true
    try {
      fs.rmSync(path.join(this.dataDir, HOLDER_FILE), { force: true })
    } finally {
      this.db.close()
    }
  }
}
