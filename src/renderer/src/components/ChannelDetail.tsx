// A channel's detail panel: the playout plan ahead (times in the channel's zone), producer type and
// state, broadcast day and carryover, the as-run log, alarms (current, and history where the
// station keeps it), what this console saw happen, the reset of a failed channel, and its logo.
import { useEffect, useRef, useState } from 'react'
import type { AlarmDto, BroadcastDayDto, ScheduleItemDto } from '../../../shared/api'
import { useConsole, useModel } from '../context'
import { useLoad } from '../use-load'
import { AsRunPanel } from './AsRunPanel'
import { ChannelLogo } from './ChannelLogo'
import { Outputs, OUTPUT_STATE } from './Outputs'
import { TableHead } from './table-head'
import { formatClock, formatDate, formatDuration, zoneAbbr } from '../format'
import { describeError } from '../state/model'
import { airTally, TALLY_DESCRIPTION, tallyText } from '../tally'

const PLAN_AHEAD_MS = 6 * 3600_000
const PLAN_NEAR_MS = 30 * 60_000
const PLAN_ROWS = 40

export function ChannelDetail() {
  const model = useModel()
  const uuid = useConsole((s) => s.ui.detail)
  const ch = useConsole((s) => (uuid ? s.channels[uuid] : undefined))
  const closeRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (uuid) closeRef.current?.focus()
  }, [uuid])
  if (!uuid || !ch) return null
  return (
    <aside
      className="detail"
      aria-label={`Channel detail: ${ch.name}`}
      data-testid="channel-detail"
      onKeyDown={(e) => e.key === 'Escape' && model.openDetail(null)}
    >
      <header className="detail-head">
        <h2>{ch.name}</h2>
        <button
          ref={closeRef}
          type="button"
          onClick={() => model.openDetail(null)}
          aria-label="Close channel detail"
        >
          Close
        </button>
      </header>
      <DetailBody uuid={uuid} />
    </aside>
  )
}

function DetailBody({ uuid }: { uuid: string }) {
  const model = useModel()
  const ch = useConsole((s) => s.channels[uuid])!
  const seen = useConsole((s) => s.seen[uuid])
  const nowId = ch.nowPlaying?.id ?? null
  const dayLabel = ch.broadcastDay.label
  const zone = ch.timezone

  const fromIso = () => {
    const now = model.stationNow()
    return now === null ? undefined : new Date(now).toISOString()
  }
  const plan = useLoad(async () => {
    const from = fromIso()
    if (!from) return model.api.schedule(uuid, {})
    const ahead = (ms: number) =>
      model.api.schedule(uuid, { from, to: new Date(Date.parse(from) + ms).toISOString() })
    // A near window first: a loop of short items fills the table within minutes, and six hours
    // of them is a thousand items to send for the forty shown.
    const near = await ahead(PLAN_NEAR_MS)
    return near.items.length >= PLAN_ROWS ? near : ahead(PLAN_AHEAD_MS)
  }, [uuid, nowId])
  const day = useLoad<BroadcastDayDto>(() => model.api.broadcastDay(uuid), [uuid, dayLabel])
  const history = useLoad(() => {
    const now = model.stationNow()
    const from = now === null ? undefined : new Date(now - 24 * 3600_000).toISOString()
    return model.api.alarms(from ? { channel: uuid, from } : { channel: uuid })
  }, [uuid, ch.alarms.length])

  const [reset, setReset] = useState<
    { state: 'idle' | 'busy' | 'done' } | { state: 'error'; message: string }
  >({ state: 'idle' })
  const doReset = async () => {
    setReset({ state: 'busy' })
    try {
      await model.resetChannel(uuid)
      setReset({ state: 'done' })
    } catch (err) {
      setReset({ state: 'error', message: describeError(err) })
    }
  }

  return (
    <div className="detail-body">
      <section aria-label="Status">
        <dl className="facts">
          <dt>Tally</dt>
          <dd>
            {tallyText(ch)} ({TALLY_DESCRIPTION[airTally(ch)]})
          </dd>
          <dt>Producer</dt>
          <dd data-testid="producer">
            {ch.producerType ?? 'none'} · {ch.producerStatus}
            {ch.failed ? ' · FAILED' : ''}
          </dd>
          <dt>Mode</dt>
          <dd>{ch.mode}</dd>
          <dt>Viewers</dt>
          <dd>
            {ch.viewerCount} viewers · {ch.previewCount} previews
          </dd>
          <dt>Zone</dt>
          <dd>{zone}</dd>
          <dt>Outputs</dt>
          <dd>
            {ch.outputs.length === 0
              ? 'none'
              : ch.outputs.map((o) => OUTPUT_STATE[o.state]).join(', ')}{' '}
            (below)
          </dd>
        </dl>
        <div className="reset">
          <button
            type="button"
            onClick={doReset}
            disabled={!ch.failed || reset.state === 'busy'}
            data-testid="reset-channel"
          >
            Reset channel
          </button>
          <span className="hint">
            {reset.state === 'error'
              ? `Reset refused: ${reset.message}`
              : reset.state === 'done' && !ch.failed
                ? 'Reset: the channel is starting again.'
                : ch.failed
                  ? 'The channel has failed: reset tries it again.'
                  : 'Only a failed channel can be reset.'}
          </span>
        </div>
      </section>

      <Outputs uuid={uuid} zone={zone} />

      {ch.kind === 'normal' && <ChannelLogo uuid={uuid} name={ch.name} />}

      <section aria-label="Broadcast day">
        <h3>Broadcast day</h3>
        {day.state === 'ok' ? (
          <p>
            {day.value.label}: {formatDate(Date.parse(day.value.start), zone)}{' '}
            {formatClock(Date.parse(day.value.start), zone)} →{' '}
            {formatDate(Date.parse(day.value.end), zone)}{' '}
            {formatClock(Date.parse(day.value.end), zone)} (
            {zoneAbbr(Date.parse(day.value.start), zone)}, rollover{' '}
            {formatDuration(day.value.rolloverMinutes * 60_000).replace(/:00$/, '')})
            <br />
            Carryover:{' '}
            {day.value.carryover
              ? `${day.value.carryover.title} (from ${formatClock(Date.parse(day.value.carryover.start), zone)} until ${formatClock(Date.parse(day.value.carryover.end), zone)})`
              : 'none'}
          </p>
        ) : (
          <p className="muted">
            {day.state === 'loading' ? 'Loading…' : `Not available: ${day.message}`}
          </p>
        )}
      </section>

      <section aria-label="Playout plan">
        <h3>
          Playout plan ahead (
          {zoneAbbr(Date.parse(ch.nowPlaying?.start ?? ch.broadcastDay.start), zone)})
        </h3>
        {plan.state === 'ok' ? (
          plan.value.items.length === 0 ? (
            <p className="muted">
              Nothing scheduled in the next {PLAN_AHEAD_MS / 3600_000} hours (a slate airs).
            </p>
          ) : (
            <PlanTable items={plan.value.items.slice(0, PLAN_ROWS)} zone={zone} nowId={nowId} />
          )
        ) : (
          <p className="muted">
            {plan.state === 'loading' ? 'Loading…' : `Not available: ${plan.message}`}
          </p>
        )}
      </section>

      <AsRunPanel uuid={uuid} slug={ch.slug} zone={zone} currentDay={dayLabel} />

      <section aria-label="Channel alarms">
        <h3>Alarms</h3>
        {ch.alarms.length === 0 ? (
          <p className="muted">No current alarms.</p>
        ) : (
          <AlarmTable alarms={ch.alarms} />
        )}
        {history.state === 'ok' && history.value.alarms.length > 0 && (
          <>
            <h4>Last 24 hours</h4>
            <AlarmTable alarms={history.value.alarms} />
          </>
        )}
        {history.state === 'error' && (
          <p className="muted">
            {history.unsupported
              ? 'Alarm history is not kept by this station yet.'
              : `Alarm history not available: ${history.message}`}
          </p>
        )}
      </section>

      <section aria-label="Recent events">
        <h3>Recent events (seen by this console)</h3>
        {seen && seen.length > 0 ? (
          <ol className="events" data-testid="recent-events">
            {seen.map((e) => (
              <li key={e.id} className={`ev-${e.level}`}>
                <time>{e.at ? formatClock(Date.parse(e.at), zone) : ''}</time> {e.text}
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">Nothing yet.</p>
        )}
      </section>
    </div>
  )
}

function PlanTable({
  items,
  zone,
  nowId
}: {
  items: ScheduleItemDto[]
  zone: string
  nowId: number | null
}) {
  return (
    <table className="plan" data-testid="plan">
      <TableHead columns={['Start', 'Title', 'Type', 'Dur.']} />
      <tbody>
        {items.map((i) => (
          <tr
            key={`${i.id}-${i.start}`}
            className={i.id === nowId ? 'on-air' : ''}
            aria-current={i.id === nowId ? 'true' : undefined}
          >
            <td>{formatClock(Date.parse(i.start), zone)}</td>
            <td>{i.title}</td>
            <td>{i.type}</td>
            <td>{formatDuration(i.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function AlarmTable({ alarms }: { alarms: AlarmDto[] }) {
  return (
    <ul className="alarm-mini">
      {alarms.map((a) => (
        <li key={`${a.id}@${a.since}`} className={`sev-${a.severity}`}>
          <span className="alarm-code">{a.code}</span> {a.message}{' '}
          <time>{formatClock(Date.parse(a.since))}</time>
          {a.clearedAt ? ` · cleared ${formatClock(Date.parse(a.clearedAt))}` : ''}
          {a.acknowledgedAt ? ' · acknowledged' : ''}
        </li>
      ))}
    </ul>
  )
}
