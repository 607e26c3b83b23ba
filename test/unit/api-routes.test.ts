// The API table is the only place a route is written: every call of the contract has a way over
// HTTP through it, the browser transport has a function for each, and a call's arguments go into
// a request and come back out of it unchanged (what the transport sends is what the server calls).
import { describe, expect, it } from 'vitest'
import {
  API_ROUTES,
  type ApiRoute,
  argsOf,
  pathParams,
  requestOf,
  routeOfCall,
  routePath
} from '../../src/shared/api-routes'
import { STATION_API_METHODS } from '../../src/shared/station-api'
import { corsOpen } from '../../src/server/cors'
import { HttpStationApi } from '../../src/renderer/src/transport/http'

const UUID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'
const routes = Object.values(API_ROUTES) as ApiRoute[]

describe('the API route table', () => {
  it('routes every call of the contract (the snapshot and previews go by the event stream and the attach route)', () => {
    const own = STATION_API_METHODS.filter((m) => m !== 'snapshot' && m !== 'attachPreview')
    for (const method of own) expect(routeOfCall(method, [UUID, true]), method).toBeDefined()
    expect(routeOfCall('setOutputEnabled', [UUID, true])?.route.path).toBe(
      '/api/outputs/:id/enable'
    )
    expect(routeOfCall('setOutputEnabled', [UUID, false])?.route.path).toBe(
      '/api/outputs/:id/disable'
    )
    expect(routeOfCall('asRunCsv', [{}])).toMatchObject({
      route: { path: '/api/asrun' },
      format: 'csv'
    })
  })

  it('declares each method and path once, and puts every path parameter into the call', () => {
    expect(new Set(routes.map((r) => `${r.method} ${r.path}`)).size).toBe(routes.length)
    for (const r of routes.filter((x) => x.call && !x.special)) {
      for (const p of pathParams(r.path))
        expect(r.args, `${r.method} ${r.path}`).toContain(`params.${p}`)
    }
  })

  it('builds the request from a call and reads the same call back from it', () => {
    const route = API_ROUTES.schedule
    const args = [UUID, { from: '2026-11-26T06:00:00Z' }]
    const request = requestOf(route, args)
    expect(routePath(route, request.params)).toBe(`/api/channels/${UUID}/schedule`)
    expect(argsOf(route, request)).toEqual(args)
    expect(
      routePath(
        API_ROUTES.acknowledgeAlarm,
        requestOf(API_ROUTES.acknowledgeAlarm, ['a/b?c']).params
      )
    ).toBe('/api/alarms/a%2Fb%3Fc/acknowledge')
    expect(
      argsOf(API_ROUTES.disableOutput, requestOf(API_ROUTES.disableOutput, [UUID, false]))
    ).toEqual([UUID, false])
    // The channel lineup: a channel's uuid in the path, what changes in the body.
    const update = requestOf(API_ROUTES.updateChannel, [UUID, { name: 'Retro', number: null }])
    expect(`PUT ${routePath(API_ROUTES.updateChannel, update.params)}`).toBe(
      `PUT /api/channels/${UUID}`
    )
    expect(argsOf(API_ROUTES.updateChannel, update)).toEqual([
      UUID,
      { name: 'Retro', number: null }
    ])
    expect(routeOfCall('deleteChannel', [UUID])?.route).toMatchObject({
      method: 'DELETE',
      path: '/api/channels/:uuid',
      status: 204
    })
    expect(routeOfCall('createChannel', [{ name: 'x' }])?.route).toMatchObject({
      method: 'POST',
      path: '/api/channels',
      status: 201
    })
  })

  it('opens no API route to other sites (CORS is for viewer and stream routes only)', () => {
    for (const r of routes)
      expect(corsOpen({ access: 'access' in r ? r.access : 'token' }), r.path).toBe(false)
    expect(corsOpen({ access: 'viewer' })).toBe(true)
    expect(corsOpen({ access: 'stream' })).toBe(true)
  })

  it('gives the browser transport a function for every call, with no path of its own', () => {
    const api = new HttpStationApi({
      baseUrl: 'http://127.0.0.1:1',
      token: 't',
      fetch: () => Promise.reject(new Error('not sent'))
    })
    for (const method of STATION_API_METHODS) expect(typeof api[method], method).toBe('function')
  })
})
