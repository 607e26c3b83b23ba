// The desktop app's engine process, run for real: src/main/engine-process.ts forked as a child (under
// plain Node it speaks over the fork's IPC channel where Electron would give it a parentPort),
// driven by main's EngineClient. It opens a Station on the data folder, listens on loopback with an
// ephemeral port, answers calls and pushes events; a second engine on the same folder reports the
// lock; a close stops the station and lets the folder go.
import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StationEvent } from '../../src/shared/api'
import { StationApiError } from '../../src/shared/station-api'
import { EngineClient, type UtilityProcessLike } from '../../src/main/engine-client'
import { importIntoDataDir } from '../../src/station-import'
import { Station } from '../../src/station'
import { readHolder } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { repoRoot } from '../helpers/tmp'

const ENTRY = path.join(repoRoot, 'src/main/engine-process.ts')

function forkEngine(dataDir: string): {
  child: ChildProcess
  exited: Promise<number | null>
  stderr: () => string
} {
  const child = fork(ENTRY, ['--data-dir', dataDir], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced', // structured clone, as Electron's parentPort
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, RETROVUE_LOG_LEVEL: 'warn', RETROVUE_LOG_FORMAT: 'json' }
  })
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  return { child, exited, stderr: () => err }
}

/** A forked Node child as main's EngineClient expects Electron's UtilityProcess. */
function asUtilityProcess(child: ChildProcess): UtilityProcessLike {
  const on = (event: string, listener: (...args: never[]) => void) => {
    if (event === 'exit') child.on('exit', (code) => (listener as (c: number) => void)(code ?? -1))
    else child.on('message', listener as (m: unknown) => void)
    return child
  }
  return {
    postMessage: (m) => void child.send(m as never),
    on: on as UtilityProcessLike['on'],
    kill: () => child.kill('SIGTERM')
  }
}

describe('the engine process', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('runs the station in its own process, answers calls and events, refuses a second one on the folder, and closes cleanly', async () => {
    const loop = loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
    const t = stationFixture([
      { id: 'one', name: 'One', timezone: 'UTC', loop },
      { id: 'two', name: 'Two', timezone: 'America/New_York', loop }
    ])
    cleanups.push(t.cleanup)
    const dataDir = path.join(t.dir, 'data')
    // Channels in the folder already, so the engine does not generate the demo station.
    await importIntoDataDir(dataDir, t.file)

    const first = forkEngine(dataDir)
    cleanups.push(() => first.child.kill('SIGKILL'))
    const engine = new EngineClient(asUtilityProcess(first.child))
    const info = await engine.ready
    expect(info.dataDir).toBe(dataDir)
    expect(info.httpOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(engine.info).toEqual(info)

    expect(await engine.call('mode', [])).toEqual({ mode: 'normal', emergency: null })
    expect(await engine.call('health', [])).toMatchObject({ channels: 2, status: 'ok' })
    const err = await engine
      .call('channel', ['00000000-0000-4000-8000-000000000009'])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StationApiError)
    expect(err).toMatchObject({ code: 'not_found' })

    const events: StationEvent[] = []
    const stop = engine.subscribe((e) => events.push(e))
    await expect.poll(() => events[0]?.type).toBe('snapshot')
    stop()

    // The engine's own HTTP server (streams) on loopback, recorded beside the lock for `import`.
    expect((await fetch(`${info.httpOrigin}/api/health`)).status).toBe(200)
    expect(readHolder(dataDir)).toMatchObject({ pid: first.child.pid, url: info.httpOrigin })

    // A second engine on the same folder says who holds it, and ends.
    const second = forkEngine(dataDir)
    cleanups.push(() => second.child.kill('SIGKILL'))
    const refused = await new EngineClient(asUtilityProcess(second.child)).ready.catch(
      (e: unknown) => e
    )
    expect(refused).toBeInstanceOf(StationApiError)
    expect(refused).toMatchObject({
      code: 'data_dir_locked',
      message: expect.stringContaining(`pid ${first.child.pid}`)
    })
    expect(await second.exited).toBe(1)
    expect(await engine.call('mode', [])).toMatchObject({ mode: 'normal' }) // the first is untouched

    // Quitting: the engine closes its station and confirms; the process ends and the folder is free.
    expect(await engine.close(20_000)).toBe('closed')
    expect(await first.exited).toBe(0)
    expect(first.stderr()).not.toMatch(/"level":(50|60)/)
    await expect(engine.call('mode', [])).rejects.toMatchObject({ code: 'unavailable' })
    const again = await Station.open({ dataDir, logger: silentLogger, demo: false })
    await again.close()
  })
})
