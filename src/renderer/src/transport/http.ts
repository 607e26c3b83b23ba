// The StationApi over the station's HTTP control API and its event WebSocket, for the console in a
// browser (against `serve`, or from another desk). Free of React and of the DOM beyond what is
// injected, so it runs under unit tests with a fake fetch, WebSocket and timers.
//
// Behaviour:
// - Every call is an HTTP request with `Authorization: Bearer <token>`. An error body
//   `{ error: { code, message } }` becomes a StationApiError with that code; a request that never
//   reaches the station is `unreachable`; a route this station does not have yet (a 404 "no route
//   for ...") is `unsupported`, so the UI can degrade instead of failing.
// - Each subscription owns one WebSocket (`GET /api/events?access_token=`: browsers cannot set
//   headers on a WebSocket). The station sends a snapshot first, then changes with consecutive
//   `seq`s. A change whose seq is not the next one means an update was missed: the socket is
//   dropped and opened again at once, which brings a fresh snapshot (a re-snapshot). `levels`
//   events carry no seq and pass straight through.
// - A socket that closes is reopened with exponential backoff (with jitter, capped); the backoff
//   starts over once a snapshot arrives.
// - While a subscription exists but none of its sockets is open (start-up, the station restarting),
//   calls wait in a queue and are sent once a socket opens. A queued call that waits longer than
//   `queueTimeoutMs` fails with `unavailable` and is never sent later: a command held back for
//   minutes (an emergency!) must not reach the air by surprise.
import type { AlarmDto, ApiErrorDto, AsRunDayDto, AsRunReconcileDto, BroadcastDayDto, ChannelStatusDto, EmergencyPreviewDto, ModeDto, OutputDto, ScheduleRangeDto, StationEvent, StationHealthDto, StationSnapshotDto, ViewerAttachDto } from '../../../shared/api';
import {
  addOutputRequest,
  channelLogoRequest,
  type ChannelLogoDto,
  type ChannelLogoRequest,
  alarmHistoryRequest,
  alarmId,
  asRunReconcileRequest,
  asRunRequest,
  channelUuid,
  emergencyRequest,
  loudnessRequest,
  outputId,
  scheduleRangeRequest,
  sessionId,
  StationApiError,
  type AddOutputRequest,
  type AlarmHistoryDto,
  type AlarmHistoryRequest,
  type AsRunReconcileRequest,
  type AsRunRequest,
  type EmergencyRequest,
  type LoudnessRequest,
  type ScheduleRangeRequest,
  type StationApi,
  type StationEventListener,
} from '../../../shared/station-api';
import type { z } from 'zod';
import type { LoudnessSettings } from '../../../shared/domain';
import type { ConnectionListener, ConnectionState, ConnectionAware } from './connection';
import { DEFAULT_BACKOFF, EventStream, type BackoffOptions, type StreamHost, type Timers, type WebSocketLike } from './event-stream';

export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions, type Timers, type WebSocketLike } from './event-stream';

export interface HttpTransportOptions {
  /** The station's address, e.g. `http://127.0.0.1:8787` (the page's origin in a browser). */
  baseUrl: string;
  token: string;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  webSocket?: (url: string) => WebSocketLike;
  timers?: Timers;
  random?: () => number;
  backoff?: Partial<BackoffOptions>;
  /** How long a call waits for a connection before failing with `unavailable` (default 10 s). */
  queueTimeoutMs?: number;
}

const DEFAULT_QUEUE_TIMEOUT_MS = 10_000;
/** A one-shot snapshot gives up after this long without its first message. */
const SNAPSHOT_TIMEOUT_MS = 10_000;

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface QueuedCall {
  send: () => void;
  timer: unknown;
}

export class HttpStationApi implements StationApi, ConnectionAware, StreamHost {
  readonly backoff: BackoffOptions;
  readonly timers: Timers;
  readonly random: () => number;
  private readonly base: string;
  private readonly fetchImpl: (url: string, init: RequestInit) => Promise<Response>;
  private readonly socketImpl: (url: string) => WebSocketLike;
  private readonly queueTimeoutMs: number;
  private readonly streams = new Set<EventStream>();
  private queue: QueuedCall[] = [];
  private readonly connectionListeners = new Set<ConnectionListener>();
  private connection: ConnectionState = { status: 'idle', retryInMs: null, resyncs: 0 };

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.socketImpl = options.webSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
  }

  // ---- connection ----------------------------------------------------------------------------

  /** The event stream's address (ws: or wss:, token in the query). */
  eventsUrl(): string {
    const url = new URL(`${this.base}/api/events`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', this.options.token);
    return url.toString();
  }

  openSocket(): WebSocketLike {
    return this.socketImpl(this.eventsUrl());
  }

  /** Connected: no subscription (nothing to wait for), or one of their sockets is open. */
  private get connected(): boolean {
    if (this.streams.size === 0) return true;
    for (const s of this.streams) if (s.isOpen) return true;
    return false;
  }

  streamChanged(extra: { retryInMs?: number } = {}): void {
    if (this.connected) this.flushQueue();
    const open = [...this.streams].some((s) => s.isOpen);
    const status: ConnectionState['status'] = this.streams.size === 0 ? 'idle' : open ? 'open' : extra.retryInMs !== undefined ? 'reconnecting' : 'connecting';
    this.setConnection({ ...this.connection, status, retryInMs: open ? null : (extra.retryInMs ?? null) });
  }

  noteResync(_lastSeq: number, _gotSeq: number): void {
    this.setConnection({ ...this.connection, resyncs: this.connection.resyncs + 1 });
  }

  private setConnection(next: ConnectionState): void {
    const prev = this.connection;
    if (prev.status === next.status && prev.retryInMs === next.retryInMs && prev.resyncs === next.resyncs) return;
    this.connection = next;
    for (const l of [...this.connectionListeners]) l(next);
  }

  connectionState(): ConnectionState {
    return this.connection;
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  private flushQueue(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const q of waiting) {
      this.timers.clearTimeout(q.timer);
      q.send();
    }
  }

  /** Runs `send` now when connected, else once connected (or fails after the queue timeout). */
  private whenConnected<T>(what: string, send: () => Promise<T>): Promise<T> {
    if (this.connected) return send();
    return new Promise<T>((resolve, reject) => {
      const entry: QueuedCall = { send: () => void send().then(resolve, reject), timer: null };
      entry.timer = this.timers.setTimeout(() => {
        this.queue = this.queue.filter((q) => q !== entry);
        reject(
          new StationApiError('unavailable', `not connected to the station for ${Math.round(this.queueTimeoutMs / 1000)} s; ${what} was not sent`),
        );
      }, this.queueTimeoutMs);
      this.queue.push(entry);
    });
  }

  // ---- requests ------------------------------------------------------------------------------

  private async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    return this.whenConnected(what, async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
      // keepalive: a detach sent while the page unloads still reaches the station.
      const init: RequestInit = { method, headers, ...(method === 'DELETE' ? { keepalive: true } : {}) };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      let res: Response;
      try {
        res = await this.fetchImpl(`${this.base}${path}`, init);
      } catch (err) {
        throw new StationApiError('unreachable', `cannot reach the station (${what}): ${describe(err)}`);
      }
      if (res.status === 204) return undefined as T;
      let parsed: unknown;
      const text = await res.text().catch(() => '');
      if (res.ok && as === 'text') return text as T;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!res.ok) {
        const error = (parsed as Partial<ApiErrorDto> | undefined)?.error;
        if (error && typeof error.code === 'string' && typeof error.message === 'string') {
          if (res.status === 404 && error.code === 'not_found' && error.message.startsWith('no route for ')) {
            throw new StationApiError('unsupported', `this station does not offer ${what} yet`);
          }
          throw new StationApiError(error.code, error.message);
        }
        throw new StationApiError(`http_${res.status}`, `the station answered ${res.status} to ${what}`);
      }
      if (parsed === undefined) throw new StationApiError('bad_response', `the station's answer to ${what} is not JSON`);
      return parsed as T;
    });
  }

  /** Validates a request with the contract's schema; a bad one is refused here with the same shape as the station's. */
  private check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const detail = r.error.issues
      .slice(0, 3)
      .map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ');
    throw new StationApiError('invalid_request', detail);
  }

  private channelPath(uuid: string): string {
    return `/api/channels/${encodeURIComponent(this.check(channelUuid, uuid, 'uuid'))}`;
  }

  // ---- queries -------------------------------------------------------------------------------

  /** An exact snapshot: a short-lived event socket's first message. */
  async snapshot(): Promise<StationSnapshotDto> {
    return this.whenConnected('snapshot', () => this.oneSnapshot());
  }

  private oneSnapshot(): Promise<StationSnapshotDto> {
    return new Promise<StationSnapshotDto>((resolve, reject) => {
      const ws = this.openSocket();
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(timer);
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        try {
          ws.close(1000, 'snapshot taken');
        } catch {
          // already closed
        }
        fn();
      };
      const timer = this.timers.setTimeout(
        () => finish(() => reject(new StationApiError('unreachable', 'the station sent no snapshot in time'))),
        SNAPSHOT_TIMEOUT_MS,
      );
      ws.onmessage = (ev) => {
        try {
          const event = JSON.parse(String(ev.data)) as StationEvent;
          if (event.type === 'snapshot') finish(() => resolve(event));
        } catch {
          // wait for a snapshot
        }
      };
      ws.onclose = () => finish(() => reject(new StationApiError('unreachable', 'the station closed the event stream before sending a snapshot')));
      ws.onerror = () => undefined;
    });
  }

  async channel(uuid: string): Promise<ChannelStatusDto> {
    return this.request('GET', this.channelPath(uuid));
  }

  async schedule(uuid: string, range: ScheduleRangeRequest = {}): Promise<ScheduleRangeDto> {
    const r = this.check(scheduleRangeRequest, range, 'range');
    return this.request('GET', `${this.channelPath(uuid)}/schedule${query({ from: r.from, to: r.to })}`);
  }

  async broadcastDay(uuid: string, at?: string): Promise<BroadcastDayDto> {
    return this.request('GET', `${this.channelPath(uuid)}/broadcast-day${query({ at })}`);
  }

  async mode(): Promise<ModeDto> {
    return this.request('GET', '/api/mode');
  }

  async health(): Promise<StationHealthDto> {
    const h = await this.request<StationHealthDto>('GET', '/api/health');
    // The open health route adds station time and mode for monitors; the contract's shape is the counts.
    return {
      status: h.status,
      channels: h.channels,
      producersRunning: h.producersRunning,
      producerBudget: h.producerBudget,
      viewers: h.viewers,
      previews: h.previews,
      failedChannels: h.failedChannels,
    };
  }

  async alarms(q: AlarmHistoryRequest = {}): Promise<AlarmHistoryDto> {
    const r = this.check(alarmHistoryRequest, q, 'query');
    return this.request('GET', `/api/alarms${query({ from: r.from, to: r.to, channel: r.channel })}`);
  }

  async asRun(q: AsRunRequest = {}): Promise<AsRunDayDto[]> {
    const r = this.check(asRunRequest, q, 'query');
    return (await this.request<{ days: AsRunDayDto[] }>('GET', `/api/asrun${query({ channel: r.channel, day: r.day })}`)).days;
  }

  async asRunCsv(q: AsRunRequest = {}): Promise<string> {
    const r = this.check(asRunRequest, q, 'query');
    return this.request('GET', `/api/asrun${query({ channel: r.channel, day: r.day, format: 'csv' })}`, undefined, 'text');
  }

  async asRunReconcile(q: AsRunReconcileRequest): Promise<AsRunReconcileDto> {
    const r = this.check(asRunReconcileRequest, q, 'query');
    return this.request('GET', `/api/asrun/reconcile${query({ channel: r.channel, day: r.day })}`);
  }

  // ---- commands ------------------------------------------------------------------------------

  async attachPreview(uuid: string): Promise<ViewerAttachDto> {
    const attached = await this.request<ViewerAttachDto>('POST', `${this.channelPath(uuid)}/viewers`, { purpose: 'preview', client: { app: 'retrovue-console' } });
    // Stream addresses are relative to the station; the player may live on another origin.
    return { ...attached, streamUrl: new URL(attached.streamUrl, `${this.base}/`).toString() };
  }

  async detachPreview(id: string): Promise<void> {
    return this.request('DELETE', `/api/viewers/${encodeURIComponent(this.check(sessionId, id, 'sessionId'))}`);
  }

  async previewEmergency(request: EmergencyRequest): Promise<EmergencyPreviewDto> {
    return this.request('POST', '/api/emergency/preview', this.check(emergencyRequest, request, 'body'));
  }

  async activateEmergency(request: EmergencyRequest): Promise<ModeDto> {
    return this.request('POST', '/api/emergency', this.check(emergencyRequest, request, 'body'));
  }

  async clearEmergency(): Promise<ModeDto> {
    return this.request('DELETE', '/api/emergency');
  }

  async resetChannel(uuid: string): Promise<ChannelStatusDto> {
    return this.request('POST', `${this.channelPath(uuid)}/reset`);
  }

  async acknowledgeAlarm(id: string): Promise<AlarmDto> {
    return this.request('POST', `/api/alarms/${encodeURIComponent(this.check(alarmId, id, 'id'))}/acknowledge`);
  }

  async outputs(uuid: string): Promise<OutputDto[]> {
    return (await this.request<{ outputs: OutputDto[] }>('GET', `${this.channelPath(uuid)}/outputs`)).outputs;
  }

  async addOutput(uuid: string, request: AddOutputRequest): Promise<OutputDto> {
    return this.request('POST', `${this.channelPath(uuid)}/outputs`, this.check(addOutputRequest, request, 'request'));
  }

  async setOutputEnabled(id: string, enabled: boolean): Promise<OutputDto> {
    return this.request('POST', `/api/outputs/${encodeURIComponent(this.check(outputId, id, 'id'))}/${enabled ? 'enable' : 'disable'}`);
  }

  async loudness(): Promise<LoudnessSettings> {
    return this.request('GET', '/api/loudness');
  }

  async setLoudness(request: LoudnessRequest): Promise<LoudnessSettings> {
    return this.request('PUT', '/api/loudness', this.check(loudnessRequest, request, 'request') as LoudnessRequest);
  }

  async removeOutput(id: string): Promise<void> {
    return this.request('DELETE', `/api/outputs/${encodeURIComponent(this.check(outputId, id, 'id'))}`);
  }

  async channelLogo(uuid: string): Promise<ChannelLogoDto | null> {
    return (await this.request<{ logo: ChannelLogoDto | null }>('GET', `${this.channelPath(uuid)}/logo`)).logo;
  }

  async setChannelLogo(uuid: string, request: ChannelLogoRequest): Promise<ChannelLogoDto> {
    return this.request('POST', `${this.channelPath(uuid)}/logo`, this.check(channelLogoRequest, request, 'request'));
  }

  async removeChannelLogo(uuid: string): Promise<void> {
    return this.request('DELETE', `${this.channelPath(uuid)}/logo`);
  }

  // ---- events --------------------------------------------------------------------------------

  subscribe(listener: StationEventListener): () => void {
    const stream = new EventStream(this, listener);
    this.streams.add(stream);
    this.streamChanged();
    stream.connect();
    return () => {
      if (!this.streams.delete(stream)) return;
      stream.close();
      this.streamChanged();
    };
  }
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
