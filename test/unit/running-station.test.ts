// The desktop app refused by a data folder another station holds (a `serve` service) opens that
// station's console instead: its URL from the lock's holder file, with the folder's API token.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runningStationConsole } from '../../src/main/running-station'
import { StationLock } from '../../src/store/lock'
import { tempDir } from '../helpers/tmp'

describe("the running station's console", () => {
  const cleanups: Array<() => void> = []
  afterEach(() =>
    cleanups
      .splice(0)
      .reverse()
      .forEach((c) => c())
  )

  it("is the holder's control URL with the token while a station holds the folder, and nothing once it is gone", async () => {
    const t = tempDir('retrovue-running-')
    cleanups.push(t.cleanup)
    expect(await runningStationConsole(t.dir)).toBeNull()
    const lock = StationLock.acquire(t.dir, '2026-12-07T07:00:00Z')
    cleanups.push(() => lock.release())
    // Holding the folder but not listening yet: no console to offer.
    expect(await runningStationConsole(t.dir)).toBeNull()
    lock.setUrl('http://127.0.0.1:8787')
    expect(await runningStationConsole(t.dir)).toBe('http://127.0.0.1:8787/')
    fs.writeFileSync(path.join(t.dir, 'api-token'), 'tok3n\n')
    expect(await runningStationConsole(t.dir)).toBe('http://127.0.0.1:8787/#token=tok3n')
    lock.release()
    expect(await runningStationConsole(t.dir)).toBeNull()
  })
})
