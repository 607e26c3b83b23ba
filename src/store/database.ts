// Opening the station database: integrity first, then pragmas, then migrations.
//
// A database that fails its integrity check is refused with a message naming the file, and the
// file is never written, moved or deleted: it may hold the only copy of a station's log. A file
// that cannot be opened for another reason (an unwritable folder: a WAL database cannot even be
// read without creating its -shm beside it) is reported as that, never as damage.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { fileWriteProblem, folderWriteProblem, unwritableFolderMessage } from './data-folder'
import { LATEST_SCHEMA_VERSION, migrations } from './migrations'
import { syncVocabularies, VOCABULARY_COLUMNS, type VocabularyColumn } from './vocabularies'

export type Db = Database.Database

export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError'
  constructor(
    readonly file: string,
    message: string
  ) {
    super(message)
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** What SQLite says only of a file whose content is damaged (or is no database at all). */
const isCorruption = (err: unknown): boolean =>
  err instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(err.code)

class IntegrityProblems extends Error {}

/**
 * Why a database that is not known to be damaged cannot be used: the folder or the file cannot be
 * written. Null when neither is the case.
 */
function accessProblem(file: string): StoreOpenError | null {
  const dir = path.dirname(file)
  const folder = folderWriteProblem(dir)
  if (folder) return new StoreOpenError(file, unwritableFolderMessage(dir, folder))
  const own = fileWriteProblem(file)
  if (own) {
    return new StoreOpenError(
      file,
      `The station database ${file} cannot be written (${own}): RetroVue needs to write its database, lock and outputs in ${dir}. ` +
        'It was left untouched. Give the user running RetroVue write access to it, or use another data folder.'
    )
  }
  return null
}

/**
 * Checks an existing database file through a read-only connection, so that the check itself can
 * never modify a damaged file.
 */
export function checkIntegrity(file: string): void {
  let ro: Db | undefined
  try {
    ro = new Database(file, { readonly: true, fileMustExist: true })
    const rows = ro.pragma('quick_check') as Array<{ quick_check: string }>
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
    if (problems.length > 0) throw new IntegrityProblems(problems.slice(0, 5).join('; '))
  } catch (err) {
    if (!(err instanceof IntegrityProblems) && !isCorruption(err)) {
      throw (
        accessProblem(file) ??
        new StoreOpenError(
          file,
          `Cannot read the station database ${file}: ${describe(err)}. It was left untouched.`
        )
      )
    }
    throw new StoreOpenError(
      file,
      `The station database ${file} failed its integrity check (${describe(err)}). ` +
        'It was left untouched. Restore it from a backup, or move it aside to start with an empty station.'
    )
  } finally {
    ro?.close()
  }
}

function migrate(db: Db, file: string, vocabularies: readonly VocabularyColumn[]): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > LATEST_SCHEMA_VERSION) {
    throw new StoreOpenError(
      file,
      `The station database ${file} has schema version ${current}, newer than this build understands ` +
        `(${LATEST_SCHEMA_VERSION}). Use a newer RetroVue, or restore a backup made by this version.`
    )
  }
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length > 0) {
    // A migration may rebuild a table others refer to (SQLite's documented steps for a schema
    // change): foreign keys are off while it runs, so dropping the old table never cascades to the
    // rows that refer to it, and they are checked before it commits.
    db.pragma('foreign_keys = OFF')
    try {
      for (const m of pending) {
        db.transaction(() => {
          db.exec(m.sql)
          const broken = db.pragma('foreign_key_check') as unknown[]
          if (broken.length > 0)
            throw new Error(
              `migration ${m.version} (${m.name}) would leave ${broken.length} rows referring to nothing`
            )
          db.pragma(`user_version = ${m.version}`)
        })()
      }
    } finally {
      db.pragma('foreign_keys = ON')
    }
  }
  syncVocabularies(db, vocabularies)
}

export interface OpenOptions {
  /** Open read-only (reports, inspection); no migrations are applied. */
  readonly?: boolean
  /** The vocabulary columns and their lists (the shared lists; another only to show a list's change needs no migration). */
  vocabularies?: readonly VocabularyColumn[]
}

/** The database and the files SQLite keeps beside it, which hold the same rows. */
const databaseFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]

/**
 * The database holds the station's whole log (and its settings): readable by its owner only, as
 * the API token and stream key are. Existing files from an older build are tightened (only their
 * mode changes, never their content); where that is not allowed (another owner, a read-only
 * disk) they are left as they are and opening reports what matters.
 */
function restrictToOwner(file: string): void {
  for (const f of databaseFiles(file)) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600)
    } catch {
      // absent, or not ours to change
    }
  }
}

/** Opens (creating if needed) the database file, checking an existing file before touching it. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const exists = fs.existsSync(file)
  if (exists) {
    if (!options.readonly) restrictToOwner(file)
    checkIntegrity(file)
  } else if (options.readonly)
    throw new StoreOpenError(file, `The station database ${file} does not exist.`)
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    // Created empty (an empty file is an empty database) with the owner-only mode, which SQLite
    // gives the -wal and -shm files it creates beside it too.
    try {
      fs.closeSync(fs.openSync(file, 'wx', 0o600))
    } catch (err) {
      throw (
        accessProblem(file) ??
        new StoreOpenError(file, `Cannot create the station database ${file}: ${describe(err)}`)
      )
    }
  }

  // SQLite quietly opens a file it may not write read-only (even BEGIN IMMEDIATE passes); find out
  // now, not at the first write on air.
  if (exists && !options.readonly && fileWriteProblem(file)) throw accessProblem(file)!

  let db: Db
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: true })
  } catch (err) {
    throw (
      (!options.readonly && accessProblem(file)) ||
      new StoreOpenError(file, `Cannot open the station database ${file}: ${describe(err)}`)
    )
  }
  try {
    if (!options.readonly) {
      // WAL: readers never block the writer; a crash mid-write leaves the last commit intact.
      db.pragma('journal_mode = WAL')
      // FULL: a commit is on disk before it returns, so nothing committed is lost even on power loss.
      db.pragma('synchronous = FULL')
    }
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    if (!options.readonly) migrate(db, file, options.vocabularies ?? VOCABULARY_COLUMNS)
    return db
  } catch (err) {
    db.close()
    if (err instanceof StoreOpenError) throw err
    if (!options.readonly && !isCorruption(err)) {
      const access = accessProblem(file)
      if (access) throw access
    }
    throw new StoreOpenError(file, `Cannot prepare the station database ${file}: ${describe(err)}`)
  }
}
