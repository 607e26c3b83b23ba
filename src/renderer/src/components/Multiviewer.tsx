// The multiviewer: every channel a tile, placed by the wall plan (16:9 pictures as large as the
// area allows; alarms and banners live in the dock beside it, so they never move a picture).
// Solo shows one channel alone; the others stay mounted but hidden, so they stop loading without
// losing their place.
import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type RefObject
} from 'react'
import { useConsole, useModel } from '../context'
import { LAYOUT_LABELS, LAYOUTS } from '../state/prefs'
import { shortcutFor } from '../keyboard-shortcuts'
import { Tile } from './Tile'
import { ViewTabs } from './ViewTabs'
import { DESK_METRICS, planWall, WALL_METRICS, type TileMetrics } from './wall-plan'

export function LayoutPicker() {
  const model = useModel()
  const layout = useConsole((s) => s.prefs.layout)
  return (
    <div className="layout-picker" role="radiogroup" aria-label="Multiviewer layout">
      {LAYOUTS.map((l) => (
        <button
          key={l}
          type="button"
          role="radio"
          aria-checked={layout === l}
          aria-keyshortcuts={shortcutFor(`layout-${l}`)}
          className={layout === l ? 'on' : ''}
          onClick={() => model.setLayout(l)}
        >
          {LAYOUT_LABELS[l]}
        </button>
      ))}
    </div>
  )
}

/** Controls of the multiviewer itself: layout, wall mode, and which channel is heard. */
export function MultiviewerBar({ onHelp }: { onHelp: () => void }) {
  const model = useModel()
  const shown = useConsole((s) => s.ui.view === 'multiviewer')
  const wall = useConsole((s) => s.prefs.wall)
  const listened = useConsole((s) =>
    s.prefs.listened ? (s.channels[s.prefs.listened]?.name ?? null) : null
  )
  return (
    <div className="mv-bar">
      {/* The library's bar has its own while the multiviewer is hidden behind it. */}
      {shown && <ViewTabs />}
      <LayoutPicker />
      <button
        type="button"
        aria-pressed={wall}
        aria-keyshortcuts="W"
        data-testid="wall-mode"
        onClick={() => model.setWall(!wall)}
      >
        Wall
      </button>
      <span className="mv-listening" data-testid="listening">
        {listened ? `Listening: ${listened}` : 'All previews muted'}
      </span>
      {listened && (
        <button type="button" onClick={() => model.toggleListen(model.state.prefs.listened!)}>
          Mute
        </button>
      )}
      <span className="mv-hint">
        Click a picture to listen · double-click its name for a single view (Esc returns)
      </span>
      <button type="button" aria-keyshortcuts="?" data-testid="shortcuts-help" onClick={onHelp}>
        Keys ?
      </button>
    </div>
  )
}

/** The size of an element's content box, kept up to date. */
function useAreaSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 })
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const measure = () => {
      const width = el.clientWidth
      const height = el.clientHeight
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }))
    }
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [ref])
  return size
}

/** The CSS custom properties a layout's metrics set (the stylesheet sizes the strips from them). */
function metricVars(m: TileMetrics): CSSProperties {
  return {
    '--tally-w': `${m.border}px`,
    '--umd-h': `${m.umd}px`,
    '--now-h': `${m.now}px`,
    '--next-h': `${m.next}px`,
    '--gap': `${m.gap}px`
  } as CSSProperties
}

export function Multiviewer() {
  const model = useModel()
  const order = useConsole((s) => s.order)
  const layout = useConsole((s) => s.prefs.layout)
  const wall = useConsole((s) => s.prefs.wall)
  const largePref = useConsole((s) => s.prefs.large)
  const solo = useConsole((s) => s.ui.solo)
  const live = useConsole((s) => s.live)
  const shown = useConsole((s) => s.ui.view === 'multiviewer')
  const area = useRef<HTMLDivElement>(null)
  const size = useAreaSize(area)

  // Escape leaves the single view.
  useEffect(() => {
    if (!solo || !shown) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.querySelector('[role="dialog"]')) model.setSolo(null)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [model, solo, shown])

  const metrics = wall ? WALL_METRICS : DESK_METRICS
  const soloIndex = solo !== null ? order.indexOf(solo) : -1
  const soloed = soloIndex >= 0 ? solo : null
  const largeIndex = Math.max(0, largePref ? order.indexOf(largePref) : 0)
  const plan = planWall({
    width: size.width,
    height: size.height,
    n: order.length,
    layout,
    metrics,
    solo: soloIndex >= 0 ? soloIndex : null,
    large: largeIndex
  })
  const shownLayout = soloed ? 'solo' : layout

  return (
    <div className="mv-area" ref={area} style={metricVars(metrics)}>
      {!live ? (
        <div className="multiviewer empty">Waiting for the station…</div>
      ) : order.length === 0 ? (
        <div className="multiviewer empty">This station has no channels.</div>
      ) : (
        <div
          className={`multiviewer layout-${shownLayout}`}
          data-testid="multiviewer"
          data-layout={shownLayout}
          data-cols={plan.cols}
          data-rows={plan.rows}
          style={{ height: plan.height }}
        >
          {/* DOM order never changes (moving a <video> would disturb it); the plan places each tile. */}
          {order.map((uuid, i) => (
            <Tile
              key={uuid}
              uuid={uuid}
              box={plan.boxes[i] ?? null}
              largeLayout={layout === '1+n' && !soloed}
              hidden={!shown || (soloed !== null && uuid !== soloed)}
            />
          ))}
        </div>
      )}
    </div>
  )
}
