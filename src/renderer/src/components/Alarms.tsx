// The alarm list: active alarms, cleared ones latched until someone acknowledges them, and (on
// request) the acknowledged history. Each row pairs the severity colour with the alarm's code.
import { useMemo, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { describeError } from '../state/model'
import { alarmAcknowledged, alarmBucket, type AlarmEntry } from '../state/station-state'

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
    >
      <span className="alarm-code">{a.code}</span>
      <span className="alarm-sev">{a.severity.toUpperCase()}</span>
      <span className="alarm-where">{channelName}</span>
      <span className="alarm-msg">{a.message}</span>
      <span className="alarm-times">
        {formatClock(Date.parse(a.since))}
        {clearedAt ? ` → ${formatClock(Date.parse(clearedAt))}` : ''}
      </span>
      <span className="alarm-state">
        {state}
        {entry.localAckAt && !a.acknowledgedAt ? ' (this console)' : ''}
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

export function AlarmList() {
  const model = useModel()
  const alarms = useConsole((s) => s.alarms)
  // Names only: the list does not re-render when a channel's status changes.
  const names = useConsole(
    useShallow((s) => Object.fromEntries(s.order.map((u) => [u, s.channels[u]?.name ?? u])))
  )
  const [showHistory, setShowHistory] = useState(false)

  const { attention, history } = useMemo(() => {
    const all = Object.values(alarms).sort((x, y) => (x.alarm.since < y.alarm.since ? 1 : -1))
    const rank = { active: 0, latched: 1, done: 2 } as const
    const attention = all
      .filter((e) => alarmBucket(e) !== 'done')
      .sort((x, y) => rank[alarmBucket(x)] - rank[alarmBucket(y)])
    return { attention, history: all.filter((e) => alarmBucket(e) === 'done') }
  }, [alarms])

  const active = attention.filter((e) => alarmBucket(e) === 'active').length
  const latched = attention.length - active
  const [ackProblem, setAckProblem] = useState<string | null>(null)
  const acknowledgeCleared = async () => {
    setAckProblem(null)
    for (const e of attention.filter((x) => alarmBucket(x) === 'latched')) {
      try {
        await model.acknowledge(e)
      } catch (err) {
        setAckProblem(describeError(err))
        return
      }
    }
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
            : `${active} active · ${latched} cleared, awaiting acknowledgement`}
        </span>
        {latched > 1 && (
          <button type="button" onClick={() => void acknowledgeCleared()}>
            Acknowledge all cleared ({latched})
          </button>
        )}
        {ackProblem && <span role="alert">Could not acknowledge: {ackProblem}</span>}
        {history.length > 0 && (
          <button
            type="button"
            aria-expanded={showHistory}
            onClick={() => setShowHistory(!showHistory)}
          >
            {showHistory ? 'Hide' : 'Show'} acknowledged ({history.length})
          </button>
        )}
      </div>
      {(attention.length > 0 || showHistory) && (
        <ul>
          {attention.map((e) => (
            <AlarmRow key={e.key} entry={e} channelName={nameOf(e)} />
          ))}
          {showHistory &&
            history.map((e) => <AlarmRow key={e.key} entry={e} channelName={nameOf(e)} />)}
        </ul>
      )}
    </section>
  )
}
