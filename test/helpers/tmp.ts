import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'retrovue-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  return {
    dir,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  }
}

export const repoRoot = path.resolve(import.meta.dirname, '../..')
/** Arguments to run a TypeScript file in a direct child node process (no tsx wrapper process in between, so signals reach it). */
export const nodeTs = (file: string, ...args: string[]): [string, string[]] => [
  process.execPath,
  ['--import', 'tsx', file, ...args]
]
