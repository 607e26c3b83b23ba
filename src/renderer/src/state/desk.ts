// The console desk's name, as its operator gave it (asked once, kept in this console's storage): it
// goes with an acknowledgement or an emergency so the other desks and the history say who did it.
import type { PrefsStorage } from './prefs'

const DESK_KEY = 'retrovue.desk'
export const DESK_NAME_MAX = 40

/** The name as the station takes it (trimmed, no control characters), or null when unusable. */
export function cleanDeskName(raw: string): string | null {
  // eslint-disable-next-line no-control-regex
  const name = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return name.length > 0 && name.length <= DESK_NAME_MAX ? name : null
}

export function loadDesk(storage: PrefsStorage | null): string | null {
  try {
    const raw = storage?.getItem(DESK_KEY)
    return raw ? cleanDeskName(raw) : null
  } catch {
    return null
  }
}

export function saveDesk(storage: PrefsStorage | null, name: string): void {
  try {
    storage?.setItem(DESK_KEY, name)
  } catch {
    // storage full or disabled: the console asks again next time
  }
}
