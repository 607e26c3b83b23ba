// LONG TEST (10 minutes of wall time, little CPU): the real demo station, as a newcomer's first
// `serve` makes it (media generated with real ffmpeg), with every channel on air to a viewer for 10
// minutes, raises no alarm at all: its own content never looks frozen, black or silent to its
// monitors, and the newsroom's deliberate gap is never a GAP. An operator taught that red tiles
// mean nothing will miss the real one.
//
// Most of the time is spent waiting: one station process and its encoders (a few tens of percent of
// one core), polled every few seconds. It fails as soon as an alarm shows, naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDemoStation } from '../../src/schedule/demo-station'
import type { ChannelStatusDto } from '../../src/shared/api'
import type { AlarmHistoryDto } from '../../src/shared/station-api'
import { sleep } from '../helpers/playout'
import { startServe, type ServeHandle } from '../helpers/serve'
import { tools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

const RUN_MS = 10 * 60_000
const POLL_MS = 5_000

describe('[long, 10 min] the demo station on air', () => {
  const data = tempDir()
  let serve: ServeHandle
  beforeAll(async () => {
    // The media the first start would generate, made beforehand so that the start itself stays within its timeout.
    await createDemoStation(data.dir, await tools())
    serve = await startServe(data.dir)
  }, 300_000)
  afterAll(async () => {
    if (serve) expect(await serve.stop()).toBe(0)
    data.cleanup()
  })

  it(
    'raises no alarm in 10 minutes with every channel watched',
    async () => {
      const channels = async () =>
        ((await (await serve.api('/api/channels')).json()) as { channels: ChannelStatusDto[] })
          .channels
      const list = await channels()
      expect(list.map((c) => c.name).sort()).toEqual([
        'Late Movie',
        'Newsroom 24',
        'RetroToons',
        'TV Guide'
      ])
      const streams: string[] = []
      // One channel at a time, as viewers tune in: every channel on air.
      for (const c of list) {
        const res = await serve.api(`/api/channels/${c.uuid}/viewers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ purpose: 'viewer' })
        })
        expect(res.status, c.name).toBe(201)
        const { streamUrl } = (await res.json()) as { streamUrl: string }
        streams.push(new URL(streamUrl, serve.url).toString())
        await expect
          .poll(async () => (await fetch(streams.at(-1)!)).status, {
            timeout: 60_000,
            interval: 500
          })
          .toBe(200)
      }
      const alarms = async () =>
        ((await (await serve.api('/api/alarms')).json()) as AlarmHistoryDto).alarms
      const start = Date.now()
      while (Date.now() - start < RUN_MS) {
        // A viewer's player asks for its playlist every few seconds (sessions without requests end).
        for (const url of streams) expect((await fetch(url)).status).toBe(200)
        const raised = await alarms()
        expect(
          raised.map(
            (a) => `${a.code} ${a.severity} ${a.channelUuid ?? 'station'} ${a.since}: ${a.message}`
          )
        ).toEqual([])
        await sleep(POLL_MS)
      }
      // Every channel was on air the whole time.
      for (const c of await channels()) expect(c.producerStatus, c.name).toBe('running')
    },
    RUN_MS + 120_000
  )
})
