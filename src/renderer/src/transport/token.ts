// The API token for the browser transport. `serve` prints the console's address with the token in
// the URL fragment (`#token=...`), which browsers never send to a server. The console takes it from
// there, removes it from the address bar (and so from history and screenshots) and keeps it in
// sessionStorage: this tab only, gone when the tab closes.

export const TOKEN_KEY = 'retrovue-token'

export interface TokenSources {
  location: { hash: string; pathname: string; search: string }
  history: { replaceState(data: unknown, unused: string, url?: string): void }
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void }
}

export function takeApiToken(w: TokenSources): string | null {
  const fromHash = new URLSearchParams(w.location.hash.replace(/^#/, '')).get('token')
  if (fromHash) {
    w.sessionStorage.setItem(TOKEN_KEY, fromHash)
    w.history.replaceState(null, '', `${w.location.pathname}${w.location.search}`)
    return fromHash
  }
  return w.sessionStorage.getItem(TOKEN_KEY)
}
