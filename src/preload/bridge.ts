// The StationApi as the window sees it: each method is one invoke on IPC_INVOKE, each subscription
// a stream of pushed IPC_EVENT messages. Takes ipcRenderer as a parameter so tests can pass a
// stand-in. A sandboxed preload cannot load packages: the bundle carries what it imports (zod too).
import type { StationEvent } from '../shared/api'
import { IPC_EVENT, IPC_INVOKE, type IpcReply, type IpcRequest } from '../shared/ipc'
import {
  STATION_API_METHODS,
  type StationApi,
  type StationApiErrorShape,
  type StationEventListener
} from '../shared/station-api'

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function createStationBridge(ipc: IpcRendererLike): StationApi {
  const listeners = new Map<number, StationEventListener>()
  let nextSub = 1

  ipc.on(IPC_EVENT, (_event, sub, stationEvent) => {
    if (typeof sub === 'number') listeners.get(sub)?.(stationEvent as StationEvent)
  })

  const send = async (request: IpcRequest): Promise<unknown> => {
    const reply = (await ipc.invoke(IPC_INVOKE, request)) as IpcReply
    if (reply.ok) return reply.value
    // A plain object, not an Error: contextBridge copies its fields, but only an Error's message.
    const failure: StationApiErrorShape & { name: string } = {
      name: 'StationApiError',
      code: reply.error.code,
      message: reply.error.message
    }
    throw failure
  }

  // One function per call of the contract (its list, STATION_API_METHODS), each a plain invoke.
  const calls = Object.fromEntries(
    STATION_API_METHODS.map((method) => [
      method,
      (...args: unknown[]) => send({ op: 'call', method, args })
    ])
  )
  const api: StationApi = {
    ...(calls as unknown as Omit<StationApi, 'subscribe'>),
    subscribe: (listener) => {
      const sub = nextSub++
      listeners.set(sub, listener)
      send({ op: 'subscribe', sub }).catch((err: unknown) => {
        listeners.delete(sub)
        console.error('RetroVue: the station refused an event subscription', err)
      })
      return () => {
        if (listeners.delete(sub)) send({ op: 'unsubscribe', sub }).catch(() => undefined)
      }
    }
  }
  return api
}
