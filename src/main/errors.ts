// Failures as they travel between processes: `{ code, message }`, never an Error object (structured
// clone and contextBridge keep an Error's message at best, and never its class or code).
import { StationApiError, type StationApiErrorShape } from '../shared/station-api'

export const INTERNAL_ERROR: StationApiErrorShape = {
  code: 'internal',
  message: 'internal error; see the station log'
}

export function isErrorShape(value: unknown): value is StationApiErrorShape {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v['code'] === 'string' && typeof v['message'] === 'string'
}

/**
 * A refusal keeps its code and message; anything else is a fault of ours, reported the way the HTTP
 * API reports it (the detail goes to the log, not to the window).
 */
export function toErrorShape(err: unknown, log?: (err: unknown) => void): StationApiErrorShape {
  if (err instanceof StationApiError) return { code: err.code, message: err.message }
  if (!(err instanceof Error) && isErrorShape(err)) return { code: err.code, message: err.message }
  log?.(err)
  return INTERNAL_ERROR
}

export const refusal = (code: string, message: string) => new StationApiError(code, message)
