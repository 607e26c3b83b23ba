// The messages between the main process and the engine's utility process (structured clone over
// the utility process's parentPort). The engine announces itself once (ready or failed), answers
// each call by its id, pushes events by subscription id, and confirms a close after every
// producer has stopped.
import type { StationEvent } from '../shared/api'
import type { StationApiErrorShape } from '../shared/station-api'
import type { StationApiMethod } from './ipc-validate'

export type ToEngine =
  | { type: 'call'; id: number; method: StationApiMethod; args: unknown[] }
  | { type: 'subscribe'; sub: number }
  | { type: 'unsubscribe'; sub: number }
  /** Stop the station (every producer, the HTTP server, the database, the data-folder lock). */
  | { type: 'close' }

export interface EngineReady {
  dataDir: string
  /** The engine's HTTP server on loopback (ephemeral port): where `/streams/*` is forwarded. */
  httpOrigin: string
}

export type FromEngine =
  | ({ type: 'ready' } & EngineReady)
  /** The station could not start; `code` says why (data_dir_locked, data_dir_unwritable, start_failed). */
  | { type: 'failed'; error: StationApiErrorShape }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: StationApiErrorShape }
  | { type: 'event'; sub: number; event: StationEvent }
  | { type: 'closed'; error: StationApiErrorShape | null }

/** Start failures the main process explains to the operator. */
export const START_FAILURES = {
  /** Another station holds the data folder (the lock). */
  locked: 'data_dir_locked',
  unwritable: 'data_dir_unwritable',
  other: 'start_failed'
} as const

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0

/** A light shape check: the other side is our own code, but a bad message must not crash a process. */
export function isToEngine(m: unknown): m is ToEngine {
  if (!isObject(m)) return false
  switch (m['type']) {
    case 'call':
      return isId(m['id']) && typeof m['method'] === 'string' && Array.isArray(m['args'])
    case 'subscribe':
    case 'unsubscribe':
      return isId(m['sub'])
    case 'close':
      return true
    default:
      return false
  }
}

export function isFromEngine(m: unknown): m is FromEngine {
  if (!isObject(m)) return false
  switch (m['type']) {
    case 'ready':
      return typeof m['dataDir'] === 'string' && typeof m['httpOrigin'] === 'string'
    case 'failed':
      return isObject(m['error'])
    case 'reply':
      return isId(m['id']) && typeof m['ok'] === 'boolean'
    case 'event':
      return isId(m['sub']) && isObject(m['event'])
    case 'closed':
      return true
    default:
      return false
  }
}
