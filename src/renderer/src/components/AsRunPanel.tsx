// The as-run log of one channel for a broadcast day: what actually aired (times in the channel's
// zone, why a stretch joined late or was cut), the schedule reconciled against it with totals, and
// the export as CSV for the station's records. A day of short items is thousands of rows: the
// station answers a page of it (the latest by default, earlier on request) with the whole day's
// totals, so the panel opens in the same time whatever the day's size.
import { useState } from 'react'
import {
  type AsRunDayDto,
  type AsRunReconcileDto,
  type AsRunRowDto,
  BEFORE_FIRST_START,
  type ReconciledItemDto
} from '../../../shared/api'
import type { AsRunStatus } from '../../../shared/domain'
import { useModel } from '../context'
import { TableHead } from './table-head'
import { formatClock, formatDuration } from '../format'
import { describeError } from '../state/model'
import { useLoad } from '../use-load'

const STATUS_TEXT: Record<AsRunStatus, string> = {
  'as-scheduled': 'as scheduled',
  'joined-late': 'joined late',
  'cut-short': 'cut short',
  replaced: 'replaced',
  'off-air': 'off air',
  emergency: 'EMERGENCY',
  gap: 'schedule gap'
}

const OUTCOME_TEXT: Record<ReconciledItemDto['outcome'], string> = {
  'as-scheduled': 'as scheduled',
  late: 'late',
  short: 'short',
  replaced: 'replaced',
  'not-aired': 'not aired',
  'before-first-start': BEFORE_FIRST_START,
  'on-air': 'on air',
  upcoming: 'upcoming'
}

/** Rows (and reconciled items) asked for at a time. */
const PAGE = 200

export function AsRunPanel({
  uuid,
  slug,
  zone,
  currentDay
}: {
  uuid: string
  slug: string
  zone: string
  currentDay: string
}) {
  const model = useModel()
  const [day, setDay] = useState(currentDay)
  const [refresh, setRefresh] = useState(0)
  const [exported, setExported] = useState<string | null>(null)
  // Which page of rows: undefined is the latest (ending now).
  const [rowsFrom, setRowsFrom] = useState<number | undefined>(undefined)
  const rows = useLoad<AsRunDayDto[]>(
    () =>
      model.api.asRun({
        channel: uuid,
        day,
        limit: PAGE,
        ...(rowsFrom === undefined ? {} : { offset: rowsFrom })
      }),
    [uuid, day, refresh, rowsFrom]
  )
  const rec = useLoad<AsRunReconcileDto>(
    () => model.api.asRunReconcile({ channel: uuid, day, limit: PAGE }),
    [uuid, day, refresh]
  )
  const page = rows.state === 'ok' ? rows.value[0] : undefined

  const exportCsv = async () => {
    try {
      const csv = await model.api.asRunCsv({ channel: uuid, day })
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `as-run-${slug}-${day}.csv`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      setExported(`Exported ${a.download}`)
    } catch (err) {
      setExported(`Export failed: ${describeError(err)}`)
    }
  }

  return (
    <section aria-label="As-run" data-testid="asrun">
      <h3>As-run</h3>
      <div className="asrun-controls">
        <label>
          Broadcast day{' '}
          <input
            type="date"
            value={day}
            onChange={(e) => {
              if (!e.target.value) return
              setDay(e.target.value)
              setRowsFrom(undefined)
            }}
            aria-label="Broadcast day"
          />
        </label>
        <button type="button" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
        <button type="button" onClick={() => void exportCsv()} data-testid="asrun-export">
          Export CSV
        </button>
        {exported && <span className="hint">{exported}</span>}
      </div>
      {rec.state === 'ok' && <Totals rec={rec.value} />}
      {rows.state === 'ok' ? (
        <>
          {page && page.totalRows > page.rows.length && (
            <div className="asrun-controls" data-testid="asrun-page">
              <span className="hint">
                Rows {page.offset + 1}–{page.offset + page.rows.length} of {page.totalRows}
              </span>
              <button
                type="button"
                disabled={page.offset === 0}
                onClick={() => setRowsFrom(Math.max(0, page.offset - PAGE))}
              >
                Earlier rows
              </button>
              <button
                type="button"
                disabled={page.offset + page.rows.length >= page.totalRows}
                onClick={() => setRowsFrom(undefined)}
              >
                Latest rows
              </button>
            </div>
          )}
          <RowTable rows={rows.value.flatMap((d) => d.rows)} zone={zone} />
        </>
      ) : (
        <p className="muted">
          {rows.state === 'loading'
            ? 'Loading…'
            : rows.unsupported
              ? 'This station keeps no as-run log yet.'
              : `Not available: ${rows.message}`}
        </p>
      )}
      {rec.state === 'ok' && rec.value.items.length > 0 && (
        <Reconciled rec={rec.value} zone={zone} />
      )}
    </section>
  )
}

/** The schedule against what aired, rendered only when opened: the page ending on air now. */
function Reconciled({ rec, zone }: { rec: AsRunReconcileDto; zone: string }) {
  const [open, setOpen] = useState(false)
  const shown = rec.items.filter((i) => i.outcome !== 'upcoming')
  const done = rec.offset + shown.length
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        Schedule reconciled ({done} items so far
        {rec.totals.items > done ? `, ${rec.totals.items - done} to come` : ''}
        {shown.length < done ? `; the last ${shown.length} shown, the CSV has them all` : ''})
      </summary>
      {open && (
        <table className="plan" data-testid="asrun-reconcile">
          <TableHead columns={['Sched.', 'Title', 'Outcome', 'Aired']} />
          <tbody>
            {shown.map((i) => (
              <tr key={i.scheduledStart} className={`outcome-${i.outcome}`}>
                <td>{formatClock(Date.parse(i.scheduledStart), zone)}</td>
                <td>{i.title}</td>
                <td>
                  {OUTCOME_TEXT[i.outcome]}
                  {i.reason && i.outcome !== 'before-first-start' ? ` (${i.reason})` : ''}
                </td>
                <td>
                  {formatDuration(i.airedMs)} / {formatDuration(i.scheduledMs)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  )
}

function Totals({ rec }: { rec: AsRunReconcileDto }) {
  const t = rec.totals
  return (
    <p className="asrun-totals" data-testid="asrun-totals">
      {t.items} scheduled: {t.asScheduled} as scheduled, {t.late} late, {t.short} short,{' '}
      {t.replaced} replaced, {t.notAired} not aired
      {t.beforeFirstStart > 0 ? `, ${t.beforeFirstStart} before the station's first start` : ''} ·
      aired {formatDuration(t.airedMs)} of {formatDuration(t.scheduledMs)} · off air{' '}
      {formatDuration(t.offAirMs)}
      {t.emergencyMs > 0 ? ` · emergency ${formatDuration(t.emergencyMs)}` : ''}
    </p>
  )
}

function RowTable({ rows, zone }: { rows: AsRunRowDto[]; zone: string }) {
  if (rows.length === 0) return <p className="muted">Nothing logged for this day.</p>
  return (
    <table className="plan" data-testid="asrun-rows">
      <TableHead columns={['Aired', 'Title', 'Status', 'Dur.']} />
      <tbody>
        {rows.map((r) => (
          <tr
            key={`${r.actualStart}-${r.kind}`}
            className={`asrun-${r.status}`}
            aria-current={r.actualEnd === null ? 'true' : undefined}
          >
            <td>
              {formatClock(Date.parse(r.actualStart), zone)}
              {r.split === 'from-previous-day' || r.split === 'both' ? ' ↩' : ''}
            </td>
            <td>
              {r.title}
              {r.producerType && r.producerType !== 'normal' ? (
                <span className="muted"> · {r.producerType}</span>
              ) : null}
            </td>
            <td>
              {r.status === 'off-air' && r.reason === BEFORE_FIRST_START ? (
                BEFORE_FIRST_START
              ) : (
                <>
                  {STATUS_TEXT[r.status]}
                  {r.reason ? <span className="muted"> ({r.reason})</span> : null}
                </>
              )}
            </td>
            <td>{r.actualEnd === null ? 'on air' : formatDuration(r.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
