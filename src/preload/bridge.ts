// The StationApi as the window sees it: each method is one invoke on IPC_INVOKE, each subscription
// a stream of pushed IPC_EVENT messages. Takes ipcRenderer as a parameter so tests can pass a
// stand-in. Imports types only (and the channel names): a sandboxed preload cannot load packages.
import type { StationEvent } from '../shared/api';
import { IPC_EVENT, IPC_INVOKE, type IpcReply, type IpcRequest } from '../shared/ipc';
import type { StationApi, StationApiErrorShape, StationEventListener } from '../shared/station-api';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Method = Exclude<keyof StationApi, 'subscribe'>;
type Result<M extends Method> = ReturnType<StationApi[M]>;

export function createStationBridge(ipc: IpcRendererLike): StationApi {
  const listeners = new Map<number, StationEventListener>();
  let nextSub = 1;

  ipc.on(IPC_EVENT, (_event, sub, stationEvent) => {
    if (typeof sub === 'number') listeners.get(sub)?.(stationEvent as StationEvent);
  });

  const send = async (request: IpcRequest): Promise<unknown> => {
    const reply = (await ipc.invoke(IPC_INVOKE, request)) as IpcReply;
    if (reply.ok) return reply.value;
    // A plain object, not an Error: contextBridge copies its fields, but only an Error's message.
    const failure: StationApiErrorShape & { name: string } = { name: 'StationApiError', code: reply.error.code, message: reply.error.message };
    throw failure;
  };
  const call = <M extends Method>(method: M, ...args: unknown[]) => send({ op: 'call', method, args }) as Result<M>;

  // `satisfies` keeps this object exactly the contract: a missing or extra method fails the build.
  const api = {
    snapshot: () => call('snapshot'),
    channel: (uuid) => call('channel', uuid),
    schedule: (uuid, range) => call('schedule', uuid, range),
    broadcastDay: (uuid, at) => call('broadcastDay', uuid, at),
    mode: () => call('mode'),
    health: () => call('health'),
    alarms: (query) => call('alarms', query),
    asRun: (query) => call('asRun', query),
    asRunCsv: (query) => call('asRunCsv', query),
    asRunReconcile: (query) => call('asRunReconcile', query),
    attachPreview: (uuid) => call('attachPreview', uuid),
    detachPreview: (sessionId) => call('detachPreview', sessionId),
    previewEmergency: (request) => call('previewEmergency', request),
    activateEmergency: (request) => call('activateEmergency', request),
    clearEmergency: () => call('clearEmergency'),
    resetChannel: (uuid) => call('resetChannel', uuid),
    acknowledgeAlarm: (id) => call('acknowledgeAlarm', id),
    outputs: (uuid) => call('outputs', uuid),
    addOutput: (uuid, request) => call('addOutput', uuid, request),
    setOutputEnabled: (id, enabled) => call('setOutputEnabled', id, enabled),
    removeOutput: (id) => call('removeOutput', id),
    channelLogo: (uuid) => call('channelLogo', uuid),
    setChannelLogo: (uuid, request) => call('setChannelLogo', uuid, request),
    removeChannelLogo: (uuid) => call('removeChannelLogo', uuid),
    loudness: () => call('loudness'),
    setLoudness: (request) => call('setLoudness', request),
    subscribe: (listener) => {
      const sub = nextSub++;
      listeners.set(sub, listener);
      send({ op: 'subscribe', sub }).catch((err: unknown) => {
        listeners.delete(sub);
        console.error('RetroVue: the station refused an event subscription', err);
      });
      return () => {
        if (listeners.delete(sub)) send({ op: 'unsubscribe', sub }).catch(() => undefined);
      };
    },
  } satisfies StationApi;
  return api;
}
