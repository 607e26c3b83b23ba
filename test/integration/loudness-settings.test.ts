// The station's loudness target and each item's gain: the station file's `loudness` section (bad
// values named by their JSON path, nothing written; presets for EBU R128 and ATSC A/85), the same
// setting through the StationApi, the background analysis that measures every asset the playlog
// refers to once per file version (real ffmpeg ebur128), and the gain it puts on plan items.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LibraryJobQueue } from '../../src/library/job-queue'
import { ProcessGroup } from '../../src/media/process'
import { LoudnessMeter } from '../../src/playout/loudness-meter'
import { LoudnessAnalysis } from '../../src/schedule/loudness-analysis'
import { StationFileError } from '../../src/schedule/station-file'
import { DEFAULT_LOUDNESS, type PlayoutSegment } from '../../src/shared/domain'
import { loudnessRequest } from '../../src/shared/station-api'
import { Store } from '../../src/store'
import { httpEnv, type HttpEnv } from '../helpers/http-env'
import { scheduleEnv, tools, type ScheduleEnv } from '../helpers/schedule-env'

const channels = [
  {
    id: 'alpha',
    name: 'Alpha',
    timezone: 'UTC',
    schedule: [
      { title: 'One', asset: 'media/a.mp4', start: '2026-11-25T12:00:00Z', durationMs: 10_000 },
      { title: 'Two', asset: 'media/b.mp4', start: '2026-11-25T12:00:10Z', durationMs: 8_000 },
      { title: 'Mute', asset: 'media/c.mp4', start: '2026-11-25T12:00:18Z', durationMs: 6_000 }
    ]
  }
]
const station = (loudness?: unknown) => ({
  version: 1,
  ...(loudness === undefined ? {} : { loudness }),
  channels
})

describe('station file: loudness section', () => {
  let env: ScheduleEnv
  beforeEach(() => {
    env = scheduleEnv()
  })
  afterEach(() => env.close())

  it('defaults to EBU R128 (-23 LUFS, -1 dBTP, LOUD / QUIET 5 LU for 30 s) until a file sets it', async () => {
    await env.importStation(station())
    expect(env.store.settings.loudness()).toEqual(DEFAULT_LOUDNESS)
    expect(DEFAULT_LOUDNESS).toEqual({
      standard: 'ebu-r128',
      targetLufs: -23,
      truePeakDbtp: -1,
      alarm: { enabled: true, marginLu: 5, durationMs: 30_000 }
    })
  })

  it('takes ATSC A/85 at -24 LKFS and -2 dBTP, keeps given values over the preset, and keeps it across a restart', async () => {
    await env.importStation(station({ standard: 'atsc-a85' }))
    expect(env.store.settings.loudness()).toEqual({
      standard: 'atsc-a85',
      targetLufs: -24,
      truePeakDbtp: -2,
      alarm: DEFAULT_LOUDNESS.alarm
    })
    await env.importStation(
      station({ standard: 'ebu-r128', truePeakDbtp: -2, alarm: { marginLu: 3 } })
    )
    const expected = {
      standard: 'ebu-r128',
      targetLufs: -23,
      truePeakDbtp: -2,
      alarm: { ...DEFAULT_LOUDNESS.alarm, marginLu: 3 }
    }
    expect(env.store.settings.loudness()).toEqual(expected)
    expect(env.store.audit.recent(1)[0]).toMatchObject({
      action: 'station-import',
      details: { loudness: expected }
    })
    const again = Store.open(path.join(env.dir, 'data'))
    try {
      expect(again.settings.loudness()).toEqual(expected)
    } finally {
      again.close()
    }
    // A file without the section leaves the settings as they are.
    await env.importStation(station())
    expect(env.store.settings.loudness()).toEqual(expected)
  })

  const broken: Array<[string, unknown, string, RegExp]> = [
    [
      'not an object',
      'loud',
      '$.loudness',
      /must be an object \{ standard, targetLufs\?, truePeakDbtp\?, alarm\? \}/
    ],
    [
      'unknown standard',
      { standard: 'r128' },
      '$.loudness.standard',
      /must be "ebu-r128", "atsc-a85" or "off"/
    ],
    [
      'unknown field',
      { standard: 'ebu-r128', target: -23 },
      '$.loudness',
      /unknown field "target"/
    ],
    ['target too loud', { targetLufs: 0 }, '$.loudness.targetLufs', /must be from -40 to -5 LUFS/],
    [
      'target as text',
      { targetLufs: '-23' },
      '$.loudness.targetLufs',
      /must be a loudness in LUFS/
    ],
    [
      'ceiling above 0',
      { truePeakDbtp: 1 },
      '$.loudness.truePeakDbtp',
      /must be from -12 to 0 dBTP/
    ],
    [
      'margin too small',
      { alarm: { marginLu: 0.5 } },
      '$.loudness.alarm.marginLu',
      /must be from 1 to 20 LU/
    ],
    [
      'alarm shorter than short-term',
      { alarm: { durationMs: 1_000 } },
      '$.loudness.alarm.durationMs',
      /must be at least 3000 ms/
    ]
  ]

  it(`gives ${broken.length} bad loudness sections errors naming the JSON path, and writes nothing`, async () => {
    await env.importStation(station({ standard: 'atsc-a85' }))
    const before = env.dump()
    for (const [name, loudness, jsonPath, problem] of broken) {
      const error = await env
        .importStation(station(loudness), `${name.replace(/\W+/g, '-')}.json`)
        .then(
          () => null,
          (err: unknown) => err
        )
      expect(error, name).toBeInstanceOf(StationFileError)
      const e = error as StationFileError
      expect(
        e.problems.find((p) => p.path === jsonPath && problem.test(p.message)),
        `${name}: got ${e.message}`
      ).toBeDefined()
      expect(e.message, name).toContain(`: ${jsonPath}: `)
      expect(env.dump(), `${name} changed the database`).toBe(before)
    }
  })

  it('the console setting follows the same rules (StationApi request schema)', () => {
    expect(loudnessRequest.parse({ standard: 'off' })).toEqual({
      standard: 'off',
      targetLufs: -23,
      truePeakDbtp: -1,
      alarm: DEFAULT_LOUDNESS.alarm
    })
    expect(loudnessRequest.safeParse({ standard: 'atsc-a85', truePeakDbtp: 3 }).success).toBe(false)
  })
})

describe('loudness analysis and item gain (real ffmpeg ebur128)', () => {
  let env: ScheduleEnv
  let processes: ProcessGroup
  let queue: LibraryJobQueue
  let onAir: boolean
  beforeEach(() => {
    env = scheduleEnv()
    processes = new ProcessGroup()
    onAir = false
    queue = new LibraryJobQueue({ clock: env.clock, onAir: () => onAir })
  })
  afterEach(async () => {
    await queue.close()
    await processes.killAll()
    env.close()
  })
  const analysisOf = async () =>
    new LoudnessAnalysis({
      store: env.store,
      schedule: env.schedule,
      clock: env.clock,
      tools: await tools(),
      processes,
      queue
    })

  const items = () =>
    env.schedule
      .playoutPlan(env.schedule.activeChannels()[0]!, Date.parse('2026-11-25T12:00:00Z'), 30_000)
      .segments.filter((s): s is Extract<PlayoutSegment, { kind: 'item' }> => s.kind === 'item')

  it('measures every asset with sound once, puts target minus measured on each item, and measures a changed file again', async () => {
    // A copy of a fixture, so that it can be changed.
    const copy = path.join(env.dir, 'copy.mp4')
    fs.copyFileSync(path.join(env.dir, 'media/a.mp4'), copy)
    await env.importStation({
      version: 1,
      channels: [
        {
          ...channels[0],
          schedule: [
            ...channels[0]!.schedule.slice(0, 2),
            { title: 'Mute', asset: 'copy.mp4', start: '2026-11-25T12:00:18Z', durationMs: 6_000 },
            { title: 'C', asset: 'media/c.mp4', start: '2026-11-25T12:00:24Z', durationMs: 6_000 }
          ]
        }
      ]
    })
    // Unmeasured: the safe gain (null), except an asset with no sound at all.
    expect(items().map((i) => i.gainDb)).toEqual([null, null, null, 0])
    const analysis = await analysisOf()
    expect(
      analysis
        .pending()
        .map((a) => path.basename(a.path))
        .sort()
    ).toEqual(['a.mp4', 'b.mp4', 'copy.mp4'])
    const changed: number[][] = []
    env.schedule.on('changed', (ids) => changed.push(ids))
    analysis.kick()
    await analysis.idle()
    expect(analysis.pending()).toEqual([])
    expect(changed.length).toBe(3)
    const a = env.store.loudness.of(
      path.join(env.dir, 'media/a.mp4'),
      fs.statSync(path.join(env.dir, 'media/a.mp4')).size,
      Math.floor(fs.statSync(path.join(env.dir, 'media/a.mp4')).mtimeMs)
    )!
    // ffmpeg's reading and our meter's on the same decoded sound agree.
    const pcm = execFileSync(
      (await tools()).ffmpeg,
      [
        '-v',
        'error',
        '-i',
        path.join(env.dir, 'media/a.mp4'),
        '-map',
        '0:a:0',
        '-ac',
        '2',
        '-ar',
        '48000',
        '-f',
        's16le',
        '-'
      ],
      { maxBuffer: 64 << 20 }
    )
    const meter = new LoudnessMeter(48_000, 2)
    meter.write(pcm)
    expect(Math.abs(meter.integrated() - a.integratedLufs!)).toBeLessThanOrEqual(0.2)
    expect(Math.abs(meter.takeTruePeak() - a.truePeakDbtp!)).toBeLessThanOrEqual(0.3)
    const [one, two, mute] = items()
    expect(one!.gainDb).toBeCloseTo(-23 - a.integratedLufs!, 1)
    expect(typeof two!.gainDb).toBe('number')
    expect(mute!.gainDb).toBe(one!.gainDb)
    // Nothing to do again for unchanged files.
    analysis.kick()
    await analysis.idle()
    expect(changed.length).toBe(3)
    // A changed file (new size and mtime, re-imported) is measured again; until then its item is unmeasured.
    fs.appendFileSync(copy, Buffer.alloc(16))
    await env.importStation({
      version: 1,
      channels: [
        {
          ...channels[0],
          schedule: [
            ...channels[0]!.schedule.slice(0, 2),
            { title: 'Mute', asset: 'copy.mp4', start: '2026-11-25T12:00:18Z', durationMs: 6_000 }
          ]
        }
      ]
    })
    expect(items()[2]!.gainDb).toBeNull()
    expect(analysis.pending().map((x) => path.basename(x.path))).toEqual(['copy.mp4'])
    analysis.kick()
    await analysis.idle()
    expect(items()[2]!.gainDb).toBe(one!.gainDb)
    // A new target re-plans every channel with it.
    env.store.settings.setLoudness(
      { ...DEFAULT_LOUDNESS, standard: 'atsc-a85', targetLufs: -24, truePeakDbtp: -2 },
      env.clock.now()
    )
    env.schedule.loudnessChanged()
    expect(items()[0]!.gainDb).toBeCloseTo(-24 - a.integratedLufs!, 1)
    await analysis.stop()
    expect(processes.live()).toEqual([])
  }, 60_000)

  it("runs as a job of the station's one background queue: shown with its file, one ffmpeg while on air, and a cancel or a closing queue ends it at once with nothing recorded", async () => {
    await env.importStation(station())
    // While a channel is on air the queue gives the whole analysis one slot: one ffmpeg at a time.
    onAir = true
    const analysis = await analysisOf()
    let most = 0
    const sampler = setInterval(() => {
      most = Math.max(most, processes.live().length)
    }, 5)
    analysis.kick()
    const [job] = queue.list()
    expect(job).toMatchObject({ kind: 'analyse', folderId: null, total: 2 })
    // A second look while it runs queues nothing twice.
    analysis.kick()
    expect(queue.list().filter((j) => j.state !== 'done')).toHaveLength(1)
    await analysis.idle()
    clearInterval(sampler)
    expect(most).toBe(1)
    expect(queue.job(job!.id)).toMatchObject({ state: 'done', done: 2, error: null })
    expect(analysis.pending()).toEqual([])

    // A new file to measure; the queue closes (the station stopping) while its ffmpeg runs.
    const copy = path.join(env.dir, 'copy.mp4')
    fs.copyFileSync(path.join(env.dir, 'media/a.mp4'), copy)
    await env.importStation({
      version: 1,
      channels: [
        {
          ...channels[0],
          schedule: [
            ...channels[0]!.schedule.slice(0, 2),
            { title: 'Mute', asset: 'copy.mp4', start: '2026-11-25T12:00:18Z', durationMs: 6_000 }
          ]
        }
      ]
    })
    // The operator cancels its job: its ffmpeg is killed, nothing is recorded, the next look queues it again.
    analysis.kick()
    await expect.poll(() => processes.live().length, { timeout: 10_000 }).toBe(1)
    const measuring = queue.list().find((j) => j.state === 'running')!
    expect(measuring).toMatchObject({ kind: 'analyse', currentFile: copy })
    queue.cancel(measuring.id)
    await analysis.idle()
    expect(processes.live()).toEqual([])
    expect(queue.job(measuring.id)).toMatchObject({ state: 'cancelled' })
    expect(analysis.pending().map((a) => path.basename(a.path))).toEqual(['copy.mp4'])
    analysis.kick()
    await expect.poll(() => processes.live().length, { timeout: 10_000 }).toBe(1)
    await queue.close()
    await analysis.stop()
    expect(processes.live()).toEqual([])
    expect(queue.list()[0]).toMatchObject({ kind: 'analyse', state: 'cancelled' })
    // Nothing was recorded for the cancelled file: it is measured at the next start.
    expect(analysis.pending().map((a) => path.basename(a.path))).toEqual(['copy.mp4'])
  }, 60_000)
})

describe('loudness over HTTP (GET / PUT /api/loudness) and on a running station', () => {
  let env: HttpEnv
  beforeEach(async () => {
    env = await httpEnv()
  })
  afterEach(async () => env.close())
  const call = (method: string, route: string, body?: unknown) =>
    fetch(`${env.base}${route}`, {
      method,
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  const onAir = () => [...(env.pool.live.get(env.uuids[0]!) ?? [])][0]!

  it('reads and sets the target; producers on air get it at once; a bad value is a 400 naming the field and changes nothing', async () => {
    expect(await (await call('GET', '/api/loudness')).json()).toEqual(DEFAULT_LOUDNESS)
    await env.station.api.attach(env.uuids[0]!, 'viewer')
    const put = await call('PUT', '/api/loudness', { standard: 'atsc-a85' })
    expect(put.status).toBe(200)
    const atsc = {
      standard: 'atsc-a85',
      targetLufs: -24,
      truePeakDbtp: -2,
      alarm: DEFAULT_LOUDNESS.alarm
    }
    expect(await put.json()).toEqual(atsc)
    expect(env.station.store.settings.loudness()).toEqual(atsc)
    expect(env.station.store.audit.recent(1)[0]).toMatchObject({
      action: 'set-loudness',
      actor: 'api',
      details: atsc
    })
    await expect.poll(() => onAir().loudnessUpdates.at(-1)).toEqual(atsc)
    for (const [body, field] of [
      [{ standard: 'loud' }, 'request.standard'],
      [{ targetLufs: 3 }, 'request.targetLufs'],
      [{ alarm: { marginLu: 'x' } }, 'request.alarm.marginLu']
    ] as const) {
      const res = await call('PUT', '/api/loudness', body)
      expect(res.status).toBe(400)
      const err = (await res.json()) as { error: { code: string; message: string } }
      expect(err.error.message).toContain(field)
    }
    expect(env.station.store.settings.loudness()).toEqual(atsc)
  })

  it('an import into the running station applies its loudness section to the producer on air at once', async () => {
    await env.station.api.attach(env.uuids[0]!, 'viewer')
    const file = JSON.parse(
      fs.readFileSync(
        env.station.store.audit
          .recent(50)
          .map((a) => a.details as { file?: string })
          .find((d) => d.file)!.file!,
        'utf8'
      )
    ) as Record<string, unknown>
    const next = path.join(env.station.dataDir, '..', 'station-loud.json')
    fs.writeFileSync(
      next,
      JSON.stringify({ ...file, loudness: { standard: 'ebu-r128', targetLufs: -20 } })
    )
    const res = await call('POST', '/api/station/import', { file: next })
    expect(res.status).toBe(200)
    await expect.poll(() => onAir().loudnessUpdates.at(-1)?.targetLufs).toBe(-20)
  })
})
