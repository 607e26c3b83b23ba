// A data folder this user cannot write, holding a healthy station: reported as an unwritable folder,
// never as a database that failed its integrity check (an operator told that might throw a healthy
// station away), and the database file is left exactly as it was.
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { repoRoot } from '../helpers/tmp'
import { restrictedNode } from '../helpers/unprivileged'

const sha256 = (file: string) =>
  crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

describe('read-only data folder', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('says the folder cannot be written (serve, import and the store alone), and leaves the database untouched', () => {
    const t = stationFixture([
      {
        id: 'kept',
        name: 'Kept',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
      }
    ])
    cleanups.push(t.cleanup)
    fs.chmodSync(t.dir, 0o755)
    const data = path.join(t.dir, 'data')
    // A healthy station database, closed cleanly (WAL mode: no -wal or -shm left beside it).
    const store = Store.open(data)
    store.close()
    fs.chmodSync(data, 0o755)
    const db = path.join(data, 'station.db')
    const hash = sha256(db)
    const listing = fs.readdirSync(data).sort()

    // As root: a read-only mount of the folder (or, failing that, nobody against this root-owned
    // 0755 folder); otherwise the folder is made 0555.
    const restricted = restrictedNode([data])
    cleanups.push(restricted.cleanup)
    if (restricted.how === 'modes') {
      fs.chmodSync(data, 0o555)
      cleanups.push(() => fs.chmodSync(data, 0o755))
    }
    const run = (file: string, ...args: string[]) => {
      const [cmd, argv] = restricted.run(file, ...args)
      return spawnSync(cmd, argv, {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, HOME: t.dir, RETROVUE_LOG_LEVEL: 'silent' },
        timeout: 60_000
      })
    }
    const unwritable = new RegExp(
      `The data folder ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be written \\((EACCES|EROFS)\\): RetroVue needs to write its database, lock and outputs there\\.`
    )

    const serve = run(path.join(repoRoot, 'src/cli.ts'), 'serve', '--data-dir', data, '--port', '0')
    expect(serve.status, serve.stderr).toBe(1)
    expect(serve.stderr).toMatch(unwritable)
    expect(serve.stderr).not.toMatch(/integrity|move it aside/)

    const imported = run(path.join(repoRoot, 'src/cli.ts'), 'import', '--data-dir', data, t.file)
    expect(imported.status).toBe(1)
    expect(imported.stderr).toMatch(unwritable)

    // The store on its own: a WAL database that cannot be read without creating its -shm is not damaged.
    const opened = run(path.join(repoRoot, 'test/helpers/open-store.ts'), data)
    expect(opened.stderr).toBe('')
    expect(opened.status).toBe(1)
    expect(opened.stdout).toMatch(unwritable)
    expect(opened.stdout).not.toMatch(/integrity|move it aside/)

    expect(sha256(db)).toBe(hash)
    expect(fs.readdirSync(data).sort()).toEqual(listing)
  }, 90_000)

  it('says so when the folder is writable but the database file is not, and leaves it untouched', () => {
    const t = stationFixture([])
    cleanups.push(t.cleanup)
    fs.chmodSync(t.dir, 0o755)
    const data = path.join(t.dir, 'data')
    const store = Store.open(data)
    store.close()
    const db = path.join(data, 'station.db')
    const hash = sha256(db)
    fs.chmodSync(data, 0o777)
    const restricted = restrictedNode([db])
    cleanups.push(restricted.cleanup)
    if (restricted.how === 'modes') fs.chmodSync(db, 0o444)
    const [cmd, argv] = restricted.run(path.join(repoRoot, 'test/helpers/open-store.ts'), data)
    const opened = spawnSync(cmd, argv, {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, HOME: t.dir },
      timeout: 60_000
    })
    expect(opened.status, opened.stdout + opened.stderr).toBe(1)
    // SQLite would have opened it read-only without a word, to fail at the first write on air.
    expect(opened.stdout).toMatch(/The station database .* cannot be written \((EACCES|EROFS)\)/)
    expect(opened.stdout).toContain(db)
    expect(opened.stdout).not.toMatch(/integrity|move it aside/)
    expect(sha256(db)).toBe(hash)
  }, 60_000)
})
