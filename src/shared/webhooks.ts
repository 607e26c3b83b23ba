// Alarm notifications by webhook: where a station posts its alarms (raised, cleared, acknowledged),
// as JSON signed with HMAC-SHA256 of a shared secret. The URL may carry a secret of its own (a
// chat service's token in its path or query), so outside the store it is shown redacted, and the
// secret never leaves the store at all.
import { z } from 'zod'
import { ALARM_SEVERITIES, type AlarmSeverity, describeChoices } from './domain'
import type { AlarmDto } from './api'

/** The header that carries `sha256=<hex HMAC-SHA256 of the raw body with the secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-retrovue-signature'
/** Webhooks a station keeps (each is a queue and a worker). */
export const MAX_WEBHOOKS = 16
/** Notifications waiting per webhook; past it the oldest waiting one is dropped (and logged). */
export const WEBHOOK_QUEUE_MAX = 1000

export const WEBHOOK_STATES = ['raised', 'cleared', 'acknowledged', 'test'] as const
export type WebhookEventState = (typeof WEBHOOK_STATES)[number]
export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'dropped'] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]

const HIDDEN = '****'

/** Why a receiver URL cannot be used, or null when it can. */
export function webhookUrlProblem(text: string): string | null {
  if (text.length > 2000) return 'must be at most 2000 characters'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must be an http:// or https:// URL (not ${url.protocol}//)`
  if (!url.hostname) return 'must name a host'
  if (url.hash) return 'must not have a fragment'
  return null
}

/** The URL as anyone but the store sees it: host and first path segment; the rest, credentials and query values hidden. */
export function redactWebhookUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return HIDDEN
  }
  const auth = url.username || url.password ? `${HIDDEN}@` : ''
  const [first, ...rest] = url.pathname.split('/').filter(Boolean)
  const path = first === undefined ? '/' : `/${first}${rest.length > 0 ? `/${HIDDEN}` : ''}`
  const query = [...url.searchParams.keys()].map((k) => `${k}=${HIDDEN}`).join('&')
  return `${url.protocol}//${auth}${url.host}${path}${query ? `?${query}` : ''}`
}

/** Replaces the URL and the secret wherever they appear in `text` (an error message, say). */
export function scrubWebhookText(text: string, url: string, secret: string): string {
  return text.split(url).join(redactWebhookUrl(url)).split(secret).join(HIDDEN)
}

export const webhookId = z
  .string({ error: 'must be a webhook id' })
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: 'must be a webhook id: lowercase letters, digits and "-", 1-63 characters'
  })

export const webhookUrl = z.string({ error: 'must be a URL string' }).superRefine((text, ctx) => {
  const problem = webhookUrlProblem(text)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

export const webhookSecret = z
  .string({ error: 'must be a string' })
  .min(16, { error: 'must be at least 16 characters' })
  .max(200, { error: 'must be at most 200 characters' })

export const webhookSeverities = z
  .array(z.enum(ALARM_SEVERITIES, { error: `must be ${describeChoices(ALARM_SEVERITIES)}` }), {
    error: 'must be an array of severities'
  })
  .min(1, { error: 'must list at least one severity' })
  .max(ALARM_SEVERITIES.length)

/** A webhook from the console or the API: channels by uuid (absent or null: every channel). */
export const webhookRequest = z.strictObject({
  id: webhookId.optional(),
  url: webhookUrl,
  secret: webhookSecret,
  severities: webhookSeverities.default(['warning', 'critical']),
  channels: z
    .array(
      z
        .string({ error: 'must be a channel uuid' })
        .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
          error: 'must be a channel uuid'
        }),
      { error: 'must be an array of channel uuids or null' }
    )
    .max(1000)
    .nullable()
    .default(null),
  enabled: z.boolean({ error: 'must be true or false' }).default(true)
})
export type WebhookRequest = z.input<typeof webhookRequest>

/** What is posted: one alarm's change, or a test. */
export interface WebhookPayload {
  /** Unique per notification; a receiver may drop one it has seen (a retry after a lost answer). */
  id: string
  /** Per webhook, one more than the last: notifications arrive in this order. */
  sequence: number
  state: WebhookEventState
  /** When it happened (station time, ISO 8601). */
  at: string
  station: { name: string }
  channel: { uuid: string; name: string; number: string | null } | null
  alarm: AlarmDto | null
}

export interface WebhookDeliveryDto {
  sequence: number
  state: DeliveryState
  event: WebhookEventState
  alarmCode: string | null
  createdAt: string
  attempts: number
  /** When it was delivered, or gave up; null while pending. */
  finishedAt: string | null
  /** The last attempt's HTTP status (null: no answer). */
  lastStatus: number | null
  lastError: string | null
}

export interface WebhookDto {
  id: string
  /** Redacted (redactWebhookUrl). */
  url: string
  severities: AlarmSeverity[]
  channels: string[] | null
  enabled: boolean
  /** How many notifications wait to be delivered. */
  pending: number
  lastDelivery: WebhookDeliveryDto | null
  /** The last one that failed (an attempt or for good); null when none has. */
  lastFailure: WebhookDeliveryDto | null
}
