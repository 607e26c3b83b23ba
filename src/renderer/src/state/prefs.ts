// The only state the console keeps across reloads: how the operator arranged the desk. Station
// state is never persisted; it always comes fresh from the engine. The desk's arrangement (layout,
// wall mode) is shared by the browser's consoles (localStorage); what one console window hears and
// puts in its large tile is its own (sessionStorage: a second console keeps its own).

export const LAYOUTS = ['auto', '2x2', '3x3', '4x4', '1+n'] as const
export type Layout = (typeof LAYOUTS)[number]

export const LAYOUT_LABELS: Record<Layout, string> = {
  auto: 'Auto',
  '2x2': '2×2',
  '3x3': '3×3',
  '4x4': '4×4',
  '1+n': '1 large + small'
}

export interface Prefs {
  layout: Layout
  /** Wall mode: big type and thick tallies for a screen across the room. */
  wall: boolean
  /** The one channel whose sound plays in this console (null: all muted). */
  listened: string | null
  /** The channel in this console's large tile ("1 large + small"); null: the first. */
  large: string | null
}

export const DEFAULT_PREFS: Prefs = { layout: 'auto', wall: false, listened: null, large: null }
/** The desk's arrangement, shared by the browser's consoles. */
export const PREFS_KEY = 'retrovue-console-prefs'
/** This console window's own choices. */
export const WINDOW_PREFS_KEY = 'retrovue-console-window'

export interface PrefsStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

function read(storage: PrefsStorage | null, key: string): Record<string, unknown> {
  try {
    const raw = storage?.getItem(key)
    const v: unknown = raw ? JSON.parse(raw) : null
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** The desk's prefs from `desk`, this window's from `own` (none: this page only). */
export function loadPrefs(desk: PrefsStorage | null, own: PrefsStorage | null = null): Prefs {
  const d = read(desk, PREFS_KEY)
  const w = read(own, WINDOW_PREFS_KEY)
  return {
    layout: LAYOUTS.includes(d['layout'] as Layout)
      ? (d['layout'] as Layout)
      : DEFAULT_PREFS.layout,
    wall: d['wall'] === true,
    listened: typeof w['listened'] === 'string' ? w['listened'] : null,
    large: typeof w['large'] === 'string' ? w['large'] : null
  }
}

export function savePrefs(desk: PrefsStorage | null, own: PrefsStorage | null, prefs: Prefs): void {
  try {
    desk?.setItem(PREFS_KEY, JSON.stringify({ layout: prefs.layout, wall: prefs.wall }))
    own?.setItem(WINDOW_PREFS_KEY, JSON.stringify({ listened: prefs.listened, large: prefs.large }))
  } catch {
    // storage full or disabled: preferences are a convenience
  }
}
