// The keyboard shortcuts, drawn from the one table; `?` opens it, Esc, `?` or Close closes it and
// gives the focus back where it was.
import { useEffect, useRef } from 'react'
import { SHORTCUTS } from '../keyboard-shortcuts'

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const before = document.activeElement
    close.current?.focus()
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus()
    }
  }, [])
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        className="shortcut-help"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        data-testid="shortcut-help"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault()
            e.stopPropagation()
            onClose()
          }
        }}
      >
        <h2>Keyboard shortcuts</h2>
        <p className="muted">
          The selected channel is the tile with the blue ring (click it, Tab to it, or use the
          arrows). Keys do nothing while you type in a field or a panel is open.
        </p>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.id} data-shortcut={s.id}>
                <th scope="row">
                  {s.label.split(' ').map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </th>
                <td>{s.description}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">
                <kbd>Esc</kbd>
              </th>
              <td>Back to the grid; closes a panel or this help</td>
            </tr>
          </tbody>
        </table>
        <p className="muted">
          Mouse: click a picture to listen; double-click a channel&apos;s name strip to show it
          alone.
        </p>
        <button ref={close} type="button" onClick={onClose}>
          Close (Esc)
        </button>
      </div>
    </div>
  )
}
