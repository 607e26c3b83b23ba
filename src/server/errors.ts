// Every API error has one shape, { error: { code, message } }, and a 4xx/5xx status. A request that
// fails validation is rejected before anything is changed.
import type { ZodError } from 'zod';

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
