// Programming a channel from the console. On the left the channel lineup (create, rename,
// renumber, delete behind a confirm that names the channel and says who is watching) and the
// sources (collections, and the library's shows and folders) to drag into the week. In the middle
// the week grid of the chosen channel and the chosen slot's settings. On the right what will air:
// the engine's preview of the draft (the playlog's own code), the published playlog, publish,
// and the revisions with restore. Edits are the engine's draft at once, so they survive a restart.
import { useEffect, useState, type FormEvent } from 'react'
import type { ChannelLineupDto } from '../../../shared/station-api'
import { useConsole, useModel, useProgramming } from '../context'
import { describeError } from '../state/describe-error'
import { clockText, minutesOf, slotAt } from '../state/week-grid'
import { ProgrammingPreview } from './ProgrammingPreview'
import { SlotEditor } from './SlotEditor'
import { ViewTabs } from './ViewTabs'
import { SOURCE_MIME, WeekGrid, type SourceRef } from './WeekGrid'

export function ProgrammingView() {
  const model = useModel()
  const channel = useProgramming((s) => s.lineup.find((c) => c.uuid === s.channel) ?? null)
  const selected = useProgramming((s) => s.selected)
  const error = useProgramming((s) => s.error)
  const notice = useProgramming((s) => s.notice)
  const busy = useProgramming((s) => s.busy)
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      if (document.querySelector('[role="dialog"]')) return
      if (model.programming.state.selected !== null) model.programming.select(null)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [model])
  return (
    <div className="programming" data-testid="programming">
      <div className="lib-bar">
        <ViewTabs />
        {busy && <span className="prog-busy">{busy}</span>}
        {notice && (
          <span className="prog-notice" role="status" data-testid="prog-notice">
            {notice}
          </span>
        )}
        <ExportButton />
      </div>
      {error && (
        <p className="lib-error prog-error" role="alert">
          <span data-testid="prog-error">{error}</span>
          <button
            type="button"
            className="small"
            aria-label="Dismiss the message"
            onClick={() => model.programming.dismissError()}
          >
            ✕
          </button>
        </p>
      )}
      <div className="prog-body">
        <aside className="lib-side prog-side">
          <LineupPanel />
          {channel && <ChannelSettings key={channel.uuid} channel={channel} />}
          <SourcesPanel />
        </aside>
        <section className="prog-main" aria-label="Week">
          {channel ? (
            <>
              <h2 className="prog-title">
                {channel.number && <span className="prog-number">{channel.number}</span>}
                {channel.name}
                <small>
                  {channel.timezone} · broadcast day from {clockText(channel.rolloverMinutes)}
                </small>
              </h2>
              <WeekGrid rollover={channel.rolloverMinutes} />
            </>
          ) : (
            <p className="lib-empty">No channel yet: create one on the left.</p>
          )}
        </section>
        {channel && (
          <aside className="prog-right">
            {selected !== null && <SlotEditor index={selected} />}
            <ProgrammingPreview channel={channel} />
          </aside>
        )}
      </div>
    </div>
  )
}

function ExportButton() {
  const model = useModel()
  const save = async () => {
    const text = await model.programming.exportStation()
    if (!text) return
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
    const a = document.createElement('a')
    a.href = url
    a.download = 'station.json'
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }
  return (
    <button
      type="button"
      className="prog-export"
      onClick={() => void save()}
      data-testid="export-station"
    >
      Export station file
    </button>
  )
}

function LineupPanel() {
  const model = useModel()
  const lineup = useProgramming((s) => s.lineup)
  const current = useProgramming((s) => s.channel)
  const [name, setName] = useState('')
  const [number, setNumber] = useState('')
  const create = async (e: FormEvent) => {
    e.preventDefault()
    const made = await model.programming.createChannel({
      name,
      ...(number.trim() ? { number: number.trim() } : {})
    })
    if (made) {
      setName('')
      setNumber('')
    }
  }
  return (
    <section aria-label="Channels" data-testid="lineup">
      <h3>Channels</h3>
      <ul className="lineup">
        {lineup.map((c) => (
          <li key={c.uuid}>
            <button
              type="button"
              className={c.uuid === current ? 'on' : ''}
              aria-current={c.uuid === current}
              onClick={() => void model.programming.selectChannel(c.uuid)}
              data-testid="lineup-channel"
            >
              <span className="lineup-number">{c.number ?? '—'}</span>
              {c.name}
            </button>
          </li>
        ))}
      </ul>
      <form className="new-channel" onSubmit={(e) => void create(e)}>
        <input
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          placeholder="No."
          aria-label="New channel's number"
          className="num"
          data-testid="new-channel-number"
        />
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="New channel name"
          aria-label="New channel's name"
          data-testid="new-channel-name"
        />
        <button type="submit" disabled={name.trim() === ''} data-testid="new-channel-create">
          Create
        </button>
      </form>
    </section>
  )
}

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone')
  } catch {
    return []
  }
})()

function ChannelSettings({ channel }: { channel: ChannelLineupDto }) {
  const model = useModel()
  const [name, setName] = useState(channel.name)
  const [number, setNumber] = useState(channel.number ?? '')
  const [zone, setZone] = useState(channel.timezone)
  const [rollover, setRollover] = useState(clockText(channel.rolloverMinutes))
  const [confirming, setConfirming] = useState(false)
  const rolloverMin = minutesOf(rollover)
  const changed =
    name !== channel.name ||
    number !== (channel.number ?? '') ||
    zone !== channel.timezone ||
    rolloverMin !== channel.rolloverMinutes
  const save = async (e: FormEvent) => {
    e.preventDefault()
    await model.programming.updateChannel({
      ...(name !== channel.name ? { name } : {}),
      ...(number !== (channel.number ?? '') ? { number: number.trim() || null } : {}),
      ...(zone !== channel.timezone ? { timezone: zone } : {}),
      ...(rolloverMin !== channel.rolloverMinutes ? { rolloverMinutes: rolloverMin } : {})
    })
  }
  return (
    <section aria-label="Channel settings" data-testid="channel-settings">
      <h3>Channel</h3>
      <form className="channel-form" onSubmit={(e) => void save(e)}>
        <label>
          <span>Name</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="channel-name"
          />
        </label>
        <label>
          <span>Number</span>
          <input
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            placeholder="none"
            data-testid="channel-number"
          />
        </label>
        <label>
          <span>Time zone</span>
          <input
            value={zone}
            list="zone-list"
            onChange={(e) => setZone(e.target.value)}
            data-testid="channel-zone"
          />
          <datalist id="zone-list">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label>
          <span>Day starts</span>
          <input
            type="time"
            value={rollover}
            step={60}
            onChange={(e) => setRollover(e.target.value)}
            data-testid="channel-rollover"
          />
        </label>
        <div className="channel-actions">
          <button type="submit" disabled={!changed || Number.isNaN(rolloverMin)}>
            Save
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => setConfirming(true)}
            data-testid="channel-delete"
          >
            Delete channel…
          </button>
        </div>
      </form>
      {confirming && <DeleteChannel channel={channel} onDone={() => setConfirming(false)} />}
    </section>
  )
}

/** Asks before a channel goes: names it, says if it is on air and who is watching. */
function DeleteChannel({ channel, onDone }: { channel: ChannelLineupDto; onDone: () => void }) {
  const model = useModel()
  const status = useConsole((s) => s.channels[channel.uuid])
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const onAir = status && status.producerStatus !== 'stopped'
  const remove = async () => {
    setBusy(true)
    setProblem(null)
    try {
      await model.programming.deleteChannel(channel.uuid)
      onDone()
    } catch (err) {
      setProblem(describeError(err))
      setBusy(false)
    }
  }
  return (
    <div className="dialog-backdrop">
      <div
        className="lib-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="delete-channel-title"
        data-testid="delete-channel-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation()
            onDone()
          }
        }}
      >
        <h2 id="delete-channel-title">
          Delete the channel “{channel.name}”{channel.number ? ` (${channel.number})` : ''}?
        </h2>
        {onAir ? (
          <p className="on-air-warning" data-testid="delete-on-air">
            <strong>It is on air now</strong>
            {status.viewerCount > 0
              ? ` with ${status.viewerCount} ${status.viewerCount === 1 ? 'viewer' : 'viewers'}`
              : ''}
            {status.outputCount > 0 ? ` and ${status.outputCount} push outputs` : ''}. Their
            sessions end and its encoder stops.
          </p>
        ) : (
          <p>It is not on air.</p>
        )}
        <p>
          Its as-run and alarm history are kept. Importing a station file that lists it brings it
          back.
        </p>
        {problem && (
          <p className="lib-error" role="alert">
            {problem}
          </p>
        )}
        <div className="lib-dialog-actions">
          <button type="button" autoFocus onClick={onDone}>
            Keep the channel
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void remove()}
            data-testid="delete-channel-confirm"
          >
            {busy ? 'Deleting…' : `Delete “${channel.name}”`}
          </button>
        </div>
      </div>
    </div>
  )
}

/** Collections, shows and folders to drag into the week (Enter adds one to Monday). */
function SourcesPanel() {
  const model = useModel()
  const collections = useProgramming((s) => s.collections)
  const shows = useProgramming((s) => s.shows)
  const folders = useProgramming((s) => s.folders)
  const channel = useProgramming((s) => s.lineup.find((c) => c.uuid === s.channel))
  const item = (key: string, label: string, detail: string, source: SourceRef) => (
    <li
      key={key}
      className="source"
      draggable
      tabIndex={0}
      role="button"
      aria-label={`${label}: drag into a day, or press Enter to add it on Monday`}
      data-testid="source"
      data-source={label}
      onDragStart={(e) => {
        e.dataTransfer.setData(SOURCE_MIME, JSON.stringify(source))
        e.dataTransfer.effectAllowed = 'copy'
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' || !channel) return
        e.preventDefault()
        void addToMonday(source)
      }}
    >
      <span className="source-name">{label}</span>
      <small>{detail}</small>
    </li>
  )
  const addToMonday = async (source: SourceRef) => {
    const p = model.programming
    const id = await p.collectionFor(source)
    if (!id || !channel) return
    const edit = p.state.edit
    p.setEdit(
      {
        ...edit,
        slots: [...edit.slots, slotAt('mon', 60, id, channel.rolloverMinutes, p.newSlotId())]
      },
      edit.slots.length
    )
  }
  const madeShows = new Set(
    collections.flatMap((c) => ('show' in c.definition ? [c.definition.show] : []))
  )
  const madeFolders = new Set(
    collections.flatMap((c) => ('folder' in c.definition ? [c.definition.folder] : []))
  )
  return (
    <section aria-label="Sources" data-testid="sources">
      <h3>Drag into the week</h3>
      <h4>Collections</h4>
      <ul className="sources">
        {collections.length === 0 && <li className="muted">None yet.</li>}
        {collections.map((c) =>
          item(`c:${c.id}`, c.name, `${c.kind} · ${c.playable}/${c.assets} playable`, {
            collection: c.id
          })
        )}
      </ul>
      <h4>Shows</h4>
      <ul className="sources">
        {shows.filter((s) => !madeShows.has(s)).length === 0 && (
          <li className="muted">No other shows in the library.</li>
        )}
        {shows
          .filter((s) => !madeShows.has(s))
          .map((s) => item(`s:${s}`, s, 'show: episodes in order', { show: s }))}
      </ul>
      <h4>Folders</h4>
      <ul className="sources">
        {folders
          .filter((f) => !madeFolders.has(`${f.id}:`))
          .map((f) => item(`f:${f.id}`, f.id, `folder · ${f.assets} files`, { folder: f.id }))}
      </ul>
    </section>
  )
}
