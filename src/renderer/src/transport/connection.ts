// How the console learns whether its event stream is live. Optional for a transport: the IPC one
// is always connected while the window exists; the HTTP one reconnects and says so.

export interface ConnectionState {
  /** idle: nothing subscribed; connecting: first attempt; open: events flowing; reconnecting: lost, retrying. */
  status: 'idle' | 'connecting' | 'open' | 'reconnecting'
  /** When reconnecting: the delay before the next attempt. */
  retryInMs: number | null
  /** How many times a missed update forced a fresh snapshot. */
  resyncs: number
}

export type ConnectionListener = (state: ConnectionState) => void

export interface ConnectionAware {
  connectionState(): ConnectionState
  onConnectionChange(listener: ConnectionListener): () => void
}

export function isConnectionAware(api: object): api is ConnectionAware {
  const a = api as Partial<ConnectionAware>
  return typeof a.connectionState === 'function' && typeof a.onConnectionChange === 'function'
}
