import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react'
import { onTick } from './state/ticker'

/** Calls `fn` on the shared animation-frame tick (about 10 Hz) while mounted; `fn` may change freely. */
export function useTick(fn: (monoMs: number) => void): void {
  const ref = useRef(fn)
  useLayoutEffect(() => {
    ref.current = fn
  })
  useEffect(() => onTick((t) => ref.current(t)), [])
}

/** Whether the element is on screen and the page is visible (IntersectionObserver + Page Visibility). */
export function useOnScreen(ref: RefObject<Element | null>): boolean {
  const [intersecting, setIntersecting] = useState(false)
  const [pageVisible, setPageVisible] = useState(
    () => typeof document === 'undefined' || document.visibilityState !== 'hidden'
  )
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) setIntersecting(e.isIntersecting)
    })
    io.observe(el)
    return () => io.disconnect()
  }, [ref])
  useEffect(() => {
    const update = () => setPageVisible(document.visibilityState !== 'hidden')
    document.addEventListener('visibilitychange', update)
    return () => document.removeEventListener('visibilitychange', update)
  }, [])
  return intersecting && pageVisible
}
