// Failures from the preload arrive in the page as plain `{ code, message }` objects: contextBridge
// copies an Error's message only, and no class crosses between the preload's world and the page's.
// This gives them back their StationApiError class, so the console cannot tell IPC from HTTP.
import { STATION_API_METHODS, StationApiError, type StationApi } from './station-api'

export function asStationApiError(err: unknown): StationApiError {
  if (err instanceof StationApiError) return err
  if (typeof err === 'object' && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && typeof message === 'string')
      return new StationApiError(code, message)
    if (typeof message === 'string') return new StationApiError('ipc_failed', message)
  }
  return new StationApiError('ipc_failed', String(err))
}

/** The preload's StationApi with every failure revived as a StationApiError. */
export function withStationApiErrors(api: StationApi): StationApi {
  const wrapped: Record<string, unknown> = {
    subscribe: (listener: Parameters<StationApi['subscribe']>[0]) => api.subscribe(listener)
  }
  for (const method of STATION_API_METHODS) {
    const fn = api[method] as (...args: unknown[]) => Promise<unknown>
    wrapped[method] = (...args: unknown[]) =>
      Promise.resolve()
        .then(() => fn.apply(api, args))
        .catch((err: unknown) => {
          throw asStationApiError(err)
        })
  }
  return wrapped as unknown as StationApi
}
