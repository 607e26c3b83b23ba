// Every refusal has the API's error shape, including the ones Fastify and Node write themselves,
// and lenient input (foreign charsets, unprintable years, impossible offsets) is refused.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpEnv, httpEnv } from '../helpers/http-env'

/** Sends raw bytes and resolves with everything the server wrote before closing. */
function raw(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    let out = ''
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(request))
    socket.on('data', (c: Buffer) => (out += c.toString()))
    socket.on('close', () => resolve(out))
    socket.on('error', reject)
  })
}

/**
 * Sends a request in 4 KB pieces a few ms apart and reads only once it has sent all of it (as a
 * client busy uploading would): the answer must still be there, not lost to a connection reset.
 */
function sendThenRead(
  base: string,
  request: string
): Promise<{ out: string; error: string | null }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve) => {
    let out = ''
    let error: string | null = null
    const socket = net.connect({ host: hostname, port: Number(port) }, async () => {
      socket.pause()
      for (let i = 0; i < request.length && !socket.destroyed; i += 4096) {
        socket.write(request.slice(i, i + 4096))
        await new Promise((r) => setTimeout(r, 5))
      }
      socket.on('data', (c: Buffer) => (out += c.toString()))
      socket.resume()
    })
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message))
    socket.on('close', () => resolve({ out, error }))
  })
}

const errorOf = (response: string) =>
  JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {
    error: { code: string; message: string }
  }

describe('HTTP error shapes and strict input', () => {
  let env: HttpEnv
  const headers = () => ({
    authorization: `Bearer ${env.token}`,
    host: env.host,
    'content-type': 'application/json'
  })
  const mode = () => env.station.store.system.get().globalMode

  beforeAll(async () => {
    env = await httpEnv({ station: { maxProducers: 1 } })
  })
  afterAll(() => env.close())

  it.each([
    ['GET', () => '/api/channels/%ff', undefined, 400, 'invalid_url'],
    ['GET', () => `/streams/${'%ff'.repeat(3)}/index.m3u8`, undefined, 400, 'invalid_url'],
    ['GET', () => `/api/channels/${'x'.repeat(10_000)}`, undefined, 414, 'parameter_too_long'],
    [
      'POST',
      () => '/api/emergency',
      JSON.stringify({ message: 'x'.repeat(2_000_000), scope: 'crawl' }),
      413,
      'body_too_large'
    ],
    ['GET', () => '/api/events', undefined, 426, 'upgrade_required'],
    ['GET', () => '/no/such/route', undefined, 404, 'not_found']
  ])('%s %s answers in the error shape', async (method, url, payload, status, code) => {
    const res = await env.app.inject({
      method: method as 'GET',
      url: url(),
      headers: headers(),
      payload
    })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } })
  })

  it.each([
    ['text/plain', '{"message":"x","scope":"crawl"}', 415, 'unsupported_media_type'],
    ['application/x-www-form-urlencoded', 'message=x&scope=crawl', 415, 'unsupported_media_type'],
    [
      'application/json; charset=utf-16',
      '{"message":"x","scope":"crawl"}',
      415,
      'unsupported_charset'
    ],
    [
      'application/json; charset="ISO-8859-1"',
      '{"message":"x","scope":"crawl"}',
      415,
      'unsupported_charset'
    ],
    ['application/json', '{ "message": "x", ', 400, 'invalid_json'],
    [
      'application/json',
      Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      400,
      'invalid_json'
    ]
  ])('refuses a %s body %#, changing nothing', async (type, payload, status, code) => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/emergency',
      headers: { ...headers(), 'content-type': type },
      payload
    })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } })
    if (code === 'unsupported_charset')
      expect(res.json().error.message).toMatch(/utf-16|iso-8859-1/)
    expect(mode()).toBe('normal')
  })

  it('takes a UTF-8 JSON body, with or without the charset', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json'
    ]) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/emergency',
        headers: { ...headers(), 'content-type': type },
        payload: { message: 'Grüße', scope: 'crawl' }
      })
      expect(res.statusCode, type).toBe(200)
      expect(
        (await env.app.inject({ method: 'DELETE', url: '/api/emergency', headers: headers() }))
          .statusCode
      ).toBe(200)
    }
  })

  it.each([
    ['broadcast-day?at=9999-12-31T23:59:59Z', 0, 'at'],
    ['broadcast-day?at=9999-12-31T20:00:00Z', 1, 'at'],
    ['broadcast-day?at=0000-01-01T00:00:00Z', 0, 'at'],
    ['schedule?from=9999-12-31T12:00:00Z', 0, 'from'],
    ['schedule?from=9999-12-31T00:00:00Z&to=9999-12-31T20:00:00Z', 1, 'to'],
    ['schedule?from=2026-11-26T06:00:00%2B25:00', 0, 'from'],
    ['broadcast-day?at=2026-11-26T06:00:00-12:30', 0, 'at'],
    ['broadcast-day?at=2026-11-26T06:00:00%2B05:10', 0, 'at']
  ])('refuses %s (channel %i) with a 400 naming the parameter', async (query, channel, name) => {
    const res = await env.app.inject({
      url: `/api/channels/${env.uuids[channel]}/${query}`,
      headers: headers()
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatchObject({
      code: 'invalid_parameter',
      message: expect.stringContaining(`"${name}"`)
    })
  })

  it('still answers real offsets and the last printable days', async () => {
    for (const query of [
      'broadcast-day?at=2026-11-26T06:00:00%2B05:45',
      'broadcast-day?at=2026-11-26T06:00:00%2B14:00',
      'broadcast-day?at=9999-12-30T00:00:00Z',
      'schedule?from=9999-12-30T00:00:00Z'
    ]) {
      const res = await env.app.inject({
        url: `/api/channels/${env.uuids[0]}/${query}`,
        headers: headers()
      })
      expect(res.statusCode, query).toBe(200)
      expect(res.body).not.toMatch(/[+-]0\d{5}-/)
    }
  })

  it('checks a HEAD as its GET: a query parameter the route does not take is refused', async () => {
    const url = `/api/channels/${env.uuids[0]}?x=1`
    expect(
      (await env.app.inject({ method: 'GET', url, headers: headers() })).json().error.code
    ).toBe('invalid_parameter')
    expect((await env.app.inject({ method: 'HEAD', url, headers: headers() })).statusCode).toBe(400)
  })

  it('maps runtime refusals once: unknown channel or session 404, over the producer budget 503 capacity', async () => {
    expect(
      (
        await env.app.inject({
          method: 'POST',
          url: '/api/channels/00000000-0000-4000-8000-000000000009/viewers',
          headers: headers(),
          payload: {}
        })
      ).json().error.code
    ).toBe('not_found')
    expect(
      (
        await env.app.inject({
          method: 'DELETE',
          url: '/api/viewers/abcdefghijklmnopqrstuv',
          headers: headers()
        })
      ).statusCode
    ).toBe(404)
    expect(
      (
        await env.app.inject({
          method: 'POST',
          url: '/api/channels/not-a-uuid/reset',
          headers: headers()
        })
      ).json().error.code
    ).toBe('invalid_parameter')
    const first = await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[0]}/viewers`,
      headers: headers(),
      payload: {}
    })
    expect(first.statusCode).toBe(201)
    await env.station.director.channel(env.uuids[0]!).whenIdle()
    const second = await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[1]}/viewers`,
      headers: headers(),
      payload: {}
    })
    expect(second.statusCode).toBe(503)
    expect(second.json().error.code).toBe('capacity')
    await env.app.inject({
      method: 'DELETE',
      url: `/api/viewers/${first.json().sessionId}`,
      headers: headers()
    })
  })

  it("writes Node's own refusals in the error shape: headers too large, malformed request, unknown expectation", async () => {
    const big = await raw(
      env.base,
      `GET /api/health HTTP/1.1\r\nHost: ${env.host}\r\nX-Pad: ${'x'.repeat(20_000)}\r\n\r\n`
    )
    expect(big).toMatch(/^HTTP\/1\.1 431 /)
    expect(errorOf(big).error.code).toBe('headers_too_large')
    const malformed = await raw(env.base, 'GET /api/health HTTP/1.1\r\nHost\r\n\r\n')
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /)
    expect(errorOf(malformed).error.code).toBe('bad_request')
    const expectation = await raw(
      env.base,
      `GET /api/health HTTP/1.1\r\nHost: ${env.host}\r\nExpect: teapot\r\nConnection: close\r\n\r\n`
    )
    expect(expectation).toMatch(/^HTTP\/1\.1 417 /)
    expect(errorOf(expectation).error.code).toBe('expectation_failed')
  })

  it('answers an HTTP/1.1 request without Host with 400 in the error shape (HTTP/1.0 needs none)', async () => {
    const noHost = await raw(env.base, 'GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n')
    expect(noHost).toMatch(/^HTTP\/1\.1 400 /)
    expect(errorOf(noHost).error).toEqual({
      code: 'missing_host',
      message: 'an HTTP/1.1 request must send a Host header'
    })
    const old = await raw(env.base, 'GET /api/health HTTP/1.0\r\n\r\n')
    expect(old).toMatch(/^HTTP\/1\.1 200 /)
  })

  it('answers an 80 KB header with 431 in the error shape, even to a client still sending it, rather than resetting the connection', async () => {
    const request = `GET /api/health HTTP/1.1\r\nHost: ${env.host}\r\nX-Pad: ${'x'.repeat(80 * 1024)}\r\n\r\n`
    const { out, error } = await sendThenRead(env.base, request)
    expect(error).toBeNull()
    expect(out).toMatch(/^HTTP\/1\.1 431 /)
    expect(errorOf(out).error.code).toBe('headers_too_large')
    // Many headers adding up to 80 KB, all at once.
    const many = await raw(
      env.base,
      `GET /api/health HTTP/1.1\r\nHost: ${env.host}\r\n${Array.from({ length: 80 }, (_, i) => `X-H${i}: ${'a'.repeat(1000)}\r\n`).join('')}\r\n`
    )
    expect(many).toMatch(/^HTTP\/1\.1 431 /)
  })
})
