// A real nginx with the RTMP module (Debian's nginx-light + libnginx-mod-rtmp), the media server
// a station pushes to: RTMP ingest, HLS out over HTTP, its stats page. Runs in the foreground
// in a private prefix, on ports of its own; stop() and start() again keep the same ports.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'

export const NGINX = '/usr/sbin/nginx'
export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so'
export const nginxAvailable = (): boolean => fs.existsSync(NGINX) && fs.existsSync(RTMP_MODULE)

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

/** The config the README gives (resources/nginx/rtmp-hls.conf), with this test's ports and folders. */
export function nginxConfig(o: { prefix: string; rtmpPort: number; httpPort: number }): string {
  const template = fs.readFileSync(
    path.resolve(import.meta.dirname, '../../resources/nginx/rtmp-hls.conf'),
    'utf8'
  )
  const conf = template
    .replaceAll('1935', String(o.rtmpPort))
    .replaceAll('listen 8080', `listen 127.0.0.1:${o.httpPort}`)
    .replaceAll('/var/lib/retrovue-hls', path.join(o.prefix, 'hls'))
    .replace(/^load_module .*$/m, `load_module ${RTMP_MODULE};`)
  // Our own pid, logs and temp files; root keeps its workers able to write the HLS folder.
  const own = [
    'daemon off;',
    `pid ${path.join(o.prefix, 'nginx.pid')};`,
    `error_log ${path.join(o.prefix, 'error.log')} warn;`,
    ...(process.getuid?.() === 0 ? ['user root;'] : [])
  ].join('\n')
  return `${own}\n${conf}`.replace(
    /http \{/,
    `http {\n    access_log off;\n    client_body_temp_path ${path.join(o.prefix, 'body')};\n    proxy_temp_path ${path.join(o.prefix, 'proxy')};\n    fastcgi_temp_path ${path.join(o.prefix, 'fastcgi')};\n    uwsgi_temp_path ${path.join(o.prefix, 'uwsgi')};\n    scgi_temp_path ${path.join(o.prefix, 'scgi')};`
  )
}

export interface Nginx {
  rtmpPort: number
  httpPort: number
  /** The RTMP URL a channel pushes to, for stream `name`. */
  rtmpUrl(name: string): string
  /** nginx's HLS playlist for stream `name`. */
  hlsUrl(name: string): string
  /** nginx-rtmp's statistics (XML): publishers and how long each has been connected. */
  stats(): Promise<string>
  start(): Promise<void>
  stop(): Promise<void>
  log(): string
  /** The master process (its workers are its children), while running. */
  pid(): number | undefined
}

export async function startNginx(prefix: string): Promise<Nginx> {
  // Not a skip: CI installs them (.ci/run), and a test that quietly did nothing would hide it.
  if (!nginxAvailable())
    throw new Error(
      `nginx with the RTMP module is needed (${NGINX}, ${RTMP_MODULE}): apt-get install nginx-light libnginx-mod-rtmp`
    )
  fs.mkdirSync(path.join(prefix, 'hls'), { recursive: true })
  const rtmpPort = await freePort()
  const httpPort = await freePort()
  const confFile = path.join(prefix, 'nginx.conf')
  fs.writeFileSync(confFile, nginxConfig({ prefix, rtmpPort, httpPort }))
  let child: ChildProcess | undefined
  let output = ''

  // Polls by hand: the benchmarks (run by tsx, without vitest) start nginx through here too.
  const listening = async (port: number, deadline: number) => {
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy()
          resolve(true)
        })
        s.on('error', () => resolve(false))
      })
      if (ok) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`nginx did not listen on ${port}:\n${output}\n${handle.log()}`)
  }

  const handle: Nginx = {
    rtmpPort,
    httpPort,
    rtmpUrl: (name) => `rtmp://127.0.0.1:${rtmpPort}/live/${name}`,
    hlsUrl: (name) => `http://127.0.0.1:${httpPort}/hls/${name}.m3u8`,
    stats: async () => (await fetch(`http://127.0.0.1:${httpPort}/stat`)).text(),
    async start() {
      // Its own process group, so the master and its workers go together.
      const c = spawn(NGINX, ['-p', prefix, '-c', confFile, '-e', path.join(prefix, 'error.log')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true
      })
      child = c
      // Owned by this process: a test run that dies without stopping it does not leave a server behind.
      const killOnExit = () => {
        try {
          process.kill(-c.pid!, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      process.once('exit', killOnExit)
      c.once('exit', () => process.off('exit', killOnExit))
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()))
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
      const deadline = Date.now() + 10_000
      await listening(rtmpPort, deadline)
      await listening(httpPort, deadline)
    },
    async stop() {
      const c = child
      child = undefined
      if (!c || c.exitCode !== null || c.signalCode !== null) return
      const gone = new Promise((r) => c.once('exit', r))
      // SIGTERM is nginx's fast shutdown: connections are closed at once, as when a server dies.
      c.kill('SIGTERM')
      await gone
    },
    pid: () => child?.pid,
    log: () => {
      try {
        return fs.readFileSync(path.join(prefix, 'error.log'), 'utf8')
      } catch {
        return ''
      }
    }
  }
  try {
    await handle.start()
  } catch (err) {
    await handle.stop()
    throw err
  }
  return handle
}
