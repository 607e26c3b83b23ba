// The library's folders (scan state, counts, last scan; rescan, a guarded remove, add) and its
// background jobs as progress bars, from the `library` event.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { LibraryFolderDto, LibraryJobDto } from '../../../shared/library'
import { useLibrary, useModel } from '../context'
import { formatClock, formatDate } from '../format'
import { describeError } from '../state/describe-error'
import { jobsToShow } from '../state/library'
import {
  FOLDER_STATE_LABEL,
  formatCount,
  formatEta,
  formatRate,
  JOB_KIND_LABEL,
  JOB_STATE_LABEL
} from './library-text'

function lastScan(iso: string | null): string {
  if (iso === null) return 'never scanned'
  const ms = Date.parse(iso)
  return `last scan ${formatDate(ms)} ${formatClock(ms)}`
}

export function FolderPanel() {
  const folders = useLibrary((s) => s.folders)
  const loaded = useLibrary((s) => s.loaded)
  const [removing, setRemoving] = useState<LibraryFolderDto | null>(null)
  return (
    <section className="lib-folders" aria-label="Library folders" data-testid="lib-folders">
      <h3>Folders</h3>
      {folders.length === 0 ? (
        <p className="muted">{loaded ? 'No folders yet: add one below.' : 'Loading…'}</p>
      ) : (
        <ul className="folder-list">
          {folders.map((f) => (
            <FolderRow key={f.id} folder={f} onRemove={() => setRemoving(f)} />
          ))}
        </ul>
      )}
      <AddFolder />
      {removing && <RemoveFolder folder={removing} onDone={() => setRemoving(null)} />}
    </section>
  )
}

function FolderRow({ folder: f, onRemove }: { folder: LibraryFolderDto; onRemove: () => void }) {
  const model = useModel()
  const [problem, setProblem] = useState<string | null>(null)
  const rescan = async () => {
    setProblem(null)
    try {
      await model.library.rescan(f.id)
    } catch (err) {
      setProblem(describeError(err))
    }
  }
  return (
    <li className={`folder folder-${f.state}`} data-testid="lib-folder" data-folder={f.id}>
      <div className="folder-head">
        <strong className="folder-id">{f.id}</strong>
        <span className="folder-state" data-testid="folder-state">
          {FOLDER_STATE_LABEL[f.state]}
        </span>
      </div>
      <div className="folder-path" title={f.path}>
        <bdi dir="ltr">{f.path}</bdi>
      </div>
      <div className="folder-counts" data-testid="folder-counts">
        {formatCount(f.assets)} {f.assets === 1 ? 'asset' : 'assets'}
        {' · '}
        <span className={f.problems > 0 ? 'folder-problems' : ''}>
          {formatCount(f.problems)} {f.problems === 1 ? 'problem' : 'problems'}
        </span>
      </div>
      <div className="folder-scan muted">{lastScan(f.lastScanAt)}</div>
      <div className="folder-actions">
        <button
          type="button"
          onClick={() => void rescan()}
          disabled={f.state === 'scanning'}
          aria-label={`Rescan folder ${f.id}`}
        >
          Rescan
        </button>
        <button type="button" onClick={onRemove} aria-label={`Remove folder ${f.id}`}>
          Remove…
        </button>
      </div>
      {problem && (
        <p className="lib-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}

function AddFolder() {
  const model = useModel()
  const [id, setId] = useState('')
  const [path, setPath] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setProblem(null)
    try {
      await model.library.addFolder(id.trim(), path.trim())
      setId('')
      setPath('')
    } catch (err) {
      // The station's own words; the form keeps what was typed.
      setProblem(describeError(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="add-folder" onSubmit={(e) => void submit(e)} aria-label="Add a library folder">
      <h4>Add a folder</h4>
      <label>
        <span>Id</span>
        <input
          value={id}
          onChange={(e) => setId(e.target.value)}
          placeholder="tv"
          data-testid="folder-id"
          spellCheck={false}
          autoComplete="off"
        />
      </label>
      <label>
        <span>Path</span>
        <input
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/srv/media/tv (absolute, on the station)"
          data-testid="folder-path"
          spellCheck={false}
          autoComplete="off"
        />
      </label>
      <button type="submit" disabled={busy || !id.trim() || !path.trim()} data-testid="folder-add">
        {busy ? 'Adding…' : 'Add folder'}
      </button>
      {problem && (
        <p className="lib-error" role="alert" data-testid="folder-add-error">
          {problem}
        </p>
      )}
    </form>
  )
}

/** Removing a folder says what it does (and what it does not) before it does it. */
function RemoveFolder({ folder, onDone }: { folder: LibraryFolderDto; onDone: () => void }) {
  const model = useModel()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const keepRef = useRef<HTMLButtonElement>(null)
  useEffect(() => keepRef.current?.focus(), [])
  const remove = async () => {
    setBusy(true)
    setProblem(null)
    try {
      await model.library.removeFolder(folder.id)
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
        aria-labelledby="remove-folder-title"
        data-testid="remove-folder-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation()
            onDone()
          }
        }}
      >
        <h2 id="remove-folder-title">Remove the folder “{folder.id}”?</h2>
        <p>
          The station stops watching <code>{folder.path}</code>, and its{' '}
          {formatCount(folder.assets)} {folder.assets === 1 ? 'asset leaves' : 'assets leave'} the
          library.
        </p>
        <p>
          <strong>Assets the schedule airs are kept</strong>, with their schedule entries: nothing
          scheduled goes off air because of this. No file on disk is deleted or changed.
        </p>
        {problem && (
          <p className="lib-error" role="alert">
            {problem}
          </p>
        )}
        <div className="lib-dialog-actions">
          <button ref={keepRef} type="button" onClick={onDone}>
            Keep the folder
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void remove()}
            data-testid="remove-folder-confirm"
          >
            {busy ? 'Removing…' : `Remove “${folder.id}”`}
          </button>
        </div>
      </div>
    </div>
  )
}

export function JobPanel() {
  const jobs = useLibrary((s) => s.jobs)
  const shown = jobsToShow(jobs)
  return (
    <section className="lib-jobs" aria-label="Library jobs" data-testid="lib-jobs">
      <h3>Jobs</h3>
      {shown.length === 0 ? (
        <p className="muted">Nothing running.</p>
      ) : (
        <ul className="job-list">
          {shown.map((j) => (
            <JobRow key={j.id} job={j} />
          ))}
        </ul>
      )}
    </section>
  )
}

function JobRow({ job: j }: { job: LibraryJobDto }) {
  const model = useModel()
  const [problem, setProblem] = useState<string | null>(null)
  const open = j.state === 'running' || j.state === 'queued'
  const fraction = j.total > 0 ? Math.min(1, j.done / j.total) : 0
  const cancel = async () => {
    setProblem(null)
    try {
      await model.library.cancelJob(j.id)
    } catch (err) {
      setProblem(describeError(err))
    }
  }
  const label = `${JOB_KIND_LABEL[j.kind]}${j.folderId ? ` ${j.folderId}` : ''}`
  return (
    <li className={`job job-${j.state}`} data-testid="lib-job" data-kind={j.kind}>
      <div className="job-head">
        <strong>{label}</strong>
        <span className="job-state">{JOB_STATE_LABEL[j.state]}</span>
        <span className="job-count" data-testid="job-count">
          {formatCount(j.done)}/{formatCount(j.total)}
        </span>
        {open && (
          <button type="button" onClick={() => void cancel()} aria-label={`Cancel ${label}`}>
            Cancel
          </button>
        )}
      </div>
      <div
        className="job-bar"
        role="progressbar"
        aria-label={`${label} progress`}
        aria-valuemin={0}
        aria-valuemax={j.total}
        aria-valuenow={j.done}
      >
        <div className="job-fill" style={{ transform: `scaleX(${fraction})` }} />
      </div>
      {open ? (
        <div className="job-sub">
          <span className="job-file" title={j.currentFile ?? ''}>
            <bdi dir="ltr">{j.currentFile ?? (j.state === 'queued' ? 'waiting its turn' : '')}</bdi>
          </span>
          <span className="job-rate">
            {formatRate(j.rate)}
            {j.state === 'running' ? ` · ${formatEta(j.etaMs)}` : ''}
          </span>
        </div>
      ) : (
        j.error && <div className="job-sub lib-error">{j.error}</div>
      )}
      {problem && (
        <p className="lib-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}
