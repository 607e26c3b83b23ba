// Station files parsed strictly, before the schema sees them: duplicate keys, prototype keys,
// nesting and size limits, invalid UTF-8, and control characters in text are each refused with
// the file and the JSON path (or the byte and line), and change nothing; the same through
// `retrovue import` and POST /api/station/import, where a 100,000-deep file is a 400, never a 500.
// Asset paths may leave the file's folder; what they resolve to must be a readable media file.
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { MAX_JSON_DEPTH, MAX_STATION_FILE_BYTES } from '../../src/schedule/strict-json'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { scheduleEnv, type ScheduleEnv } from '../helpers/schedule-env'
import { nodeTs, repoRoot, tempDir } from '../helpers/tmp'

const channel = (extra = '') =>
  `{"id":"alpha","name":"Alpha","timezone":"UTC",${extra}"schedule":[{"title":"One","asset":"media/a.mp4","start":"2026-11-25T12:00:00Z","durationMs":10000}]}`
const station = (channels: string, extra = '') => `{"version":1,${extra}"channels":[${channels}]}`
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

const cases: Array<[string, string | Buffer, string, RegExp]> = [
  [
    'duplicate channel key',
    station(channel('"id":"bad",')),
    '$.channels[0].id',
    /duplicate key "id" \(first at line 1, column \d+, again at line 1, column \d+\): each key may appear once/
  ],
  [
    'duplicate top-level key',
    station(channel(), '"version":1,'),
    '$.version',
    /duplicate key "version"/
  ],
  [
    'fields hidden in __proto__',
    station(
      channel(
        '"__proto__":{"timezone":"Asia/Tokyo","outputs":[{"url":"rtmp://example.com/live/key"}]},'
      )
    ),
    '$.channels[0].__proto__',
    /"__proto__" is not allowed as a key/
  ],
  [
    'a constructor key',
    station(channel(), '"constructor":{"name":"x"},'),
    '$.constructor',
    /"constructor" is not allowed as a key/
  ],
  [
    'a prototype key in an item',
    station(channel().replace('"title":"One"', '"title":"One","prototype":1')),
    '$.channels[0].schedule[0].prototype',
    /"prototype" is not allowed/
  ],
  [
    '100,000 levels deep',
    deep(100_000),
    '$',
    new RegExp(
      `nested more than ${MAX_JSON_DEPTH} levels deep at line 1, column ${MAX_JSON_DEPTH + 1}`
    )
  ],
  [
    'deep inside a channel',
    station(channel(`"extra":${deep(40)},`)),
    '$',
    /nested more than \d+ levels deep at line 1, column \d+/
  ],
  [
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from(`{"version":1,\n"channels":[{"id":"alpha","name":"Al`),
      Buffer.from([0xff]),
      Buffer.from('pha"}]}')
    ]),
    '$',
    /not valid UTF-8 at byte 50 \(line 2, byte 37 of the line: 0xFF\)/
  ],
  [
    'an overlong UTF-8 form',
    Buffer.concat([
      Buffer.from('{"version":1,"channels":["'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"]}')
    ]),
    '$',
    /not valid UTF-8 at byte 26 /
  ],
  [
    'UTF-8 cut short at the end',
    Buffer.concat([Buffer.from('{"version":1} '), Buffer.from([0xe2, 0x82])]),
    '$',
    /not valid UTF-8 at byte 14 /
  ],
  [
    'NUL in a name',
    station(channel().replace('"Alpha"', '"Al\\u0000pha"')),
    '$.channels[0].name',
    /control character \(U\+0000\) at character 3/
  ],
  [
    'ESC in a title',
    station(channel().replace('"One"', '"\\u001b[31mOne"')),
    '$.channels[0].schedule[0].title',
    /control character \(U\+001B\) at character 1/
  ],
  [
    'DEL in a name',
    station(channel().replace('"Alpha"', '"Alpha\\u007f"')),
    '$.channels[0].name',
    /control character \(U\+007F\)/
  ],
  [
    'C1 in a name',
    station(channel().replace('"Alpha"', '"Al\\u0085pha"')),
    '$.channels[0].name',
    /control character \(U\+0085\)/
  ],
  [
    'a tab in a name',
    station(channel().replace('"Alpha"', '"Al\\tpha"')),
    '$.channels[0].name',
    /control character \(U\+0009\)/
  ],
  [
    'a control character in a key',
    station(channel('"na\\u0000me":"x",')),
    '$.channels[0]',
    /a key contains a control character \(U\+0000\)/
  ],
  [
    'a lone surrogate',
    station(channel().replace('"Alpha"', '"Al\\ud800pha"')),
    '$.channels[0].name',
    /lone surrogate/
  ],
  [
    'a raw control byte in a string',
    station(channel().replace('"Alpha"', '"Al\u0001pha"')),
    '$',
    /not valid JSON at line 1, column \d+: invalid character in a string/
  ]
]

describe('station files parsed strictly', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  it(`refuses ${cases.length} files JSON would take, each naming the file and where, and changes nothing`, async () => {
    await env.importStation(station(channel().replace('"alpha"', '"existing"')))
    const before = env.dump()
    for (const [name, content, where, problem] of cases) {
      const fileName = `${name.replace(/\W+/g, '-')}.json`
      const error = await env.importStation(content, fileName).then(
        () => null,
        (err: unknown) => err
      )
      expect(error, name).toBeInstanceOf(StationFileError)
      const e = error as StationFileError
      const file = path.join(env.dir, fileName)
      expect(
        e.problems.find((p) => p.path === where && problem.test(p.message)),
        `${name}: got ${e.message}`
      ).toBeDefined()
      expect(e.message, name).toContain(`${file}: ${where}: `)
      // The message never carries the control characters themselves.
      // eslint-disable-next-line no-control-regex -- looking for control characters
      expect(e.message, name).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
      expect(env.dump(), `${name} changed the database`).toBe(before)
    }
  })

  it('refuses a file over the size limit before reading it', async () => {
    const file = env.writeStation('', 'big.json')
    fs.truncateSync(file, MAX_STATION_FILE_BYTES + 1)
    const error = await env
      .importStation(fs.readFileSync(file), 'big.json')
      .catch((err: unknown) => err)
    expect((error as StationFileError).message).toBe(
      `${file}: $: the station file is ${MAX_STATION_FILE_BYTES + 1} bytes; at most ${MAX_STATION_FILE_BYTES} are accepted`
    )
  })

  it('still takes a file with every kind of text a station has (accents, CJK, emoji) and a name like a method', async () => {
    const r = await env.importStation(
      station(channel().replace('"Alpha"', '"Ça 東京 📺 toString"'))
    )
    expect(r.channels.map((c) => c.slug)).toEqual(['alpha'])
    expect(env.store.channels.bySlug('alpha')!.name).toBe('Ça 東京 📺 toString')
  })
})

describe("asset paths outside the station file's folder", () => {
  let env: ScheduleEnv
  let outside: { dir: string; cleanup: () => void }
  beforeEach(() => {
    env = scheduleEnv()
    outside = tempDir()
  })
  afterEach(() => {
    env.close()
    outside.cleanup()
  })

  const withAsset = (asset: string) =>
    station(channel().replace('"media/a.mp4"', JSON.stringify(asset)))

  it('takes ../ and symlinks that resolve to a readable media file elsewhere', async () => {
    fs.mkdirSync(path.join(env.dir, 'sub'))
    fs.copyFileSync(path.join(env.dir, 'media/a.mp4'), path.join(outside.dir, 'elsewhere.mp4'))
    fs.symlinkSync(path.join(outside.dir, 'elsewhere.mp4'), path.join(env.dir, 'link.mp4'))
    expect(
      (await env.importStation(withAsset('../media/a.mp4'), 'sub/up.json')).channels
    ).toHaveLength(1)
    expect((await env.importStation(withAsset('link.mp4'), 'link.json')).channels).toHaveLength(1)
    expect(
      (
        await env.importStation(
          withAsset(path.relative(env.dir, path.join(outside.dir, 'elsewhere.mp4'))),
          'rel.json'
        )
      ).channels
    ).toHaveLength(1)
  })

  it('refuses what the path resolves to when it is not a readable regular file: a FIFO, a device, a folder, a dangling link', async () => {
    spawnSync('mkfifo', [path.join(outside.dir, 'pipe.mp4')])
    expect(fs.statSync(path.join(outside.dir, 'pipe.mp4')).isFIFO()).toBe(true)
    fs.symlinkSync(path.join(outside.dir, 'pipe.mp4'), path.join(env.dir, 'fifo.mp4'))
    fs.symlinkSync('/dev/zero', path.join(env.dir, 'zero.mp4'))
    fs.symlinkSync(outside.dir, path.join(env.dir, 'folder.mp4'))
    fs.symlinkSync(path.join(outside.dir, 'gone.mp4'), path.join(env.dir, 'dangling.mp4'))
    const before = env.dump()
    for (const [asset, problem] of [
      ['fifo.mp4', /asset unreadable: .*fifo\.mp4 is not a regular file/],
      ['zero.mp4', /asset unreadable: .*zero\.mp4 is not a regular file/],
      ['folder.mp4', /asset unreadable: .*folder\.mp4 is not a regular file/],
      ['dangling.mp4', /asset not found: .*dangling\.mp4/]
    ] as const) {
      const error = (await env
        .importStation(withAsset(asset), `${asset}.json`)
        .catch((err: unknown) => err)) as StationFileError
      expect(error, asset).toBeInstanceOf(StationFileError)
      expect(error.problems, asset).toEqual([
        { path: '$.channels[0].schedule[0].asset', message: expect.stringMatching(problem) }
      ])
    }
    expect(env.dump()).toBe(before)
  })
})

describe('the same strictness through retrovue import and POST /api/station/import', () => {
  let env: HttpEnv
  let dir: { dir: string; cleanup: () => void }
  beforeAll(async () => {
    env = await httpEnv()
    dir = tempDir()
  })
  afterAll(async () => {
    await env?.close()
    dir?.cleanup()
  })

  const post = (file: string) =>
    fetch(`${env.base}/api/station/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file })
    })

  it('answers 400 invalid_station_file naming the path, never 500, and changes nothing', async () => {
    const channelsBefore = env.station.store.channels
      .listActive()
      .map((c) => [c.slug, c.name, c.timezone])
    for (const [name, content, where, problem] of cases) {
      const file = path.join(dir.dir, `${name.replace(/\W+/g, '-')}.json`)
      fs.writeFileSync(file, content)
      const res = await post(file)
      expect(res.status, name).toBe(400)
      const body = (await res.json()) as {
        error: { code: string; problems: Array<{ path: string; message: string }> }
      }
      expect(body.error.code, name).toBe('invalid_station_file')
      expect(
        body.error.problems.some((p) => p.path === where && problem.test(p.message)),
        `${name}: ${JSON.stringify(body)}`
      ).toBe(true)
    }
    expect(
      env.station.store.channels.listActive().map((c) => [c.slug, c.name, c.timezone])
    ).toEqual(channelsBefore)
    // Nothing hidden in a prototype key started a push.
    expect(env.station.store.outputs.list()).toEqual([])
  })

  it('retrovue import says what is wrong with a 100,000-deep file, without a stack trace', () => {
    const file = path.join(dir.dir, 'deep.json')
    fs.writeFileSync(file, deep(100_000))
    const [cmd, argv] = nodeTs(
      path.join(repoRoot, 'src/cli.ts'),
      'import',
      '--data-dir',
      path.join(dir.dir, 'data'),
      file
    )
    const r = spawnSync(cmd, argv, {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, RETROVUE_LOG_LEVEL: 'silent' },
      timeout: 60_000
    })
    expect(r.stderr).toBe(
      `retrovue: ${file}: $: nested more than ${MAX_JSON_DEPTH} levels deep at line 1, column ${MAX_JSON_DEPTH + 1}; a station file is far shallower\n`
    )
    expect(r.status).toBe(1)
  })
})
