// Loading something from the station for a panel: loading, the value, or what went wrong (and
// whether this station simply does not offer it yet).
import { useEffect, useState } from 'react'
import { StationApiError } from '../../shared/station-api'
import { describeError } from './state/model'

export type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; value: T }
  | { state: 'error'; message: string; unsupported: boolean }

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Load<T> {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' })
  useEffect(() => {
    let cancelled = false
    load().then(
      (value) => !cancelled && setResult({ state: 'ok', value }),
      (err: unknown) =>
        !cancelled &&
        setResult({
          state: 'error',
          message: describeError(err),
          unsupported: err instanceof StationApiError && err.code === 'unsupported'
        })
    )
    return () => {
      cancelled = true
    }
    // The caller names what the load depends on.
  }, deps)
  return result
}
