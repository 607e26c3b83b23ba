// The HTTP control API, declared once: each /api route with its method and path, the schemas of
// what it takes, who may use it and the call it answers with. The server registers every /api
// route from this table (src/server/api.ts) and the browser transport calls through it
// (src/renderer/src/transport/http.ts), so a path is written here and nowhere else.
//
// A route's answer is its call's result as JSON (wrapped as `{ [wrap]: result }` when it says so)
// with status 200, or the status it names. Answers the table cannot say as data are named in
// `special`, and each has one handler on the server.
import { z } from 'zod'
import type { ChannelStatusDto, ViewerAttachDto } from './api'
import { conformRequest } from './conform'
import type { SessionPurpose } from './domain'
import { libraryFolderRequest, librarySearchRequest } from './library'
import {
  channelTemplate,
  collectionDefinition,
  templatePreviewRequest,
  templatePublishRequest
} from './programming'
import {
  acknowledgeRequest,
  addOutputRequest,
  alarmHistoryRequest,
  asRunReconcileRequest,
  asRunRequest,
  broadcastDayRequest,
  channelCreateRequest,
  channelLogoRequest,
  channelUpdateRequest,
  emergencyRequest,
  loudnessRequest,
  scheduleRangeRequest,
  type StationApi,
  type StationApiMethod,
  stationImportRequest,
  viewerAttachRequest
} from './station-api'
import { webhookRequest } from './webhooks'

/** What the HTTP API calls: the StationApi, the channel list, and sessions for any purpose. */
export interface HttpEngine extends StationApi {
  channels(): Promise<ChannelStatusDto[]>
  attach(
    uuid: string,
    purpose: SessionPurpose,
    client?: Record<string, unknown>
  ): Promise<ViewerAttachDto>
}
export type HttpCall = Exclude<keyof HttpEngine, 'subscribe'>

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * Where one argument of the call comes from, in order: a path parameter, the whole query or one
 * of its fields, the body, or a value fixed by the route.
 */
export type RouteArg =
  `params.${string}` | 'query' | `query.${string}` | 'body' | { value: unknown }

export interface ApiRoute {
  method: ApiMethod
  /** Fastify's pattern: `:name` segments are the path parameters (strings; the call validates them). */
  path: string
  /** The query it takes: any other parameter is refused. Absent: the query is not read. */
  query?: z.ZodObject
  body?: z.ZodType
  /** How a body the schema refuses is named and coded (default `body`, `invalid_body`). */
  bodyErrors?: { name: string; code: string }
  /** public: anyone (monitors); token (the default): the API token. */
  access?: 'public' | 'token'
  call?: HttpCall
  args?: readonly RouteArg[]
  /** The success status when it is not 200. */
  status?: 201 | 204
  /** The answer goes out as `{ [wrap]: answer }`. */
  wrap?: string
  /** Other answers on the same route, chosen by the query's `format`, each by its own call, as text. */
  formats?: Readonly<Record<string, { call: StationApiMethod; type: string; filename: string }>>
  /**
   * Answered by the server's handler of this name: `stream` (a large answer sent in pieces),
   * `attach` (a session with the client's address, within the viewer limits), `health` (counts
   * with the station's time and mode), `events` (the WebSocket of StationEvents), `import` (a
   * station file handed to the running station).
   */
  special?: 'stream' | 'attach' | 'health' | 'events' | 'import'
}

/** A route that takes no query parameters: any is refused (a typo must not be silently ignored). */
const noQuery = z.strictObject({})

const asRunQuery = z.strictObject({
  ...asRunRequest.shape,
  format: z.enum(['json', 'csv'], { error: 'must be "json" or "csv"' }).optional()
})

export const API_ROUTES = {
  health: {
    method: 'GET',
    path: '/api/health',
    access: 'public',
    call: 'health',
    special: 'health'
  },
  channels: {
    method: 'GET',
    path: '/api/channels',
    query: noQuery,
    call: 'channels',
    wrap: 'channels'
  },
  channel: {
    method: 'GET',
    path: '/api/channels/:uuid',
    query: noQuery,
    call: 'channel',
    args: ['params.uuid']
  },
  schedule: {
    method: 'GET',
    path: '/api/channels/:uuid/schedule',
    query: scheduleRangeRequest,
    call: 'schedule',
    args: ['params.uuid', 'query'],
    special: 'stream'
  },
  broadcastDay: {
    method: 'GET',
    path: '/api/channels/:uuid/broadcast-day',
    query: broadcastDayRequest,
    call: 'broadcastDay',
    args: ['params.uuid', 'query.at']
  },
  attach: {
    method: 'POST',
    path: '/api/channels/:uuid/viewers',
    body: viewerAttachRequest,
    call: 'attach',
    status: 201,
    special: 'attach'
  },
  detach: {
    method: 'DELETE',
    path: '/api/viewers/:sessionId',
    call: 'detachPreview',
    args: ['params.sessionId'],
    status: 204
  },
  resetChannel: {
    method: 'POST',
    path: '/api/channels/:uuid/reset',
    call: 'resetChannel',
    args: ['params.uuid']
  },
  mode: { method: 'GET', path: '/api/mode', call: 'mode' },
  activateEmergency: {
    method: 'POST',
    path: '/api/emergency',
    body: emergencyRequest,
    call: 'activateEmergency',
    args: ['body']
  },
  previewEmergency: {
    method: 'POST',
    path: '/api/emergency/preview',
    body: emergencyRequest,
    call: 'previewEmergency',
    args: ['body']
  },
  clearEmergency: { method: 'DELETE', path: '/api/emergency', call: 'clearEmergency' },
  loudness: { method: 'GET', path: '/api/loudness', call: 'loudness' },
  setLoudness: {
    method: 'PUT',
    path: '/api/loudness',
    body: loudnessRequest,
    bodyErrors: { name: 'request', code: 'invalid_parameter' },
    call: 'setLoudness',
    args: ['body']
  },
  conform: { method: 'GET', path: '/api/conform', call: 'conform' },
  setConform: {
    method: 'PUT',
    path: '/api/conform',
    body: conformRequest,
    bodyErrors: { name: 'request', code: 'invalid_parameter' },
    call: 'setConform',
    args: ['body']
  },
  alarms: {
    method: 'GET',
    path: '/api/alarms',
    query: alarmHistoryRequest,
    call: 'alarms',
    args: ['query']
  },
  acknowledgeAlarm: {
    method: 'POST',
    path: '/api/alarms/:id/acknowledge',
    body: acknowledgeRequest,
    call: 'acknowledgeAlarm',
    args: ['params.id', 'body']
  },
  asRun: {
    method: 'GET',
    path: '/api/asrun',
    query: asRunQuery,
    call: 'asRun',
    args: ['query'],
    wrap: 'days',
    formats: { csv: { call: 'asRunCsv', type: 'text/csv; charset=utf-8', filename: 'as-run.csv' } }
  },
  asRunReconcile: {
    method: 'GET',
    path: '/api/asrun/reconcile',
    query: asRunReconcileRequest,
    call: 'asRunReconcile',
    args: ['query']
  },
  outputs: {
    method: 'GET',
    path: '/api/channels/:uuid/outputs',
    call: 'outputs',
    args: ['params.uuid'],
    wrap: 'outputs'
  },
  addOutput: {
    method: 'POST',
    path: '/api/channels/:uuid/outputs',
    body: addOutputRequest,
    call: 'addOutput',
    args: ['params.uuid', 'body'],
    status: 201
  },
  enableOutput: {
    method: 'POST',
    path: '/api/outputs/:id/enable',
    call: 'setOutputEnabled',
    args: ['params.id', { value: true }]
  },
  disableOutput: {
    method: 'POST',
    path: '/api/outputs/:id/disable',
    call: 'setOutputEnabled',
    args: ['params.id', { value: false }]
  },
  removeOutput: {
    method: 'DELETE',
    path: '/api/outputs/:id',
    call: 'removeOutput',
    args: ['params.id'],
    status: 204
  },
  channelLogo: {
    method: 'GET',
    path: '/api/channels/:uuid/logo',
    call: 'channelLogo',
    args: ['params.uuid'],
    wrap: 'logo'
  },
  setChannelLogo: {
    method: 'POST',
    path: '/api/channels/:uuid/logo',
    body: channelLogoRequest,
    call: 'setChannelLogo',
    args: ['params.uuid', 'body']
  },
  removeChannelLogo: {
    method: 'DELETE',
    path: '/api/channels/:uuid/logo',
    call: 'removeChannelLogo',
    args: ['params.uuid'],
    status: 204
  },
  libraryFolders: {
    method: 'GET',
    path: '/api/library/folders',
    call: 'libraryFolders',
    wrap: 'folders'
  },
  addLibraryFolder: {
    method: 'POST',
    path: '/api/library/folders',
    body: libraryFolderRequest,
    call: 'addLibraryFolder',
    args: ['body'],
    status: 201
  },
  removeLibraryFolder: {
    method: 'DELETE',
    path: '/api/library/folders/:id',
    call: 'removeLibraryFolder',
    args: ['params.id'],
    status: 204
  },
  rescanLibraryFolder: {
    method: 'POST',
    path: '/api/library/folders/:id/scan',
    call: 'rescanLibraryFolder',
    args: ['params.id']
  },
  libraryAssets: {
    method: 'GET',
    path: '/api/library/assets',
    query: librarySearchRequest,
    call: 'libraryAssets',
    args: ['query']
  },
  libraryAsset: {
    method: 'GET',
    path: '/api/library/assets/:id',
    query: noQuery,
    call: 'libraryAsset',
    args: ['params.id']
  },
  libraryAssetImage: {
    method: 'GET',
    path: '/api/library/assets/:id/images/:image',
    query: noQuery,
    call: 'libraryAssetImage',
    args: ['params.id', 'params.image'],
    wrap: 'image'
  },
  libraryJobs: { method: 'GET', path: '/api/library/jobs', call: 'libraryJobs', wrap: 'jobs' },
  cancelLibraryJob: {
    method: 'POST',
    path: '/api/library/jobs/:id/cancel',
    call: 'cancelLibraryJob',
    args: ['params.id']
  },
  webhooks: { method: 'GET', path: '/api/webhooks', call: 'webhooks', wrap: 'webhooks' },
  putWebhook: {
    method: 'POST',
    path: '/api/webhooks',
    body: webhookRequest,
    call: 'putWebhook',
    args: ['body']
  },
  enableWebhook: {
    method: 'POST',
    path: '/api/webhooks/:id/enable',
    call: 'setWebhookEnabled',
    args: ['params.id', { value: true }]
  },
  disableWebhook: {
    method: 'POST',
    path: '/api/webhooks/:id/disable',
    call: 'setWebhookEnabled',
    args: ['params.id', { value: false }]
  },
  removeWebhook: {
    method: 'DELETE',
    path: '/api/webhooks/:id',
    call: 'removeWebhook',
    args: ['params.id'],
    status: 204
  },
  testWebhook: {
    method: 'POST',
    path: '/api/webhooks/:id/test',
    call: 'testWebhook',
    args: ['params.id'],
    status: 201
  },
  webhookDeliveries: {
    method: 'GET',
    path: '/api/webhooks/:id/deliveries',
    call: 'webhookDeliveries',
    args: ['params.id'],
    wrap: 'deliveries'
  },
  channelLineup: { method: 'GET', path: '/api/lineup', call: 'channelLineup', wrap: 'channels' },
  createChannel: {
    method: 'POST',
    path: '/api/channels',
    body: channelCreateRequest,
    bodyErrors: { name: 'request', code: 'invalid_parameter' },
    call: 'createChannel',
    args: ['body'],
    status: 201
  },
  updateChannel: {
    method: 'PUT',
    path: '/api/channels/:uuid',
    body: channelUpdateRequest,
    bodyErrors: { name: 'request', code: 'invalid_parameter' },
    call: 'updateChannel',
    args: ['params.uuid', 'body']
  },
  deleteChannel: {
    method: 'DELETE',
    path: '/api/channels/:uuid',
    call: 'deleteChannel',
    args: ['params.uuid'],
    status: 204
  },
  collections: {
    method: 'GET',
    path: '/api/collections',
    query: noQuery,
    call: 'collections',
    wrap: 'collections'
  },
  collectionItems: {
    method: 'GET',
    path: '/api/collections/:id/items',
    query: noQuery,
    call: 'collectionItems',
    args: ['params.id'],
    wrap: 'items'
  },
  saveCollection: {
    method: 'PUT',
    path: '/api/collections/:id',
    body: collectionDefinition,
    call: 'saveCollection',
    args: ['params.id', 'body']
  },
  deleteCollection: {
    method: 'DELETE',
    path: '/api/collections/:id',
    call: 'deleteCollection',
    args: ['params.id'],
    status: 204
  },
  channelTemplate: {
    method: 'GET',
    path: '/api/channels/:uuid/template',
    query: noQuery,
    call: 'channelTemplate',
    args: ['params.uuid']
  },
  saveTemplateDraft: {
    method: 'PUT',
    path: '/api/channels/:uuid/template/draft',
    body: channelTemplate,
    call: 'saveTemplateDraft',
    args: ['params.uuid', 'body']
  },
  discardTemplateDraft: {
    method: 'DELETE',
    path: '/api/channels/:uuid/template/draft',
    call: 'discardTemplateDraft',
    args: ['params.uuid']
  },
  previewTemplate: {
    method: 'POST',
    path: '/api/channels/:uuid/template/preview',
    body: templatePreviewRequest.optional(),
    call: 'previewTemplate',
    args: ['params.uuid', 'body']
  },
  publishTemplate: {
    method: 'POST',
    path: '/api/channels/:uuid/template/publish',
    body: templatePublishRequest.optional(),
    call: 'publishTemplate',
    args: ['params.uuid', 'body']
  },
  templateRevisions: {
    method: 'GET',
    path: '/api/channels/:uuid/template/revisions',
    query: noQuery,
    call: 'templateRevisions',
    args: ['params.uuid'],
    wrap: 'revisions'
  },
  restoreTemplateRevision: {
    method: 'POST',
    path: '/api/channels/:uuid/template/revisions/:revision/restore',
    body: templatePublishRequest.optional(),
    call: 'restoreTemplateRevision',
    args: ['params.uuid', 'params.revision', 'body']
  },
  exportStation: {
    method: 'GET',
    path: '/api/station/export',
    query: noQuery,
    call: 'exportStation'
  },
  events: { method: 'GET', path: '/api/events', special: 'events' },
  importStation: {
    method: 'POST',
    path: '/api/station/import',
    body: stationImportRequest,
    special: 'import'
  }
} as const satisfies Record<string, ApiRoute>

export type ApiRouteName = keyof typeof API_ROUTES

/** The path parameters a pattern names (`/api/outputs/:id` has `id`). */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
}

/** The schema of a route's path parameters: exactly the ones its pattern names, as strings. */
export function paramsSchema(path: string): z.ZodObject<Record<string, z.ZodString>> {
  return z.strictObject(Object.fromEntries(pathParams(path).map((name) => [name, z.string()])))
}

/** A route's path with its parameters filled in (each percent-encoded). */
export function routePath(
  route: Pick<ApiRoute, 'path'>,
  params: Readonly<Record<string, string>>
): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))
}

/** The request a call makes on a route: its arguments put where the route takes them. */
export function requestOf(
  route: ApiRoute,
  args: readonly unknown[]
): { params: Record<string, string>; query: Record<string, unknown>; body: unknown } {
  const request = {
    params: {} as Record<string, string>,
    query: {} as Record<string, unknown>,
    body: undefined as unknown
  }
  ;(route.args ?? []).forEach((arg, i) => {
    const value = args[i]
    if (typeof arg !== 'string') return
    if (arg.startsWith('params.')) request.params[arg.slice(7)] = String(value)
    else if (arg === 'query') Object.assign(request.query, value ?? {})
    else if (arg.startsWith('query.')) request.query[arg.slice(6)] = value
    else if (arg === 'body') request.body = value
  })
  return request
}

/** The arguments of a route's call from a request: the inverse of requestOf. */
export function argsOf(
  route: ApiRoute,
  request: {
    params: Readonly<Record<string, string>>
    query: Readonly<Record<string, unknown>>
    body: unknown
  }
): unknown[] {
  return (route.args ?? []).map((arg) => {
    if (typeof arg !== 'string') return arg.value
    if (arg.startsWith('params.')) return request.params[arg.slice(7)]
    if (arg === 'query') return request.query
    if (arg.startsWith('query.')) return request.query[arg.slice(6)]
    return request.body
  })
}

/**
 * The route a StationApi call goes by, with its query's `format` when the call is one of a
 * route's other formats; for a call on several routes (setOutputEnabled), the one whose fixed
 * arguments match. Undefined for a call with no route of its own (snapshot, attachPreview).
 */
export function routeOfCall(
  call: StationApiMethod,
  args: readonly unknown[]
): { route: ApiRoute; format?: string } | undefined {
  for (const route of Object.values(API_ROUTES) as ApiRoute[]) {
    const format = Object.entries(route.formats ?? {}).find(([, f]) => f.call === call)?.[0]
    if (format) return { route, format }
    if (route.call !== call || route.special === 'attach' || route.special === 'events') continue
    const fixed = (route.args ?? []).every(
      (arg, i) => typeof arg === 'string' || Object.is(arg.value, args[i])
    )
    if (fixed) return { route }
  }
  return undefined
}
