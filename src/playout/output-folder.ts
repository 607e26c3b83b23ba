// A producer's output folder: the encoder's playlist and segments. Every file operation here can
// fail (EMFILE, ENOSPC, EACCES, ENOTDIR...): at start the error goes to the caller (the start is
// refused); the removal after stop runs on a timer, so it reports to a callback and never throws.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PLAYLIST_NAME } from '../media/commands'

/** How long a stopped producer's folder stays: viewers may still fetch the last segments they were given. */
export const OUTPUT_KEEP_MS = 20_000

export class OutputFolder {
  readonly playlist: string

  /**
   * A new folder for an output opened by producer `producerId`: named for it, and unique, because
   * ids recur from one station run to the next (the sequence starts again) and a folder must never
   * be one that an earlier run's removal still targets.
   */
  static fresh(outputDir: string, producerId: string): OutputFolder {
    return new OutputFolder(
      path.join(outputDir, `${producerId}-${crypto.randomBytes(3).toString('hex')}`)
    )
  }

  constructor(readonly dir: string) {
    this.playlist = path.join(dir, PLAYLIST_NAME)
  }

  /** Creates the folder; throws when it cannot be made. */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true })
  }

  /** Removes the folder after `keepMs` (at once when 0 or less). A failure goes to `onError`, never thrown. */
  removeLater(keepMs: number, onError: (err: Error) => void): void {
    const remove = () => {
      try {
        fs.rmSync(this.dir, { recursive: true, force: true })
      } catch (err) {
        onError(err as Error)
      }
    }
    if (keepMs <= 0) remove()
    else setTimeout(remove, keepMs).unref()
  }
}
