// Query parameters shared by the route modules.
import { badRequest } from './errors';

/**
 * The query, refusing keys the route does not take (a typo must not be silently ignored). Values
 * are passed on as they came (strings, or arrays for repeated keys) for the facade to validate.
 */
export function knownQuery(query: unknown, allowed: string[]): Record<string, unknown> {
  const q = (query ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(q).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest(`unknown query parameter "${unknown[0]}" (allowed: ${allowed.join(', ') || 'none'})`, 'invalid_parameter');
  return q;
}
