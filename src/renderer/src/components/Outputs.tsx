// A channel's push outputs (RTMP/SRT), managed from its detail: each one's state as a word, its URL
// with the stream key hidden, since when, its last error and connections; enable, disable and
// remove (asking first when it is live); and an add form that checks the URL with the API's own
// schema before sending it. The key is shown only while it is typed: once added, the output is
// only ever shown redacted, as the station returns it.
import { useId, useState } from 'react'
import type { OutputDto } from '../../../shared/api'
import type { OutputState } from '../../../shared/domain'
import { MAX_OUTPUTS_PER_CHANNEL, redactOutputUrl } from '../../../shared/output-url'
import { addOutputRequest } from '../../../shared/station-api'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { describeError } from '../state/model'
import './outputs.css'

/** A push output's state as the operator reads it (never colour alone). */
export const OUTPUT_STATE: Record<OutputState, string> = {
  off: 'OFF',
  connecting: 'CONNECTING',
  live: 'LIVE',
  retrying: 'DOWN'
}

/** Why the URL cannot be added, by the API's own schema and in its words, or null. */
function urlProblem(url: string): string | null {
  const parsed = addOutputRequest.safeParse({ url })
  return parsed.success ? null : parsed.error.issues.map((i) => i.message).join('; ')
}

export function Outputs({ uuid, zone }: { uuid: string; zone: string }) {
  const outputs = useConsole((s) => s.channels[uuid]?.outputs ?? [])
  return (
    <section aria-label="Push outputs" className="push-outputs" data-testid="outputs">
      <h3>Push outputs</h3>
      {outputs.length === 0 ? (
        <p className="muted">No push outputs: this channel is sent nowhere but to viewers.</p>
      ) : (
        <ul className="push-output-list">
          {outputs.map((o) => (
            <OutputRow key={o.id} output={o} zone={zone} />
          ))}
        </ul>
      )}
      <AddOutput uuid={uuid} full={outputs.length >= MAX_OUTPUTS_PER_CHANNEL} />
    </section>
  )
}

function OutputRow({ output: o, zone }: { output: OutputDto; zone: string }) {
  const model = useModel()
  const [busy, setBusy] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const act = async (what: () => Promise<unknown>) => {
    setBusy(true)
    setProblem(null)
    try {
      await what()
    } catch (err) {
      setProblem(describeError(err))
    } finally {
      setBusy(false)
    }
  }
  const toggle = () => act(() => model.api.setOutputEnabled(o.id, !o.enabled))
  const remove = () => act(() => model.api.removeOutput(o.id)).then(() => setConfirming(false))
  // Removing a live output cuts a feed someone is receiving: asked first.
  const askOrRemove = () => (o.state === 'live' ? setConfirming(true) : void remove())

  return (
    <li className={`push-output push-output-${o.state}`} data-testid="output" data-state={o.state}>
      <div className="push-output-head">
        <span className="push-output-state">{OUTPUT_STATE[o.state]}</span>
        <code className="push-output-url" data-testid="output-url">
          {o.url}
        </code>
      </div>
      <div className="push-output-facts">
        since {formatClock(Date.parse(o.since), zone)} · {o.connections} connection
        {o.connections === 1 ? '' : 's'}
        {o.lastError ? (
          <span className="push-output-error" data-testid="output-error">
            {' '}
            · last error: {o.lastError}
          </span>
        ) : null}
      </div>
      <div className="push-output-actions">
        <button type="button" className="small" disabled={busy} onClick={() => void toggle()}>
          {o.enabled ? 'Disable' : 'Enable'}
        </button>
        {confirming ? (
          <span role="group" aria-label="Confirm removal" className="push-output-confirm">
            <span>Live now: remove it and stop this feed?</span>
            <button
              type="button"
              className="small danger"
              disabled={busy}
              onClick={() => void remove()}
            >
              Remove live output
            </button>
            <button type="button" className="small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="small" disabled={busy} onClick={askOrRemove}>
            Remove
          </button>
        )}
      </div>
      {problem && (
        <p className="push-output-problem" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}

function AddOutput({ uuid, full }: { uuid: string; full: boolean }) {
  const model = useModel()
  const [url, setUrl] = useState('')
  const [enabled, setEnabled] = useState(true)
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const problem = url === '' ? null : urlProblem(url)
  const noteId = useId()

  const add = async () => {
    if (problem || url === '') return
    setBusy(true)
    setResult(null)
    try {
      const added = await model.api.addOutput(uuid, { url, enabled })
      // The key leaves the console's memory with the field: only the redacted form stays.
      setUrl('')
      setResult({ ok: true, text: `Added ${added.url}` })
    } catch (err) {
      setResult({ ok: false, text: `Not added: ${describeError(err)}` })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="push-output-add"
      aria-label="Add a push output"
      onSubmit={(e) => {
        e.preventDefault()
        void add()
      }}
    >
      <label className="push-output-field">
        <span>Destination URL</span>
        <input
          type="text"
          value={url}
          onChange={(e) => setUrl(e.target.value.trim())}
          placeholder="rtmp://host/app/stream-key or srt://host:port"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={noteId}
          disabled={full}
          data-testid="output-url-input"
        />
      </label>
      <label className="push-output-enabled">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />{' '}
        Start pushing now
      </label>
      <button type="submit" disabled={busy || full || url === '' || problem !== null}>
        Add output
      </button>
      <p id={noteId} className="push-output-note" data-testid="output-url-note">
        {full
          ? `A channel has at most ${MAX_OUTPUTS_PER_CHANNEL} outputs: remove one first.`
          : problem
            ? `The URL ${problem}.`
            : url
              ? `Will be shown as ${redactOutputUrl(url)} (the key is hidden once added).`
              : 'The stream key is hidden once the output is added.'}
      </p>
      {result && (
        <p
          className={result.ok ? 'push-output-note' : 'push-output-problem'}
          role={result.ok ? 'status' : 'alert'}
          data-testid="output-add-result"
        >
          {result.text}
        </p>
      )}
    </form>
  )
}
