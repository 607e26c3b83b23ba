// Hostile clients against a real `serve` under a low descriptor limit: stalled connections time
// out, and past the connection caps clients get a short 503 while the station stays up and keeps
// answering its API and its viewers. (Linux routes all of 127/8 to loopback: 127.0.0.2 and up
// stand in for other hosts.)
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connectionCaps } from '../../src/server/connections'
import type { ViewerAttachDto } from '../../src/shared/api'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { type ServeHandle, startServe } from '../helpers/serve'

const FD_LIMIT = 256
const LIMITS = {
  headersTimeoutMs: 4000,
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 4000,
  idleTimeoutMs: 8000
}

interface Conn {
  socket: net.Socket
  data: () => string
  /** Resolves with everything received once the server has closed the connection. */
  closed: Promise<string>
}

describe('hostile clients', () => {
  let t: ReturnType<typeof stationFixture>
  let serve: ServeHandle
  let port: number
  let stream: string
  const caps = connectionCaps(FD_LIMIT)

  const open = (from: string, send?: string): Promise<Conn> =>
    new Promise((resolve, reject) => {
      let out = ''
      const socket = net.connect({ host: '127.0.0.1', port, localAddress: from })
      socket.on('data', (c: Buffer) => (out += c.toString()))
      const closed = new Promise<string>((done) => socket.once('close', () => done(out)))
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.removeListener('error', reject)
        socket.on('error', () => undefined) // a reset after the refusal is expected
        if (send) socket.write(send)
        resolve({ socket, data: () => out, closed })
      })
    })

  /** One request on its own connection (Connection: close), so it holds no slot afterwards. */
  const get = (route: string, auth = true): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: route,
          agent: false,
          headers: {
            connection: 'close',
            ...(auth ? { authorization: `Bearer ${serve.token}` } : {})
          }
        },
        (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        }
      )
      req.on('error', reject)
    })

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'one',
        name: 'One',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
      }
    ])
    serve = await startServe(
      path.join(t.dir, 'data'),
      ['--station', t.file],
      { RETROVUE_HTTP_LIMITS: JSON.stringify(LIMITS) },
      { fdLimit: FD_LIMIT }
    )
    port = Number(new URL(serve.url).port)
    const list = (await (await serve.api('/api/channels')).json()) as {
      channels: Array<{ uuid: string }>
    }
    const attach = await serve.api(`/api/channels/${list.channels[0]!.uuid}/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    stream = ((await attach.json()) as ViewerAttachDto).streamUrl
    // The first playlist waits for the channel's first segment.
    expect((await get(stream, false)).body).toContain('#EXTM3U')
  })
  afterAll(async () => {
    await serve.stop()
    t.cleanup()
  })

  it('derives its caps from the descriptor limit', () => {
    expect(caps.maxConnections).toBeLessThan(FD_LIMIT / 2)
    expect(caps.maxConnectionsPerAddress).toBeLessThan(caps.maxConnections)
  })

  it('times out silent, slow and idle connections', async () => {
    const host = `Host: 127.0.0.1:${port}\r\n`
    // Fifty connections that never send a byte, from one address and from several.
    const opened = Date.now()
    const silentOnes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => open(i < 20 ? '127.0.0.9' : `127.0.0.${10 + (i % 5)}`))
    )
    const silent = await open('127.0.0.9')
    const slowHeaders = await open('127.0.0.9', `GET /api/health HTTP/1.1\r\n${host}`)
    const slowBody = await open(
      '127.0.0.9',
      `POST /api/emergency HTTP/1.1\r\n${host}Authorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess`
    )
    const keptAlive = await open('127.0.0.9', `GET /api/health HTTP/1.1\r\n${host}\r\n`)
    const silentClosed = Promise.all(silentOnes.map((c) => c.closed.then(() => Date.now())))
    for (const c of [silent, slowHeaders, slowBody, ...silentOnes]) {
      const out = await c.closed
      expect(out).toMatch(/^HTTP\/1\.1 408 /)
      expect(out).toContain('"code":"request_timeout"')
    }
    // Closed by the station after the headers timeout (checked each second), not left open for good.
    expect(Math.max(...(await silentClosed)) - opened).toBeLessThan(LIMITS.headersTimeoutMs + 2_000)
    const out = await keptAlive.closed
    expect(out).toMatch(/^HTTP\/1\.1 200 /)
    expect(out.match(/HTTP\/1\.1/g)).toHaveLength(1)
  })
})

// The operator's reserve: a share of connections is kept for requests with the API token, so that
// viewers and idle sockets, from other addresses or the operator's own, never lock the console and
// the API out. Small explicit caps and long timeouts (nothing times out while the test fills them).
describe('connection caps keep a reserve for the operator', () => {
  const CAPS = { maxConnections: 60, maxConnectionsPerAddress: 20, operatorReserve: 10 }
  const SLOW = {
    headersTimeoutMs: 120_000,
    requestTimeoutMs: 120_000,
    keepAliveTimeoutMs: 120_000,
    idleTimeoutMs: 120_000
  }
  const shared = CAPS.maxConnections - CAPS.operatorReserve
  let t: ReturnType<typeof stationFixture>
  let serve: ServeHandle
  let port: number
  let stream: string
  const held: net.Socket[] = []

  interface Answer {
    status: number
    head: string
    body: string
    /** The station closed the connection after answering. */
    closed: boolean
    socket: net.Socket
  }

  const connect = (from: string): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress: from })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.removeListener('error', reject)
        socket.on('error', () => undefined)
        held.push(socket)
        resolve(socket)
      })
    })

  /** One request on a new keep-alive connection from `from`: the answer, and whether the station then closed it. */
  const ask = async (from: string, route: string, auth = false): Promise<Answer> => {
    const socket = await connect(from)
    return new Promise((resolve) => {
      let out = ''
      let answered: Omit<Answer, 'closed' | 'socket'> | null = null
      const done = (closed: boolean) => resolve({ ...answered!, closed, socket })
      socket.on('data', (c: Buffer) => {
        out += c.toString()
        const split = out.indexOf('\r\n\r\n')
        const length = /content-length: *(\d+)/i.exec(out.slice(0, split))?.[1]
        if (
          answered ||
          split < 0 ||
          length === undefined ||
          out.length < split + 4 + Number(length)
        )
          return
        answered = {
          status: Number(out.slice(9, 12)),
          head: out.slice(0, split),
          body: out.slice(split + 4)
        }
        // Closed by the station right after, or kept alive (give it a moment to say).
        const timer = setTimeout(() => done(false), 300)
        socket.once('close', () => {
          clearTimeout(timer)
          done(true)
        })
      })
      socket.once('close', () => {
        if (!answered) {
          answered = { status: out ? Number(out.slice(9, 12)) : 0, head: out, body: '' }
          done(true)
        }
      })
      const token = auth ? `Authorization: Bearer ${serve.token}\r\n` : ''
      socket.write(`GET ${route} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${token}\r\n`)
    })
  }

  /** Opens `n` connections that never send anything, from the given addresses in turn. */
  const flood = async (n: number, from: string[]) => {
    for (let i = 0; i < n; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, n - i) }, (_, j) =>
          connect(from[(i + j) % from.length]!).catch(() => null)
        )
      )
  }

  const operatorServed = async (from: string) => {
    const console_ = await ask(from, '/')
    expect(console_.status).toBe(200)
    const health = await ask(from, '/api/health')
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toMatchObject({ status: expect.any(String) })
    const api = await ask(from, '/api/channels', true)
    expect(api.status).toBe(200)
    return api
  }

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'one',
        name: 'One',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
      }
    ])
    serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file], {
      RETROVUE_HTTP_LIMITS: JSON.stringify({ ...SLOW, ...CAPS })
    })
    port = Number(new URL(serve.url).port)
    const list = (await (await serve.api('/api/channels')).json()) as {
      channels: Array<{ uuid: string }>
    }
    const attach = await serve.api(`/api/channels/${list.channels[0]!.uuid}/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    stream = ((await attach.json()) as ViewerAttachDto).streamUrl
    const first = await ask('127.0.0.1', stream)
    expect(first.body).toContain('#EXTM3U')
    first.socket.destroy()
  })
  beforeEach(() => {
    for (const s of held.splice(0)) s.destroy()
  })
  afterAll(async () => {
    for (const s of held) s.destroy()
    await serve.stop()
    t.cleanup()
  })

  it("answers the console, health and the API past the per-address cap, on the operator's own address too, and refuses viewers there", async () => {
    // The operator's address (the test's own fetches come from 127.0.0.1: this one is all the test's).
    const own = '127.0.0.2'
    const idle = await Promise.all(
      Array.from({ length: CAPS.maxConnectionsPerAddress }, () => ask(own, '/api/health'))
    )
    expect(idle.every((a) => a.status === 200 && !a.closed)).toBe(true)
    // Past the address's cap: a viewer gets 503, the operator is answered.
    const viewer = await ask(own, stream)
    expect(viewer.status).toBe(503)
    expect(viewer.closed).toBe(true)
    expect(JSON.parse(viewer.body)).toEqual({
      error: { code: 'too_many_connections', message: expect.stringContaining('from your address') }
    })
    expect(viewer.head).toMatch(/retry-after: 5/i)
    const api = await operatorServed(own)
    // The API token's connection is the operator's: kept alive.
    expect(api.closed).toBe(false)
    // Another address still gets its stream.
    expect((await ask('127.0.0.11', stream)).body).toContain('#EXTM3U')
  })

  it('keeps the console, health and the API answering through thousands of idle sockets from five addresses', async () => {
    // The shared caps full of idle keep-alive connections from several addresses.
    const addresses = ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']
    const idle: Answer[] = []
    for (const from of addresses)
      idle.push(
        ...(await Promise.all(
          Array.from({ length: CAPS.maxConnectionsPerAddress }, () => ask(from, '/api/health'))
        ))
      )
    // Past the shared caps, the health answers came on trial connections, closed after.
    expect(idle.filter((a) => !a.closed).length).toBeLessThanOrEqual(shared)
    expect(idle.some((a) => a.closed)).toBe(true)
    // Then waves of silent sockets, the operator's own address among them.
    for (let wave = 0; wave < 3; wave++) {
      await flood(1_000, ['127.0.0.1', '127.0.0.3', '127.0.0.7', '127.0.0.8', '127.0.0.9'])
      await operatorServed('127.0.0.1')
      const viewer = await ask('127.0.0.10', stream)
      expect(viewer.status).toBe(503)
      expect(viewer.body).toContain('the station has too many open connections')
    }
    expect(serve.child.exitCode).toBeNull()
  }, 120_000)

  it('refuses at once when even the reserve is taken by the operator, and serves again as connections close', async () => {
    const idle = await Promise.all(
      Array.from({ length: shared }, (_, i) => ask(`127.0.1.${1 + (i % 5)}`, '/api/health'))
    )
    const operator = await Promise.all(
      Array.from({ length: CAPS.operatorReserve }, () => ask('127.0.0.1', '/api/channels', true))
    )
    expect(operator.every((a) => a.status === 200 && !a.closed)).toBe(true)
    const refused = await ask('127.0.0.1', '/api/channels', true)
    expect(refused.status).toBe(503)
    expect(refused.body).toContain('the station has too many open connections')
    for (const a of [...idle, ...operator]) a.socket.destroy()
    await expect
      .poll(async () => (await ask('127.0.0.1', stream)).status, { timeout: 10_000 })
      .toBe(200)
  })
})
