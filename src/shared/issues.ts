// The one place a zod failure becomes words: every transport, the facade and the server's route
// validation name the offending field the same way, so an operator sees the same sentence over
// HTTP, in the browser and in the desktop window.
import type { z } from 'zod'

/** At most this many problems are named in one message (the first ones). */
export const MAX_ISSUES_NAMED = 5

/**
 * One sentence naming each offending field under `where`, e.g. `body.scope: must be "crawl" or
 * "takeover"`; a problem with the whole value is named by `where` alone (or `value`).
 */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, MAX_ISSUES_NAMED)
    .map(
      (i) => `${[where, ...i.path.map(String)].filter(Boolean).join('.') || 'value'}: ${i.message}`
    )
    .join('; ')
}
