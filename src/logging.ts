// How the engine's log reaches people and programs: human-readable lines (pino-pretty) when stderr
// is a terminal, one JSON object per line otherwise (log collectors, systemd, CI), and JSON whenever
// RETROVUE_LOG_FORMAT=json asks for it. Used by `serve` and by the desktop app's engine process.
import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'

export type LogFormat = 'pretty' | 'json'

/** RETROVUE_LOG_FORMAT=json|pretty decides; otherwise pretty exactly when stderr is a terminal. */
export function logFormatFor(env: NodeJS.ProcessEnv, stderrIsTTY: boolean): LogFormat {
  const asked = env['RETROVUE_LOG_FORMAT']?.trim().toLowerCase()
  if (asked === 'json' || asked === 'pretty') return asked
  return stderrIsTTY ? 'pretty' : 'json'
}

export interface StationLoggerOptions {
  format: LogFormat
  /** Default: RETROVUE_LOG_LEVEL, else info. */
  level?: string
  /** Default: stderr. */
  destination?: NodeJS.WritableStream
  /** Colours in pretty lines (only for a terminal that wants them). */
  colorize?: boolean
}

export function createStationLogger(options: StationLoggerOptions): Logger {
  const level = options.level ?? process.env['RETROVUE_LOG_LEVEL'] ?? 'info'
  const base = { app: 'retrovue' }
  if (options.format === 'json')
    return pino({ level, base }, options.destination ?? pino.destination(2))
  // Synchronous, in this thread: a terminal is slow enough that a worker would only reorder lines at exit.
  const stream = pretty({
    destination: options.destination ?? 2,
    sync: true,
    colorize: options.colorize ?? false,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app'
  })
  return pino({ level, base }, stream)
}

/** For a process whose stderr may be a terminal: the format and colours it should use. */
export function terminalLogger(
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env
): Logger {
  const tty = stream.isTTY === true
  return createStationLogger({
    format: logFormatFor(env, tty),
    colorize: tty && env['NO_COLOR'] === undefined
  })
}
