// One station per data folder, seen from the CLI with real ffmpeg: a second `serve` is refused and
// the first keeps its producers; `import` hands its file to the running station, which adds the new
// channel live while a viewer on another channel keeps decoding; a bad file changes nothing.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { Store } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { processesMatching } from '../helpers/processes'
import { tools as getTools } from '../helpers/schedule-env'
import { framecrcPackets } from '../helpers/framecrc'
import { startServe, type ServeHandle } from '../helpers/serve'
import { nodeTs, repoRoot } from '../helpers/tmp'

const cliArgs = (...args: string[]) => nodeTs(path.join(repoRoot, 'src/cli.ts'), ...args)
/** The CLI without blocking this process (an ffmpeg client may be reading from our pipes meanwhile). */
const cli = (...args: string[]) => {
  const [cmd, argv] = cliArgs(...args)
  return execa(cmd, argv, {
    cwd: repoRoot,
    reject: false,
    env: { RETROVUE_LOG_LEVEL: 'silent' },
    timeout: 60_000
  })
}

const mediaSequence = (playlist: string): number =>
  Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? NaN)
const producerIds = (playlist: string): string[] => [
  ...new Set(
    playlist
      .split('\n')
      .filter((l) => l.endsWith('.ts'))
      .map((l) => l.split('/')[0]!)
  )
]

/** What an import may change: the schedule side of the database (not runtime counters). */
function scheduleDump(data: string): string {
  const store = Store.open(data, { readonly: true })
  try {
    return JSON.stringify(
      [
        'SELECT id, uuid, slug, name, timezone, rollover_minutes, kind, is_active FROM channels ORDER BY id',
        'SELECT * FROM assets ORDER BY id',
        'SELECT * FROM playlog_events ORDER BY id',
        'SELECT * FROM channel_loops ORDER BY channel_id',
        "SELECT * FROM audit_log WHERE action = 'station-import' ORDER BY id"
      ].map((sql) => store.db.prepare(sql).all())
    )
  } finally {
    store.close()
  }
}

describe('one station per data folder (serve, import)', () => {
  let t: ReturnType<typeof stationFixture>
  let data: string
  let serve: ServeHandle
  let outputs: string

  const channels = async (): Promise<ChannelStatusDto[]> => {
    const res = await serve.api('/api/channels')
    expect(res.status).toBe(200)
    return ((await res.json()) as { channels: ChannelStatusDto[] }).channels
  }
  const attach = async (slug: string): Promise<ViewerAttachDto> => {
    const c = (await channels()).find((x) => x.slug === slug)!
    const res = await serve.api(`/api/channels/${c.uuid}/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    expect(res.status).toBe(201)
    return (await res.json()) as ViewerAttachDto
  }
  const playlist = async (a: ViewerAttachDto): Promise<string> => {
    const res = await fetch(`${serve.url}${a.streamUrl}`)
    expect(res.status).toBe(200)
    return res.text()
  }
  /** The channel's live encoders: ffmpeg processes writing under its output folder. */
  const encoders = (uuid: string) =>
    processesMatching(
      new RegExp(`ffmpeg.*${path.join(outputs, uuid).replace(/[/.]/g, '\\$&')}`)
    ).map((p) => p.pid)

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'keep',
        name: 'Keep',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
      }
    ])
    data = path.join(t.dir, 'data')
    outputs = path.join(data, 'outputs')
    serve = await startServe(data, ['--station', t.file, '--viewer-grace-ms', '1000'])
  })

  afterAll(async () => {
    await serve?.stop()
    t?.cleanup()
  })

  it('refuses a second serve on the folder, naming the first pid; the first keeps its producers', async () => {
    const a = await attach('keep')
    const keep = (await channels()).find((c) => c.slug === 'keep')!
    const before = await playlist(a)
    const encoder = encoders(keep.uuid)
    expect(encoder).toHaveLength(1)

    const [cmd, argv] = cliArgs('serve', '--data-dir', data, '--port', '0')
    const second = spawnSync(cmd, argv, {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, RETROVUE_LOG_LEVEL: 'silent' },
      timeout: 60_000
    })
    expect(second.status).toBe(1)
    expect(second.stderr).toContain(`pid ${serve.child.pid}`)
    expect(second.stderr).toContain(data)

    // The first station still has its encoder, its output folder and a live, advancing playlist.
    expect(encoders(keep.uuid)).toEqual(encoder)
    expect(fs.existsSync(path.join(outputs, keep.uuid))).toBe(true)
    let after = ''
    await expect
      .poll(async () => mediaSequence((after = await playlist(a))), {
        timeout: 10_000,
        interval: 200
      })
      .toBeGreaterThan(mediaSequence(before))
    expect(producerIds(after)).toEqual(producerIds(before).slice(-1))
    expect(serve.child.exitCode).toBeNull()
    await serve.api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  }, 90_000)

  it('hands a new channel to the running station: listed with 200, and a viewer elsewhere decodes on without a break', async () => {
    const a = await attach('keep')
    const keep = (await channels()).find((c) => c.slug === 'keep')!
    const before = await playlist(a)
    const encoder = encoders(keep.uuid)
    expect(encoder).toHaveLength(1)

    // An outside client decoding the channel for 20 s; the import happens while it decodes.
    const tools = await getTools()
    const crc = path.join(t.dir, 'client.crc')
    const client = execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostats',
        '-progress',
        'pipe:1',
        '-i',
        `${serve.url}${a.streamUrl}`,
        '-t',
        '20',
        '-map',
        '0',
        '-f',
        'framecrc',
        crc
      ],
      { reject: false, timeout: 90_000 }
    )
    let clientEnded = false
    void client.then(() => (clientEnded = true))
    await new Promise<void>((resolve, reject) => {
      client.stdout.on('data', (c: Buffer) => {
        if (/^frame=[1-9]/m.test(c.toString())) resolve()
      })
      void client.then((r) =>
        reject(new Error(`the client ended before decoding: ${String(r.stderr)}`))
      )
    })

    const file = path.join(t.dir, 'fresh.json')
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'fresh',
            name: 'Fresh',
            timezone: 'Asia/Tokyo',
            loop: loopOf({ title: 'B', asset: 'media/b.mp4', durationMs: 8_000 })
          }
        ]
      })
    )
    const imported = await cli('import', '--data-dir', data, file)
    expect(imported.stderr).toBe('')
    expect(imported.exitCode).toBe(0)
    expect(imported.stdout).toContain(`Imported ${file}:`)
    expect(imported.stdout).toMatch(/fresh \([0-9a-f-]{36}\) new: \d+ playlog events/)
    expect(clientEnded).toBe(false) // still decoding when the import returned

    const listed = await channels()
    expect(listed.map((c) => c.slug)).toEqual(['keep', 'fresh'])
    expect(listed[1]).toMatchObject({ name: 'Fresh', timezone: 'Asia/Tokyo' })
    expect(listed[1]!.nowPlaying?.title).toBe('B')

    const r = await client
    expect(String(r.stderr).trim()).toBe('')
    expect(r.exitCode).toBe(0)
    const { video, backwards } = framecrcPackets(fs.readFileSync(crc, 'utf8'))
    expect(backwards).toEqual([])
    expect(video).toBeGreaterThanOrEqual(19 * 30)
    // Same producer, same encoder process, all along.
    expect(encoders(keep.uuid)).toEqual(encoder)
    expect(producerIds(await playlist(a))).toEqual(producerIds(before).slice(-1))
    await serve.api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  }, 120_000)

  it('a bad file handed to the running station is refused naming file, JSON path and problem; nothing changes', async () => {
    const marker = path.join(outputs, 'marker.txt')
    fs.writeFileSync(marker, 'untouched')
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
            loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
          }
        ]
      })
    )
    const before = scheduleDump(data)
    const slugs = (await channels()).map((c) => c.slug)

    const r = await cli('import', '--data-dir', data, bad)
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(
      `${bad}: $.channels[0].timezone: "Europe/Londn" is not a known IANA time zone`
    )
    expect(r.stdout).toBe('')

    // The route itself: the problems as data, and malformed requests refused.
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      serve.api('/api/station/import', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body)
      })
    const res = await post({ file: bad })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid_station_file',
        message: `${bad}: $.channels[0].timezone: "Europe/Londn" is not a known IANA time zone`,
        file: bad,
        problems: [
          {
            path: '$.channels[0].timezone',
            message: '"Europe/Londn" is not a known IANA time zone'
          }
        ]
      }
    })
    for (const body of [{}, { file: 'bad.json' }, { file: bad, extra: 1 }, { file: 42 }]) {
      const refused = await post(body)
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'invalid_body'
      )
    }
    const folder = await post({ file: t.dir })
    expect(folder.status).toBe(400)
    expect(((await folder.json()) as { error: { message: string } }).error.message).toBe(
      `${t.dir}: $: cannot read the station file: not a regular file`
    )
    const anonymous = await fetch(`${serve.url}/api/station/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file: bad })
    })
    expect(anonymous.status).toBe(401)

    expect(scheduleDump(data)).toBe(before)
    expect((await channels()).map((c) => c.slug)).toEqual(slugs)
    expect(fs.readFileSync(marker, 'utf8')).toBe('untouched')
    expect(serve.child.exitCode).toBeNull()
  }, 90_000)
})
