// Conforming with real ffmpeg and a real store: a 10 s clip made into the 360p house format (H.264
// at the profile's size and rate, a keyframe exactly every GOP and nowhere else, AAC 48 kHz stereo,
// loudness at the target); a cancelled conform leaving no row and no file; the cache's eviction
// order and its 24-hour protection; the planner queueing exactly the unrendered items within its
// horizon; a clip with a black stretch raising a pre-air warning.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConformService, EVICTION_PROTECT_MS } from '../../src/library/conform'
import { LibraryJobQueue } from '../../src/library/job-queue'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { probeMedia } from '../../src/media/probe'
import { ProcessGroup } from '../../src/media/process'
import { PROFILES } from '../../src/media/profiles'
import { AsRunLogger } from '../../src/runtime/as-run'
import { SimulatedClock } from '../../src/runtime/clock'
import type { PlayoutSegment } from '../../src/shared/domain'
import { DEFAULT_CONFORM, type ConformSettings } from '../../src/shared/conform'
import { Store, type UnrenderedAsset } from '../../src/store'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const HOUR = 3600_000
const profile = PROFILES['360p']

let tools: FfmpegTools
const tmp = tempDir('retrovue-conform-')
const media = (name: string): string => path.join(tmp.dir, 'media', name)
const cacheDir = path.join(tmp.dir, 'data', 'conform')
const processes = new ProcessGroup()
let store: Store
let clock: SimulatedClock
let queue: LibraryJobQueue
let conform: ConformService
const active = new Map<string, { message: string; channelUuid: string | null; kind: string }>()
const alarms = {
  raise: (key: string, a: { message: string; channelUuid: string | null; kind: string }) => {
    active.set(key, a)
    return true
  },
  clear: (key: string) => active.delete(key),
  list: () => [...active.keys()].map((key) => ({ key }))
}

async function ffmpeg(args: string[]): Promise<void> {
  await execa(tools.ffmpeg, ['-v', 'error', '-y', ...args])
}

/** An asset row as a station-file import makes it (no library status), probed for real. */
async function addAsset(file: string): Promise<UnrenderedAsset> {
  const p = await probeMedia(tools, file)
  const r = store.db
    .prepare(
      `INSERT INTO assets (path, duration_ms, has_video, has_audio, width, height, frame_rate, audio_channels,
         size_bytes, mtime_ms, probe_json, probed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`
    )
    .run(
      file,
      p.durationMs,
      p.video ? 1 : 0,
      p.audio ? 1 : 0,
      p.video?.width ?? null,
      p.video?.height ?? null,
      p.video?.frameRate ?? null,
      p.audio?.channels ?? null,
      p.sizeBytes,
      p.mtimeMs,
      p.raw
    )
  return {
    assetId: Number(r.lastInsertRowid),
    path: file,
    durationMs: p.durationMs,
    hasVideo: p.video !== null,
    hasAudio: p.audio !== null,
    sizeBytes: p.sizeBytes,
    mtimeMs: p.mtimeMs,
    firstStartMs: 0
  }
}

/** A fake asset (no file) for the planner and the cache's bookkeeping. */
function fakeAsset(name: string): number {
  const r = store.db
    .prepare(
      `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at)
       VALUES (?, 60000, 1, 1, 100, 1, '{}', 0)`
    )
    .run(media(name))
  return Number(r.lastInsertRowid)
}

/** A fake asset with a 1000-byte rendition in the cache, made at `createdAt`. */
function fakeRendition(name: string, createdAt: number): { assetId: number; id: number } {
  const assetId = fakeAsset(`${name}.mp4`)
  const dir = path.join(cacheDir, profile.name)
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${assetId}.mp4`)
  fs.writeFileSync(file, Buffer.alloc(1000))
  const row = store.renditions.put({
    assetId,
    profile: profile.name,
    path: file,
    sourceSizeBytes: 100,
    sourceMtimeMs: 1,
    bytes: 1000,
    durationMs: 60_000,
    frames: 1800,
    gopFrames: 30,
    gainDb: 0,
    targetLufs: -23,
    probeJson: '{}',
    analysisJson: '{}',
    createdAt
  })
  return { assetId, id: row.id }
}

function airs(channelId: number, assetId: number, startMs: number, lengthMs = HOUR): void {
  store.db
    .prepare(
      "INSERT INTO playlog_events (channel_id, start_ms, end_ms, title, asset_id, source) VALUES (?, ?, ?, 'item', ?, 'schedule')"
    )
    .run(channelId, startMs, startMs + lengthMs, assetId)
}

function settings(s: Partial<ConformSettings>): void {
  store.renditions.setSettings({ ...DEFAULT_CONFORM, enabled: true, ...s }, clock.now())
}

const cacheFiles = (): string[] => {
  try {
    return fs.readdirSync(path.join(cacheDir, profile.name))
  } catch {
    return []
  }
}

/** ffmpeg's ebur128 integrated loudness of a file. */
async function integratedLufs(file: string): Promise<number> {
  const r = await execa(tools.ffmpeg, [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'ebur128',
    '-f',
    'null',
    '-'
  ])
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'))
  return Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1])
}

let tone: UnrenderedAsset
let black: UnrenderedAsset

beforeAll(async () => {
  tools = await locateFfmpeg()
  fs.mkdirSync(path.join(tmp.dir, 'media'), { recursive: true })
  // 10 s PAL-sized 25 fps picture, a quiet 44.1 kHz mono tone: everything differs from the profile.
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=720x576:r=25:d=10',
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:sample_rate=44100:d=10',
    '-af',
    'volume=-14dB',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    '-shortest',
    media('tone.mp4')
  ])
  // 10 s: 2 s of picture, 4 s of black, 4 s of picture; tone throughout.
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=640x360:r=30:d=2',
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=640x360:r=30:d=4',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=640x360:r=30:d=4',
    '-f',
    'lavfi',
    '-i',
    'sine=f=660:sample_rate=48000:d=10',
    '-filter_complex',
    '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
    '-map',
    '[v]',
    '-map',
    '3:a',
    '-ac',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    media('black.mp4')
  ])
  store = Store.open(path.join(tmp.dir, 'data'))
  clock = new SimulatedClock('2026-11-25T12:00:00Z')
  store.db
    .prepare(
      "INSERT INTO channels (id, uuid, slug, name, timezone, created_at, updated_at) VALUES (1, 'u-1', 'one', 'Channel One', 'UTC', 0, 0), (2, 'u-2', 'two', 'Channel Two', 'UTC', 0, 0)"
    )
    .run()
  queue = new LibraryJobQueue({ clock, onAir: () => false })
  conform = new ConformService({
    store,
    clock,
    tools,
    processes,
    queue,
    profile,
    segmentSeconds: 1,
    dir: cacheDir,
    log: { info: () => {}, warn: () => {} },
    alarms: alarms as never
  })
  tone = await addAsset(media('tone.mp4'))
  black = await addAsset(media('black.mp4'))
})

afterAll(async () => {
  await queue.close()
  await processes.killAll()
  store.close()
  tmp.cleanup()
})

describe('conform', () => {
  it('makes a 10 s clip into the house format: H.264 360p30, fixed closed GOPs, AAC 48 kHz stereo, at the loudness target', async () => {
    const before = await integratedLufs(tone.path)
    const row = await conform.conform(tone, new AbortController().signal)
    expect(row.path).toBe(path.join(cacheDir, '360p', `${tone.assetId}.mp4`))
    expect(cacheFiles()).toEqual([`${tone.assetId}.mp4`])
    expect(row.frames).toBe(300)
    expect(row.gopFrames).toBe(30)
    expect(row.bytes).toBe(fs.statSync(row.path).size)
    // The gain from a measurement made for the conform (none was stored), kept with the asset.
    expect(store.loudness.of(tone.path, tone.sizeBytes, tone.mtimeMs)?.integratedLufs).toBeCloseTo(
      before,
      0
    )
    expect(row.gainDb).toBeCloseTo(-23 - before, 0)
    expect(row.gainDb).toBeGreaterThan(5)

    const streams = JSON.parse(
      (
        await execa(tools.ffprobe, [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_name,profile,width,height,r_frame_rate,sample_rate,channels,codec_type',
          '-of',
          'json',
          row.path
        ])
      ).stdout
    ) as { streams: Array<Record<string, unknown>> }
    expect(streams.streams).toEqual([
      expect.objectContaining({
        codec_type: 'video',
        codec_name: 'h264',
        profile: 'Main',
        width: 640,
        height: 360,
        r_frame_rate: '30/1'
      }),
      expect.objectContaining({
        codec_type: 'audio',
        codec_name: 'aac',
        sample_rate: '48000',
        channels: 2
      })
    ])

    // The sound covers the picture, ending at most one AAC frame (1024 samples) past it.
    const [videoS, audioS] = (
      await execa(tools.ffprobe, [
        '-v',
        'error',
        '-show_entries',
        'stream=duration',
        '-of',
        'csv=p=0',
        row.path
      ])
    ).stdout
      .trim()
      .split('\n')
      .map(Number)
    expect(videoS).toBe(10)
    expect(audioS).toBeGreaterThanOrEqual(10)
    expect(audioS).toBeLessThanOrEqual(10 + 1024 / 48_000)

    // Keyframes exactly at every GOP start (0, 1, 2 ... 9 s), I-frames, and no B-frames anywhere:
    // each GOP decodes on its own (closed).
    const frames = (
      await execa(tools.ffprobe, [
        '-v',
        'error',
        '-show_frames',
        '-select_streams',
        'v',
        '-show_entries',
        'frame=key_frame,pts_time,pict_type',
        '-of',
        'csv=p=0',
        row.path
      ])
    ).stdout
      .trim()
      .split('\n')
      // x264's SEI side data comes on lines of its own.
      .filter((l) => /^[01],/.test(l))
      .map((l) => {
        const [key, pts, type] = l.split(',')
        return { key: key === '1', pts: Number(pts), type: type! }
      })
    expect(frames).toHaveLength(300)
    const keys = frames.filter((f) => f.key)
    expect(keys.map((f) => f.pts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(keys.every((f) => f.type === 'I')).toBe(true)
    expect(frames.some((f) => f.type === 'B')).toBe(false)
    expect(frames.map((f, i) => (f.key ? i : -1)).filter((i) => i >= 0)).toEqual(
      Array.from({ length: 10 }, (_, k) => k * 30)
    )

    // Within 1 LU of the station's target (EBU R128, -23 LUFS).
    const after = await integratedLufs(row.path)
    expect(Math.abs(after - -23)).toBeLessThanOrEqual(1)

    // The rendition passes the check before use, and nothing aired it yet.
    expect((await conform.usable(tone.assetId))?.id).toBe(row.id)
    expect(row.lastAiredAt).toBeNull()
    const analysis = JSON.parse(row.analysisJson) as { realTimeFactor: number; black: unknown[] }
    expect(analysis.black).toEqual([])
    // The figures the brief asks for: how fast a clip conforms, and what a minute of it costs on disk.
    console.log(
      `conform of a 10 s clip to 360p: ${analysis.realTimeFactor}x real time; ` +
        `${Math.round((row.bytes * 60_000) / row.durationMs / 1024)} KiB per minute of media`
    )
  })

  it('forgets a rendition whose file was damaged (checked by ffprobe before use)', async () => {
    const row = store.renditions.of(tone.assetId, profile.name)!
    const good = fs.readFileSync(row.path)
    fs.writeFileSync(row.path, good.subarray(0, 1000))
    fs.truncateSync(row.path, row.bytes) // same size, garbage inside: the probe finds it
    expect(await conform.usable(tone.assetId)).toBeNull()
    expect(store.renditions.of(tone.assetId, profile.name)).toBeUndefined()
    expect(cacheFiles()).toEqual([])
  })

  it('a cancelled conform leaves no row, no file and no ffmpeg', async () => {
    conform.queue([tone])
    const job = queue.list().find((j) => j.kind === 'conform')!
    // Cancelled while its ffmpeg writes the temporary file.
    await until('a temporary rendition written', 20_000, () =>
      cacheFiles().some((f) => f.endsWith('.partial')) ? true : undefined
    )
    // Its progress is told in seconds of media (ffmpeg's -progress), the whole clip being 10.
    const running = await until('progress in seconds of media', 20_000, () => {
      const j = queue.job(job.id)
      return j && j.total === 10 ? j : undefined
    })
    expect(running.value.state).toBe('running')
    expect(running.value.done).toBeLessThan(10)
    queue.cancel(job.id)
    const ended = await queue.ended(job.id)
    expect(ended?.state).toBe('cancelled')
    expect(store.renditions.of(tone.assetId, profile.name)).toBeUndefined()
    expect(cacheFiles()).toEqual([])
    expect(processes.live()).toEqual([])
  })

  it('a restarted station sweeps the half file a stopped conform left and queues the conform again', async () => {
    settings({})
    airs(1, tone.assetId, clock.now() + HOUR)
    fs.mkdirSync(path.join(cacheDir, profile.name), { recursive: true })
    fs.writeFileSync(path.join(cacheDir, profile.name, `${tone.assetId}.mp4.partial`), 'half')
    // The conformed cards' folder keeps its own files (conform-cards.ts): not swept.
    fs.mkdirSync(path.join(cacheDir, profile.name, 'cards'), { recursive: true })
    fs.writeFileSync(path.join(cacheDir, profile.name, 'cards', 'card.mp4'), 'card')
    // The restarted station's queue is busy with a scan, so the conform stays queued to be seen.
    const busy = new LibraryJobQueue({ clock, onAir: () => true })
    let release: (() => void) | undefined
    busy.add({
      kind: 'scan',
      folderId: 'tv',
      items: [1],
      label: () => 'tv',
      work: () => new Promise<void>((resolve) => (release = resolve))
    })
    const restarted = new ConformService({
      store,
      clock,
      tools,
      processes,
      queue: busy,
      profile,
      segmentSeconds: 1,
      dir: cacheDir,
      log: { info: () => {}, warn: () => {} }
    })
    restarted.start()
    expect(cacheFiles()).toEqual(['cards'])
    expect(fs.readdirSync(path.join(cacheDir, profile.name, 'cards'))).toEqual(['card.mp4'])
    fs.rmSync(path.join(cacheDir, profile.name, 'cards'), { recursive: true })
    expect(busy.list().map((j) => [j.kind, j.state, j.total])).toEqual([
      ['scan', 'running', 1],
      ['conform', 'queued', 1]
    ])
    restarted.stop()
    for (const j of busy.list()) busy.cancel(j.id)
    ;(await until('the scan started', 5000, () => release)).value()
    await busy.close()
    store.db.prepare('DELETE FROM playlog_events').run()
    store.db.prepare("DELETE FROM station_settings WHERE key = 'conform'").run()
  })

  it('a clip with a black stretch gives a pre-air warning on the channels that air it within 24 h', async () => {
    const now = clock.now()
    airs(1, black.assetId, now + 30 * HOUR)
    const row = await conform.conform(black, new AbortController().signal)
    const found = JSON.parse(row.analysisJson) as {
      black: Array<{ startMs: number; endMs: number }>
    }
    expect(found.black).toHaveLength(1)
    expect(found.black[0]!.startMs).toBeGreaterThanOrEqual(1900)
    expect(found.black[0]!.startMs).toBeLessThanOrEqual(2100)
    expect(found.black[0]!.endMs).toBeGreaterThanOrEqual(5900)
    expect(found.black[0]!.endMs).toBeLessThanOrEqual(6100)
    // Airs in 30 h: beyond the pre-air horizon yet.
    conform.checkPreAir()
    expect(active.size).toBe(0)
    // A second airing on channel two in 3 h: warned there, naming channel, time, file and stretch.
    airs(2, black.assetId, now + 3 * HOUR)
    conform.checkPreAir()
    expect([...active.entries()]).toEqual([
      [
        `conform-defect:2:${black.assetId}`,
        {
          kind: 'pre-air',
          severity: 'warning',
          channelUuid: 'u-2',
          owner: 'library',
          message: expect.stringMatching(
            /^Channel Two airs .*black\.mp4 at 2026-11-25T15:00:00\.000Z \(in 3\.0 h\), and its conformed rendition has black from 0:0[12]\.\d to 0:0[56]\.\d$/
          )
        }
      ]
    ])
    // The item gone: cleared.
    store.db.prepare('DELETE FROM playlog_events WHERE channel_id = 2').run()
    conform.checkPreAir()
    expect(active.size).toBe(0)
    store.db.prepare('DELETE FROM playlog_events').run()
  })
})

describe('the cache budget', () => {
  it('evicts least recently aired first (never aired: oldest made), never one airing within 24 h', () => {
    store.db.prepare('DELETE FROM renditions').run()
    const now = clock.now()
    const dir = path.join(cacheDir, profile.name)
    const make = (name: string, createdAt: number, lastAiredAt: number | null): number => {
      const { assetId, id } = fakeRendition(name, createdAt)
      if (lastAiredAt !== null)
        store.db
          .prepare('UPDATE renditions SET last_aired_at = ? WHERE id = ?')
          .run(lastAiredAt, id)
      return assetId
    }
    // Oldest aired, but on again in 23 h: protected.
    const protectedOne = make('protected', now - 100 * HOUR, now - 90 * HOUR)
    airs(1, protectedOne, now + EVICTION_PROTECT_MS - HOUR)
    const agedAired = make('aged', now - 80 * HOUR, now - 70 * HOUR)
    const neverAired = make('never', now - 60 * HOUR, null)
    const recent = make('recent', now - 50 * HOUR, now - HOUR)
    const left = (): number[] => store.renditions.all().map((r) => r.assetId)
    // 4000 bytes held; a budget of 3500 bytes and 1000 wanted: two go, the least recently aired.
    settings({ budgetGiB: 3500 / 1024 ** 3 })
    expect(conform.makeRoom(1000)).toBe(true)
    expect(left()).toEqual([protectedOne, recent])
    expect(fs.existsSync(path.join(dir, `${agedAired}.mp4`))).toBe(false)
    expect(fs.existsSync(path.join(dir, `${neverAired}.mp4`))).toBe(false)
    // Room for 3000 more cannot be made without the protected one: refused, the protected kept.
    expect(conform.makeRoom(3000)).toBe(false)
    expect(left()).toEqual([protectedOne])
    expect(fs.existsSync(path.join(dir, `${protectedOne}.mp4`))).toBe(true)
    // Once it has aired and is no longer within 24 h of air, it may go.
    clock.advance(EVICTION_PROTECT_MS)
    expect(conform.makeRoom(3000)).toBe(true)
    expect(left()).toEqual([])
    store.db.prepare('DELETE FROM playlog_events').run()
  })
})

describe('what aired', () => {
  it('the as-run marks a rendition aired, so eviction goes by what aired, not by what was scheduled', () => {
    store.db.prepare('DELETE FROM renditions').run()
    const now = clock.now()
    const make = (name: string, createdAt: number): { id: number; path: string } => ({
      id: fakeRendition(`aired-${name}`, createdAt).assetId,
      path: media(`aired-${name}.mp4`)
    })
    // Made oldest first: a, b, c, d. Scheduled (all in the past) in the order a, b, c, d too.
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n, i) => make(n, now - (10 - i) * HOUR))
    ;[a, b, c, d].forEach((x, i) => airs(1, x!.id, now - (8 - i) * HOUR, 30 * 60_000))
    const log = new AsRunLogger({
      store,
      clock,
      channel: () => ({ id: 1, timezone: 'UTC', rolloverMinutes: 360 }),
      onError: (err) => {
        throw err
      }
    })
    log.expect('normal')
    const item = (x: { id: number; path: string }, startMs: number): PlayoutSegment => ({
      kind: 'item',
      eventId: 1,
      title: path.basename(x.path),
      type: 'program',
      startMs,
      endMs: startMs + 10 * 60_000,
      inPointMs: 0,
      asset: { id: x.id, path: x.path } as never
    })
    // What aired: c, then a (in full), then b cut short; d was scheduled but the channel was off
    // air, and the slate aired in place of a's second airing (its file failed): neither counts.
    const aired = (
      x: { id: number; path: string },
      startMs: number,
      status: 'aired' | 'partial',
      endMs = startMs + 10 * 60_000
    ): void => {
      const s = item(x, startMs)
      log.segmentBegan({ segment: s, atMs: startMs, slate: false })
      log.segmentEnded({ segment: s, atMs: endMs, slate: false, status })
    }
    aired(c!, now - 7 * HOUR, 'aired')
    aired(a!, now - 6 * HOUR, 'aired')
    aired(b!, now - 5 * HOUR, 'partial', now - 5 * HOUR + 60_000)
    const slate = item(a!, now - 4 * HOUR)
    log.segmentBegan({ segment: slate, atMs: slate.startMs, slate: true })
    log.segmentEnded({ segment: slate, atMs: slate.endMs, slate: true, status: 'slate' })
    log.offAir(now - 3 * HOUR, 'no viewers', 'off-air')
    log.shutdown(now)
    const lastAired = (x: { id: number }): number | null | undefined =>
      store.renditions.of(x.id, profile.name)?.lastAiredAt
    expect([a, b, c, d].map((x) => lastAired(x!))).toEqual([
      now - 6 * HOUR + 10 * 60_000,
      now - 5 * HOUR + 60_000,
      now - 7 * HOUR + 10 * 60_000,
      null
    ])
    // A later airing moves it on; an earlier row written late never moves it back.
    store.asRun.insert({
      channelId: 1,
      broadcastDay: '2026-11-25',
      kind: 'item',
      title: 'c again',
      assetPath: c!.path,
      playlogEventId: null,
      scheduledStartMs: null,
      scheduledEndMs: null,
      actualStartMs: now - 9 * HOUR,
      actualEndMs: now - 9 * HOUR + 60_000,
      lastSeenMs: null,
      producerType: 'normal',
      media: 'aired',
      startCause: null,
      endCause: 'ended',
      splitFrom: false,
      splitTo: false
    })
    expect(lastAired(c!)).toBe(now - 7 * HOUR + 10 * 60_000)
    // Evicted one at a time: never aired (d, made last) goes first, then c, a, b: least recently aired.
    settings({ budgetGiB: 4000 / 1024 ** 3 })
    const order: number[] = []
    for (let i = 0; i < 4; i++) {
      const before = new Set(store.renditions.all().map((r) => r.assetId))
      expect(conform.makeRoom(1000 * (i + 1))).toBe(true)
      const after = new Set(store.renditions.all().map((r) => r.assetId))
      order.push(...[...before].filter((x) => !after.has(x)))
    }
    expect(order).toEqual([d!.id, c!.id, a!.id, b!.id])
    store.db.prepare('DELETE FROM playlog_events').run()
    store.db.prepare('DELETE FROM as_run').run()
  })
})

describe('the planner', () => {
  it('queues exactly the unrendered items of the chosen channels within its horizon', async () => {
    store.db.prepare('DELETE FROM renditions').run()
    const now = clock.now()
    const soon = fakeAsset('soon.mp4')
    const late = fakeAsset('late.mp4')
    const beyond = fakeAsset('beyond.mp4')
    const past = fakeAsset('past.mp4')
    const rendered = fakeAsset('rendered.mp4')
    const other = fakeAsset('other-channel.mp4')
    const broken = fakeAsset('broken.mp4')
    store.db.prepare("UPDATE assets SET status = 'missing' WHERE id = ?").run(broken)
    airs(1, soon, now + HOUR)
    airs(1, soon, now + 5 * HOUR) // twice: queued once
    airs(1, late, now + 47 * HOUR)
    airs(1, beyond, now + 49 * HOUR)
    airs(1, past, now - 3 * HOUR, HOUR)
    airs(1, rendered, now + 2 * HOUR)
    airs(1, broken, now + 2 * HOUR)
    airs(2, other, now + HOUR)
    store.renditions.put({
      assetId: rendered,
      profile: profile.name,
      path: path.join(cacheDir, 'x.mp4'),
      sourceSizeBytes: 100,
      sourceMtimeMs: 1,
      bytes: 1,
      durationMs: 60_000,
      frames: 1800,
      gopFrames: 30,
      gainDb: 0,
      targetLufs: -23,
      probeJson: '{}',
      analysisJson: '{}',
      createdAt: now
    })
    // Off by default: nothing.
    store.db.prepare("DELETE FROM station_settings WHERE key = 'conform'").run()
    expect(conform.plan()).toEqual([])
    settings({ channels: ['one'] })
    expect(conform.due().map((a) => a.assetId)).toEqual([soon, late])
    settings({ channels: null })
    expect(conform.due().map((a) => a.assetId)).toEqual([soon, other, late])
    // A rendition made for another loudness target is not valid: due again.
    store.db.prepare('UPDATE renditions SET target_lufs = -24').run()
    expect(conform.due().map((a) => a.assetId)).toEqual([soon, other, rendered, late])
    store.db.prepare('UPDATE renditions SET target_lufs = -23').run()
    // Queued as one conform job behind the library's other work (a scan holds the one slot of an
    // on-air station here); not queued twice while it is.
    const busy = new LibraryJobQueue({ clock, onAir: () => true })
    let release: (() => void) | undefined
    const scan = busy.add({
      kind: 'scan',
      folderId: 'tv',
      items: [1],
      label: () => 'tv',
      work: () => new Promise<void>((resolve) => (release = resolve))
    })
    const planner = new ConformService({
      store,
      clock,
      tools,
      processes,
      queue: busy,
      profile,
      segmentSeconds: 1,
      dir: cacheDir,
      log: { info: () => {}, warn: () => {} }
    })
    expect(planner.plan()).toEqual([soon, other, late])
    const jobs = busy.list()
    expect(jobs.map((j) => [j.kind, j.state])).toEqual([
      ['scan', 'running'],
      ['conform', 'queued']
    ])
    // Items while queued; seconds of media once it runs (its progress).
    expect(jobs[1]!.total).toBe(3)
    expect(planner.plan()).toEqual([])
    busy.cancel(jobs[1]!.id)
    // The scan's work starts a tick after it was added.
    ;(await until('the scan started', 5000, () => release)).value()
    await busy.ended(scan.id)
    await busy.close()
    expect(processes.live()).toEqual([])
  })
})
