// The station header: MasterClock time, station mode, health, connection, and the emergency cover.
import { useConsole, useModel } from '../context'
import { formatClock, formatDate, zoneAbbr } from '../format'
import { useTick } from '../hooks'
import { useRef } from 'react'
import { EmergencyCover } from './Emergency'
import { LoudnessSetting } from './LoudnessSetting'
import { Webhooks } from './Webhooks'
import { ConformSetting } from './ConformSetting'

/** The station clock: MasterClock time in this desk's zone (24 h), with UTC beside it. */
function StationClockView() {
  const model = useModel()
  const timeRef = useRef<HTMLSpanElement>(null)
  const subRef = useRef<HTMLSpanElement>(null)
  const last = useRef('')
  useTick((mono) => {
    const now = model.stationNow(mono)
    if (now === null) return
    const time = formatClock(now)
    if (time === last.current) return
    last.current = time
    if (timeRef.current) timeRef.current.textContent = time
    const zone = zoneAbbr(now)
    const utc = zone === 'UTC' ? '' : ` · UTC ${formatClock(now, 'UTC')}`
    if (subRef.current) subRef.current.textContent = `${zone} · ${formatDate(now)}${utc}`
  })
  const down = useConsole((s) => s.down !== null)
  return (
    <div
      className={`station-clock${down ? ' clock-stopped' : ''}`}
      role="timer"
      aria-label={down ? 'Station time: stopped, no data' : 'Station time (MasterClock)'}
    >
      <span ref={timeRef} className="clock-time" data-testid="station-clock">
        --:--:--
      </span>
      {down && (
        <span className="clock-stopped-chip" data-testid="clock-stopped">
          STOPPED · NO DATA
        </span>
      )}
      <span ref={subRef} className="clock-sub" />
    </div>
  )
}

function ModeView() {
  const mode = useConsole((s) => s.mode)
  const test = useConsole((s) => s.ui.testEmergency)
  const down = useConsole((s) => s.down !== null)
  if (down)
    return (
      <div className="mode-badge mode-down" data-testid="mode" aria-label="Station mode: unknown">
        <span className="caption">MODE</span>
        <strong>STATION DOWN</strong>
      </div>
    )
  return (
    <div
      className={`mode-badge mode-${mode.mode}`}
      data-testid="mode"
      aria-label={`Station mode: ${mode.mode}`}
    >
      <span className="caption">MODE</span>
      <strong>
        {mode.mode === 'emergency'
          ? `EMERGENCY · ${mode.emergency?.scope.toUpperCase() ?? ''}`
          : 'NORMAL'}
      </strong>
      {test && <span className="test-chip">TEST RUNNING</span>}
    </div>
  )
}

function HealthView() {
  const health = useConsole((s) => s.health)
  const down = useConsole((s) => s.down !== null)
  if (!health) return <div className="health" data-testid="health" />
  if (down)
    return (
      <div className="health health-down" data-testid="health" aria-label="Station health">
        <span>
          <span className="caption">HEALTH</span>
          <strong>NO DATA</strong>
        </span>
      </div>
    )
  return (
    <div
      className={`health health-${health.status}`}
      data-testid="health"
      aria-label="Station health"
    >
      <span>
        <span className="caption">PRODUCERS</span>
        <strong
          data-testid="producers"
          title={`${health.producerBudgetUsed} of ${health.producerBudget} in use (a copy channel counts a share of one)`}
        >
          {health.producersRunning}/{health.producerBudget}
        </strong>
      </span>
      <span className={health.failedChannels > 0 ? 'bad' : ''}>
        <span className="caption">FAILED</span>
        <strong data-testid="failed-channels">{health.failedChannels}</strong>
      </span>
      <span>
        <span className="caption">VIEWERS</span>
        <strong>{health.viewers}</strong>
      </span>
      <span>
        <span className="caption">HEALTH</span>
        <strong>{health.status === 'ok' ? 'OK' : 'DEGRADED'}</strong>
      </span>
    </div>
  )
}

function ConnectionView() {
  const c = useConsole((s) => s.connection)
  const text =
    c.status === 'open'
      ? 'LIVE'
      : c.status === 'reconnecting'
        ? `RECONNECTING${c.retryInMs !== null ? ` (${Math.ceil(c.retryInMs / 1000)} s)` : ''}`
        : c.status === 'connecting'
          ? 'CONNECTING'
          : 'IDLE'
  return (
    <div
      className={`connection conn-${c.status}`}
      data-testid="connection"
      role="status"
      aria-label={`Connection to the station: ${text}`}
    >
      {text}
    </div>
  )
}

export function Header() {
  return (
    <header className="station-header">
      <div className="brand">
        <h1>RetroVue Master Control</h1>
        <ConnectionView />
      </div>
      <StationClockView />
      <ModeView />
      <HealthView />
      <LoudnessSetting />
      <Webhooks />
      <ConformSetting />
      <EmergencyCover />
    </header>
  )
}

/** A stale picture must never pass for a live one. */
export function ConnectionNotice() {
  const c = useConsole((s) => s.connection)
  const live = useConsole((s) => s.live)
  const down = useConsole((s) => s.down)
  if (c.status === 'open' || c.status === 'idle' || !live) return null
  return (
    <div className="connection-notice" role="alert" data-testid="station-down">
      <strong>STATION DOWN</strong>
      {down !== null ? ` · no data since ${formatClock(down)}` : ''}: nothing shown here is live.
      Reconnecting…
    </div>
  )
}
