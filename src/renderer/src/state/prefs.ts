// The only state the console keeps across reloads: how the operator arranged the desk. Station
// state is never persisted; it always comes fresh from the engine.

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
  /** The one channel whose sound plays (null: all muted). */
  listened: string | null
}

export const DEFAULT_PREFS: Prefs = { layout: 'auto', listened: null }
export const PREFS_KEY = 'retrovue-console-prefs'

export interface PrefsStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export function loadPrefs(storage: PrefsStorage | null): Prefs {
  try {
    const raw = storage?.getItem(PREFS_KEY)
    if (!raw) return DEFAULT_PREFS
    const v = JSON.parse(raw) as Partial<Prefs>
    return {
      layout: LAYOUTS.includes(v.layout as Layout) ? (v.layout as Layout) : DEFAULT_PREFS.layout,
      listened: typeof v.listened === 'string' ? v.listened : null
    }
  } catch {
    return DEFAULT_PREFS
  }
}

export function savePrefs(storage: PrefsStorage | null, prefs: Prefs): void {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(prefs))
  } catch {
    // storage full or disabled: preferences are a convenience
  }
}
