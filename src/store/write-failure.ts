// What a failed write says about the disk: full (SQLITE_FULL, ENOSPC, EDQUOT) or failing
// (SQLITE_IOERR, EIO, EROFS). Either way the station could not record something; callers refuse
// the command with a clear error (never a 500) and the disk watch raises its DISK alarm.
import Database from 'better-sqlite3'

export type WriteFailureKind = 'full' | 'io'

/** The kind of storage failure `err` is, or null if it is something else. */
export function storageFailureOf(err: unknown): WriteFailureKind | null {
  if (err instanceof Database.SqliteError) {
    if (err.code === 'SQLITE_FULL') return 'full'
    if (
      err.code.startsWith('SQLITE_IOERR') ||
      err.code === 'SQLITE_READONLY' ||
      err.code === 'SQLITE_CANTOPEN'
    )
      return 'io'
    return null
  }
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'full'
  if (code === 'EIO' || code === 'EROFS') return 'io'
  return null
}

/** One sentence for an operator: what the disk did. */
export function describeStorageFailure(kind: WriteFailureKind): string {
  return kind === 'full' ? 'No space left on device' : 'the disk failed a write (I/O error)'
}

/** The API's answer for a command the store could not record: what failed, that nothing changed, what to do. */
export function storageFailedMessage(kind: WriteFailureKind): string {
  return `the station could not record this (${describeStorageFailure(kind)} on its data folder); nothing was changed: free space there and retry`
}
