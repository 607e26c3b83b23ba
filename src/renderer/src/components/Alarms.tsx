// The alarm list: active alarms, and cleared ones latched until some desk acknowledges them. The
// acknowledgement is the station's, so every desk shows the same list; a row says which desk
// acknowledged it and when. Acknowledging every cleared alarm at once asks first, with the count.
// The full history (filters: channel, severity, time) opens apart, in AlarmHistory.
// Each row pairs the severity colour with the alarm's code.
import { useMemo, useState, type FormEvent } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { describeError } from '../state/model'
import { alarmAcknowledged, alarmBucket, type AlarmEntry } from '../state/station-state'
import { DESK_NAME_MAX } from '../state/desk'
import { AlarmHistory } from './AlarmHistory'
import './alarm-desks.css'

/** "by Desk A 12:00:05": who acknowledged it and when, as the station recorded it. */
export function acknowledgedText(a: {
  acknowledgedAt: string | null
  acknowledgedBy: string | null
}) {
  if (a.acknowledgedAt === null) return ''
  return `by ${a.acknowledgedBy ?? 'unknown'} ${formatClock(Date.parse(a.acknowledgedAt))}`
}

function AlarmRow({ entry, channelName }: { entry: AlarmEntry; channelName: string }) {
  const model = useModel()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const bucket = alarmBucket(entry)
  const a = entry.alarm
  const clearedAt = a.clearedAt ?? entry.goneAt
  const acked = alarmAcknowledged(entry)
  const state =
    bucket === 'active'
      ? acked
        ? 'ACTIVE · ACK'
        : 'ACTIVE'
      : bucket === 'latched'
        ? 'CLEARED · NOT ACK'
        : 'CLEARED · ACK'
  const who = acknowledgedText(a)

  const acknowledge = async () => {
    setBusy(true)
    setProblem(null)
    try {
      await model.acknowledge(entry)
    } catch (err) {
      setProblem(describeError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <li
      className={`alarm-row sev-${a.severity} bucket-${bucket}`}
      data-testid="alarm"
      data-alarm-state={bucket}
      data-alarm-id={a.id}
    >
      <span className="alarm-code">{a.code}</span>
      <span className="alarm-sev">{a.severity.toUpperCase()}</span>
      <span className="alarm-where">{channelName}</span>
      <span className="alarm-msg">{a.message}</span>
      <span className="alarm-times">
        {formatClock(Date.parse(a.since))}
        {clearedAt ? ` → ${formatClock(Date.parse(clearedAt))}` : ''}
      </span>
      <span className="alarm-state" title={who || undefined}>
        {state}
        {who && <span className="alarm-acker"> {who}</span>}
      </span>
      {!acked ? (
        <button
          type="button"
          onClick={acknowledge}
          disabled={busy}
          aria-label={`Acknowledge ${a.code} on ${channelName}`}
        >
          Acknowledge
        </button>
      ) : (
        <span />
      )}
      {problem && (
        <span className="alarm-problem" role="alert">
          Could not acknowledge: {problem}
        </span>
      )}
    </li>
  )
}

/** This desk's name: asked once (kept in this console), sent with what the desk does. */
function DeskName() {
  const model = useModel()
  const desk = useConsole((s) => s.desk)
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  if (desk !== null && !editing)
    return (
      <span className="desk-name" data-testid="desk-name">
        Desk: <strong>{desk}</strong>{' '}
        <button
          type="button"
          onClick={() => {
            setText(desk)
            setEditing(true)
          }}
        >
          Rename
        </button>
      </span>
    )
  const save = (e: FormEvent) => {
    e.preventDefault()
    try {
      model.setDesk(text)
      setEditing(false)
      setProblem(null)
    } catch (err) {
      setProblem(describeError(err))
    }
  }
  return (
    <form className="desk-form" onSubmit={save} data-testid="desk-form">
      <label>
        {desk === null ? 'Name this desk' : 'Desk name'}
        <input
          value={text}
          maxLength={DESK_NAME_MAX}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. MCR 1"
          aria-label="Desk name"
        />
      </label>
      <button type="submit">Save</button>
      {desk !== null && (
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      )}
      {problem && <span role="alert">{problem}</span>}
    </form>
  )
}

export function AlarmList() {
  const model = useModel()
  const alarms = useConsole((s) => s.alarms)
  // Names only: the list does not re-render when a channel's status changes.
  const names = useConsole(
    useShallow((s) => Object.fromEntries(s.order.map((u) => [u, s.channels[u]?.name ?? u])))
  )
  const [showHistory, setShowHistory] = useState(false)
  const [historyOpen, setHistoryOpen] = useState(false)
  /** The cleared alarms the operator is asked about (acknowledge-all), fixed when asked. */
  const [asking, setAsking] = useState<AlarmEntry[] | null>(null)

  const { attention, done } = useMemo(() => {
    const all = Object.values(alarms).sort((x, y) => (x.alarm.since < y.alarm.since ? 1 : -1))
    const rank = { active: 0, latched: 1, done: 2 } as const
    const attention = all
      .filter((e) => alarmBucket(e) !== 'done')
      .sort((x, y) => rank[alarmBucket(x)] - rank[alarmBucket(y)])
    return { attention, done: all.filter((e) => alarmBucket(e) === 'done') }
  }, [alarms])

  const active = attention.filter((e) => alarmBucket(e) === 'active').length
  const latched = attention.filter((e) => alarmBucket(e) === 'latched')
  const [ackProblem, setAckProblem] = useState<string | null>(null)
  const [ackDone, setAckDone] = useState<string | null>(null)
  const acknowledgeAll = async (entries: AlarmEntry[]) => {
    setAsking(null)
    setAckProblem(null)
    let n = 0
    for (const e of entries) {
      // Acknowledged meanwhile (by another desk): nothing to do.
      const cur = model.state.alarms[e.key]
      if (!cur || alarmBucket(cur) !== 'latched') continue
      try {
        await model.acknowledge(cur)
        n++
      } catch (err) {
        setAckProblem(describeError(err))
        return
      }
    }
    setAckDone(`${n} cleared alarm${n === 1 ? '' : 's'} acknowledged`)
  }
  const nameOf = (e: AlarmEntry) =>
    e.alarm.channelUuid ? (names[e.alarm.channelUuid] ?? 'Unknown channel') : 'Station'

  return (
    <section
      className={`alarm-list${attention.length > 0 ? ' has-alarms' : ''}`}
      aria-label="Alarms"
      data-testid="alarm-list"
    >
      <div className="alarm-summary">
        <strong>ALARMS</strong>
        <span data-testid="alarm-summary">
          {attention.length === 0
            ? 'None'
            : `${active} active · ${latched.length} cleared, awaiting acknowledgement`}
        </span>
        {done.length > 0 && (
          <button
            type="button"
            aria-expanded={showHistory}
            onClick={() => setShowHistory(!showHistory)}
          >
            {showHistory ? 'Hide' : 'Show'} acknowledged ({done.length})
          </button>
        )}
        <button
          type="button"
          aria-haspopup="dialog"
          onClick={() => setHistoryOpen(true)}
          data-testid="open-alarm-history"
        >
          History…
        </button>
        <DeskName />
      </div>
      {attention.length > 0 && (
        <ul>
          {attention.map((e) => (
            <AlarmRow key={e.key} entry={e} channelName={nameOf(e)} />
          ))}
        </ul>
      )}
      {showHistory && (
        <ul className="alarm-done" aria-label="Acknowledged since this console opened">
          {done.map((e) => (
            <AlarmRow key={e.key} entry={e} channelName={nameOf(e)} />
          ))}
        </ul>
      )}
      {/* After the rows, so a row's own Acknowledge comes first in the tab order. */}
      {(latched.length > 1 || asking || ackProblem || ackDone) && (
        <div className="alarm-bulk">
          {latched.length > 1 && !asking && (
            <button
              type="button"
              data-testid="acknowledge-all"
              onClick={() => {
                setAckDone(null)
                setAsking(latched)
              }}
            >
              Acknowledge all cleared ({latched.length})…
            </button>
          )}
          {asking && (
            <div
              className="alarm-confirm"
              role="alertdialog"
              aria-label="Confirm acknowledge all"
              data-testid="acknowledge-all-confirm"
            >
              <span>
                Acknowledge {asking.length} cleared alarm{asking.length === 1 ? '' : 's'} for every
                desk?
              </span>
              <button type="button" onClick={() => void acknowledgeAll(asking)}>
                Yes, acknowledge {asking.length}
              </button>
              <button type="button" autoFocus onClick={() => setAsking(null)}>
                Cancel
              </button>
            </div>
          )}
          {ackDone && <span role="status">{ackDone}</span>}
          {ackProblem && <span role="alert">Could not acknowledge: {ackProblem}</span>}
        </div>
      )}
      {historyOpen && <AlarmHistory names={names} onClose={() => setHistoryOpen(false)} />}
    </section>
  )
}
