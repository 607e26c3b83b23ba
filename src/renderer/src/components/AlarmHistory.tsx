// The station's alarm history (StationApi.alarms), apart from the live list: every occurrence in a
// time window, filtered by channel and severity, with when it was raised and cleared, and which
// desk acknowledged it and when. It follows the station: a change seen on the event stream reloads it.
import { useEffect, useId, useMemo, useState } from 'react'
import { createPortal } from 'react-dom'
import type { AlarmDto } from '../../../shared/api'
import { ALARM_SEVERITIES, type AlarmSeverity } from '../../../shared/domain'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { describeError } from '../state/model'
import { TableHead } from './table-head'
import './alarm-desks.css'

const WINDOWS = [
  { id: '1h', label: 'Last hour', ms: 3600_000 },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 }
] as const
type WindowId = (typeof WINDOWS)[number]['id']

/** All channels, the station's own alarms, or one channel (by uuid). */
const ALL = ''
const STATION = 'station'

type Loaded =
  { state: 'loading' } | { state: 'ok'; alarms: AlarmDto[] } | { state: 'error'; message: string }

/** The console's local date and clock, as the live list shows times. */
const dateTime = (iso: string) => {
  const ms = Date.parse(iso)
  return `${new Date(ms).toLocaleDateString('en-CA')} ${formatClock(ms)}`
}

export function AlarmHistory({
  names,
  onClose
}: {
  names: Record<string, string>
  onClose: () => void
}) {
  const model = useModel()
  const titleId = useId()
  const [channel, setChannel] = useState(ALL)
  const [severity, setSeverity] = useState<AlarmSeverity | ''>('')
  const [windowId, setWindowId] = useState<WindowId>('24h')
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' })
  // Any change the station reports (a raise, a clear, an acknowledgement) reloads the table.
  const alarms = useConsole((s) => s.alarms)

  useEffect(() => {
    let live = true
    const now = model.stationNow()
    // No station time before the first event: the table waits for it (the alarms change then).
    if (now === null) return
    const span = WINDOWS.find((w) => w.id === windowId)!.ms
    const query = {
      from: new Date(now - span).toISOString(),
      to: new Date(now + 60_000).toISOString(),
      ...(channel !== ALL && channel !== STATION ? { channel } : {})
    }
    model.api.alarms(query).then(
      (h) => live && setLoaded({ state: 'ok', alarms: h.alarms }),
      (err: unknown) => live && setLoaded({ state: 'error', message: describeError(err) })
    )
    return () => {
      live = false
    }
  }, [model, channel, windowId, alarms])

  const rows = useMemo(() => {
    if (loaded.state !== 'ok') return []
    return loaded.alarms
      .filter((a) => (channel === STATION ? a.channelUuid === null : true))
      .filter((a) => severity === '' || a.severity === severity)
      .sort((x, y) => (x.since < y.since ? 1 : x.since > y.since ? -1 : 0))
  }, [loaded, channel, severity])

  const nameOf = (a: AlarmDto) =>
    a.channelUuid === null ? 'Station' : (names[a.channelUuid] ?? 'Removed channel')

  // Over the whole window, whatever box the alarm list sits in.
  return createPortal(
    <div
      className="dialog-backdrop"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation()
          onClose()
        }
      }}
    >
      <div
        className="alarm-history"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="alarm-history"
      >
        <header>
          <h2 id={titleId}>Alarm history</h2>
          <button type="button" onClick={onClose} autoFocus>
            Close (Esc)
          </button>
        </header>
        <div className="history-filters" role="group" aria-label="Filters">
          <label>
            Channel
            <select value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value={ALL}>All</option>
              <option value={STATION}>Station</option>
              {Object.entries(names).map(([uuid, name]) => (
                <option key={uuid} value={uuid}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Severity
            <select
              value={severity}
              onChange={(e) => setSeverity(e.target.value as AlarmSeverity | '')}
            >
              <option value="">All</option>
              {[...ALARM_SEVERITIES].reverse().map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Time
            <select value={windowId} onChange={(e) => setWindowId(e.target.value as WindowId)}>
              {WINDOWS.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.label}
                </option>
              ))}
            </select>
          </label>
          <span className="muted" data-testid="history-count">
            {loaded.state === 'ok' ? `${rows.length} of ${loaded.alarms.length}` : ''}
          </span>
        </div>
        {loaded.state === 'error' && (
          <p role="alert">Could not load the history: {loaded.message}</p>
        )}
        {loaded.state === 'loading' && <p className="muted">Loading…</p>}
        {loaded.state === 'ok' && rows.length === 0 && (
          <p className="muted">No alarm matches these filters.</p>
        )}
        {rows.length > 0 && (
          <div className="history-scroll">
            <table className="history-table">
              <TableHead
                columns={[
                  'Raised',
                  'Channel',
                  'Code',
                  'Severity',
                  'Message',
                  'Cleared',
                  'Acknowledged',
                  'By'
                ]}
              />
              <tbody>
                {rows.map((a) => (
                  <tr
                    key={`${a.channelUuid ?? 'station'}/${a.id}`}
                    className={`sev-${a.severity}`}
                    data-testid="history-row"
                  >
                    <td>{dateTime(a.since)}</td>
                    <td>{nameOf(a)}</td>
                    <td className="alarm-code">{a.code}</td>
                    <td>{a.severity.toUpperCase()}</td>
                    <td className="history-msg">{a.message}</td>
                    <td>{a.clearedAt ? formatClock(Date.parse(a.clearedAt)) : 'active'}</td>
                    <td data-testid="history-acked-at">
                      {a.acknowledgedAt ? formatClock(Date.parse(a.acknowledgedAt)) : '—'}
                    </td>
                    <td data-testid="history-acked-by">{a.acknowledgedBy ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>,
    document.body
  )
}
