// Hold-to-confirm: the action fires only after the button has been held down for the whole
// duration, while a bar fills. Releasing, leaving the button or losing focus earlier cancels it.
// Works with a mouse, a touch screen and the keyboard (hold Enter or Space). A plain click does
// nothing, so neither a stray click nor a bounced key can fire it.
import { useEffect, useId, useRef, useState } from 'react'

export interface HoldButtonProps {
  label: string
  durationMs?: number
  onComplete: () => void
  /** Released before the end (the parent may say that nothing happened). */
  onCancel?: () => void
  disabled?: boolean
  variant: 'live' | 'clear' | 'test'
  testId?: string
}

export const HOLD_MS = 3000

export function HoldButton({
  label,
  durationMs = HOLD_MS,
  onComplete,
  onCancel,
  disabled = false,
  variant,
  testId
}: HoldButtonProps) {
  const barRef = useRef<HTMLSpanElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const hold = useRef<{ start: number | null; frame: number } | null>(null)
  const [holding, setHolding] = useState(false)
  const hintId = useId()
  const seconds = Math.round(durationMs / 1000)

  const paint = (fraction: number) => {
    if (barRef.current) barRef.current.style.transform = `scaleX(${fraction})`
    buttonRef.current?.setAttribute('data-progress', fraction.toFixed(2))
  }

  const begin = () => {
    if (disabled || hold.current) return
    const h: { start: number | null; frame: number } = { start: null, frame: 0 }
    hold.current = h
    setHolding(true)
    const step = (t: number) => {
      if (hold.current !== h) return
      h.start ??= t
      const fraction = Math.min(1, (t - h.start) / durationMs)
      paint(fraction)
      if (fraction >= 1) {
        hold.current = null
        setHolding(false)
        paint(0)
        onComplete()
        return
      }
      h.frame = requestAnimationFrame(step)
    }
    h.frame = requestAnimationFrame(step)
  }

  const cancel = () => {
    const h = hold.current
    if (!h) return
    cancelAnimationFrame(h.frame)
    hold.current = null
    setHolding(false)
    paint(0)
    onCancel?.()
  }

  // Never leave a hold running behind an unmounted button.
  useEffect(
    () => () => {
      if (hold.current) cancelAnimationFrame(hold.current.frame)
      hold.current = null
    },
    []
  )
  useEffect(() => {
    if (disabled) cancel()
  }, [disabled])

  const isHoldKey = (key: string) => key === 'Enter' || key === ' '

  return (
    <div className={`hold hold-${variant}${holding ? ' holding' : ''}`}>
      <button
        ref={buttonRef}
        type="button"
        className="hold-button"
        data-testid={testId}
        disabled={disabled}
        aria-describedby={hintId}
        onPointerDown={(e) => {
          if (e.button === 0) begin()
        }}
        onPointerUp={cancel}
        onPointerLeave={cancel}
        onPointerCancel={cancel}
        onBlur={cancel}
        onContextMenu={(e) => e.preventDefault()}
        onKeyDown={(e) => {
          if (!isHoldKey(e.key)) return
          e.preventDefault()
          if (!e.repeat) begin()
        }}
        onKeyUp={(e) => {
          if (!isHoldKey(e.key)) return
          e.preventDefault()
          cancel()
        }}
        onClick={(e) => e.preventDefault()}
      >
        <span ref={barRef} className="hold-bar" aria-hidden="true" />
        <span className="hold-label">{holding ? `Keep holding… (${seconds} s)` : label}</span>
      </button>
      <span id={hintId} className="hold-hint">
        Press and hold for {seconds} seconds (mouse, touch, or Enter / Space). Releasing earlier
        cancels.
      </span>
    </div>
  )
}
