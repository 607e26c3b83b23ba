// Conforming in a real station (`serve`): a station file with a `conform` section makes the assets
// its channel airs within the horizon into renditions by itself, as a `conform` job of the library
// queue; restarted, the station keeps them (nothing is conformed again).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LibraryJobDto } from '../../src/shared/library'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { startServe, type ServeHandle } from '../helpers/serve'
import { until } from '../helpers/until'

describe('conform in a running station (serve)', () => {
  let serve: ServeHandle | undefined
  let t: { dir: string; file: string; cleanup: () => void }
  const data = (): string => path.join(t.dir, 'data')
  const renditions = (): string[] => {
    try {
      return fs.readdirSync(path.join(data(), 'conform', '360p'))
    } catch {
      return []
    }
  }
  const jobs = async (): Promise<LibraryJobDto[]> =>
    ((await (await serve!.api('/api/library/jobs')).json()) as { jobs: LibraryJobDto[] }).jobs

  beforeAll(() => {
    const loop = loopOf(
      { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
      { title: 'C', asset: 'media/c.mp4', durationMs: 6_000 }
    )
    t = stationFixture([{ id: 'one', name: 'Channel One', timezone: 'UTC', loop }])
    const station = JSON.parse(fs.readFileSync(t.file, 'utf8')) as Record<string, unknown>
    fs.writeFileSync(t.file, JSON.stringify({ ...station, conform: { aheadHours: 2 } }))
  })
  afterAll(async () => {
    if (serve) expect(await serve.stop()).toBe(0)
    t?.cleanup()
  })

  it('conforms what the channel airs within the horizon, once', async () => {
    serve = await startServe(data(), ['--station', t.file])
    const done = await until('both assets conformed', 120_000, () =>
      renditions().filter((f) => f.endsWith('.mp4')).length === 2 ? renditions() : undefined
    )
    expect(done.value.every((f) => /^\d+\.mp4$/.test(f))).toBe(true)
    const conformJobs = (await jobs()).filter((j) => j.kind === 'conform')
    expect(conformJobs.length).toBeGreaterThan(0)
    await until('the conform job done', 30_000, async () =>
      (await jobs()).some((j) => j.kind === 'conform' && j.state === 'done') ? true : undefined
    )
    expect(await serve.stop()).toBe(0)
    serve = undefined

    // Restarted: the renditions are valid, nothing is queued again.
    serve = await startServe(data(), ['--station', t.file])
    expect((await jobs()).filter((j) => j.kind === 'conform')).toEqual([])
    expect(renditions().sort()).toEqual(done.value.sort())
  }, 240_000)
})
