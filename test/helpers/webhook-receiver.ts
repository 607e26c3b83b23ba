// A local webhook receiver: records every POST (headers, raw body, whether its signature is valid
// for the secret), and can answer, refuse connections (down), answer 500, or hang without answering.
import crypto from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'
import type { WebhookPayload } from '../../src/shared/webhooks'

export interface Received {
  /** The path posted to (each webhook of a test has its own). */
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  payload: WebhookPayload
  signatureValid: boolean
}

export type ReceiverMode = 'ok' | 'fail' | 'hang'

export interface Receiver {
  url: string
  received: Received[]
  mode: ReceiverMode
  /** Refuses connections (the port closed) until up() again, on the same port. */
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export async function startReceiver(
  secret: string,
  urlPath = '/hooks/retrovue'
): Promise<Receiver> {
  const sockets = new Set<net.Socket>()
  const r: Receiver = {
    url: '',
    received: [],
    mode: 'ok',
    down: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    up: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: async () => {
      for (const s of sockets) s.destroy()
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const expected = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`
      const given = String(req.headers['x-retrovue-signature'] ?? '')
      r.received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        payload: JSON.parse(body) as WebhookPayload,
        signatureValid:
          given.length === expected.length &&
          crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))
      })
      if (r.mode === 'hang') return
      res.writeHead(r.mode === 'ok' ? 204 : 500).end()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  r.url = `http://127.0.0.1:${port}${urlPath}`
  return r
}
