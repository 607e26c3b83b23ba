// The station's alarm webhooks in the header: how many, and whether the last delivery of each went
// through; opened, each webhook's receiver (redacted), what it asks for, its last delivery and last
// failure, a "Send test" button (StationApi testWebhook), on/off and remove; and a form to add one
// (receiver URL, secret, severities, channels), checked as the station checks it before it is sent.
// The secret is a password field and never comes back: the list shows the URL redacted.
import { useCallback, useEffect, useState } from 'react'
import './webhooks.css'
import { ALARM_SEVERITIES, type AlarmSeverity } from '../../../shared/domain'
import {
  webhookId,
  webhookSecret,
  webhookUrlProblem,
  type WebhookDeliveryDto,
  type WebhookDto
} from '../../../shared/webhooks'
import { useConsole, useModel } from '../context'
import { describeError } from '../state/describe-error'

/** How often the open list is read again (deliveries are not in the event stream). */
const REFRESH_MS = 3_000

function deliveryText(d: WebhookDeliveryDto | null): string {
  if (!d) return 'none yet'
  const what = d.event === 'test' ? 'test' : `${d.alarmCode ?? ''} ${d.event}`.trim()
  const when = d.finishedAt ?? d.createdAt
  const status = d.lastStatus !== null ? ` (HTTP ${d.lastStatus})` : ''
  return `#${d.sequence} ${what}: ${d.state}${status}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, ${when}`
}

interface Draft {
  id: string
  url: string
  secret: string
  severities: AlarmSeverity[]
  /** Channel uuids; empty: every channel. */
  channels: string[]
}
const EMPTY: Draft = {
  id: '',
  url: '',
  secret: '',
  severities: ['warning', 'critical'],
  channels: []
}

/** What is wrong with the draft, field by field, as the station would say it; null when it can be sent. */
function draftProblem(d: Draft): string | null {
  if (d.id && !webhookId.safeParse(d.id).success)
    return 'Name: lowercase letters, digits and "-", 1-63 characters'
  const url = webhookUrlProblem(d.url)
  if (url) return `Receiver URL ${url}`
  const secret = webhookSecret.safeParse(d.secret)
  if (!secret.success) return `Secret ${secret.error.issues[0]?.message ?? 'is not valid'}`
  if (d.severities.length === 0) return 'Pick at least one severity'
  return null
}

function AddWebhook({ onAdded }: { onAdded: () => Promise<void> }) {
  const model = useModel()
  const order = useConsole((s) => s.order)
  const channels = useConsole((s) => s.channels)
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const check = draftProblem(draft)
  const toggle = <T,>(list: T[], v: T) =>
    list.includes(v) ? list.filter((x) => x !== v) : [...list, v]

  const add = async () => {
    if (check) return setProblem(check)
    setBusy(true)
    try {
      await model.api.putWebhook({
        ...(draft.id ? { id: draft.id } : {}),
        url: draft.url,
        secret: draft.secret,
        // In the vocabulary's order, whatever order they were ticked in.
        severities: ALARM_SEVERITIES.filter((sev) => draft.severities.includes(sev)),
        channels: draft.channels.length > 0 ? draft.channels : null
      })
      setDraft(EMPTY)
      setProblem(null)
      await onAdded()
    } catch (err) {
      setProblem(describeError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="webhook-add"
      data-testid="webhook-add"
      onSubmit={(e) => {
        e.preventDefault()
        void add()
      }}
    >
      <strong>Add a webhook</strong>
      <label>
        Name (optional)
        <input
          value={draft.id}
          onChange={(e) => setDraft({ ...draft, id: e.target.value })}
          placeholder="phone"
          data-testid="webhook-add-id"
        />
      </label>
      <label>
        Receiver URL
        <input
          type="url"
          value={draft.url}
          onChange={(e) => setDraft({ ...draft, url: e.target.value })}
          placeholder="https://hooks.example.org/retrovue"
          data-testid="webhook-add-url"
        />
      </label>
      <label>
        Secret (16+ characters)
        <input
          type="password"
          autoComplete="new-password"
          value={draft.secret}
          onChange={(e) => setDraft({ ...draft, secret: e.target.value })}
          data-testid="webhook-add-secret"
        />
      </label>
      <fieldset>
        <legend>Severities</legend>
        {ALARM_SEVERITIES.map((sev) => (
          <label key={sev}>
            <input
              type="checkbox"
              checked={draft.severities.includes(sev)}
              onChange={() => setDraft({ ...draft, severities: toggle(draft.severities, sev) })}
              data-testid={`webhook-add-severity-${sev}`}
            />
            {sev}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Channels (none ticked: every channel)</legend>
        {order.map((uuid) => (
          <label key={uuid}>
            <input
              type="checkbox"
              checked={draft.channels.includes(uuid)}
              onChange={() => setDraft({ ...draft, channels: toggle(draft.channels, uuid) })}
            />
            {channels[uuid]?.name ?? uuid}
          </label>
        ))}
      </fieldset>
      {(problem ?? (draft.url || draft.secret ? check : null)) && (
        <p className="panel-note" role="alert" data-testid="webhook-add-problem">
          {problem ?? check}
        </p>
      )}
      <button type="submit" disabled={busy || check !== null} data-testid="webhook-add-save">
        Add webhook
      </button>
    </form>
  )
}

export function Webhooks() {
  const model = useModel()
  const [hooks, setHooks] = useState<WebhookDto[] | null>(null)
  const [open, setOpen] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  /** The webhook whose removal waits for a second click. */
  const [removing, setRemoving] = useState<string | null>(null)

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

  const act = async (what: () => Promise<unknown>) => {
    try {
      setProblem(null)
      await what()
      await load()
    } catch (err) {
      setProblem(describeError(err))
    }
  }
  const test = (id: string) => act(() => model.api.testWebhook(id))

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
        <div className="loudness-form webhooks-panel" data-testid="webhooks-list">
          {hooks?.length === 0 && (
            <p className="panel-note">
              No webhooks yet: add one below, in the station file&apos;s &quot;webhooks&quot;
              section or with POST /api/webhooks.
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
              <div className="webhook-actions">
                <button type="button" onClick={() => void test(h.id)} data-testid="webhook-test">
                  Send test
                </button>
                <button
                  type="button"
                  onClick={() => void act(() => model.api.setWebhookEnabled(h.id, !h.enabled))}
                  data-testid="webhook-toggle"
                >
                  {h.enabled ? 'Turn off' : 'Turn on'}
                </button>
                {removing === h.id ? (
                  <span role="group" aria-label={`Remove ${h.id}?`}>
                    Remove it and drop what waits?{' '}
                    <button
                      type="button"
                      onClick={() => {
                        setRemoving(null)
                        void act(() => model.api.removeWebhook(h.id))
                      }}
                      data-testid="webhook-remove-confirm"
                    >
                      Remove
                    </button>{' '}
                    <button type="button" onClick={() => setRemoving(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    onClick={() => setRemoving(h.id)}
                    data-testid="webhook-remove"
                  >
                    Remove…
                  </button>
                )}
              </div>
            </section>
          ))}
          <AddWebhook onAdded={load} />
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
