// A real store and ScheduleService on a simulated clock, with station files written beside the fixtures.
import fs from 'node:fs'
import path from 'node:path'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { SimulatedClock } from '../../src/runtime/clock'
import { importStationFile } from '../../src/schedule/import'
import { ScheduleService } from '../../src/schedule/service'
import { Store } from '../../src/store'
import { fixtureDir } from './fixtures'
import { tempDir } from './tmp'

let toolsPromise: Promise<FfmpegTools> | undefined
export const tools = (): Promise<FfmpegTools> => (toolsPromise ??= locateFfmpeg())

export interface ScheduleEnv {
  dir: string
  store: Store
  clock: SimulatedClock
  schedule: ScheduleService
  /** Writes a station file (asset paths relative to it; fixtures are under media/) and returns its path. */
  writeStation: (json: unknown, name?: string) => string
  importStation: (json: unknown, name?: string) => ReturnType<typeof importStationFile>
  dump: () => string
  close: () => void
}

export function scheduleEnv(start = '2026-11-25T12:00:00Z'): ScheduleEnv {
  const t = tempDir()
  fs.symlinkSync(fixtureDir, path.join(t.dir, 'media'))
  const store = Store.open(path.join(t.dir, 'data'))
  const clock = new SimulatedClock(start)
  const schedule = new ScheduleService(store, clock)
  let n = 0
  const writeStation = (json: unknown, name = `station-${n++}.json`) => {
    const file = path.join(t.dir, name)
    fs.writeFileSync(
      file,
      typeof json === 'string' || json instanceof Uint8Array ? json : JSON.stringify(json, null, 2)
    )
    return file
  }
  return {
    dir: t.dir,
    store,
    clock,
    schedule,
    writeStation,
    importStation: async (json, name) =>
      importStationFile(writeStation(json, name), { store, schedule, clock, tools: await tools() }),
    dump: () => dumpDatabase(store),
    close: () => {
      schedule.stop()
      store.close()
      t.cleanup()
    }
  }
}

/** Every row of every table, in a stable order: equal dumps mean equal content. */
export function dumpDatabase(store: Store): string {
  const tables = (
    store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string }>
  ).map((r) => r.name)
  return JSON.stringify(
    tables.map((name) => [name, store.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()])
  )
}
