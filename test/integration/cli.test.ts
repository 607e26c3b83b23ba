import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeTs, repoRoot, tempDir } from '../helpers/tmp'
import { fixtureDir, loopOf, stationFixture } from '../helpers/fixtures'
import { Store } from '../../src/store'
import { dumpDatabase, tools as getTools } from '../helpers/schedule-env'
import { startServe, type ServeHandle } from '../helpers/serve'

const runCliWith = (env: Record<string, string>, ...args: string[]) => {
  const [cmd, argv] = nodeTs(path.join(repoRoot, 'src/cli.ts'), ...args)
  return spawnSync(cmd, argv, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, RETROVUE_LOG_LEVEL: 'silent', ...env },
    timeout: 60_000
  })
}
const runCli = (...args: string[]) => runCliWith({}, ...args)

describe('retrovue CLI', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it.each([
    [['serve', '--port', 'abc'], /--port must be a whole number/],
    [['serve', '--port', '70000'], /--port must be between 0 and 65535/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--viewer-grace-ms', '-5'], /viewer-grace-ms/],
    [['serve', 'extra'], /no positional arguments/],
    [['serve', '--data-dir'], /--data-dir/],
    [['serve', '--stream-key', 'short'], /--stream-key: a stream key is 16 to 128/],
    [['serve', '--stream-key', 'has spaces in it, long enough'], /--stream-key/],
    [['serve', '--public-url', 'ftp://tv.example'], /--public-url must be an http/],
    [['serve', '--public-url', 'http://tv.example/?x=1'], /--public-url/],
    [['serve', '--max-viewers', '0'], /--max-viewers must be between 1/],
    [
      ['serve', '--max-viewers-per-channel', 'many'],
      /--max-viewers-per-channel must be a whole number/
    ],
    [['serve', '--max-viewers-per-address', '0'], /--max-viewers-per-address must be between 1/],
    [['serve', '--guide-hours', '1000'], /--guide-hours must be between 1 and 336/],
    [['serve', '--metrics-token', 'short'], /--metrics-token must be 16 to 200/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['import'], /import takes exactly one station file \(got 0\)/],
    [['import', 'a.json', 'b.json'], /exactly one station file \(got 2\)/],
    [[], /no command given/]
  ])('rejects %j with usage and a non-zero exit', (args, message) => {
    const r = runCli(...args)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toContain('Usage:')
    expect(r.stderr).toContain('retrovue serve')
  })

  it('serves an empty data dir: creates the database and api-token, answers health, serves the console', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const dataDir = path.join(t.dir, 'fresh') // does not exist yet
    const serve: ServeHandle = await startServe(dataDir)
    cleanups.push(() => serve.stop())

    expect(fs.existsSync(path.join(dataDir, 'station.db'))).toBe(true)
    const tokenFile = path.join(dataDir, 'api-token')
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600)
    expect(serve.token.length).toBeGreaterThanOrEqual(24)
    expect(serve.stdout()).toContain(`${serve.url}/#token=${serve.token}`)

    const health = await fetch(`${serve.url}/api/health`)
    expect(health.status).toBe(200)
    const body = (await health.json()) as { status: string; stationTime: string }
    expect(body.status).toBe('ok')
    expect(body.stationTime).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/
    )

    // Everything else under /api needs the token.
    const denied = await fetch(`${serve.url}/api/mode`)
    expect(denied.status).toBe(401)
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('unauthorized')

    const page = await fetch(`${serve.url}/`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<div id="root"></div>')
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`${serve.url}/${script}`)
    expect(asset.status).toBe(200)
    expect((await asset.text()).length).toBeGreaterThan(1000)

    expect(await serve.stop()).toBe(0)
  })

  it('uses the same token on the next start', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const first = await startServe(t.dir)
    await first.stop()
    const second = await startServe(t.dir)
    cleanups.push(() => second.stop())
    expect(second.token).toBe(first.token)
  })

  it('refuses to start on a corrupt database, naming the file and leaving it alone', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = path.join(t.dir, 'station.db')
    fs.writeFileSync(file, 'this is not a database'.repeat(500))
    const before = fs.readFileSync(file)
    const r = runCli('serve', '--data-dir', t.dir, '--port', '0')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(file)
    expect(r.stderr).toMatch(/integrity check/)
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })

  it('imports a station file all or nothing, and refuses a bad one naming file, path and problem', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    fs.symlinkSync(fixtureDir, path.join(t.dir, 'media'))
    const data = path.join(t.dir, 'data')
    const good = path.join(t.dir, 'good.json')
    fs.writeFileSync(
      good,
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'alpha',
            name: 'Alpha',
            timezone: 'Europe/London',
            schedule: [
              {
                title: 'One',
                asset: 'media/a.mp4',
                start: '2026-11-25T12:00:00Z',
                durationMs: 10000
              }
            ]
          }
        ]
      })
    )
    const ok = runCli('import', '--data-dir', data, good)
    expect(ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/alpha \([0-9a-f-]{36}\) new: 1 playlog events/)

    const bad = path.join(t.dir, 'bad.json')
    fs.writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'alpha',
            name: 'Alpha',
            timezone: 'Europe/Londn',
            schedule: [
              {
                title: 'One',
                asset: 'media/a.mp4',
                start: '2026-11-25T12:00:00Z',
                durationMs: 10000
              }
            ]
          }
        ]
      })
    )
    const store = Store.open(data)
    const before = dumpDatabase(store)
    store.close()
    const r = runCli('import', '--data-dir', data, bad)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(
      `${bad}: $.channels[0].timezone: "Europe/Londn" is not a known IANA time zone`
    )
    const after = Store.open(data)
    expect(dumpDatabase(after)).toBe(before)
    after.close()
  })

  it('imports with no station running without opening the runtime: no encoder, no reaping, outputs untouched', async () => {
    const t = stationFixture([
      {
        id: 'first',
        name: 'First',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10000 })
      }
    ])
    cleanups.push(t.cleanup)
    const data = path.join(t.dir, 'data')
    expect(runCli('import', '--data-dir', data, t.file).status).toBe(0)
    const outputs = path.join(data, 'outputs')
    fs.mkdirSync(outputs, { recursive: true })
    const marker = path.join(outputs, 'marker.txt')
    fs.writeFileSync(marker, 'untouched')
    // An encoder a crashed station left writing under outputs/: the next serve reaps it, import must not.
    const tools = await getTools()
    const orphan = spawn(
      tools.ffmpeg,
      [
        '-nostdin',
        '-loglevel',
        'quiet',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'anullsrc=r=8000:cl=mono',
        '-metadata',
        `comment=${outputs}/orphan`,
        '-f',
        'null',
        '-'
      ],
      { stdio: 'ignore' }
    )
    const orphanExit = new Promise((resolve) => orphan.once('exit', resolve))
    cleanups.push(() => orphan.kill('SIGKILL'))
    // Every ffmpeg run the import makes, logged by a wrapper.
    const log = path.join(t.dir, 'ffmpeg-runs.log')
    const wrapper = path.join(t.dir, 'bin', 'ffmpeg')
    fs.mkdirSync(path.dirname(wrapper))
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${tools.ffmpeg}' "$@"\n`,
      { mode: 0o755 }
    )

    const second = path.join(t.dir, 'second.json')
    fs.writeFileSync(
      second,
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'second',
            name: 'Second',
            timezone: 'UTC',
            loop: loopOf({ title: 'B', asset: 'media/b.mp4', durationMs: 8000 })
          }
        ]
      })
    )
    const r = runCliWith(
      { RETROVUE_FFMPEG: wrapper, RETROVUE_FFPROBE: tools.ffprobe },
      'import',
      '--data-dir',
      data,
      second
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/second \([0-9a-f-]{36}\) new: \d+ playlog events/)

    expect(fs.readFileSync(marker, 'utf8')).toBe('untouched')
    expect(fs.readdirSync(outputs)).toEqual(['marker.txt'])
    expect(orphan.exitCode).toBeNull()
    expect(orphan.signalCode).toBeNull()
    // ffmpeg ran only to check its own capabilities; nothing was played out.
    const runs = fs.readFileSync(log, 'utf8').trim().split('\n')
    expect(runs.length).toBeGreaterThan(0)
    for (const run of runs) expect(run).toMatch(/^-hide_banner -(version|filters|encoders)$/)
    const store = Store.open(data, { readonly: true })
    expect(store.channels.list().map((c) => c.slug)).toEqual(['first', 'second'])
    store.close()
    orphan.kill('SIGKILL')
    await orphanExit
  })

  it('serve --stream-key generate keeps the key in the data folder (0600), never prints it, and puts it in viewer URLs', async () => {
    const t = stationFixture([
      {
        id: 'only',
        name: 'Only',
        number: '3',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10000 })
      }
    ])
    cleanups.push(t.cleanup)
    const data = path.join(t.dir, 'data')
    const publicUrl = 'https://tv.example.test/retrovue'
    const serve = await startServe(data, [
      '--station',
      t.file,
      '--stream-key',
      'generate',
      '--public-url',
      `${publicUrl}/`,
      '--max-viewers',
      '5',
      '--guide-hours',
      '6'
    ])
    cleanups.push(() => serve.stop())
    const keyFile = path.join(data, 'stream-key')
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
    const key = fs.readFileSync(keyFile, 'utf8').trim()
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/)
    await expect
      .poll(() => serve.stdout(), { timeout: 5_000, interval: 100 })
      .toContain("Viewers' playlist")
    expect(serve.stdout()).toContain(`${publicUrl}/iptv/<stream key>/channels.m3u`)
    expect(serve.stdout() + serve.stderr()).not.toContain(key)
    expect((await fetch(`${serve.url}/iptv/channels.m3u`)).status).toBe(404)
    const m3u = await (await fetch(`${serve.url}/iptv/${key}/channels.m3u`)).text()
    expect(m3u).toContain(`${publicUrl}/iptv/${key}/channels/3.m3u8`)
    await serve.stop()
    // The same key on the next start.
    const again = await startServe(data, ['--stream-key', 'generate'])
    cleanups.push(() => again.stop())
    expect((await fetch(`${again.url}/iptv/${key}/xmltv.xml`)).status).toBe(200)
  })

  it('serve --station imports the file before going on air', async () => {
    const t = stationFixture([
      {
        id: 'only',
        name: 'Only',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10000 })
      }
    ])
    cleanups.push(t.cleanup)
    const serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file])
    cleanups.push(() => serve.stop())
    const body = (await (await serve.api('/api/channels')).json()) as {
      channels: Array<{ slug: string; nowPlaying: { title: string } | null }>
    }
    expect(body.channels.map((c) => c.slug)).toEqual(['only'])
    expect(body.channels[0]!.nowPlaying?.title).toBe('A')
  })
})
