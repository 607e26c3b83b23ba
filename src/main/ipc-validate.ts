// Checks every IPC request from a window before anything acts on it: the envelope, the method
// against the StationApi's allow-list (the contract's STATION_API_ARGS), and each argument with
// the contract's own schemas. A refusal has the code and wording the browser transport gives for the same mistake (`invalid_request`,
// `<argument>.<field>: <problem>`), so the console sees the same failure over IPC and HTTP. The
// engine's facade validates again; this keeps malformed input out of the main process and the engine.
import { describeIssues } from '../shared/issues'
import { STATION_API_ARGS, type StationApiMethod } from '../shared/station-api'
import type { IpcRequest } from '../shared/ipc'
import { refusal } from './errors'

export type { StationApiMethod }

/** Subscription ids a window may use. */
const MAX_SUB_ID = 2 ** 31 - 1

export function isStationApiMethod(method: unknown): method is StationApiMethod {
  return typeof method === 'string' && Object.hasOwn(STATION_API_ARGS, method)
}

const invalid = (message: string) => refusal('invalid_request', message)

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** The arguments of one call, checked (and normalized as the schemas say, e.g. a trimmed message). */
export function checkArgs(method: StationApiMethod, args: readonly unknown[]): unknown[] {
  const specs = STATION_API_ARGS[method]
  if (args.length > specs.length)
    throw invalid(
      `${method} takes ${specs.length === 0 ? 'no arguments' : `at most ${specs.length} argument${specs.length > 1 ? 's' : ''}`} (got ${args.length})`
    )
  return specs.map((spec, i) => {
    const value = args[i]
    if (value === undefined && spec.optional) return undefined
    const r = spec.schema.safeParse(value)
    if (r.success) return r.data
    throw invalid(describeIssues(spec.name, r.error))
  })
}

/** A window's request, checked: anything not exactly one of IpcRequest's shapes is refused. */
export function parseIpcRequest(
  raw: unknown
): IpcRequest & ({ op: 'call'; method: StationApiMethod } | { op: 'subscribe' | 'unsubscribe' }) {
  if (!isPlainObject(raw)) throw invalid('the request must be an object')
  const keys = Object.keys(raw)
  switch (raw['op']) {
    case 'call': {
      if (keys.length !== 3 || !('method' in raw) || !('args' in raw))
        throw invalid('a call has exactly op, method and args')
      const method = raw['method']
      if (!isStationApiMethod(method))
        throw invalid(
          `unknown StationApi method ${typeof method === 'string' ? `"${method.slice(0, 60)}"` : `(a ${typeof method})`}`
        )
      const args = raw['args']
      if (!Array.isArray(args)) throw invalid('args must be an array')
      return { op: 'call', method, args: checkArgs(method, args) }
    }
    case 'subscribe':
    case 'unsubscribe': {
      const sub = raw['sub']
      if (
        keys.length !== 2 ||
        !Number.isSafeInteger(sub) ||
        (sub as number) < 1 ||
        (sub as number) > MAX_SUB_ID
      )
        throw invalid(`${raw['op']} takes a subscription id (a whole number from 1)`)
      return { op: raw['op'], sub: sub as number }
    }
    default:
      throw invalid('op must be "call", "subscribe" or "unsubscribe"')
  }
}
