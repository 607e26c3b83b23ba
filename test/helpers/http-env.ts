// A station on test-double producers behind its real HTTP app (the same routes `serve` offers),
// listening on loopback so Host checks apply, for inject() and socket-level tests. Its producers
// write a tiny HLS playlist, so stream routes answer at once.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { SimulatedClock } from '../../src/runtime/clock'
import type { PlayoutPlan } from '../../src/shared/domain'
import { Station, type StationOptions } from '../../src/station'
import type { ProducerStartOptions } from '../../src/playout'
import { loopOf, stationFixture } from './fixtures'
import { silentLogger } from './runtime-env'
import { TestProducer, TestProducerPool } from './test-producer'
import { syntheticSegment } from './ts-segment'

class PlaylistProducer extends TestProducer {
  override async start(
    plan: PlayoutPlan,
    startAtMs: number,
    options?: ProducerStartOptions
  ): Promise<void> {
    await super.start(plan, startAtMs, options)
    const endpoint = this.streamEndpoint()
    if (!endpoint) return
    fs.mkdirSync(endpoint.dir, { recursive: true })
    fs.writeFileSync(path.join(endpoint.dir, 'seg-00001.ts'), syntheticSegment(1))
    fs.writeFileSync(
      endpoint.playlist,
      '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.000000,\nseg-00001.ts\n'
    )
  }
}

export class PlaylistProducerPool extends TestProducerPool {
  override factory: TestProducerPool['factory'] = (type, context) =>
    new PlaylistProducer(type, context, this)
}

export interface HttpEnv {
  station: Station
  app: FastifyInstance
  pool: PlaylistProducerPool
  clock: SimulatedClock
  /** host:port as clients name it. */
  host: string
  base: string
  token: string
  /** Channel uuids: a UTC channel and a Tokyo one. */
  uuids: string[]
  /** The station file it was built from (importing it again brings a deleted channel back). */
  stationFile: string
  close: () => Promise<void>
}

export async function httpEnv(
  o: { logger?: Logger; station?: Partial<StationOptions> } = {}
): Promise<HttpEnv> {
  // Long items: a day's schedule is a few dozen entries, so schedule requests stay cheap.
  const loop = loopOf(
    { title: 'Movie', asset: 'media/movie.mp4', durationMs: 3_600_000 },
    { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }
  )
  const t = stationFixture([
    { id: 'one', name: 'One', timezone: 'UTC', loop },
    { id: 'two', name: 'Two', timezone: 'Asia/Tokyo', loop }
  ])
  const pool = new PlaylistProducerPool()
  const clock = new SimulatedClock('2026-11-25T12:00:00Z')
  const station = await Station.open({
    dataDir: path.join(t.dir, 'data'),
    stationFile: t.file,
    producerFactory: pool.factory,
    logger: o.logger ?? silentLogger,
    clock,
    maxProducers: 16,
    // Test-double producers air no sound: no background ffmpeg measuring the fixtures' loudness.
    loudnessAnalysis: false,
    ...o.station
  })
  const app = await station.createHttp()
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const host = new URL(address).host
  return {
    station,
    app,
    pool,
    clock,
    host,
    base: address,
    token: station.apiToken,
    uuids: station.store.channels.listActive().map((c) => c.uuid),
    stationFile: t.file,
    close: async () => {
      await app.close()
      await station.close()
      t.cleanup()
    }
  }
}
