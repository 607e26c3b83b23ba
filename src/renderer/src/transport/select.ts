// The renderer picks its transport by what it finds: the Electron preload exposes the StationApi as
// `window.retrovue` (over IPC); anywhere else the console talks HTTP + WebSocket to the station that
// served the page. Nothing else in the renderer knows which one it has.
import { withStationApiErrors } from '../../../shared/ipc-errors'
import { STATION_API_METHODS, type StationApi } from '../../../shared/station-api'
import { HttpStationApi } from './http'
import { takeApiToken, type TokenSources } from './token'

/** True when `candidate` has every StationApi method (what the preload promises to expose). */
export function isStationApi(candidate: unknown): candidate is StationApi {
  if (typeof candidate !== 'object' || candidate === null) return false
  const c = candidate as Record<string, unknown>
  return [...STATION_API_METHODS, 'subscribe'].every((m) => typeof c[m] === 'function')
}

export type TransportChoice =
  | { kind: 'ipc'; api: StationApi }
  | { kind: 'http'; api: HttpStationApi }
  | { kind: 'none'; problem: string }

export interface TransportHost extends TokenSources {
  retrovue?: unknown
  location: TokenSources['location'] & { origin: string }
}

export function chooseTransport(w: TransportHost): TransportChoice {
  if (w.retrovue !== undefined) {
    // Failures cross contextBridge as plain { code, message }: give them back their StationApiError class.
    if (isStationApi(w.retrovue)) return { kind: 'ipc', api: withStationApiErrors(w.retrovue) }
    return {
      kind: 'none',
      problem:
        'The desktop window exposes an incomplete station interface; reinstall or update the application.'
    }
  }
  const token = takeApiToken(w)
  if (!token)
    return {
      kind: 'none',
      problem: 'No API token: open the address `serve` printed (it ends in #token=...).'
    }
  return { kind: 'http', api: new HttpStationApi({ baseUrl: w.location.origin, token }) }
}
