// Every API error has one shape, { error: { code, message } }, and a 4xx/5xx status. A request that
// fails validation is rejected before anything is changed. The runtime's refusals are mapped here,
// once, so routes just let them throw.
import type { ZodError } from 'zod';
import { CapacityError, ChannelSwitchError, UnknownChannelError, UnknownSessionError } from '../runtime/errors';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'bad_request'): ApiError => new ApiError(400, code, message);
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * The API error for anything a route or Fastify threw, or null for a fault of ours (a 500).
 * Runtime refusals: unknown channel or session 404, over the producer budget 503, a channel that
 * refused a switch 409 (nothing was switched).
 */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof UnknownChannelError || err instanceof UnknownSessionError) return notFound(err.message);
  if (err instanceof CapacityError) return new ApiError(503, 'capacity', err.message);
  if (err instanceof ChannelSwitchError) return new ApiError(409, 'switch_refused', `${err.message}; no channel was switched`);
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors (malformed JSON, wrong content type, body too large).
    const code = typeof e.code === 'string' ? e.code.toLowerCase() : 'bad_request';
    return new ApiError(e.statusCode, code, typeof e.message === 'string' ? e.message : 'bad request');
  }
  return null;
}

/** Renders a zod failure as one sentence naming each offending field, e.g. `body.scope: expected "crawl" | "takeover"`. */
export function describeZodError(where: string, err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const field = [where, ...i.path.map(String)].filter(Boolean).join('.');
      return `${field}: ${i.message}`;
    })
    .join('; ');
}
