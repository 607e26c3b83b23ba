// Checks every IPC request from a window before anything acts on it: the envelope, the method
// against the StationApi's allow-list, and each argument with the contract's own schemas. A refusal
// has the code and wording the browser transport gives for the same mistake (`invalid_request`,
// `<argument>.<field>: <problem>`), so the console sees the same failure over IPC and HTTP. The
// engine's facade validates again; this keeps malformed input out of the main process and the engine.
import { z, type ZodType } from 'zod';
import { addOutputRequest, alarmHistoryRequest, alarmId, asRunReconcileRequest, asRunRequest, channelLogoRequest, channelUuid, emergencyRequest, loudnessRequest, outputId, scheduleRangeRequest, sessionId, type STATION_API_METHODS } from '../shared/station-api';
import type { IpcRequest } from '../shared/ipc';
import { refusal } from './errors';

export type StationApiMethod = (typeof STATION_API_METHODS)[number];

interface ArgSpec {
  name: string;
  schema: ZodType;
  optional?: boolean;
}

const uuidArg: ArgSpec = { name: 'uuid', schema: channelUuid };

/** Every method a window may call, with its arguments in order. Nothing else is callable. */
export const METHOD_ARGS: { readonly [M in StationApiMethod]: readonly ArgSpec[] } = {
  snapshot: [],
  channel: [uuidArg],
  schedule: [uuidArg, { name: 'range', schema: scheduleRangeRequest, optional: true }],
  broadcastDay: [uuidArg, { name: 'at', schema: z.string({ error: 'must be an ISO 8601 instant' }).max(64), optional: true }],
  mode: [],
  health: [],
  alarms: [{ name: 'query', schema: alarmHistoryRequest, optional: true }],
  asRun: [{ name: 'query', schema: asRunRequest, optional: true }],
  asRunCsv: [{ name: 'query', schema: asRunRequest, optional: true }],
  asRunReconcile: [{ name: 'query', schema: asRunReconcileRequest }],
  attachPreview: [uuidArg],
  detachPreview: [{ name: 'sessionId', schema: sessionId }],
  previewEmergency: [{ name: 'body', schema: emergencyRequest }],
  activateEmergency: [{ name: 'body', schema: emergencyRequest }],
  clearEmergency: [],
  resetChannel: [uuidArg],
  acknowledgeAlarm: [{ name: 'id', schema: alarmId }],
  outputs: [uuidArg],
  addOutput: [uuidArg, { name: 'request', schema: addOutputRequest }],
  setOutputEnabled: [{ name: 'id', schema: outputId }, { name: 'enabled', schema: z.boolean({ error: 'must be true or false' }) }],
  removeOutput: [{ name: 'id', schema: outputId }],
  channelLogo: [uuidArg],
  setChannelLogo: [uuidArg, { name: 'request', schema: channelLogoRequest }],
  removeChannelLogo: [uuidArg],
  loudness: [],
  setLoudness: [{ name: 'request', schema: loudnessRequest }],
};

/** Subscription ids a window may use. */
const MAX_SUB_ID = 2 ** 31 - 1;

export function isStationApiMethod(method: unknown): method is StationApiMethod {
  return typeof method === 'string' && Object.hasOwn(METHOD_ARGS, method);
}

const invalid = (message: string) => refusal('invalid_request', message);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The arguments of one call, checked (and normalized as the schemas say, e.g. a trimmed message). */
export function checkArgs(method: StationApiMethod, args: readonly unknown[]): unknown[] {
  const specs = METHOD_ARGS[method];
  if (args.length > specs.length) throw invalid(`${method} takes ${specs.length === 0 ? 'no arguments' : `at most ${specs.length} argument${specs.length > 1 ? 's' : ''}`} (got ${args.length})`);
  return specs.map((spec, i) => {
    const value = args[i];
    if (value === undefined && spec.optional) return undefined;
    const r = spec.schema.safeParse(value);
    if (r.success) return r.data;
    throw invalid(
      r.error.issues
        .slice(0, 3)
        .map((issue) => `${[spec.name, ...issue.path.map(String)].join('.')}: ${issue.message}`)
        .join('; '),
    );
  });
}

/** A window's request, checked: anything not exactly one of IpcRequest's shapes is refused. */
export function parseIpcRequest(raw: unknown): IpcRequest & ({ op: 'call'; method: StationApiMethod } | { op: 'subscribe' | 'unsubscribe' }) {
  if (!isPlainObject(raw)) throw invalid('the request must be an object');
  const keys = Object.keys(raw);
  switch (raw['op']) {
    case 'call': {
      if (keys.length !== 3 || !('method' in raw) || !('args' in raw)) throw invalid('a call has exactly op, method and args');
      const method = raw['method'];
      if (!isStationApiMethod(method)) throw invalid(`unknown StationApi method ${typeof method === 'string' ? `"${method.slice(0, 60)}"` : `(a ${typeof method})`}`);
      const args = raw['args'];
      if (!Array.isArray(args)) throw invalid('args must be an array');
      return { op: 'call', method, args: checkArgs(method, args) };
    }
    case 'subscribe':
    case 'unsubscribe': {
      const sub = raw['sub'];
      if (keys.length !== 2 || !Number.isSafeInteger(sub) || (sub as number) < 1 || (sub as number) > MAX_SUB_ID) throw invalid(`${raw['op']} takes a subscription id (a whole number from 1)`);
      return { op: raw['op'], sub: sub as number };
    }
    default:
      throw invalid('op must be "call", "subscribe" or "unsubscribe"');
  }
}
