// The switch between the console's views: the multiviewer, the media library and channel
// programming. One click, or Escape from the library, brings the multiviewer back.
import { useConsole, useModel } from '../context'
import type { ConsoleView } from '../state/model'

const VIEWS: Array<{ view: ConsoleView; label: string }> = [
  { view: 'multiviewer', label: 'Multiviewer' },
  { view: 'library', label: 'Library' },
  { view: 'programming', label: 'Programming' }
]

export function ViewTabs() {
  const model = useModel()
  const view = useConsole((s) => s.ui.view)
  return (
    <div className="view-tabs" role="tablist" aria-label="Console view">
      {VIEWS.map((v) => (
        <button
          key={v.view}
          type="button"
          role="tab"
          aria-selected={view === v.view}
          className={view === v.view ? 'on' : ''}
          data-testid={`view-${v.view}`}
          onClick={() => model.setView(v.view)}
        >
          {v.label}
        </button>
      ))}
    </div>
  )
}
