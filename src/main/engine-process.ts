// The engine's process in the desktop app: Electron forks this file as a utilityProcess, so playout,
// SQLite and HTTP never share an event loop with window handling. It runs the same Station as
// `serve`, on the data folder main names, with its HTTP server on loopback (the window's previews
// reach `/streams/*` through main's custom protocol), and speaks engine-protocol.ts with main.
// It imports no electron: under plain Node (a child_process.fork with an IPC channel, as the tests
// use it) it talks over process.send instead of Electron's parentPort.
import { parseArgs } from 'node:util'
import { terminalLogger } from '../logging'
import { Station } from '../station'
import { DataFolderError, StationLockedError } from '../store'
import type { StationApiErrorShape } from '../shared/station-api'
import { START_FAILURES } from './engine-protocol'
import { hostEngine, type ParentPortLike } from './engine-host'

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'ffmpeg-dir': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' }
  },
  strict: true
})

function parentPort(): ParentPortLike {
  const electronPort = (process as { parentPort?: ParentPortLike }).parentPort
  if (electronPort) return electronPort
  const send = process.send?.bind(process)
  if (!send)
    throw new Error(
      'engine-process runs as an Electron utilityProcess or a forked Node child with an IPC channel'
    )
  return {
    postMessage: (message) => void send(message),
    on: (_event, listener) => process.on('message', (data) => listener({ data }))
  }
}

function describeStartFailure(err: unknown): StationApiErrorShape {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof StationLockedError) return { code: START_FAILURES.locked, message }
  if (err instanceof DataFolderError) return { code: START_FAILURES.unwritable, message }
  return { code: START_FAILURES.other, message }
}

/** The engine's HTTP origin as main reaches it (a wildcard bind answers on loopback). */
function httpOrigin(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`
}

const logger = terminalLogger()
const port = parentPort()
let exiting = false
const exitSoon = (code: number) => {
  if (exiting) return
  exiting = true
  // A moment for the last message to leave; main also takes the process ending as the answer.
  setTimeout(() => process.exit(code), 200)
}

const host = hostEngine(port, {
  async open() {
    const dataDir = args['data-dir']
    if (!dataDir) throw new Error('engine-process needs --data-dir')
    const station = await Station.open({
      dataDir,
      logger,
      // The desktop app's read-only token for GET /metrics, as `serve --metrics-token`.
      metricsToken: process.env['RETROVUE_METRICS_TOKEN'] || null,
      ffmpeg: args['ffmpeg-dir'] ? { bundledDir: args['ffmpeg-dir'] } : {}
    })
    try {
      await station.listen(args.host, Number(args.port))
    } catch (err) {
      await station.close()
      throw err
    }
    return {
      // Commands from the desktop window are the operator's in the audit log.
      api: station.api.as('operator'),
      ready: { dataDir: station.dataDir, httpOrigin: httpOrigin(args.host, station.port()!) },
      close: () => station.close()
    }
  },
  describeStartFailure,
  log: (message, err) =>
    err === undefined ? logger.warn(message) : logger.error({ err }, message),
  onDone: (clean) => exitSoon(clean ? 0 : 1)
})

// Asked to stop by a signal (main's kill(), a session ending): the same clean close as main's request.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void host.close())
// Main went away without asking (Node IPC only; Electron tears utility processes down itself).
process.once('disconnect', () => void host.close().finally(() => exitSoon(0)))
