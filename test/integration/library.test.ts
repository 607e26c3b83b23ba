// The media library against a test library made with real ffmpeg and a real store: every file
// listed with the right status, metadata and a reason a person understands; watching reflects an
// add, a rename, a move and a delete within 5 s without a rescan, a renamed episode keeps its id and
// its playlog entries; a folder renamed away (an unmount) marks its assets offline and raises the
// pre-air alarm for a scheduled one, and renaming it back restores everything; the HTTP routes.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { SimulatedClock } from '../../src/runtime/clock'
import type {
  LibraryAssetDetailDto,
  LibraryAssetDto,
  LibraryFolderDto,
  LibraryJobDto,
  LibraryPageDto
} from '../../src/shared/library'
import { Station } from '../../src/station'
import { fixture } from '../helpers/fixtures'
import { PlaylistProducerPool } from '../helpers/http-env'
import {
  BROKEN_LINK,
  buildTestLibrary,
  clipAt,
  EMPTY,
  EP1,
  EP2,
  EP3,
  MOVIE,
  ODD_NAME,
  SHOW_DIR,
  type TestLibrary,
  TEXT,
  TRUNCATED,
  UNREADABLE
} from '../helpers/media-library'
import { silentLogger } from '../helpers/runtime-env'
import { tempDir } from '../helpers/tmp'
import { descendants } from '../helpers/processes'

let tools: FfmpegTools
beforeAll(async () => {
  tools = await locateFfmpeg()
})

interface Env {
  station: Station
  clock: SimulatedClock
  lib: TestLibrary
  dir: string
  call: <T>(method: string, url: string, body?: unknown) => Promise<{ status: number; body: T }>
  /** Stops the station (its data folder and library stay); start() opens it again. */
  stop: () => Promise<void>
  start: () => Promise<void>
  close: () => Promise<void>
}

let env: Env | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
  expect(descendants().filter((p) => /ffmpeg|ffprobe/.test(p.cmd))).toEqual([])
})

/** A station whose channel loops over a library episode, with the library folder `tv`. */
async function libraryEnv(o: { analysis?: boolean } = {}): Promise<Env> {
  const t = tempDir('retrovue-library-')
  const lib = await buildTestLibrary(tools, path.join(t.dir, 'media', 'tv'), t.dir)
  const file = path.join(t.dir, 'station.json')
  const channels = [
    {
      id: 'one',
      name: 'Channel One',
      timezone: 'UTC',
      loop: {
        epoch: '2026-01-01T00:00:00Z',
        items: [
          { title: 'Pilot', asset: path.join('media', 'tv', EP1), durationMs: 2000 },
          { title: 'Card', asset: fixture('a.mp4'), durationMs: 10_000 },
          { gapMs: 3_600_000 }
        ]
      }
    }
  ]
  fs.writeFileSync(
    file,
    JSON.stringify({ version: 1, channels, library: [{ id: 'tv', path: 'media/tv' }] }, null, 2)
  )
  const clock = new SimulatedClock('2026-11-25T12:30:00Z')
  const open = async (stationFile?: string) => {
    const pool = new PlaylistProducerPool()
    const station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      ...(stationFile ? { stationFile } : {}),
      producerFactory: pool.factory,
      logger: silentLogger,
      clock,
      loudnessAnalysis: o.analysis ?? false,
      demo: false
    })
    const app = await station.createHttp()
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    return { station, app, host: new URL(address).host }
  }
  let s = await open(file)
  const env: Env = {
    station: s.station,
    clock,
    lib,
    dir: t.dir,
    call: async <T>(method: string, url: string, body?: unknown) => {
      const res = await s.app.inject({
        method: method as never,
        url,
        headers: {
          authorization: `Bearer ${s.station.apiToken}`,
          host: s.host,
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        payload: body === undefined ? undefined : JSON.stringify(body)
      })
      return { status: res.statusCode, body: (res.body ? res.json() : undefined) as T }
    },
    stop: async () => {
      await s.app.close()
      await s.station.close()
    },
    start: async () => {
      s = await open()
      env.station = s.station
    },
    close: async () => {
      await s.app.close()
      await s.station.close()
      // The unreadable file (chmod 000) must be removable.
      fs.rmSync(t.dir, { recursive: true, force: true })
    }
  }
  return env
}

/** Waits (real time, at most `ms`) for a condition, moving station time along so debounces fire. */
async function until<T>(
  e: Env,
  read: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await read()
    if (v) return v
    if (Date.now() > end) throw new Error(`not within ${ms} ms`)
    e.clock.advance(100)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const settle = async (e: Env) => {
  await until(
    e,
    async () => {
      await e.station.library.idle()
      return e.station.library.jobs().every((j) => j.state !== 'queued' && j.state !== 'running')
    },
    30_000
  )
}

const all = (e: Env): LibraryAssetDto[] => e.station.library.search({ limit: 500 }).assets
const byRel = (e: Env, rel: string) => all(e).find((a) => a.relPath === rel)

describe('media library', () => {
  it('lists every file with its status, metadata and a reason a person understands', async () => {
    env = await libraryEnv()
    const e = env
    await settle(e)
    const assets = all(e)
    const rels = assets.map((a) => a.relPath).sort()
    expect(rels).toEqual(
      [EP1, EP2, EP3, MOVIE, EMPTY, TEXT, TRUNCATED, BROKEN_LINK, ODD_NAME, UNREADABLE].sort()
    )
    const ep1 = byRel(e, EP1)!
    expect(ep1).toMatchObject({
      status: 'ok',
      kind: 'episode',
      show: 'Show Name',
      season: 1,
      episode: 1,
      title: 'Pilot & Origins',
      year: 1999,
      genres: ['Comedy'],
      hasPoster: true,
      reason: null
    })
    expect(ep1.durationMs).toBeGreaterThan(1900)
    expect(byRel(e, EP2)).toMatchObject({
      status: 'ok',
      kind: 'episode',
      show: 'Show Name',
      season: 1,
      episode: 2,
      title: 'Second Wind',
      genres: ['Comedy', 'Drama']
    })
    expect(byRel(e, EP3)).toMatchObject({
      kind: 'episode',
      show: 'Other Show',
      season: 1,
      episode: 3
    })
    expect(byRel(e, MOVIE)).toMatchObject({
      kind: 'movie',
      title: 'Great Movie',
      year: 2001,
      genres: ['Adventure', 'Family']
    })
    expect(byRel(e, ODD_NAME)).toMatchObject({ status: 'ok', path: e.lib.at(ODD_NAME) })
    expect(byRel(e, EMPTY)).toMatchObject({
      status: 'empty',
      reason: expect.stringMatching(/empty/)
    })
    expect(byRel(e, TEXT)).toMatchObject({
      status: 'unplayable',
      reason: expect.stringMatching(/not audio or video/)
    })
    expect(byRel(e, TRUNCATED)).toMatchObject({
      status: 'unplayable',
      reason: expect.stringMatching(/cut short/)
    })
    expect(byRel(e, BROKEN_LINK)).toMatchObject({
      status: 'unreadable',
      reason: expect.stringMatching(/broken link/)
    })
    if (e.lib.unreadableHow === 'fifo')
      console.info(
        'running as root: chmod 000 cannot stop root, the unreadable case is a named pipe'
      )
    expect(byRel(e, UNREADABLE)).toMatchObject({
      status: 'unreadable',
      reason: expect.stringMatching(e.lib.unreadableHow === 'fifo' ? /named pipe/ : /not allowed/)
    })
    // The detail: probe, plot, where it airs.
    const detail = e.station.library.asset(ep1.id)
    expect(detail.plot).toBe('Where it all begins.')
    expect(detail.probe).toMatchObject({
      video: { width: 160, height: 90 },
      audio: { channels: 1 }
    })
    expect(detail.scheduled.length).toBeGreaterThan(0)
    expect(detail.scheduled[0]).toMatchObject({ channelName: 'Channel One' })
    const poster = e.station.library.image(ep1.id, 'poster')
    expect(poster?.dataUrl).toMatch(/^data:image\/jpeg;base64,/)
    expect(poster).toMatchObject({ width: 64, height: 96 })
    // A rescan with nothing changed probes nothing.
    const probed = e.station.store.db.prepare('SELECT id, probed_at FROM assets ORDER BY id').all()
    e.station.library.rescan('tv', 'operator')
    await settle(e)
    expect(
      e.station.store.db.prepare('SELECT id, probed_at FROM assets ORDER BY id').all()
    ).toEqual(probed)
    // Search: by words, by show, by kind and status, paged with a cursor.
    expect(e.station.library.search({ q: 'pilot' }).assets.map((a) => a.relPath)).toEqual([EP1])
    expect(e.station.library.search({ show: 'show name' }).total).toBe(2)
    expect(e.station.library.search({ kind: 'movie' }).total).toBe(1)
    expect(e.station.library.search({ status: 'unplayable' }).total).toBe(2)
    const first = e.station.library.search({ limit: 3 })
    expect(first.total).toBe(10)
    const seen = [...first.assets]
    let cursor = first.nextCursor
    while (cursor) {
      const page = e.station.library.search({ limit: 3, cursor })
      seen.push(...page.assets)
      cursor = page.nextCursor
    }
    expect(seen.map((a) => a.id).sort()).toEqual(assets.map((a) => a.id).sort())
  })

  it('watching: add, rename, move and delete are reflected within 5 s; a renamed episode keeps its id and its playlog entries', async () => {
    env = await libraryEnv()
    const e = env
    await settle(e)
    const ep1 = byRel(e, EP1)!
    const entries = () =>
      e.station.store.db
        .prepare('SELECT id FROM playlog_events WHERE asset_id = ? ORDER BY id')
        .all(ep1.id)
    const before = entries()
    expect(before.length).toBeGreaterThan(0)

    // Add
    const added = `${SHOW_DIR}/Season 01/Show Name - S01E03 - Third.mp4`
    await clipAt(tools, path.join(e.dir, 'base.mp4'), e.lib.at(added))
    const t0 = Date.now()
    await until(e, () => byRel(e, added)?.status === 'ok')
    expect(Date.now() - t0).toBeLessThan(5000)

    // Rename: same id, same playlog entries, the playlog reads the new path.
    const renamed = `${SHOW_DIR}/Season 01/Show Name - S01E01 - The Pilot.mp4`
    fs.renameSync(e.lib.at(EP1), e.lib.at(renamed))
    await until(e, () => byRel(e, renamed)?.status === 'ok')
    expect(byRel(e, renamed)!.id).toBe(ep1.id)
    expect(byRel(e, EP1)).toBeUndefined()
    expect(entries()).toEqual(before)
    // What the schedule hands a producer now names the new file.
    const channelId = e.station.store.channels.listActive()[0]!.id
    const upcoming = e.station.schedule.itemsBetween(
      channelId,
      e.clock.now(),
      e.clock.now() + 3 * 3600_000
    )
    expect(upcoming.filter((i) => i.assetId === ep1.id).map((i) => i.assetPath)).toEqual(
      upcoming.filter((i) => i.assetId === ep1.id).map(() => e.lib.at(renamed))
    )
    expect(upcoming.some((i) => i.assetId === ep1.id)).toBe(true)
    expect(
      e.station.store.db
        .prepare(
          'SELECT DISTINCT a.path FROM playlog_events e JOIN assets a ON a.id = e.asset_id WHERE e.asset_id = ?'
        )
        .all(ep1.id)
    ).toEqual([{ path: e.lib.at(renamed) }])

    // Move into another folder of the library.
    const moved = `Other Show/Show Name - S01E02 - Second Wind.mp4`
    const ep2 = byRel(e, EP2)!
    fs.renameSync(e.lib.at(EP2), e.lib.at(moved))
    await until(e, () => byRel(e, moved)?.status === 'ok')
    expect(byRel(e, moved)!.id).toBe(ep2.id)

    // Delete: kept, missing.
    fs.rmSync(e.lib.at(EP3))
    await until(e, () => byRel(e, EP3)?.status === 'missing')
    expect(byRel(e, EP3)!.reason).toMatch(/no longer/)
  })

  it('a folder renamed away marks its assets offline and raises the pre-air alarm; renamed back, nothing is lost', async () => {
    env = await libraryEnv()
    const e = env
    await settle(e)
    const ids = all(e).map((a) => [a.id, a.status])
    const entries = e.station.store.db.prepare('SELECT COUNT(*) AS n FROM playlog_events').get()
    const away = `${e.lib.root}-unmounted`
    fs.renameSync(e.lib.root, away)
    await until(e, () => all(e).every((a) => a.status === 'offline'))
    expect(e.station.library.folders()[0]).toMatchObject({ state: 'offline', problems: 10 })
    const alarm = await until(e, () =>
      e.station.director.alarms
        .list()
        .find((a) => a.kind === 'pre-air' && a.message.includes(e.lib.at(EP1)))
    )
    expect(alarm).toMatchObject({ severity: 'warning' })
    expect(alarm.message).toMatch(/Channel One airs .* is offline/)
    expect(e.station.store.db.prepare('SELECT COUNT(*) AS n FROM playlog_events').get()).toEqual(
      entries
    )

    fs.renameSync(away, e.lib.root)
    await until(e, () => e.station.library.folders()[0]?.state === 'idle')
    await settle(e)
    expect(all(e).map((a) => [a.id, a.status])).toEqual(ids)
    await until(e, () => !e.station.director.alarms.list().some((a) => a.kind === 'pre-air'))
  })

  it('analyses each playable file once: loudness into asset_analysis and asset_loudness (playout gain), trims, poster and filmstrip', async () => {
    env = await libraryEnv({ analysis: true })
    const e = env
    await settle(e)
    const ep1 = byRel(e, EP1)!
    await until(e, () => byRel(e, EP1)?.analysed, 60_000)
    await settle(e)
    const detail = e.station.library.asset(ep1.id)
    expect(detail.analysis).toMatchObject({ error: null })
    expect(detail.analysis!.integratedLufs).toBeLessThan(0)
    expect(detail.hasFilmstrip).toBe(true)
    const loud = e.station.store.loudness.of(e.lib.at(EP1), ep1.sizeBytes, detail.mtimeMs)
    expect(loud?.integratedLufs).toBeCloseTo(detail.analysis!.integratedLufs!, 5)
    // The analysed poster frame goes before the sidecar.
    const poster = e.station.library.image(ep1.id, 'poster')!
    expect(poster.width).toBeGreaterThan(64)
    expect(e.station.library.image(ep1.id, 'filmstrip')?.dataUrl).toMatch(/^data:image\/jpeg/)
    // Every playable file analysed, none of the bad ones.
    for (const a of all(e)) expect(a.analysed, a.relPath).toBe(a.status === 'ok')
  })

  it('resumes after a restart: a file renamed while stopped keeps its id, one left pending is probed, nothing probed twice', async () => {
    env = await libraryEnv()
    const e = env
    await settle(e)
    const ep1 = byRel(e, EP1)!
    const ep2 = byRel(e, EP2)!
    await e.stop()
    const renamed = `${SHOW_DIR}/Season 01/Show Name - S01E01 - Renamed Offline.mp4`
    fs.renameSync(e.lib.at(EP1), e.lib.at(renamed))
    // A crash between the scan and the probe leaves a file pending.
    const db = new Database(path.join(e.dir, 'data', 'station.db'))
    db.prepare("UPDATE assets SET status = 'pending' WHERE id = ?").run(ep2.id)
    const probedAt = db
      .prepare('SELECT id, probed_at FROM assets WHERE id <> ? ORDER BY id')
      .all(ep2.id)
    db.close()
    await e.start()
    await settle(e)
    expect(byRel(e, renamed)).toMatchObject({ id: ep1.id, status: 'ok' })
    expect(byRel(e, EP2)).toMatchObject({ id: ep2.id, status: 'ok' })
    expect(
      e.station.store.db
        .prepare('SELECT id, probed_at FROM assets WHERE id <> ? ORDER BY id')
        .all(ep2.id)
    ).toEqual(probedAt)
  })

  it('HTTP: folders, assets, one asset, images, jobs; bad input is a 400 naming the field', async () => {
    env = await libraryEnv()
    const e = env
    await settle(e)
    const folders = await e.call<{ folders: LibraryFolderDto[] }>('GET', '/api/library/folders')
    expect(folders.body.folders).toEqual([
      expect.objectContaining({ id: 'tv', path: e.lib.root, state: 'idle', assets: 10 })
    ])
    const page = await e.call<LibraryPageDto>('GET', '/api/library/assets?q=pilot&limit=5')
    expect(page.status).toBe(200)
    expect(page.body.total).toBe(1)
    const id = page.body.assets[0]!.id
    const one = await e.call<LibraryAssetDetailDto>('GET', `/api/library/assets/${id}`)
    expect(one.body).toMatchObject({ id, kind: 'episode', plot: 'Where it all begins.' })
    const img = await e.call<{ image: unknown }>('GET', `/api/library/assets/${id}/images/poster`)
    expect(img.status).toBe(200)
    expect(img.body.image).toMatchObject({ width: 64, height: 96 })
    expect((await e.call('GET', '/api/library/assets/999999')).status).toBe(404)
    expect((await e.call('GET', '/api/library/assets?cursor=nonsense')).status).toBe(400)
    const bad = await e.call<{ error: { message: string } }>('POST', '/api/library/folders', {
      id: 'Bad Id',
      path: '/tmp'
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toMatch(/id/)
    const again = await e.call<{ error: { code: string } }>('POST', '/api/library/folders', {
      id: 'tv',
      path: path.join(e.dir, 'media')
    })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('duplicate_folder')
    const nowhere = await e.call('POST', '/api/library/folders', {
      id: 'nope',
      path: path.join(e.dir, 'no-such-folder')
    })
    expect(nowhere.status).toBe(400)
    // A second folder, added and removed.
    const second = path.join(e.dir, 'media', 'movies')
    fs.mkdirSync(second)
    await clipAt(tools, path.join(e.dir, 'base.mp4'), path.join(second, 'Film (1980).mp4'))
    const events: Array<{ type: string; folders?: LibraryFolderDto[] }> = []
    const off = e.station.api.subscribe((ev) => events.push(ev as (typeof events)[number]))
    const add = await e.call<LibraryFolderDto>('POST', '/api/library/folders', {
      id: 'movies',
      path: second
    })
    expect(add.status).toBe(201)
    await settle(e)
    expect(e.station.library.search({ folder: 'movies' }).assets).toEqual([
      expect.objectContaining({ kind: 'movie', title: 'Film', year: 1980, status: 'ok' })
    ])
    // The console hears of it: a library event with both folders.
    await until(e, () => events.some((ev) => ev.type === 'library' && ev.folders?.length === 2))
    off()
    // A move from one library folder to another keeps the asset.
    const movie = byRel(e, MOVIE)!
    fs.renameSync(e.lib.at(MOVIE), path.join(second, MOVIE))
    await until(e, () => {
      const a = e.station.library.search({ folder: 'movies', q: 'Great' }).assets[0]
      return a?.status === 'ok' && a.id === movie.id
    })
    expect(byRel(e, MOVIE)).toMatchObject({ id: movie.id, folderId: 'movies' })
    fs.renameSync(path.join(second, MOVIE), e.lib.at(MOVIE))
    await until(e, () => byRel(e, MOVIE)?.folderId === 'tv')
    const scan = await e.call<{ kind: string }>('POST', '/api/library/folders/movies/scan')
    expect(scan.body.kind).toBe('scan')
    await settle(e)
    const jobs = await e.call<{ jobs: LibraryJobDto[] }>('GET', '/api/library/jobs')
    expect(jobs.body.jobs.length).toBeGreaterThan(0)
    // A scan counts the files it examined (its progress bar moves), not its one folder.
    const tvScan = jobs.body.jobs.find(
      (j) => j.kind === 'scan' && j.folderId === 'tv' && j.state === 'done'
    )
    expect(tvScan?.total).toBeGreaterThan(5)
    expect(tvScan?.done).toBe(tvScan?.total)
    expect((await e.call('DELETE', '/api/library/folders/movies')).status).toBe(204)
    expect(e.station.library.search({ folder: 'movies' }).total).toBe(0)
    expect((await e.call('DELETE', '/api/library/folders/movies')).status).toBe(404)
    // Removing a folder keeps what the playlog airs (offline, in no folder) and forgets the rest.
    expect((await e.call('DELETE', '/api/library/folders/tv')).status).toBe(204)
    expect(e.station.library.search({ limit: 500 }).assets).toEqual([
      expect.objectContaining({ relPath: EP1, status: 'offline', folderId: null })
    ])
    expect(await e.call('GET', '/api/library/folders')).toEqual({
      status: 200,
      body: { folders: [] }
    })
    const audit = e.station.store.db
      .prepare("SELECT action FROM audit_log WHERE action LIKE 'library-%' ORDER BY id")
      .all()
    expect(audit.map((r) => (r as { action: string }).action)).toEqual(
      expect.arrayContaining([
        'library-folder-added',
        'library-folder-rescan',
        'library-folder-removed'
      ])
    )
  })
})

afterAll(() => {})
