// Path and query parameters shared by the route modules.
import { badRequest } from './errors';

/** A channel's uuid, as the API prints it (any case accepted). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The channel uuid path parameter, or a 400 naming it. */
export function channelUuidParam(params: unknown): string {
  const uuid = (params as { uuid?: unknown } | undefined)?.uuid;
  if (typeof uuid !== 'string' || !UUID.test(uuid)) {
    const shown = typeof uuid === 'string' && uuid.length <= 100 ? `"${uuid}"` : 'the path parameter';
    throw badRequest(`${shown} is not a channel uuid`, 'invalid_parameter');
  }
  return uuid;
}
