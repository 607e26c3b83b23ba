// `retrovue import`: a station file into a data folder, never disturbing a running station.
//
// When a station holds the folder, the file is handed to it over its control API: it imports all
// or nothing itself and re-plans live (viewers keep watching). Otherwise this process takes the
// folder's lock and opens only the store and the schedule: never the runtime, the outputs folder or
// the reaping of a previous run's processes, which belong to the station that serves the folder.
import path from 'node:path'
import { locateFfmpeg } from './media/ffmpeg'
import { SystemClock } from './runtime/clock'
import { importStationFile, type ImportResult } from './schedule/import'
import { ScheduleService } from './schedule/service'
import { formatInstant } from './shared/time'
import { StationLock, StationLockedError, Store } from './store'
import { readApiToken } from './station'

export async function importIntoDataDir(
  dataDir: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<ImportResult> {
  const dir = path.resolve(dataDir)
  const abs = path.resolve(file)
  const clock = new SystemClock()
  let lock: StationLock
  try {
    lock = StationLock.acquire(dir, formatInstant(clock.now()))
  } catch (err) {
    if (err instanceof StationLockedError) return handToStation(err, abs, env)
    throw err
  }
  let store: Store | undefined
  try {
    const tools = await locateFfmpeg() // ffprobe validates the media; nothing is played out
    store = Store.open(dir)
    return await importStationFile(abs, {
      store,
      schedule: new ScheduleService(store, clock),
      clock,
      tools
    })
  } finally {
    store?.close()
    lock.release()
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string }
}

async function handToStation(
  locked: StationLockedError,
  file: string,
  env: NodeJS.ProcessEnv
): Promise<ImportResult> {
  const { holder, dataDir } = locked
  if (!holder?.url) {
    throw new Error(
      `${locked.message} It is not listening on its control API yet, so it cannot take the file now: try again once it is on air.`
    )
  }
  const station = `the station holding ${dataDir} (pid ${holder.pid}, ${holder.url})`
  const token = readApiToken(dataDir, env)
  if (!token)
    throw new Error(
      `Cannot hand the file to ${station}: no API token (set RETROVUE_API_TOKEN, or restore ${path.join(dataDir, 'api-token')}).`
    )
  let res: Response
  try {
    res = await fetch(`${holder.url}/api/station/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file })
    })
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message
    throw new Error(`Cannot hand the file to ${station}: ${cause}. Nothing was imported.`, {
      cause: err
    })
  }
  const body = (await res.json().catch(() => null)) as (ImportResult & ErrorBody) | null
  if (res.ok && body) return body
  const e = body?.error
  // A refused station file: its message is exactly what a local import prints.
  if (e?.code === 'invalid_station_file' && e.message) throw new Error(e.message)
  if (res.status === 401)
    throw new Error(
      `${station} refused the API token: set RETROVUE_API_TOKEN to the token it uses. Nothing was imported.`
    )
  throw new Error(
    `${station} refused the import (${res.status} ${e?.code ?? ''}: ${e?.message ?? 'no details'}). Nothing was imported.`
  )
}
