// Conformed playout in the header: on or off, how far ahead and the cache's use at a glance;
// opened, the settings (on/off, hours ahead, budget, which channels) as the station file's
// `conform` section has them (StationApi setConform), the cache's use against its budget, and the
// conform jobs with their progress. What the station refuses is shown as its message (naming the
// field), and nothing changes.
import { useCallback, useEffect, useState } from 'react'
import './conform-setting.css'
import type { ConformDto } from '../../../shared/conform'
import type { LibraryJobDto } from '../../../shared/library'
import { useConsole, useModel } from '../context'
import { describeError } from '../state/describe-error'

/** How often the settings and jobs are read again while the panel is open (jobs move). */
const REFRESH_MS = 3_000
/** How often the summary is read again while closed (a file import or another desk may change it). */
const IDLE_REFRESH_MS = 30_000

const GIB = 1024 ** 3

/** Bytes as GiB (or MiB below one GiB), to one decimal. */
export function bytesText(n: number): string {
  return n >= GIB ? `${(n / GIB).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`
}

function jobText(j: LibraryJobDto): string {
  const eta = j.etaMs !== null ? `, about ${Math.ceil(j.etaMs / 60_000)} min left` : ''
  const file = j.currentFile ? ` · ${j.currentFile}` : ''
  // Queued, a job counts items; running, seconds of media.
  return j.state === 'running'
    ? `conforming ${j.done} of ${j.total} s of media${eta}${file}`
    : `queued: ${j.total} item${j.total === 1 ? '' : 's'}`
}

interface Draft {
  enabled: boolean
  aheadHours: string
  budgetGiB: string
  copyShare: string
  /** Station-file channel ids; empty: every channel. */
  channels: string[]
}

const draftOf = (c: ConformDto): Draft => ({
  enabled: c.enabled,
  aheadHours: String(c.aheadHours),
  budgetGiB: String(c.budgetGiB),
  copyShare: String(c.copyShare),
  channels: c.channels ?? []
})

export function ConformSetting() {
  const model = useModel()
  const order = useConsole((s) => s.order)
  const channels = useConsole((s) => s.channels)
  const [current, setCurrent] = useState<ConformDto | null>(null)
  const [open, setOpen] = useState(false)
  const [draft, setDraft] = useState<Draft | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const load = useCallback(
    () =>
      model.api.conform().then(
        (c) => setCurrent(c),
        () => undefined
      ),
    [model]
  )
  useEffect(() => {
    void load()
    const timer = setInterval(() => void load(), open ? REFRESH_MS : IDLE_REFRESH_MS)
    return () => clearInterval(timer)
  }, [load, open])

  const toggleOpen = () => {
    if (!open && current) setDraft(draftOf(current))
    setProblem(null)
    setOpen(!open)
  }

  const save = async () => {
    if (!draft) return
    setBusy(true)
    try {
      // Sent as typed: the station checks it and names what it refuses (not a number goes as null).
      const saved = await model.api.setConform({
        enabled: draft.enabled,
        aheadHours: Number(draft.aheadHours),
        budgetGiB: Number(draft.budgetGiB),
        copyShare: Number(draft.copyShare),
        channels: draft.channels.length > 0 ? draft.channels : null
      })
      setCurrent(saved)
      setDraft(draftOf(saved))
      setProblem(null)
    } catch (err) {
      setProblem(describeError(err))
    } finally {
      setBusy(false)
    }
  }

  const used = current && current.budgetBytes > 0 ? current.cacheBytes / current.budgetBytes : 0
  const summary = !current
    ? '…'
    : !current.enabled
      ? 'OFF'
      : `${current.aheadHours} h · ${bytesText(current.cacheBytes)}${current.jobs.length > 0 ? ` · ${current.jobs.length} job${current.jobs.length === 1 ? '' : 's'}` : ''}`
  const slugs = order.flatMap((uuid) => {
    const c = channels[uuid]
    return c ? [{ slug: c.slug, name: c.name }] : []
  })
  const toggle = (slug: string) =>
    draft &&
    setDraft({
      ...draft,
      channels: draft.channels.includes(slug)
        ? draft.channels.filter((x) => x !== slug)
        : [...draft.channels, slug]
    })

  return (
    <div className="loudness-setting" data-testid="conform-setting">
      <button
        type="button"
        onClick={toggleOpen}
        aria-expanded={open}
        title="Conformed playout: each channel's media made ahead into the house format, in a cache with a budget"
      >
        <span className="caption">CONFORM</span>{' '}
        <strong data-testid="conform-summary">{summary}</strong>
      </button>
      {open && current && draft && (
        <div className="loudness-form conform-panel" data-testid="conform-panel">
          {!current.available && (
            <p className="panel-note" role="status">
              This station has no ffmpeg: the settings are kept, nothing is conformed.
            </p>
          )}
          <div className="conform-cache" data-testid="conform-cache">
            <div>
              Cache{current.profile ? ` (${current.profile})` : ''}:{' '}
              <strong>{bytesText(current.cacheBytes)}</strong> of {bytesText(current.budgetBytes)} ·{' '}
              {current.renditions} rendition{current.renditions === 1 ? '' : 's'}
            </div>
            <div
              className={`conform-bar${used > 0.9 ? ' full' : ''}`}
              role="meter"
              aria-label="Conform cache use against its budget"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(used * 100)}
            >
              <span style={{ width: `${Math.min(100, used * 100)}%` }} />
            </div>
          </div>
          <form
            className="conform-form"
            onSubmit={(e) => {
              e.preventDefault()
              void save()
            }}
          >
            <label>
              Conform ahead
              <input
                type="checkbox"
                checked={draft.enabled}
                onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
                data-testid="conform-enabled"
              />
            </label>
            <label>
              Hours ahead
              <input
                type="number"
                step="1"
                value={draft.aheadHours}
                onChange={(e) => setDraft({ ...draft, aheadHours: e.target.value })}
                data-testid="conform-hours"
              />
            </label>
            <label>
              Budget GiB
              <input
                type="number"
                step="any"
                value={draft.budgetGiB}
                onChange={(e) => setDraft({ ...draft, budgetGiB: e.target.value })}
                data-testid="conform-budget"
              />
            </label>
            <label title="What a channel airing by copy counts against the producer budget, as a share of an encode channel">
              Copy share
              <input
                type="number"
                step="any"
                value={draft.copyShare}
                onChange={(e) => setDraft({ ...draft, copyShare: e.target.value })}
                data-testid="conform-copy-share"
              />
            </label>
            <fieldset>
              <legend>Channels (none ticked: every channel)</legend>
              {slugs.map((c) => (
                <label key={c.slug}>
                  <input
                    type="checkbox"
                    checked={draft.channels.includes(c.slug)}
                    onChange={() => toggle(c.slug)}
                    data-testid={`conform-channel-${c.slug}`}
                  />
                  {c.name}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={busy} data-testid="conform-apply">
              Apply
            </button>
            {problem && (
              <p className="panel-note" role="alert" data-testid="conform-problem">
                {problem}
              </p>
            )}
          </form>
          <div className="conform-jobs" data-testid="conform-jobs">
            <strong>Jobs</strong>
            {current.jobs.length === 0 ? (
              <p className="panel-note">None queued or running.</p>
            ) : (
              <ul>
                {current.jobs.map((j) => (
                  <li key={j.id} data-testid="conform-job">
                    {jobText(j)}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </div>
  )
}
