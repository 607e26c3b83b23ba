// Hostile clients against a real `serve` under a low descriptor limit: stalled connections time
// out, and past the connection caps clients get a short 503 while the station stays up and keeps
// answering its API and its viewers. (Linux routes all of 127/8 to loopback: 127.0.0.2 and up
// stand in for other hosts.)
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCaps } from '../../src/server/connections';
import type { ViewerAttachDto } from '../../src/shared/api';
import { loopOf, stationFixture } from '../helpers/fixtures';
import { type ServeHandle, startServe } from '../helpers/serve';

const FD_LIMIT = 256;
const LIMITS = { headersTimeoutMs: 4000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 4000, idleTimeoutMs: 8000 };

interface Conn {
  socket: net.Socket;
  data: () => string;
  /** Resolves with everything received once the server has closed the connection. */
  closed: Promise<string>;
}

describe('hostile clients', () => {
  let t: ReturnType<typeof stationFixture>;
  let serve: ServeHandle;
  let port: number;
  let stream: string;
  const caps = connectionCaps(FD_LIMIT);

  const open = (from: string, send?: string): Promise<Conn> =>
    new Promise((resolve, reject) => {
      let out = '';
      const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
      socket.on('data', (c: Buffer) => (out += c.toString()));
      const closed = new Promise<string>((done) => socket.once('close', () => done(out)));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        socket.on('error', () => undefined); // a reset after the refusal is expected
        if (send) socket.write(send);
        resolve({ socket, data: () => out, closed });
      });
    });

  /** One request on its own connection (Connection: close), so it holds no slot afterwards. */
  const get = (route: string, auth = true): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: route, agent: false, headers: { connection: 'close', ...(auth ? { authorization: `Bearer ${serve.token}` } : {}) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });

  beforeAll(async () => {
    t = stationFixture([{ id: 'one', name: 'One', timezone: 'UTC', loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }) }]);
    serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file], { RETROVUE_HTTP_LIMITS: JSON.stringify(LIMITS) }, { fdLimit: FD_LIMIT });
    port = Number(new URL(serve.url).port);
    const list = (await (await serve.api('/api/channels')).json()) as { channels: Array<{ uuid: string }> };
    const attach = await serve.api(`/api/channels/${list.channels[0]!.uuid}/viewers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    stream = ((await attach.json()) as ViewerAttachDto).streamUrl;
    // The first playlist waits for the channel's first segment.
    expect((await get(stream, false)).body).toContain('#EXTM3U');
  });
  afterAll(async () => {
    await serve.stop();
    t.cleanup();
  });

  it('derives its caps from the descriptor limit', () => {
    expect(caps.maxConnections).toBeLessThan(FD_LIMIT / 2);
    expect(caps.maxConnectionsPerAddress).toBeLessThan(caps.maxConnections);
  });

  it('times out silent, slow and idle connections', async () => {
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const silent = await open('127.0.0.9');
    const slowHeaders = await open('127.0.0.9', `GET /api/health HTTP/1.1\r\n${host}`);
    const slowBody = await open('127.0.0.9', `POST /api/emergency HTTP/1.1\r\n${host}Authorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess`);
    const keptAlive = await open('127.0.0.9', `GET /api/health HTTP/1.1\r\n${host}\r\n`);
    for (const c of [silent, slowHeaders, slowBody]) {
      const out = await c.closed;
      expect(out).toMatch(/^HTTP\/1\.1 408 /);
      expect(out).toContain('"code":"request_timeout"');
    }
    const out = await keptAlive.closed;
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('refuses connections past the per-address and the global cap with a 503, and keeps serving', async () => {
    // Silent connections from one address, up to its cap and past it.
    const silent: Conn[] = [];
    for (let i = 0; i < caps.maxConnectionsPerAddress; i++) silent.push(await open('127.0.0.2'));
    const refused = await Promise.all([1, 2, 3].map(async () => (await open('127.0.0.2')).closed));
    for (const out of refused) {
      expect(out).toMatch(/^HTTP\/1\.1 503 /);
      expect(out).toMatch(/connection: close/i);
      expect(JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'too_many_connections', message: expect.stringContaining('from your address') } });
    }
    // Everyone else is still served: the API, and the viewer's playlist.
    expect((await get('/api/channels')).status).toBe(200);
    expect((await get(stream, false)).body).toContain('#EXTM3U');

    // Then keep-alive connections from more addresses (each answered, then idle) until the station refuses everyone.
    const health = `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    const idle: Conn[] = [];
    let refusal: string | undefined;
    for (let a = 3; a < 40 && refusal === undefined; a++) {
      for (let i = 0; i < caps.maxConnectionsPerAddress && refusal === undefined; i++) {
        const c = await open(`127.0.0.${a}`, health);
        const first = await Promise.race([c.closed, new Promise<string>((r) => c.socket.once('data', () => r(c.data())))]);
        if (first.startsWith('HTTP/1.1 503')) refusal = await c.closed;
        else idle.push(c);
      }
    }
    expect(refusal).toContain('the station has too many open connections');
    expect(silent.length + idle.length).toBeLessThanOrEqual(caps.maxConnections);
    expect(silent.length + idle.length).toBeGreaterThanOrEqual(caps.maxConnections - 2);
    expect(await (await open('127.0.0.1')).closed).toMatch(/^HTTP\/1\.1 503 /);

    // The held connections time out (silent ones with a 408); the station is still up and serving.
    for (const out of await Promise.all(silent.map((c) => c.closed))) expect(out).toMatch(/^HTTP\/1\.1 408 /);
    for (const out of await Promise.all(idle.map((c) => c.closed))) expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(serve.child.exitCode).toBeNull();
    expect((await get('/api/health', false)).status).toBe(200);
    expect((await get(stream, false)).body).toContain('#EXTM3U');
  });
});
