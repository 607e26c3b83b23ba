// A failure in words for the operator: the station's own message and its code.
import { StationApiError } from '../../../shared/station-api'

export function describeError(err: unknown): string {
  if (err instanceof StationApiError) return `${err.message} [${err.code}]`
  return err instanceof Error ? err.message : String(err)
}
