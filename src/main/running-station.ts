// The desktop app and a `serve` service on one data folder: the lock lets only one station run
// there (src/store/lock.ts), so the app, refused, offers the running station's console instead of
// failing. Its holder file names its control URL; the API token is in the folder.

/**
 * The running station's console URL (with its token, for the browser), or null if none is known.
 * Loaded only when needed: the window's process never otherwise loads the engine's modules.
 */
export async function runningStationConsole(dataDir: string): Promise<string | null> {
  const { readHolder } = await import('../store/lock')
  const { readApiToken } = await import('../station')
  const holder = readHolder(dataDir)
  if (!holder?.url) return null
  let token: string | undefined
  try {
    token = readApiToken(dataDir)
  } catch {
    token = undefined // unreadable (another user's service): the console asks for it
  }
  return token ? `${holder.url}/#token=${token}` : `${holder.url}/`
}
