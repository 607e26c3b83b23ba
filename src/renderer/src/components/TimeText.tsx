// Text that moves with station time, written straight to the DOM on the shared tick.
import { useRef } from 'react'
import { useModel } from '../context'
import { countdown, formatClock, zoneAbbr } from '../format'
import { useTick } from '../hooks'

/** The time now in a zone ("14:02:33 EST"), from the station's clock. */
export function ZoneClock({
  zone,
  className,
  withZone = true,
  testId
}: {
  zone?: string
  className?: string
  withZone?: boolean
  testId?: string
}) {
  const model = useModel()
  const ref = useRef<HTMLSpanElement>(null)
  const last = useRef('')
  useTick((mono) => {
    const now = model.stationNow(mono)
    const text =
      now === null
        ? '--:--:--'
        : withZone
          ? `${formatClock(now, zone)} ${zoneAbbr(now, zone)}`
          : formatClock(now, zone)
    if (text !== last.current && ref.current) {
      last.current = text
      ref.current.textContent = text
    }
  })
  return <span ref={ref} className={className} data-testid={testId} />
}

/** A countdown to an instant ("-04:07"); after it, greyed and counting up ("+00:12"). */
export function Countdown({ target, label }: { target: string; label: string }) {
  const model = useModel()
  const ref = useRef<HTMLSpanElement>(null)
  const last = useRef('')
  const targetMs = Date.parse(target)
  useTick((mono) => {
    const now = model.stationNow(mono)
    const el = ref.current
    if (now === null || !el) return
    const c = countdown(targetMs, now)
    const key = `${c.text}${c.overrun}`
    if (key === last.current) return
    last.current = key
    el.textContent = c.text
    el.classList.toggle('overrun', c.overrun)
    el.setAttribute(
      'aria-label',
      c.overrun ? `${label}: overrun by ${c.text.slice(1)}` : `${label}: ${c.text.slice(1)} left`
    )
  })
  return <span ref={ref} className="countdown" data-testid="countdown" />
}
