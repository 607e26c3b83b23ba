// The headless service (resources/linux/retrovue.service): systemd accepts the unit, and `serve`
// run as the unit runs it (its ExecStart and Environment=, another user, only the data folder
// writable, a private /tmp: test/helpers/systemd-unit.ts) plays out, pushes to a media server and
// analyses its library; a SIGTERM (systemctl stop) then ends every producer within 10 s.
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import type { LibraryPageDto } from '../../src/shared/library'
import { fixture, loopOf, stationFixture } from '../helpers/fixtures'
import { freePort, type Nginx, startNginx } from '../helpers/nginx'
import { processesMatching } from '../helpers/processes'
import {
  buildApp,
  INSTALL_DIR,
  parseUnit,
  spawnAsUnit,
  UNIT_FILE,
  unitCommand
} from '../helpers/systemd-unit'
import { repoRoot, tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze'
const APP = path.join(repoRoot, 'out/unit-test/app')
const KEY = 'unit-push'

describe('the systemd unit', () => {
  const unitText = fs.readFileSync(UNIT_FILE, 'utf8')
  const service = parseUnit(unitText)['Service']!
  const unit = parseUnit(unitText)['Unit']!

  it('is accepted by systemd-analyze verify', () => {
    // verify also checks that ExecStart's binary exists: the app is not installed on a test
    // machine, so a copy names an existing one (/usr/bin/true) and keeps everything else.
    const t = tempDir('retrovue-unit-')
    try {
      const copy = path.join(t.dir, 'retrovue.service')
      const binary = `"${INSTALL_DIR}/retrovue-master-control"`
      expect(unitText).toContain(`ExecStart=${binary} `)
      fs.writeFileSync(copy, unitText.replace(`ExecStart=${binary} `, 'ExecStart=/usr/bin/true '))
      const r = spawnSync(SYSTEMD_ANALYZE, ['verify', copy], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
    } finally {
      t.cleanup()
    }
  })

  it("names the binary and asar where the deb installs them, and the deb's scripts are valid bash", () => {
    // electron-builder installs the app at /opt/<productName>/<executableName> (FpmTarget).
    const builder = fs.readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')
    const product = /^productName: (.+)$/m.exec(builder)![1]!.trim()
    const executable = /^executableName: (.+)$/m.exec(builder)![1]!.trim()
    expect(INSTALL_DIR).toBe(`/opt/${product}`)
    expect(unitCommand(unitText).argv[0]).toBe(`/opt/${product}/${executable}`)
    expect(builder).toContain(
      'resources/linux/retrovue.service=/usr/lib/systemd/system/retrovue.service'
    )
    // The maintainer scripts as electron-builder renders them (its ${name} macros), parsed by bash.
    for (const script of ['after-install.tpl', 'after-remove.tpl', 'before-remove.sh']) {
      const text = fs
        .readFileSync(path.join(repoRoot, 'resources/linux', script), 'utf8')
        .replace(/\$\{([a-zA-Z]+)\}/g, (_m, name: string) => {
          if (name === 'executable') return executable
          if (name === 'sanitizedProductName') return product
          throw new Error(`${script}: macro \${${name}} is not one electron-builder defines here`)
        })
      const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' })
      expect(r.stderr, script).toBe('')
      expect(r.status, script).toBe(0)
    }
  })

  it('restarts on failure with a burst limit, runs as its own user, hardened, logging JSON', () => {
    expect(service['Restart']).toEqual(['on-failure'])
    expect(Number(unit['StartLimitBurst']![0])).toBeGreaterThan(1)
    expect(Number(unit['StartLimitIntervalSec']![0])).toBeGreaterThan(0)
    expect(service).toMatchObject({
      User: ['retrovue'],
      StateDirectory: ['retrovue'],
      NoNewPrivileges: ['yes'],
      ProtectSystem: ['strict'],
      PrivateTmp: ['yes'],
      ProtectHome: ['read-only'],
      KillMode: ['mixed']
    })
    const { argv, env } = unitCommand(unitText)
    expect(env).toMatchObject({ ELECTRON_RUN_AS_NODE: '1', RETROVUE_LOG_FORMAT: 'json' })
    expect(argv.slice(1, 5)).toEqual([
      `${INSTALL_DIR}/resources/app.asar/out/main/cli.js`,
      'serve',
      '--data-dir',
      '/var/lib/retrovue'
    ])
  })
})

describe('serve run as the unit runs it (another user, only /var/lib/retrovue writable)', () => {
  let t: ReturnType<typeof stationFixture>
  let data: ReturnType<typeof tempDir>
  let ngx: ReturnType<typeof tempDir>
  let nginx: Nginx
  let child: ChildProcessWithoutNullStreams
  let out = ''
  let err = ''
  let base = ''
  let token = ''

  const api = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
    const text = await res.text()
    if (res.status >= 300)
      throw new Error(`${init.method ?? 'GET'} ${route}: ${res.status} ${text}`)
    return (text ? JSON.parse(text) : undefined) as T
  }
  // Every ffmpeg of this station: its HLS outputs are under the data folder, its push goes to KEY.
  const stationFfmpeg = () =>
    processesMatching(/ff(mpeg|probe)/).filter(
      (p) => p.cmd.includes('/var/lib/retrovue') || p.cmd.includes(KEY)
    )
  const sandbox = () => ({
    app: APP,
    dataDir: data.dir,
    binds: [{ from: t.dir, to: '/srv/station' }]
  })

  beforeAll(async () => {
    buildApp(APP)
    ngx = tempDir('retrovue-nginx-')
    nginx = await startNginx(ngx.dir)
    t = stationFixture([
      {
        id: 'unattended',
        name: 'Unattended',
        timezone: 'UTC',
        loop: loopOf(
          { title: 'A', asset: 'media/a.mp4', durationMs: 6_000 },
          { title: 'C', asset: 'media/c.mp4', durationMs: 6_000 }
        ),
        outputs: [{ url: nginx.rtmpUrl(KEY) }]
      }
    ])
    // The media itself, not the fixture's symlink to the checkout: a checkout under /tmp is hidden
    // by the unit's private /tmp.
    fs.unlinkSync(path.join(t.dir, 'media'))
    fs.mkdirSync(path.join(t.dir, 'media'))
    for (const f of ['a.mp4', 'c.mp4']) fs.copyFileSync(fixture(f), path.join(t.dir, 'media', f))
    // The library's folder: one file of its own (the fixtures folder holds many big ones).
    fs.mkdirSync(path.join(t.dir, 'library'))
    fs.copyFileSync(fixture('c.mp4'), path.join(t.dir, 'library', 'clip.mp4'))
    spawnSync('chmod', ['-R', 'a+rX', t.dir])
    data = tempDir('retrovue-unit-data-')
    // The station file imported first by the same binary, user and sandbox (as an operator would
    // with `sudo -u retrovue`), so the service's first start has no demo station to make.
    const imported = spawnAsUnit(sandbox(), {
      argv: (a) => [
        a[0]!,
        a[1]!,
        'import',
        '--data-dir',
        '/var/lib/retrovue',
        '/srv/station/station.json'
      ]
    })
    let importOut = ''
    imported.stdout.on('data', (c: Buffer) => (importOut += c.toString()))
    imported.stderr.on('data', (c: Buffer) => (importOut += c.toString()))
    const code = await new Promise((resolve) => imported.once('exit', resolve))
    expect(code, importOut).toBe(0)

    // The unit's command line; only the port differs (8787 may be taken on a test machine).
    const p = String(await freePort())
    child = spawnAsUnit(sandbox(), {
      argv: (a) => a.map((w, i) => (a[i - 1] === '--port' ? p : w))
    })
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    const { value: url } = await until('serve prints its URL', 60_000, () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${out}${err}`)
      return /on air at (http:\/\/\S+?)\/#token=([\w-]+)/.exec(out) ?? undefined
    })
    base = url[1]!
    token = url[2]!
  }, 180_000)

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    await nginx?.stop()
    t?.cleanup()
    data?.cleanup()
    ngx?.cleanup()
    fs.rmSync(path.dirname(APP), { recursive: true, force: true })
  })

  it('plays out, pushes to nginx and analyses its library, writing only the data folder', async () => {
    const { channels } = await api<{ channels: ChannelStatusDto[] }>('/api/channels')
    const uuid = channels[0]!.uuid
    // The push: live, and nginx has the stream.
    await until('the push is live', 30_000, async () => {
      const s = await api<ChannelStatusDto>(`/api/channels/${uuid}`)
      return s.outputs[0]?.state === 'live' ? true : undefined
    })
    await until('nginx lists HLS segments', 15_000, async () => {
      const res = await fetch(nginx.hlsUrl(KEY))
      return res.ok && /\.ts/.test(await res.text()) ? true : undefined
    })
    // Playout to a viewer.
    const viewer = await api<ViewerAttachDto>(`/api/channels/${uuid}/viewers`, {
      method: 'POST',
      body: '{}'
    })
    await until('the viewer gets the stream', 30_000, async () =>
      (await fetch(`${base}${viewer.streamUrl}`)).status === 200 ? true : undefined
    )
    // The library reads a folder outside the data folder (read-only to the service).
    await api('/api/library/folders', {
      method: 'POST',
      body: JSON.stringify({ id: 'lib', path: '/srv/station/library' })
    })
    await until('the library analyses its file', 60_000, async () => {
      const page = await api<LibraryPageDto>('/api/library/assets?folder=lib&limit=10')
      return page.total === 1 && page.assets.every((a) => a.status === 'ok' && a.analysed)
        ? true
        : undefined
    })
    // Everything it wrote is the service user's, in the data folder.
    const owners = spawnSync('find', [data.dir, '!', '-uid', '65534'], { encoding: 'utf8' })
    expect(owners.stdout.trim()).toBe('')
    // The journal gets JSON: every log line on stderr is one object.
    const lines = err.split('\n').filter((l) => l.trim() !== '')
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ app: 'retrovue' })
  }, 180_000)

  it('stops on SIGTERM (systemctl stop) within 10 s: exit 0, no ffmpeg left', async () => {
    expect(stationFfmpeg().length).toBeGreaterThan(0)
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const started = Date.now()
    child.kill('SIGTERM')
    const code = await exited
    const { ms } = await until('no ffmpeg of the station left', 10_000, () =>
      stationFfmpeg().length === 0 ? true : undefined
    )
    const total = Date.now() - started
    console.info(`SIGTERM to exit and no ffmpeg left: ${total} ms (${ms} ms after exit)`)
    expect(code).toBe(0)
    expect(total).toBeLessThan(10_000)
    expect(err).not.toMatch(/shutdown failed/)
  }, 30_000)
})
