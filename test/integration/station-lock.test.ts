// One station per data folder: the lock refuses a second opener (another process, or another
// Station in this process) naming the holder's pid, and is free again after close or a SIGKILL,
// even after a close whose orderly part never finishes.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Station } from '../../src/station'
import { HOLDER_FILE, StationLock, StationLockedError, readHolder } from '../../src/store'
import { silentLogger } from '../helpers/runtime-env'
import { nodeTs, repoRoot, tempDir } from '../helpers/tmp'

const CHILD = path.join(repoRoot, 'test/helpers/lock-child.ts')
const STARTED = '2026-11-25T12:00:00.000+00:00'

/** Tries the lock from another process; the outcome it printed. */
function tryFromChild(dir: string): { acquired: boolean; name?: string; message?: string } {
  const [cmd, args] = nodeTs(CHILD, 'try', dir)
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 })
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout.trim()) as { acquired: boolean; name?: string; message?: string }
}

/** A child process holding the lock; resolves once it holds it. */
async function holdInChild(dir: string) {
  const [cmd, args] = nodeTs(CHILD, 'hold', dir)
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal))
  )
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('held\n')) resolve()
      else if (out.includes('\n')) reject(new Error(`the child did not get the lock: ${out}`))
    })
    child.once('exit', (code) =>
      reject(new Error(`the child exited (${code}) before holding the lock: ${out}`))
    )
  })
  return { child, exited }
}

describe('station lock', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const folder = () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    return path.join(t.dir, 'data')
  }

  it('refuses a second opener in the same process, naming this pid, and is free again after release', () => {
    const dir = folder()
    const lock = StationLock.acquire(dir, STARTED)
    cleanups.push(() => lock.release())
    expect(readHolder(dir)).toMatchObject({ pid: process.pid, startedAt: STARTED, url: null })

    let refusal: unknown
    try {
      StationLock.acquire(dir, STARTED).release()
    } catch (err) {
      refusal = err
    }
    expect(refusal).toBeInstanceOf(StationLockedError)
    expect((refusal as Error).message).toContain(`pid ${process.pid}`)
    expect((refusal as Error).message).toContain(dir)

    lock.setUrl('http://127.0.0.1:8787')
    expect(readHolder(dir)?.url).toBe('http://127.0.0.1:8787')
    lock.release()
    expect(fs.existsSync(path.join(dir, HOLDER_FILE))).toBe(false)
    const again = StationLock.acquire(dir, STARTED)
    again.release()
  })

  it('refuses another process, naming the holder pid; that process gets it once released', () => {
    const dir = folder()
    const lock = StationLock.acquire(dir, STARTED)
    cleanups.push(() => lock.release())
    const refused = tryFromChild(dir)
    expect(refused.acquired).toBe(false)
    expect(refused.name).toBe('StationLockedError')
    expect(refused.message).toContain(`pid ${process.pid}`)
    lock.release()
    expect(tryFromChild(dir)).toEqual({ acquired: true })
  })

  it('is held by a child process until the OS drops it at SIGKILL', async () => {
    const dir = folder()
    const { child, exited } = await holdInChild(dir)
    cleanups.push(() => child.kill('SIGKILL'))
    let refusal: unknown
    try {
      StationLock.acquire(dir, STARTED).release()
    } catch (err) {
      refusal = err
    }
    expect(refusal).toBeInstanceOf(StationLockedError)
    expect((refusal as StationLockedError).holder?.pid).toBe(child.pid)
    expect((refusal as Error).message).toContain(`pid ${child.pid}`)

    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    // Its holder file survives it, but names a dead process: not reported as a holder.
    expect(fs.existsSync(path.join(dir, HOLDER_FILE))).toBe(true)
    expect(readHolder(dir)).toBeNull()
    const lock = StationLock.acquire(dir, STARTED)
    expect(readHolder(dir)?.pid).toBe(process.pid)
    lock.release()
  })

  it('refuses a second Station in the same process before it touches the store or the outputs', async () => {
    const dir = folder()
    const first = await Station.open({ dataDir: dir, demo: false, logger: silentLogger })
    cleanups.push(() => first.close())
    const url = await first.listen('127.0.0.1', 0)
    expect(readHolder(dir)).toMatchObject({
      pid: process.pid,
      url: url.replace('localhost', '127.0.0.1')
    })
    const marker = path.join(dir, 'outputs', 'marker')
    fs.writeFileSync(marker, 'still here')

    await expect(Station.open({ dataDir: dir, demo: false, logger: silentLogger })).rejects.toThrow(
      new RegExp(`in use by .*pid ${process.pid}`)
    )
    expect(fs.readFileSync(marker, 'utf8')).toBe('still here')
    expect(first.store.db.open).toBe(true)
    expect((await fetch(`${url}/api/health`)).status).toBe(200)

    await first.close()
    expect(fs.existsSync(path.join(dir, HOLDER_FILE))).toBe(false)
    const second = await Station.open({ dataDir: dir, demo: false, logger: silentLogger })
    await second.close()
  })

  it('closes in bounded time when a step of its shutdown never finishes: children killed, folder free', async () => {
    const dir = folder()
    const station = await Station.open({
      dataDir: dir,
      demo: false,
      logger: silentLogger,
      shutdownGraceMs: 500
    })
    await station.listen('127.0.0.1', 0)
    // A producer's stop waiting on something that never comes, with a child of its still running.
    const stuck = vi.spyOn(station.director, 'shutdown').mockReturnValue(new Promise(() => {}))
    const child = station.processes.spawn('decoder', 'sleep', ['30'])
    const started = Date.now()
    await station.close()
    expect(stuck).toHaveBeenCalled()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(child.running).toBe(false)
    expect(station.processes.live()).toEqual([])
    expect(station.store.db.open).toBe(false)
    expect(fs.existsSync(path.join(dir, HOLDER_FILE))).toBe(false)
  })
})
