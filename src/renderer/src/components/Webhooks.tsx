// The station's alarm webhooks in the header: how many, and whether the last delivery of each went
// through; opened, each webhook's receiver (redacted), what it asks for, its last delivery and last
// failure, and a "Send test" button (StationApi testWebhook). Configured in the station file or
// over the API; the console shows and tests them.
import { useCallback, useEffect, useState } from 'react'
import type { WebhookDeliveryDto, WebhookDto } from '../../../shared/webhooks'
import { useModel } from '../context'

/** How often the open list is read again (deliveries are not in the event stream). */
const REFRESH_MS = 3_000

function deliveryText(d: WebhookDeliveryDto | null): string {
  if (!d) return 'none yet'
  const what = d.event === 'test' ? 'test' : `${d.alarmCode ?? ''} ${d.event}`.trim()
  const when = d.finishedAt ?? d.createdAt
  const status = d.lastStatus !== null ? ` (HTTP ${d.lastStatus})` : ''
  return `#${d.sequence} ${what}: ${d.state}${status}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, ${when}`
}

export function Webhooks() {
  const model = useModel()
  const [hooks, setHooks] = useState<WebhookDto[] | null>(null)
  const [open, setOpen] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const load = useCallback(
    () =>
      model.api.webhooks().then(
        (h) => setHooks(h),
        () => undefined
      ),
    [model]
  )
  useEffect(() => {
    void load()
    if (!open) return
    const timer = setInterval(() => void load(), REFRESH_MS)
    return () => clearInterval(timer)
  }, [load, open])

  const test = async (id: string) => {
    try {
      setProblem(null)
      await model.api.testWebhook(id)
      await load()
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err))
    }
  }

  const failing = (hooks ?? []).filter((h) => h.lastFailure?.state === 'pending').length
  const summary = hooks === null ? '…' : failing > 0 ? `${failing} FAILING` : String(hooks.length)
  return (
    <div className="loudness-setting" data-testid="webhooks">
      <button
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        title="Alarm notifications posted to webhooks: each one's last delivery, and a test"
      >
        <span className="caption">WEBHOOKS</span>{' '}
        <strong data-testid="webhooks-summary">{summary}</strong>
      </button>
      {open && (
        <div className="loudness-form" style={{ minWidth: 420 }} data-testid="webhooks-list">
          {hooks?.length === 0 && (
            <p className="panel-note">
              No webhooks: add them in the station file&apos;s &quot;webhooks&quot; section or with
              POST /api/webhooks.
            </p>
          )}
          {hooks?.map((h) => (
            <section key={h.id} data-testid={`webhook-${h.id}`}>
              <strong>{h.id}</strong> {h.enabled ? '' : '(off) '}
              <code>{h.url}</code>
              <div>
                {h.severities.join(', ')} · {h.channels ? `${h.channels.length} channels` : 'all'} ·{' '}
                {h.pending} waiting
              </div>
              <div data-testid="webhook-last-delivery">
                Last delivery: {deliveryText(h.lastDelivery)}
              </div>
              {h.lastFailure && (
                <div data-testid="webhook-last-failure" role="status">
                  Last failure: #{h.lastFailure.sequence} {h.lastFailure.lastError}
                </div>
              )}
              <button type="button" onClick={() => void test(h.id)} data-testid="webhook-test">
                Send test
              </button>
            </section>
          ))}
          {problem && (
            <p className="panel-note" role="alert">
              {problem}
            </p>
          )}
        </div>
      )}
    </div>
  )
}
