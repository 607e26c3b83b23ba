// What will air: the engine's preview of the draft (computed by the code that fills the playlog:
// items, padding, filler, slate, gaps, items that overrun), the draft's state with publish and
// discard, the published playlog, and the revisions with restore.
import { useState } from 'react'
import type { ScheduleItemDto } from '../../../shared/api'
import type { PreviewItemDto, PreviewKind } from '../../../shared/programming'
import type { ChannelLineupDto } from '../../../shared/station-api'
import { useModel, useProgramming } from '../context'
import { durationText } from '../state/week-grid'

const KIND_LABEL: Record<PreviewKind, string> = {
  program: 'PROG',
  event: 'EVENT',
  bumper: 'BUMP',
  filler: 'FILL',
  slate: 'SLATE',
  gap: 'GAP'
}
/** Rows shown at once: a week of short items is thousands. */
const ROWS = 400

/** "Mon 07:00" from an ISO instant written in the channel's zone (its wall clock, as written). */
function wallClock(iso: string): { day: string; time: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso)
  if (!m) return { day: '', time: iso }
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  const day = date.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC'
  })
  return { day, time: `${m[4]}:${m[5]}:${m[6]}` }
}

export function ProgrammingPreview({ channel }: { channel: ChannelLineupDto }) {
  const [tab, setTab] = useState<'preview' | 'playlog' | 'revisions'>('preview')
  return (
    <section className="prog-preview" aria-label="What will air" data-testid="prog-preview">
      <DraftBar />
      <div className="prog-tabs" role="tablist" aria-label="What will air">
        {(
          [
            ['preview', 'Preview (draft)'],
            ['playlog', 'Playlog (on air)'],
            ['revisions', 'Revisions']
          ] as const
        ).map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'on' : ''}
            onClick={() => setTab(t)}
            data-testid={`prog-tab-${t}`}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === 'preview' && <PreviewList />}
      {tab === 'playlog' && <Playlog channel={channel} />}
      {tab === 'revisions' && <Revisions />}
    </section>
  )
}

function DraftBar() {
  const model = useModel()
  const p = model.programming
  const stored = useProgramming((s) => s.stored)
  const unsaved = useProgramming((s) => s.unsaved)
  const local = useProgramming((s) => s.localProblems)
  const previewProblems = useProgramming((s) => s.preview?.problems.length ?? 0)
  const busy = useProgramming((s) => s.busy)
  const [note, setNote] = useState('')
  const problems = local.length + previewProblems + (stored?.draft?.problems.length ?? 0)
  const hasDraft = stored?.draft != null || unsaved
  const state =
    unsaved && local.length > 0
      ? 'Not saved: fix the problems shown at the slot'
      : unsaved
        ? 'Saving the draft…'
        : stored?.draft
          ? `Draft saved ${wallClock(stored.draft.savedAt).time.slice(0, 5)} by ${stored.draft.by}: not on air until published`
          : stored?.published
            ? `On air: revision ${stored.published.revision}, no unpublished changes`
            : 'Nothing published yet'
  return (
    <div className="draft-bar" data-testid="draft-bar">
      <p className={`draft-state${hasDraft ? ' pending' : ''}`} data-testid="draft-state">
        {state}
      </p>
      {problems > 0 && (
        <p className="field-problem" role="alert" data-testid="publish-blocked">
          {problems === 1 ? '1 problem' : `${problems} problems`} to fix before publishing
        </p>
      )}
      <div className="draft-actions">
        <input
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="Note for the revision (optional)"
          aria-label="Note for the revision"
          data-testid="publish-note"
        />
        <button
          type="button"
          className="publish"
          disabled={!hasDraft || problems > 0 || busy !== null}
          onClick={() => void p.publish(note.trim() || undefined).then((ok) => ok && setNote(''))}
          data-testid="publish"
        >
          Publish
        </button>
        <button
          type="button"
          disabled={!stored?.draft || busy !== null}
          onClick={() => void p.discardDraft()}
          data-testid="discard-draft"
        >
          Discard draft
        </button>
      </div>
    </div>
  )
}

function PreviewList() {
  const preview = useProgramming((s) => s.preview)
  const previewing = useProgramming((s) => s.previewing)
  const local = useProgramming((s) => s.localProblems)
  if (local.length > 0)
    return (
      <p className="muted" data-testid="preview-waiting">
        The preview waits until the problems shown at the slots are fixed.
      </p>
    )
  if (!preview) return <p className="muted">{previewing ? 'Previewing…' : 'No preview yet.'}</p>
  const t = preview.totals
  return (
    <div className={`preview-list${previewing ? ' stale' : ''}`} data-testid="preview-list">
      {preview.problems.map((x) => (
        <p key={x.path + x.message} className="field-problem" role="alert">
          {x.path}: {x.message}
        </p>
      ))}
      {preview.warnings.map((x) => (
        <p key={x.path + x.message} className="preview-warning" data-testid="preview-warning">
          {x.path}: {x.message}
        </p>
      ))}
      <p className="preview-totals" data-testid="preview-totals">
        Programme {durationText(t.programMs)} · filler {durationText(t.fillerMs)} · slate{' '}
        {durationText(t.slateMs)} · gaps {durationText(t.gapMs)}
        {t.overruns > 0 ? ` · ${t.overruns} overrunning` : ''}
      </p>
      <ItemTable
        rows={preview.items.slice(0, ROWS).map((i) => ({
          key: `${i.start}-${i.kind}-${i.assetId ?? ''}`,
          start: i.start,
          kind: i.kind,
          title: i.title,
          durationMs: i.durationMs,
          overrunMs: i.overrunMs,
          item: i
        }))}
        testid="preview-item"
      />
      {preview.items.length > ROWS && (
        <p className="muted">…and {preview.items.length - ROWS} more in the next 7 days.</p>
      )}
    </div>
  )
}

interface Row {
  key: string
  start: string
  kind: PreviewKind | string
  title: string
  durationMs: number
  overrunMs?: number
  item?: PreviewItemDto
}

function ItemTable({ rows, testid }: { rows: Row[]; testid: string }) {
  let lastDay = ''
  return (
    <table className="air-list">
      <tbody>
        {rows.map((r) => {
          const { day, time } = wallClock(r.start)
          const head = day !== lastDay
          lastDay = day
          return [
            head ? (
              <tr key={`${r.key}-day`} className="air-day">
                <th colSpan={4}>{day}</th>
              </tr>
            ) : null,
            <tr
              key={r.key}
              className={`air-row kind-${r.kind}${r.overrunMs ? ' overrun' : ''}`}
              data-testid={testid}
              data-kind={r.kind}
            >
              <td className="air-time">{time}</td>
              <td>
                <span className={`kind-badge kind-${r.kind}`}>
                  {KIND_LABEL[r.kind as PreviewKind] ?? r.kind.toUpperCase()}
                </span>
              </td>
              <td className="air-title">
                {r.title}
                {r.overrunMs ? (
                  <em className="overrun-note"> overruns {durationText(r.overrunMs)}</em>
                ) : null}
              </td>
              <td className="air-dur">{durationText(r.durationMs)}</td>
            </tr>
          ]
        })}
      </tbody>
    </table>
  )
}

function Playlog({ channel }: { channel: ChannelLineupDto }) {
  const model = useModel()
  const items = useProgramming((s) => s.playlog)
  return (
    <div className="preview-list" data-testid="playlog">
      <p className="preview-totals">
        What {channel.name} airs, as the guide lists it{' '}
        <button
          type="button"
          className="small"
          onClick={() => void model.programming.reloadPlaylog()}
        >
          Refresh
        </button>
      </p>
      {items.length === 0 ? (
        <p className="muted">Nothing scheduled.</p>
      ) : (
        <ItemTable
          rows={items.slice(0, ROWS).map((i: ScheduleItemDto) => ({
            key: String(i.id),
            start: i.start,
            kind: i.type,
            title: i.title,
            durationMs: i.durationMs
          }))}
          testid="playlog-item"
        />
      )}
    </div>
  )
}

function Revisions() {
  const model = useModel()
  const revisions = useProgramming((s) => s.revisions)
  const current = useProgramming((s) => s.stored?.published?.revision ?? null)
  const busy = useProgramming((s) => s.busy)
  if (revisions.length === 0) return <p className="muted">No revisions yet: publish to make one.</p>
  return (
    <ol className="revisions" data-testid="revisions">
      {revisions.map((r) => {
        const { day, time } = wallClock(r.at)
        return (
          <li key={r.id} className="revision" data-testid="revision" data-revision={r.id}>
            <div className="revision-head">
              <strong>Revision {r.id}</strong>
              {r.id === current && <span className="on-air-tag">ON AIR</span>}
              <span className="muted">
                {day} {time.slice(0, 5)} · {r.by}
              </span>
            </div>
            <div className="revision-summary">
              {r.restoredFrom !== null && `restores revision ${r.restoredFrom} · `}+
              {r.summary.added} −{r.summary.removed} ↔{r.summary.moved} · {r.template.slots.length}{' '}
              {r.template.slots.length === 1 ? 'slot' : 'slots'}
              {r.note && <q>{r.note}</q>}
            </div>
            {r.id !== current && (
              <button
                type="button"
                className="small"
                disabled={busy !== null}
                onClick={() => void model.programming.restore(r.id)}
                data-testid="revision-restore"
              >
                Restore
              </button>
            )}
          </li>
        )
      })}
    </ol>
  )
}
