// "This folder cannot be written" told apart from "this database is damaged": an operator who is
// told the second about a healthy station may throw it away.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** A data folder (or a file in it) this process cannot write. Nothing in it was changed. */
export class DataFolderError extends Error {
  override readonly name = 'DataFolderError'
  constructor(
    readonly dir: string,
    /** The errno code: EACCES, EPERM, EROFS, ... */
    readonly code: string,
    message = unwritableFolderMessage(dir, code)
  ) {
    super(message)
  }
}

export function unwritableFolderMessage(dir: string, code: string): string {
  return (
    `The data folder ${dir} cannot be written (${code}): RetroVue needs to write its database, lock and outputs there. ` +
    'Nothing in it was changed. Give the user running RetroVue write access to it (or mount the disk read-write), ' +
    'or use another data folder.'
  )
}

/**
 * Why this process cannot create a file in dir (EACCES, EROFS, ...), or null if it can. Asks the
 * file system itself: permission bits lie to root, to ACLs and to read-only mounts.
 */
export function folderWriteProblem(dir: string): string | null {
  const probe = path.join(
    dir,
    `.retrovue-write-check-${process.pid}-${crypto.randomBytes(4).toString('hex')}`
  )
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A missing folder is not a permission problem; let the caller report what it was doing.
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : (code ?? 'EIO')
  }
  fs.rmSync(probe, { force: true })
  return null
}

/** Why this process cannot write an existing file (EACCES, EROFS, ...), or null if it can. */
export function fileWriteProblem(file: string): string | null {
  try {
    fs.accessSync(file, fs.constants.W_OK)
    return null
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? null : (code ?? 'EIO')
  }
}

/** Creates the data folder if needed; an unwritable parent is a DataFolderError, not a stack trace. */
export function ensureDataFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new DataFolderError(dir, code)
    throw err
  }
}
