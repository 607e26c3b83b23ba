// The multiviewer grid: every channel a tile, in the operator's layout. A double-click (or a tile's
// Solo button) shows one channel alone; the others stay mounted but hidden, so they stop loading
// without losing their place.
import { useEffect } from 'react'
import { useConsole, useModel } from '../context'
import { LAYOUT_LABELS, LAYOUTS, type Layout } from '../state/prefs'
import { Tile } from './Tile'
import { ViewTabs } from './ViewTabs'

function gridFor(layout: Layout, n: number): { cols: number; rows: number } {
  switch (layout) {
    case '2x2':
      return { cols: 2, rows: 2 }
    case '3x3':
      return { cols: 3, rows: 3 }
    case '4x4':
      return { cols: 4, rows: 4 }
    case '1+n':
      return { cols: 4, rows: Math.max(3, 3 + Math.ceil(Math.max(0, n - 4) / 4)) }
    case 'auto': {
      const cols = Math.max(1, Math.ceil(Math.sqrt(n)))
      return { cols, rows: Math.max(1, Math.ceil(n / cols)) }
    }
  }
}

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
          className={layout === l ? 'on' : ''}
          onClick={() => model.setLayout(l)}
        >
          {LAYOUT_LABELS[l]}
        </button>
      ))}
    </div>
  )
}

/** Controls of the multiviewer itself: layout, and which channel is heard. */
export function MultiviewerBar() {
  const model = useModel()
  const shown = useConsole((s) => s.ui.view === 'multiviewer')
  const listened = useConsole((s) =>
    s.prefs.listened ? (s.channels[s.prefs.listened]?.name ?? null) : null
  )
  return (
    <div className="mv-bar">
      {/* The library's bar has its own while the multiviewer is hidden behind it. */}
      {shown && <ViewTabs />}
      <LayoutPicker />
      <span className="mv-listening" data-testid="listening">
        {listened ? `Listening: ${listened}` : 'All previews muted'}
      </span>
      {listened && (
        <button type="button" onClick={() => model.toggleListen(model.state.prefs.listened!)}>
          Mute
        </button>
      )}
      <span className="mv-hint">
        Click a picture to listen · double-click for a single view (Esc returns)
      </span>
    </div>
  )
}

export function Multiviewer() {
  const model = useModel()
  const order = useConsole((s) => s.order)
  const layout = useConsole((s) => s.prefs.layout)
  const listened = useConsole((s) => s.prefs.listened)
  const solo = useConsole((s) => s.ui.solo)
  const live = useConsole((s) => s.live)
  const shown = useConsole((s) => s.ui.view === 'multiviewer')

  // Escape leaves the single view.
  useEffect(() => {
    if (!solo || !shown) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.querySelector('[role="dialog"]')) model.setSolo(null)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [model, solo, shown])

  if (!live) return <div className="multiviewer empty">Waiting for the station…</div>
  if (order.length === 0)
    return <div className="multiviewer empty">This station has no channels.</div>

  const soloed = solo !== null && order.includes(solo) ? solo : null
  const { cols, rows } = soloed ? { cols: 1, rows: 1 } : gridFor(layout, order.length)
  const large =
    layout === '1+n' && !soloed
      ? listened && order.includes(listened)
        ? listened
        : order[0]
      : null

  return (
    <div
      className={`multiviewer layout-${soloed ? 'solo' : layout}`}
      data-testid="multiviewer"
      data-layout={soloed ? 'solo' : layout}
      style={{
        gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
        gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))`,
        gridAutoRows: `calc((100% - ${rows - 1} * var(--gap)) / ${rows})`
      }}
    >
      {/* DOM order never changes (moving a <video> would disturb it); CSS puts the large tile first. */}
      {order.map((uuid) => (
        <Tile
          key={uuid}
          uuid={uuid}
          large={uuid === large}
          hidden={!shown || (soloed !== null && uuid !== soloed)}
        />
      ))}
    </div>
  )
}
