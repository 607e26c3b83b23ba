// Channel logos kept in the data folder (logos/), each PNG named by its content: a new logo is a
// new file, so a producer that decoded the old one is never handed a half-written picture, and the
// same PNG uploaded twice is stored once. Files no channel refers to any more are swept.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const LOGO_DIR = 'logos'

export class LogoFiles {
  readonly dir: string
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, LOGO_DIR)
  }

  /** Stores a PNG (already checked) and returns its file name. */
  put(png: Uint8Array): string {
    const file = `${crypto.createHash('sha256').update(png).digest('hex').slice(0, 32)}.png`
    const abs = this.path(file)
    if (!fs.existsSync(abs)) {
      fs.mkdirSync(this.dir, { recursive: true })
      // Written aside and renamed: a reader sees the whole file or none.
      const tmp = `${abs}.${process.pid}.tmp`
      fs.writeFileSync(tmp, png)
      fs.renameSync(tmp, abs)
    }
    return file
  }

  path(file: string): string {
    return path.join(this.dir, path.basename(file))
  }

  /** Removes the stored logos not in `used` (best effort: a file that cannot go stays). */
  sweep(used: Iterable<string>): void {
    const keep = new Set(used)
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch {
      return
    }
    for (const name of names)
      if (name.endsWith('.png') && !keep.has(name))
        fs.rmSync(path.join(this.dir, name), { force: true })
  }
}
