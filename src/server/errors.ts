// Every API error has one shape, { error: { code, message } }, and a 4xx/5xx status. A request that
// fails validation is rejected before anything is changed. The runtime's refusals and Fastify's own
// client errors are mapped here, once, so routes just let them throw.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StationApiError } from '../shared/station-api'
import { storageFailedMessage, storageFailureOf } from '../store/write-failure'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a 503: when to try again (Retry-After, seconds); every 503 carries one. */
    readonly retryAfterS?: number
  ) {
    super(message)
  }
}

/** Retry-After of a 503 that does not say: a viewer leaving or a producer stopping frees room within this. */
export const DEFAULT_RETRY_AFTER_S = 30

export const badRequest = (message: string, code = 'bad_request'): ApiError =>
  new ApiError(400, code, message)
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message)

export const errorBody = (code: string, message: string) => ({ error: { code, message } })

/** onSend hook for viewers' media routes: an error (aged-out segment, not ready yet) holds only for now, so no cache may keep it. */
export async function errorsUncached(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (reply.statusCode >= 400) reply.header('cache-control', 'no-store')
}

/** Fastify's own client errors, by its error code: our status, code and a message that echoes no input. */
const FRAMEWORK_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'invalid_url', 'the request path is not valid percent-encoded UTF-8'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'parameter_too_long', 'a path parameter is too long'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', 'the request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'unsupported_media_type',
    'the request body must be JSON (content-type: application/json)'
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'invalid_content_length',
    'the request body does not match its content-length'
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'the request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'the request body is not valid JSON'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad_request', 'the request could not be routed']
}

/**
 * HTTP status of each StationApi error code: unknown channel, session or alarm 404, over the
 * producer budget 503, a channel that refused a switch 409 (nothing was switched), a destination
 * the channel already pushes to 409, a bad request 400.
 */
const STATUS_OF_CODE: Record<string, number> = {
  not_found: 404,
  capacity: 503,
  switch_refused: 409,
  unavailable: 503,
  duplicate_output: 409,
  output_limit: 409,
  duplicate_folder: 409,
  // A channel number or id another channel has: nothing changed.
  duplicate_channel: 409,
  webhook_limit: 409,
  // The store could not write (a full or failing disk): nothing changed; retry once space is back.
  storage_failed: 503
}

/** The API error for anything a route or Fastify threw, or null for a fault of ours (a 500). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err
  if (err instanceof StationApiError)
    return new ApiError(STATUS_OF_CODE[err.code] ?? 400, err.code, err.message)
  // A write of a route outside the facade (an import, an output change) the disk refused.
  const storage = storageFailureOf(err)
  if (storage) return new ApiError(503, 'storage_failed', storageFailedMessage(storage))
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown }
  const known = typeof e.code === 'string' ? FRAMEWORK_ERRORS[e.code] : undefined
  if (known) return new ApiError(...known)
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Any other client error Fastify raises: keep its status, in our shape.
    const code = typeof e.code === 'string' ? e.code.toLowerCase() : 'bad_request'
    return new ApiError(
      e.statusCode,
      code,
      typeof e.message === 'string' ? e.message : 'bad request'
    )
  }
  return null
}

/** A complete HTTP/1.1 error response for a raw socket (before or outside Fastify), closing the connection. */
export function rawErrorResponse(
  status: number,
  reason: string,
  code: string,
  message: string,
  headers: Record<string, string> = {}
): string {
  const body = JSON.stringify(errorBody(code, message))
  const head = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
  ]
  return `${head.join('\r\n')}\r\n\r\n${body}`
}
