// EMERGENCY ON AIR over the whole window while an emergency is on air, with message, scope and
// since when, and the drill's look-alike that is clearly not it.
import { useRef } from 'react'
import { useConsole, useModel } from '../context'
import { formatClock, formatDuration } from '../format'
import { useTick } from '../hooks'

/** Elapsed time since an instant, on the shared tick. */
function Elapsed({ since }: { since: string }) {
  const model = useModel()
  const ref = useRef<HTMLSpanElement>(null)
  const sinceMs = Date.parse(since)
  useTick((mono) => {
    const now = model.stationNow(mono)
    if (now !== null && ref.current && Number.isFinite(sinceMs))
      ref.current.textContent = formatDuration(Math.max(0, now - sinceMs))
  })
  return <span ref={ref} className="elapsed" />
}

/** EMERGENCY ON AIR over the whole window (and the drill's look-alike that is clearly not it). */
export function EmergencyBanner() {
  const model = useModel()
  const mode = useConsole((s) => s.mode)
  const test = useConsole((s) => s.ui.testEmergency)
  const e = mode.mode === 'emergency' ? mode.emergency : null
  return (
    <>
      {e && (
        <>
          <div className="emergency-frame" aria-hidden="true" />
          <section
            className="emergency-banner"
            role="region"
            aria-label="Emergency on air"
            data-testid="emergency-banner"
            data-scope={e.scope}
          >
            <div className="banner-title">
              <strong>EMERGENCY ON AIR</strong>
              <span className="banner-scope">
                {e.scope === 'takeover'
                  ? 'TAKEOVER · full screen on every channel'
                  : 'CRAWL · over programming on every channel'}
              </span>
              <span className="banner-since">
                since {formatClock(Date.parse(e.since))} (<Elapsed since={e.since} />)
                {e.desk ? <span data-testid="banner-desk"> · fired from desk {e.desk}</span> : null}
              </span>
            </div>
            <p className="banner-message" data-testid="banner-message">
              {e.message}
            </p>
            <button
              type="button"
              className="banner-clear"
              onClick={() => model.setEmergencyPanel(true)}
            >
              All clear…
            </button>
          </section>
        </>
      )}
      {test && !e && (
        <section
          className="test-banner"
          role="region"
          aria-label="Emergency test (not on air)"
          data-testid="test-banner"
        >
          <div className="banner-title">
            <strong>EMERGENCY TEST · NOT ON AIR</strong>
            <span className="banner-scope">
              {test.scope.toUpperCase()} drill in this console only
            </span>
            <span className="banner-since">
              {test.since ? `since ${formatClock(Date.parse(test.since))}` : ''}
            </span>
          </div>
          <p className="banner-message">{test.message}</p>
          <button
            type="button"
            className="banner-clear"
            onClick={() => model.setEmergencyPanel(true)}
          >
            End test…
          </button>
        </section>
      )}
    </>
  )
}
