// Alarm webhooks and their deliveries. The URL and secret are stored whole (the worker needs them);
// whatever leaves the engine shows the URL redacted and never the secret (shared/webhooks.ts).
import type { AlarmSeverity } from '../shared/domain'
import type { DeliveryState, WebhookEventState } from '../shared/webhooks'
import type { Db } from './database'

export interface WebhookRow {
  id: string
  url: string
  secret: string
  severities: AlarmSeverity[]
  /** Channel uuids; null: every channel. */
  channels: string[] | null
  enabled: boolean
}

export interface DeliveryRow {
  id: number
  webhookId: string
  sequence: number
  event: WebhookEventState
  alarmCode: string | null
  payload: string
  state: DeliveryState
  attempts: number
  createdAt: number
  finishedAt: number | null
  lastStatus: number | null
  lastError: string | null
}

interface RawHook {
  id: string
  url: string
  secret: string
  severities_json: string
  channels_json: string | null
  enabled: number
}
interface RawDelivery {
  id: number
  webhook_id: string
  sequence: number
  event: string
  alarm_code: string | null
  payload: string
  state: string
  attempts: number
  created_at: number
  finished_at: number | null
  last_status: number | null
  last_error: string | null
}

const hook = (r: RawHook): WebhookRow => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  severities: JSON.parse(r.severities_json) as AlarmSeverity[],
  channels: r.channels_json === null ? null : (JSON.parse(r.channels_json) as string[]),
  enabled: r.enabled === 1
})
const delivery = (r: RawDelivery): DeliveryRow => ({
  id: r.id,
  webhookId: r.webhook_id,
  sequence: r.sequence,
  event: r.event as WebhookEventState,
  alarmCode: r.alarm_code,
  payload: r.payload,
  state: r.state as DeliveryState,
  attempts: r.attempts,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  lastStatus: r.last_status,
  lastError: r.last_error
})

/** Finished deliveries kept per webhook (the delivery log). */
export const DELIVERY_LOG_KEEP = 200

export class WebhooksRepo {
  constructor(private readonly db: Db) {}

  list(): WebhookRow[] {
    return this.db
      .prepare<[], RawHook>('SELECT * FROM webhooks ORDER BY created_at, id')
      .all()
      .map(hook)
  }

  get(id: string): WebhookRow | undefined {
    const r = this.db.prepare<[string], RawHook>('SELECT * FROM webhooks WHERE id = ?').get(id)
    return r ? hook(r) : undefined
  }

  /** Adds or replaces a webhook (its deliveries stay). */
  put(w: WebhookRow, atMs: number): void {
    this.db
      .prepare(
        `INSERT INTO webhooks (id, url, secret, severities_json, channels_json, enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
           severities_json = excluded.severities_json, channels_json = excluded.channels_json,
           enabled = excluded.enabled, updated_at = excluded.updated_at`
      )
      .run(
        w.id,
        w.url,
        w.secret,
        JSON.stringify(w.severities),
        w.channels === null ? null : JSON.stringify(w.channels),
        w.enabled ? 1 : 0,
        atMs,
        atMs
      )
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0
  }

  /** Queues a notification; returns its row. The sequence is one more than the webhook's last. */
  enqueue(
    webhookId: string,
    n: {
      event: WebhookEventState
      alarmCode: string | null
      payload: (sequence: number) => string
    },
    atMs: number
  ): DeliveryRow {
    const last = this.db
      .prepare<[string], { s: number | null }>(
        'SELECT max(sequence) AS s FROM webhook_deliveries WHERE webhook_id = ?'
      )
      .get(webhookId)
    const sequence = (last?.s ?? 0) + 1
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO webhook_deliveries (webhook_id, sequence, event, alarm_code, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)'
        )
        .run(webhookId, sequence, n.event, n.alarmCode, n.payload(sequence), atMs).lastInsertRowid
    )
    return this.delivery(id)!
  }

  delivery(id: number): DeliveryRow | undefined {
    const r = this.db
      .prepare<[number], RawDelivery>('SELECT * FROM webhook_deliveries WHERE id = ?')
      .get(id)
    return r ? delivery(r) : undefined
  }

  /** The oldest pending notifications of a webhook, in order. */
  pending(webhookId: string, limit = 1): DeliveryRow[] {
    return this.db
      .prepare<[string, number], RawDelivery>(
        "SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending' ORDER BY id LIMIT ?"
      )
      .all(webhookId, limit)
      .map(delivery)
  }

  pendingCount(webhookId: string): number {
    return (
      this.db
        .prepare<[string], { n: number }>(
          "SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'"
        )
        .get(webhookId)?.n ?? 0
    )
  }

  /** One attempt's outcome; `state` other than pending ends the delivery. */
  attempted(
    id: number,
    outcome: { state: DeliveryState; status: number | null; error: string | null },
    atMs: number
  ): void {
    this.db
      .prepare(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, state = ?, last_status = ?, last_error = ?,
           finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END WHERE id = ?`
      )
      .run(outcome.state, outcome.status, outcome.error, outcome.state, atMs, id)
  }

  /** Drops the oldest pending ones past `max` (a receiver gone for good must not fill the disk). */
  dropOverflow(webhookId: string, max: number, atMs: number): number {
    return this.db
      .prepare(
        `UPDATE webhook_deliveries SET state = 'dropped', finished_at = ?, last_error = 'dropped: the queue was full'
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'
                      ORDER BY id DESC LIMIT -1 OFFSET ?)`
      )
      .run(atMs, webhookId, max).changes
  }

  /** The last deliveries, newest first. */
  recent(webhookId: string, limit: number): DeliveryRow[] {
    return this.db
      .prepare<[string, number], RawDelivery>(
        'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?'
      )
      .all(webhookId, limit)
      .map(delivery)
  }

  /** The last delivery that failed an attempt (still pending, or for good). */
  lastFailure(webhookId: string): DeliveryRow | undefined {
    const r = this.db
      .prepare<[string], RawDelivery>(
        'SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1'
      )
      .get(webhookId)
    return r ? delivery(r) : undefined
  }

  /** Keeps the delivery log short: finished rows past the newest `keep` go. */
  prune(webhookId: string, keep = DELIVERY_LOG_KEEP): void {
    this.db
      .prepare(
        `DELETE FROM webhook_deliveries WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND state != 'pending'
           ORDER BY id DESC LIMIT -1 OFFSET ?)`
      )
      .run(webhookId, keep)
  }
}
