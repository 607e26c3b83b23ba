// The runtime on a simulated clock with test-double producers and a real SQLite store. Channels
// get loops of fake assets written straight into the store (the runtime never opens media).
import path from 'node:path'
import pino from 'pino'
import { afterEach } from 'vitest'
import { SimulatedClock } from '../../src/runtime/clock'
import type { RuntimePolicy } from '../../src/runtime/policy'
import { ProgramDirector } from '../../src/runtime/program-director'
import { ScheduleService } from '../../src/schedule/service'
import { type ChannelRow, Store } from '../../src/store'
import { TestProducerPool } from './test-producer'
import { tempDir } from './tmp'

export interface RuntimeEnvOptions {
  channels?: number
  start?: string
  policy?: Partial<RuntimePolicy>
  producerBudget?: number
  sessionTimeoutMs?: number
  /** Reuse an existing data dir (for restart tests). */
  dataDir?: string
  /** Loop items per channel: [title, durationMs]. */
  items?: Array<[string, number]>
  zone?: string
  /** Add a guide channel (slug "guide") after the normal ones. */
  guide?: boolean
}

export interface RuntimeEnv {
  dataDir: string
  store: Store
  clock: SimulatedClock
  schedule: ScheduleService
  pool: TestProducerPool
  director: ProgramDirector
  channels: ChannelRow[]
  /** Lets queued async work settle without moving the clock. */
  settle: () => Promise<void>
  /** Advances the clock, letting async work settle after each timer. */
  advance: (ms: number) => Promise<void>
  close: () => Promise<void>
  /** Drops everything without shutting down: what a crash leaves behind. */
  crash: () => void
}

export const silentLogger = pino({ level: 'silent' })

export async function runtimeEnv(o: RuntimeEnvOptions = {}): Promise<RuntimeEnv> {
  const t = o.dataDir ? { dir: o.dataDir, cleanup: () => undefined } : tempDir()
  const store = Store.open(t.dir)
  const clock = new SimulatedClock(o.start ?? '2026-11-25T12:00:00Z')
  const schedule = new ScheduleService(store, clock)
  const pool = new TestProducerPool()
  if (!o.dataDir) {
    const now = clock.now()
    const assetId = store.assets.upsert({
      path: '/media/fake.mp4',
      durationMs: 3_600_000,
      hasVideo: true,
      hasAudio: true,
      width: 640,
      height: 360,
      frameRate: 30,
      audioChannels: 2,
      sizeBytes: 1,
      mtimeMs: 1,
      probeJson: '{}',
      probedAt: now
    })
    const items = o.items ?? [
      ['Morning Show', 600_000],
      ['News', 300_000],
      ['Cartoons', 900_000]
    ]
    store.transaction(() => {
      for (let i = 1; i <= (o.channels ?? 1); i++) {
        const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
        const id = store.channels.insert(
          {
            uuid,
            slug: `ch-${i}`,
            name: `Channel ${i}`,
            timezone: o.zone ?? 'America/New_York',
            rolloverMinutes: 360,
            kind: 'normal'
          },
          now
        )
        const loopItems = items.map(([title, durationMs]) => ({
          kind: 'item',
          title,
          assetId,
          durationMs,
          inPointMs: 0,
          type: 'program'
        }))
        store.loops.put(
          id,
          Date.parse('2026-01-01T00:00:00Z'),
          JSON.stringify(loopItems),
          items.reduce((s, [, d]) => s + d, 0)
        )
        schedule.rebuildLoop(id, now)
      }
      if (o.guide)
        store.channels.insert(
          {
            uuid: '00000000-0000-4000-8000-00000000a11d',
            slug: 'guide',
            name: 'TV Guide',
            timezone: 'UTC',
            rolloverMinutes: 360,
            kind: 'guide'
          },
          now
        )
    })
  }
  const director = new ProgramDirector({
    store,
    clock,
    schedule,
    factory: pool.factory,
    outputRoot: path.join(t.dir, 'outputs'),
    logger: silentLogger,
    policy: { viewerGraceMs: 5_000, ...o.policy },
    producerBudget: o.producerBudget ?? 64,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 60_000,
    statusCoalesceMs: 100
  })
  director.start()
  // Lets promise chains and queued immediates run without moving the clock. It does not wait for
  // work that needs simulated time to pass (a producer with a start delay): that needs advance().
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r))
  }
  let closed = false
  return {
    dataDir: t.dir,
    store,
    clock,
    schedule,
    pool,
    director,
    channels: store.channels.list(),
    settle,
    advance: async (ms) => {
      await clock.advanceAsync(ms)
      await settle()
    },
    close: async () => {
      if (closed) return
      closed = true
      // Producers still starting wait on simulated time: keep the clock moving until shutdown is done.
      let done = false
      const shutdown = director.shutdown().finally(() => (done = true))
      while (!done) await clock.advanceAsync(1_000)
      await shutdown
      schedule.stop()
      store.close()
      t.cleanup()
    },
    crash: () => {
      closed = true
      store.close()
    }
  }
}

/** Makes runtime environments for a test file; each one is closed after the test that made it. */
export function runtimeEnvs(): {
  env: (o?: RuntimeEnvOptions) => Promise<RuntimeEnv>
  track: (e: RuntimeEnv) => RuntimeEnv
} {
  const made: RuntimeEnv[] = []
  afterEach(async () => {
    for (const e of made.splice(0)) await e.close()
  })
  const track = (e: RuntimeEnv) => (made.push(e), e)
  return { env: async (o = {}) => track(await runtimeEnv(o)), track }
}
