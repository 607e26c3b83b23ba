import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Store, StoreOpenError } from '../../src/store'
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations'
import { nodeTs, repoRoot, tempDir } from '../helpers/tmp'

const sha = (file: string) =>
  crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

describe('Store', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))
  const dataDir = () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    return t.dir
  }

  it('creates a migrated database in WAL mode with foreign keys on', () => {
    const dir = dataDir()
    const store = Store.open(dir)
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1)
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      const tables = (
        store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
          name: string
        }>
      ).map((r) => r.name)
      expect(tables).toEqual(
        expect.arrayContaining([
          'channels',
          'viewer_sessions',
          'channel_producers',
          'assets',
          'playlog_events',
          'as_run',
          'system_state',
          'audit_log'
        ])
      )
      expect(store.system.get().globalMode).toBe('normal')
      // Foreign keys are enforced: a session for a channel that does not exist is refused.
      expect(() =>
        store.sessions.insert({
          sessionId: 's',
          channelId: 999,
          purpose: 'viewer',
          startedAt: 0,
          clientInfo: {},
          streamUrl: '/x'
        })
      ).toThrow(/FOREIGN KEY/)
    } finally {
      store.close()
    }
    // Re-opening applies nothing twice and keeps data.
    const again = Store.open(dir)
    expect(again.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    again.close()
  })

  it("creates the database and its -wal and -shm readable by the owner only, and tightens an older build's files", () => {
    const dir = dataDir()
    const file = path.join(dir, 'station.db')
    const modes = () => ['', '-wal', '-shm'].map((x) => fs.statSync(file + x).mode & 0o777)
    const previous = process.umask(0o022)
    try {
      const store = Store.open(dir)
      expect(modes()).toEqual([0o600, 0o600, 0o600])
      store.close()
      // An older build's files, world-readable, held open (with their -wal and -shm) by a reader.
      fs.chmodSync(file, 0o644)
      const reader = new Database(file)
      reader.pragma('journal_mode = WAL')
      reader.prepare('SELECT count(*) FROM channels').get()
      expect(modes()).toEqual([0o644, 0o644, 0o644])
      const again = Store.open(dir)
      expect(modes()).toEqual([0o600, 0o600, 0o600])
      again.close()
      reader.close()
    } finally {
      process.umask(previous)
    }
  })

  it('commits a transaction as a whole or not at all', () => {
    const store = Store.open(dataDir())
    try {
      const id = store.channels.insert(
        {
          uuid: 'u1',
          slug: 'one',
          name: 'One',
          timezone: 'UTC',
          rolloverMinutes: 360,
          kind: 'normal'
        },
        0
      )
      expect(() =>
        store.transaction(() => {
          store.channels.setMode(id, 'emergency', 1)
          store.audit.append(1, 'operator', 'emergency')
          store.channels.setViewerCount(id, -1, 1) // violates CHECK: the whole unit rolls back
        })
      ).toThrow(/CHECK/)
      expect(store.channels.byId(id)?.currentMode).toBe('normal')
      expect(store.audit.recent()).toHaveLength(0)
    } finally {
      store.close()
    }
  })

  it('refuses a database from a newer schema without touching it', () => {
    const dir = dataDir()
    Store.open(dir).close()
    const file = path.join(dir, 'station.db')
    const s = Store.openFile(file)
    s.db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`)
    s.close()
    expect(() => Store.open(dir)).toThrow(/newer than this build/)
  })

  it.each([
    ['garbage', (file: string) => fs.writeFileSync(file, crypto.randomBytes(64 * 1024))],
    [
      'truncated',
      (file: string) => {
        const s = Store.openFile(file)
        for (let i = 0; i < 2000; i++) s.audit.append(i, 'system', 'fill', { pad: 'y'.repeat(300) })
        s.db.pragma('wal_checkpoint(TRUNCATE)')
        s.close()
        const size = fs.statSync(file).size
        fs.truncateSync(file, Math.floor(size / 2) + 100)
      }
    ],
    [
      'zeroed header',
      (file: string) => {
        Store.openFile(file).close()
        const fd = fs.openSync(file, 'r+')
        fs.writeSync(fd, Buffer.alloc(100))
        fs.closeSync(fd)
      }
    ]
  ])(
    'refuses a %s database with a message naming the file, leaving it untouched',
    (_name, damage) => {
      const dir = dataDir()
      const file = path.join(dir, 'station.db')
      damage(file)
      for (const ext of ['-wal', '-shm']) fs.rmSync(file + ext, { force: true })
      const before = sha(file)
      const sizeBefore = fs.statSync(file).size
      let error: unknown
      try {
        Store.open(dir).close()
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(StoreOpenError)
      expect((error as Error).message).toContain(file)
      expect((error as Error).message).toMatch(/integrity check/)
      expect(sha(file)).toBe(before)
      expect(fs.statSync(file).size).toBe(sizeBefore)
    }
  )

  it('loses no committed transaction when a writer is killed with SIGKILL mid-loop', async () => {
    const dir = dataDir()
    Store.open(dir).close()
    const [cmd, args] = nodeTs(path.join(repoRoot, 'test/helpers/crash-writer.ts'), dir)
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot })
    const committed: number[] = []
    let buf = ''
    // Never leave the writer behind, even if the test fails.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', () => resolve())
      child.stdout.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        const lines = buf.split('\n')
        buf = lines.pop() ?? ''
        for (const l of lines) committed.push(Number(l))
        if (committed.length >= 400 && !child.killed) child.kill('SIGKILL')
      })
    })
    clearTimeout(guard)
    expect(child.signalCode).toBe('SIGKILL')
    expect(committed.length).toBeGreaterThanOrEqual(400)

    // The next open passes the integrity check and finds every reported commit.
    const store = Store.open(dir)
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
      const ids = new Set(
        (
          store.db.prepare("SELECT id FROM audit_log WHERE action = 'crash-test'").all() as Array<{
            id: number
          }>
        ).map((r) => r.id)
      )
      const missing = committed.filter((id) => !ids.has(id))
      expect(missing).toEqual([])
    } finally {
      store.close()
    }
  })
})
