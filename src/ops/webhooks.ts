// Alarm notifications by webhook. Every alarm raised, cleared or acknowledged (the director's
// alarm transitions) that a webhook asks for (its severities; its channels, for a channel's alarm)
// is queued in the store as that webhook's next notification, and the webhook's worker posts its
// notifications one at a time, in order, signed with HMAC-SHA256 of its secret. A failed attempt
// is retried with backoff on the station clock, the notifications behind it waiting (order is
// kept); the queue is in the store, so a receiver down for a while, or a station restarted
// meanwhile, still gets everything, in order. Nothing here is awaited by the alarm's raiser or by
// the API: the alarm path does one insert per webhook, the posting is the worker's, and an attempt
// ends after `attemptTimeoutMs` whatever the receiver does.
import crypto from 'node:crypto'
import type { Logger } from 'pino'
import type { MasterClock, TimerHandle } from '../shared/clock'
import { StationApiError } from '../shared/station-api'
import { formatInstant } from '../shared/time'
import {
  MAX_WEBHOOKS,
  redactWebhookUrl,
  scrubWebhookText,
  WEBHOOK_QUEUE_MAX,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookDeliveryDto,
  type WebhookDto,
  type WebhookEventState,
  type WebhookPayload,
  webhookRequest,
  type WebhookRequest
} from '../shared/webhooks'
import type { AlarmDto } from '../shared/api'
import type { AlarmTransition } from '../runtime/alarms'
import type { AuditActor, DeliveryRow, Store, WebhookRow } from '../store'

/** Retries: 1 s, doubling, at most a minute apart; a notification is given up a day after it was queued. */
const RETRY_FIRST_MS = 1_000
const RETRY_MAX_MS = 60_000
const GIVE_UP_AFTER_MS = 24 * 3600_000
/** How long one attempt may take (real time: it is a network request). */
const ATTEMPT_TIMEOUT_MS = 10_000

export interface WebhookServiceOptions {
  store: Store
  clock: MasterClock
  log: Logger
  /** Where alarm transitions come from, and channel names and numbers for the payload. */
  director: {
    onAlarm(listener: (t: AlarmTransition) => void): () => void
    channelManagers(): ReadonlyArray<{
      readonly uuid: string
      readonly channel: { readonly name: string; readonly number?: string | null }
    }>
  }
  /** The station's name in every payload (default: the machine's host name). */
  stationName: string
  attemptTimeoutMs?: number
}

/** The signature header's value for a body: `sha256=<hex>`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`
}

const deliveryDto = (r: DeliveryRow): WebhookDeliveryDto => ({
  sequence: r.sequence,
  state: r.state,
  event: r.event,
  alarmCode: r.alarmCode,
  createdAt: formatInstant(r.createdAt),
  attempts: r.attempts,
  finishedAt: r.finishedAt === null ? null : formatInstant(r.finishedAt),
  lastStatus: r.lastStatus,
  lastError: r.lastError
})

/** One webhook's poster: its pending notifications, oldest first, one at a time. */
class DeliveryWorker {
  private busy = false
  private retry: TimerHandle | undefined
  private readonly abort = new AbortController()
  private closed = false
  /** Settles when the post under way (if any) has ended. */
  idle: Promise<void> = Promise.resolve()

  constructor(
    private hook: WebhookRow,
    private readonly o: WebhookServiceOptions
  ) {}

  update(hook: WebhookRow): void {
    this.hook = hook
  }

  /** Something was queued (or the webhook changed): post now unless a post or a retry is due. */
  kick(): void {
    if (this.closed || this.busy || this.retry) return
    this.busy = true
    this.idle = this.pump().finally(() => (this.busy = false))
  }

  private async pump(): Promise<void> {
    const { store, clock } = this.o
    for (;;) {
      if (this.closed || !this.hook.enabled) return
      const next = store.webhooks.pending(this.hook.id, 1)[0]
      if (!next) return
      const outcome = await this.post(next)
      if (this.closed) return
      const now = clock.now()
      if (outcome.ok) {
        store.webhooks.attempted(next.id, { state: 'delivered', ...outcome }, now)
        store.webhooks.prune(this.hook.id)
        continue
      }
      const givingUp = now - next.createdAt >= GIVE_UP_AFTER_MS
      store.webhooks.attempted(next.id, { state: givingUp ? 'failed' : 'pending', ...outcome }, now)
      if (givingUp) {
        this.o.log.warn(
          { webhook: this.hook.id, sequence: next.sequence, error: outcome.error },
          'webhook notification given up after a day of failed attempts'
        )
        continue
      }
      // The ones behind it wait: order is kept.
      const delay = Math.min(RETRY_FIRST_MS * 2 ** next.attempts, RETRY_MAX_MS)
      this.retry = clock.after(delay, () => {
        this.retry = undefined
        this.kick()
      })
      return
    }
  }

  private async post(
    d: DeliveryRow
  ): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const { url, secret } = this.hook
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'RetroVue-Webhooks/1',
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, d.payload),
          'x-retrovue-event': d.event,
          'x-retrovue-sequence': String(d.sequence)
        },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.any([
          this.abort.signal,
          AbortSignal.timeout(this.o.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS)
        ])
      })
      // The answer's body is not read: only its status counts.
      await res.body?.cancel().catch(() => undefined)
      if (res.status >= 200 && res.status < 300)
        return { ok: true, status: res.status, error: null }
      return { ok: false, status: res.status, error: `the receiver answered ${res.status}` }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } }
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${(this.o.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS) / 1000} s`
          : (e.cause?.code ?? e.cause?.message ?? e.message)
      return { ok: false, status: null, error: scrubWebhookText(why, url, secret).slice(0, 300) }
    }
  }

  async close(): Promise<void> {
    this.closed = true
    this.retry?.cancel()
    this.retry = undefined
    this.abort.abort()
    await this.idle.catch(() => undefined)
  }
}

export class WebhookService {
  private readonly workers = new Map<string, DeliveryWorker>()
  private unsubscribe: (() => void) | undefined

  constructor(private readonly o: WebhookServiceOptions) {}

  /** Subscribes to the alarms and sends what the store still owes (a previous run's pending notifications). */
  start(): void {
    this.unsubscribe ??= this.o.director.onAlarm((t) => this.alarmChanged(t))
    this.sync()
  }

  /** Workers for the stored webhooks (after an import or a change), each kicked. */
  sync(): void {
    const hooks = this.o.store.webhooks.list()
    const ids = new Set(hooks.map((h) => h.id))
    for (const [id, w] of this.workers)
      if (!ids.has(id)) {
        void w.close()
        this.workers.delete(id)
      }
    for (const h of hooks) {
      let w = this.workers.get(h.id)
      if (w) w.update(h)
      else this.workers.set(h.id, (w = new DeliveryWorker(h, this.o)))
      w.kick()
    }
  }

  private alarmChanged(t: AlarmTransition): void {
    for (const hook of this.o.store.webhooks.list()) {
      if (!hook.enabled || !hook.severities.includes(t.alarm.severity)) continue
      // A webhook for some channels gets those channels' alarms and the station's own.
      if (
        t.alarm.channelUuid !== null &&
        hook.channels &&
        !hook.channels.includes(t.alarm.channelUuid)
      )
        continue
      this.enqueue(hook, t.state, t.alarm, t.atMs)
    }
  }

  private enqueue(
    hook: WebhookRow,
    state: WebhookEventState,
    alarm: AlarmDto | null,
    atMs: number
  ): DeliveryRow | undefined {
    const { store, log } = this.o
    const cm = alarm?.channelUuid
      ? this.o.director.channelManagers().find((c) => c.uuid === alarm.channelUuid)
      : undefined
    try {
      const row = store.transaction(() => {
        const queued = store.webhooks.enqueue(
          hook.id,
          {
            event: state,
            alarmCode: alarm?.code ?? null,
            payload: (sequence) =>
              JSON.stringify({
                id: crypto.randomUUID(),
                sequence,
                state,
                at: formatInstant(atMs),
                station: { name: this.o.stationName },
                channel: cm
                  ? { uuid: cm.uuid, name: cm.channel.name, number: cm.channel.number ?? null }
                  : null,
                alarm
              } satisfies WebhookPayload)
          },
          atMs
        )
        const dropped = store.webhooks.dropOverflow(hook.id, WEBHOOK_QUEUE_MAX, atMs)
        if (dropped > 0)
          log.warn(
            { webhook: hook.id, dropped },
            'webhook queue full: the oldest waiting notifications were dropped'
          )
        return queued
      })
      this.workers.get(hook.id)?.kick()
      return row
    } catch (err) {
      // The alarm itself stands; only its notification is lost (and said so).
      log.error({ err, webhook: hook.id }, 'a webhook notification could not be queued')
      return undefined
    }
  }

  private dto(h: WebhookRow): WebhookDto {
    const wh = this.o.store.webhooks
    const last = wh.recent(h.id, 1)[0]
    const failure = wh.lastFailure(h.id)
    return {
      id: h.id,
      url: redactWebhookUrl(h.url),
      severities: h.severities,
      channels: h.channels,
      enabled: h.enabled,
      pending: wh.pendingCount(h.id),
      lastDelivery: last ? deliveryDto(last) : null,
      lastFailure: failure ? deliveryDto(failure) : null
    }
  }

  list(): WebhookDto[] {
    return this.o.store.webhooks.list().map((h) => this.dto(h))
  }

  private stored(id: string): WebhookRow {
    const h = this.o.store.webhooks.get(id)
    if (!h) throw new StationApiError('not_found', `no webhook with id ${id}`)
    return h
  }

  /** Adds a webhook, or replaces the one with its id; channels must exist. */
  put(request: WebhookRequest, actor: AuditActor): WebhookDto {
    const r = webhookRequest.parse(request)
    const { store, clock } = this.o
    const known = new Set(store.channels.list().map((c) => c.uuid))
    const unknown = (r.channels ?? []).findIndex((u) => !known.has(u.toLowerCase()))
    if (unknown >= 0)
      throw new StationApiError(
        'invalid_body',
        `body.channels[${unknown}]: no channel with uuid ${r.channels![unknown]}`
      )
    const id = r.id ?? crypto.randomUUID()
    if (!store.webhooks.get(id) && store.webhooks.list().length >= MAX_WEBHOOKS)
      throw new StationApiError('webhook_limit', `a station keeps at most ${MAX_WEBHOOKS} webhooks`)
    const row: WebhookRow = {
      id,
      url: r.url,
      secret: r.secret,
      severities: r.severities,
      channels: r.channels?.map((u) => u.toLowerCase()) ?? null,
      enabled: r.enabled
    }
    const now = clock.now()
    store.transaction(() => {
      store.webhooks.put(row, now)
      store.audit.append(now, actor, 'webhook-set', { webhook: id, url: redactWebhookUrl(r.url) })
    })
    this.sync()
    return this.dto(row)
  }

  /** On or off, the receiver and secret kept. */
  setEnabled(id: string, enabled: boolean, actor: AuditActor): WebhookDto {
    const row = { ...this.stored(id), enabled }
    const now = this.o.clock.now()
    this.o.store.transaction(() => {
      this.o.store.webhooks.put(row, now)
      this.o.store.audit.append(now, actor, enabled ? 'webhook-enabled' : 'webhook-disabled', {
        webhook: id
      })
    })
    this.sync()
    return this.dto(row)
  }

  remove(id: string, actor: AuditActor): void {
    this.stored(id)
    const now = this.o.clock.now()
    this.o.store.transaction(() => {
      this.o.store.webhooks.remove(id)
      this.o.store.audit.append(now, actor, 'webhook-removed', { webhook: id })
    })
    this.sync()
  }

  /** Queues a test notification (state "test", no alarm) behind whatever waits. */
  test(id: string): WebhookDeliveryDto {
    const hook = this.stored(id)
    const row = this.enqueue(hook, 'test', null, this.o.clock.now())
    if (!row)
      throw new StationApiError('storage_failed', 'the test notification could not be queued')
    return deliveryDto(row)
  }

  /** The delivery log, newest first. */
  deliveries(id: string, limit = 50): WebhookDeliveryDto[] {
    this.stored(id)
    return this.o.store.webhooks.recent(id, limit).map(deliveryDto)
  }

  /** Every worker stopped (a post under way is aborted; it stays pending for the next run). */
  async close(): Promise<void> {
    this.unsubscribe?.()
    await Promise.all([...this.workers.values()].map((w) => w.close()))
    this.workers.clear()
  }
}
