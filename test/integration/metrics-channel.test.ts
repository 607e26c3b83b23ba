// The per-channel figures of GET /metrics on a channel really on air (real ffmpeg): segments
// written agree with what the encoder's playlist lists, the output's lateness (ahead of the clock
// by its lead when all is well), the loudness the engine meters, and restarts after a producer is
// killed, counted on while the segments counter keeps climbing across the new output.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { ensureFixtures, loopOf, stationFixture } from '../helpers/fixtures'
import { descendants } from '../helpers/processes'
import { promtoolCheck, sample } from '../helpers/prometheus'
import { silentLogger } from '../helpers/runtime-env'
import { until } from '../helpers/until'

describe('per-channel metrics on air (real ffmpeg)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  let uuid: string
  const ch = () => ({ channel: uuid })
  const metrics = async () => {
    const res = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${station.apiToken}` }
    })
    expect(res.status).toBe(200)
    return res.text()
  }
  /** Segments the channel's current output lists in its playlist (the last index + 1). */
  const listed = () => {
    const endpoint = station.director.channelOutput(uuid)?.endpoint
    if (!endpoint || !fs.existsSync(endpoint.playlist)) return 0 // starting: nothing listed yet
    const text = fs.readFileSync(endpoint.playlist, 'utf8')
    const last = [...text.matchAll(/seg-(\d+)\.ts/g)].map((m) => Number(m[1])).at(-1)
    return last === undefined ? 0 : last + 1
  }

  beforeAll(async () => {
    await ensureFixtures()
    t = stationFixture([
      {
        id: 'metered',
        name: 'Metered',
        timezone: 'UTC',
        loop: loopOf(
          { title: 'A', asset: 'media/a.mp4', durationMs: 6_000 },
          { title: 'B', asset: 'media/b.mp4', durationMs: 7_000 }
        )
      }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      policy: { restartBaseMs: 200 }
    })
    base = await station.listen('127.0.0.1', 0)
    uuid = station.store.channels.bySlug('metered')!.uuid
    const attach = await fetch(`${base}/api/channels/${uuid}/viewers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${station.apiToken}`, 'content-type': 'application/json' },
      body: '{}'
    })
    expect(attach.status).toBe(201)
  })

  afterAll(async () => {
    await station?.close()
    t?.cleanup()
    expect(station.processes.live()).toEqual([])
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  it('counts the segments the playlist lists, the lead on the clock and the loudness on air', async () => {
    await until('three segments listed', 30_000, () => (listed() >= 3 ? true : undefined))
    const before = listed()
    const text = await metrics()
    expect(promtoolCheck(text)).toBeNull()
    // Every listed segment was written; at most the one being cut (and the lead) more.
    const written = sample(text, 'retrovue_channel_segments_written_total', ch())
    expect(written).toBeGreaterThanOrEqual(before)
    expect(written).toBeLessThanOrEqual(listed() + 2)
    // On time: the write position ahead of the clock (negative behind) by its lead, a segment and a
    // second at most. (Polled: a machine under load may run behind for a moment, as the gauge says.)
    const { value: behind } = await until('the output ahead of the clock', 20_000, async () => {
      const b = sample(await metrics(), 'retrovue_channel_output_behind_seconds', ch())
      return b < 0 ? b : undefined
    })
    expect(behind).toBeGreaterThan(-4)
    // Integrated loudness starts over with every item and reads the floor until its first 400 ms
    // block: read when every window has a measurement (a scrape can land on a boundary).
    const windows = ['momentary', 'shortTerm', 'integrated']
    const { value: loudness } = await until('every loudness window measured', 20_000, async () => {
      const now = await metrics()
      const lufs = windows.map((window) =>
        sample(now, 'retrovue_channel_loudness_lufs', { ...ch(), window })
      )
      return lufs.every((l) => l > -70) ? lufs : undefined
    })
    for (const lufs of loudness) expect(lufs).toBeLessThan(0)
    expect(sample(text, 'retrovue_channel_restarts_total', ch())).toBe(0)
  }, 60_000)

  it('counts a restart after the encoder is killed, and segments on from the count before', async () => {
    const before = sample(await metrics(), 'retrovue_channel_segments_written_total', ch())
    const producer = station.director.channelOutput(uuid)!.producerId
    const encoder = station.processes.live().find((p) => p.name === 'encoder')
    process.kill(encoder!.pid!, 'SIGKILL')
    await until('a new producer on air', 30_000, () => {
      const now = station.director.channelOutput(uuid)?.producerId
      return now && now !== producer && station.director.channel(uuid).producerStatus === 'running'
        ? now
        : undefined
    })
    await until('the new output lists two segments', 30_000, () =>
      listed() >= 2 ? true : undefined
    )
    const text = await metrics()
    expect(sample(text, 'retrovue_channel_restarts_total', ch())).toBe(1)
    expect(sample(text, 'retrovue_channel_segments_written_total', ch())).toBeGreaterThanOrEqual(
      before + listed()
    )
  }, 90_000)
})
