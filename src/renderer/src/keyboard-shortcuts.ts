// The console's keyboard shortcuts: one table (the help overlay is drawn from it) and one window
// listener. The selected channel is the tile holding the keyboard focus, so Tab, a click and the
// arrow keys all select the same way. No shortcut fires an emergency: E only lifts the cover.
import { useEffect } from 'react'
import type { ConsoleModel } from './state/model'
import { LAYOUT_LABELS, LAYOUTS, type Layout } from './state/prefs'

export type ShortcutId =
  | `layout-${Layout}`
  | 'wall'
  | 'next'
  | 'previous'
  | 'listen'
  | 'mute'
  | 'solo'
  | 'large'
  | 'details'
  | 'acknowledge'
  | 'emergency'
  | 'help'

export interface Shortcut {
  id: ShortcutId
  /** KeyboardEvent.key values that give it. */
  keys: string[]
  /** How the help overlay writes the keys. */
  label: string
  description: string
  /** Only while the multiviewer is the view. */
  multiviewer: boolean
}

export const SHORTCUTS: Shortcut[] = [
  ...LAYOUTS.map((l, i): Shortcut => ({
    id: `layout-${l}`,
    keys: [String(i + 1)],
    label: String(i + 1),
    description: `Layout: ${LAYOUT_LABELS[l]}`,
    multiviewer: true
  })),
  {
    id: 'wall',
    keys: ['w', 'W'],
    label: 'W',
    description: 'Wall mode on or off (a screen across the room)',
    multiviewer: true
  },
  {
    id: 'next',
    keys: ['ArrowRight', 'ArrowDown'],
    label: '→ ↓',
    description: 'Select the next channel',
    multiviewer: true
  },
  {
    id: 'previous',
    keys: ['ArrowLeft', 'ArrowUp'],
    label: '← ↑',
    description: 'Select the previous channel',
    multiviewer: true
  },
  {
    id: 'listen',
    keys: ['l', 'L'],
    label: 'L',
    description: 'Listen to the selected channel (again: mute it)',
    multiviewer: true
  },
  {
    id: 'mute',
    keys: ['m', 'M'],
    label: 'M',
    description: 'Mute every preview',
    multiviewer: true
  },
  {
    id: 'solo',
    keys: ['s', 'S'],
    label: 'S',
    description: 'The selected channel alone, or back to the grid (Esc also returns)',
    multiviewer: true
  },
  {
    id: 'large',
    keys: ['b', 'B'],
    label: 'B',
    description: 'Put the selected channel in the large tile (1 large + small)',
    multiviewer: true
  },
  {
    id: 'details',
    keys: ['d', 'D'],
    label: 'D',
    description: "The selected channel's details",
    multiviewer: true
  },
  {
    id: 'acknowledge',
    keys: ['a', 'A'],
    label: 'A',
    description: 'Go to the next alarm waiting for acknowledgement (Enter acknowledges it)',
    multiviewer: false
  },
  {
    id: 'emergency',
    keys: ['e', 'E'],
    label: 'E',
    description: 'Lift the emergency cover (opens the panel; nothing goes to air without the hold)',
    multiviewer: false
  },
  { id: 'help', keys: ['?'], label: '?', description: 'This help', multiviewer: false }
]

/** The aria-keyshortcuts value of a shortcut (its first key). */
export function shortcutFor(id: ShortcutId): string | undefined {
  return SHORTCUTS.find((s) => s.id === id)?.label.split(' ')[0]
}

export interface KeyPress {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
}

/** The shortcut a key press gives, or null (modified keys belong to the browser). */
export function shortcutOf(e: KeyPress): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  return SHORTCUTS.find((s) => s.keys.includes(e.key)) ?? null
}

/** Keys typed into a field, or meant for an open dialog, are not shortcuts. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return (
    target.isContentEditable || target.closest('input, textarea, select, [role="dialog"]') !== null
  )
}

function visibleTiles(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-testid="tile"]')].filter(
    (t) => !t.hidden
  )
}

/** The tile holding the focus: the selected channel. */
export function selectedTile(): HTMLElement | null {
  const el = document.activeElement
  return el instanceof HTMLElement ? el.closest<HTMLElement>('[data-testid="tile"]') : null
}

function step(by: 1 | -1): void {
  const tiles = visibleTiles()
  if (tiles.length === 0) return
  const at = tiles.indexOf(selectedTile() as HTMLElement)
  const next = at < 0 ? (by === 1 ? 0 : tiles.length - 1) : (at + by + tiles.length) % tiles.length
  tiles[next]!.focus()
}

/** The next acknowledge button of the alarm list after the focused one (the alarms own the rest). */
function nextAlarm(): void {
  const list = document.querySelector<HTMLElement>('[data-testid="alarm-list"]')
  if (!list) return
  const buttons = [
    ...list.querySelectorAll<HTMLButtonElement>('[data-testid="alarm"] button')
  ].filter((b) => !b.disabled && /^Acknowledge /.test(b.getAttribute('aria-label') ?? ''))
  if (buttons.length === 0) {
    list.tabIndex = -1
    list.focus()
    return
  }
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement)
  buttons[(at + 1) % buttons.length]!.focus()
}

export function runShortcut(model: ConsoleModel, id: ShortcutId, openHelp: () => void): void {
  const layout = id.startsWith('layout-') ? (id.slice('layout-'.length) as Layout) : null
  if (layout) return model.setLayout(layout)
  const tile = selectedTile()
  const uuid = tile?.dataset['channel'] ?? null
  switch (id) {
    case 'wall':
      return model.setWall(!model.state.prefs.wall)
    case 'next':
      return step(1)
    case 'previous':
      return step(-1)
    case 'mute':
      if (model.state.prefs.listened) model.toggleListen(model.state.prefs.listened)
      return
    case 'acknowledge':
      return nextAlarm()
    case 'emergency':
      return model.setEmergencyPanel(true)
    case 'help':
      return openHelp()
  }
  // The rest act on the selected channel; with none, the first is selected (nothing else happens).
  if (!uuid) return step(1)
  switch (id) {
    case 'listen':
      return model.toggleListen(uuid)
    case 'solo':
      model.setSolo(model.state.ui.solo === uuid ? null : uuid)
      // The tile stays selected across the change of layout.
      requestAnimationFrame(() => tile?.focus())
      return
    case 'large':
      return model.setLarge(uuid)
    case 'details':
      return model.openDetail(model.state.ui.detail === uuid ? null : uuid)
  }
}

/** Installs the shortcuts on the window while mounted. */
export function useShortcuts(model: ConsoleModel, openHelp: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || typing(e.target)) return
      if (document.querySelector('[role="dialog"]')) return
      const s = shortcutOf(e)
      if (!s) return
      if (s.multiviewer && model.state.ui.view !== 'multiviewer') return
      e.preventDefault()
      runShortcut(model, s.id, openHelp)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [model, openHelp])
}
