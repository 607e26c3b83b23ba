// The library's background work never makes a channel late: a real station (`serve`) airs a channel
// to a viewer while a folder of 50 real files is added, scanned, probed and analysed. The queue runs
// at most one of the library's ffmpeg/ffprobe at a time while the channel is on air (sampled from
// /proc), and the channel raises no LATE alarm (nor any other) from the folder's arrival until every
// file is analysed.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import type { LibraryPageDto } from '../../src/shared/library'
import type { AlarmHistoryDto } from '../../src/shared/station-api'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { baseClip, clipAt } from '../helpers/media-library'
import { descendants } from '../helpers/processes'
import { startServe, type ServeHandle } from '../helpers/serve'

const FILES = 50

/** Asks `holds` every `everyMs` until it says true; fails naming what never happened. */
async function waitFor(
  what: string,
  timeoutMs: number,
  everyMs: number,
  holds: () => Promise<boolean>
) {
  const start = Date.now()
  while (!(await holds())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

describe('the library analysing while a channel is on air (real ffmpeg, serve)', () => {
  let serve: ServeHandle
  let t: { dir: string; file: string; cleanup: () => void }
  let folder: string
  beforeAll(async () => {
    const tools = await locateFfmpeg()
    const loop = loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
    t = stationFixture([{ id: 'one', name: 'Channel One', timezone: 'UTC', loop }])
    folder = path.join(t.dir, 'bulk')
    const base = await baseClip(tools, t.dir)
    for (let i = 0; i < FILES; i++) {
      const show = `Show ${Math.floor(i / 10)}`
      await clipAt(
        tools,
        base,
        path.join(folder, show, `${show} - S01E${String((i % 10) + 1).padStart(2, '0')}.mp4`)
      )
    }
    serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file])
  }, 180_000)
  afterAll(async () => {
    if (serve) expect(await serve.stop()).toBe(0)
    t?.cleanup()
  })

  it('runs one library process at a time and the channel is never late', async () => {
    const json = async <T>(route: string, init?: RequestInit): Promise<T> => {
      const res = await serve.api(route, init)
      expect(res.status, `${init?.method ?? 'GET'} ${route}`).toBeLessThan(300)
      return (await res.json()) as T
    }
    const { channels } = await json<{ channels: ChannelStatusDto[] }>('/api/channels')
    const viewer = await json<ViewerAttachDto>(`/api/channels/${channels[0]!.uuid}/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    })
    const stream = `${serve.url}${viewer.streamUrl}`
    await waitFor('the channel on air to its viewer', 60_000, 250, async () => {
      return (await fetch(stream)).status === 200
    })

    const added = await serve.api('/api/library/folders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'bulk', path: folder })
    })
    expect(added.status).toBe(201)

    // The library's children are the ones reading the folder's files.
    const libraryProcs = () =>
      descendants(serve.child.pid).filter(
        (p) => /ff(mpeg|probe)/.test(p.cmd) && p.cmd.includes(folder)
      )
    let most = 0
    let samples = 0
    let lastPoll = 0
    const analysed = async () => {
      const procs = libraryProcs()
      samples++
      most = Math.max(most, procs.length)
      expect(procs.length, procs.map((p) => p.cmd).join('\n')).toBeLessThanOrEqual(1)
      if (Date.now() - lastPoll < 1_000) return false
      lastPoll = Date.now()
      // A viewer's player asks for its playlist every few seconds (sessions without requests end).
      expect((await fetch(stream)).status).toBe(200)
      const { alarms } = await json<AlarmHistoryDto>('/api/alarms')
      expect(alarms.map((a) => `${a.code} ${a.severity}: ${a.message}`)).toEqual([])
      const page = await json<LibraryPageDto>('/api/library/assets?folder=bulk&limit=500')
      return page.total === FILES && page.assets.every((a) => a.status === 'ok' && a.analysed)
    }
    await waitFor(`${FILES} files analysed`, 300_000, 50, analysed)
    expect(samples).toBeGreaterThan(100)
    expect(most).toBe(1)

    const status = await json<ChannelStatusDto>(`/api/channels/${channels[0]!.uuid}`)
    expect(status.producerStatus).toBe('running')
    const { alarms } = await json<AlarmHistoryDto>('/api/alarms')
    expect(alarms).toEqual([])
  }, 400_000)
})
