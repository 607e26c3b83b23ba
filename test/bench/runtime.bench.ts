// Runtime core at scale with test-double producers: 256 channels, 10,000 attach/detach operations.
import { runtimeEnv } from '../helpers/runtime-env'
import { percentile, seededRandom, timeSync, type Figure } from './stats'

export async function run(): Promise<Figure[]> {
  const e = await runtimeEnv({
    channels: 256,
    producerBudget: 512,
    sessionTimeoutMs: 3_600_000,
    policy: { viewerGraceMs: 20_000 }
  })
  try {
    const rand = seededRandom(7)
    const attach: number[] = []
    const detach: number[] = []
    const live: string[] = []
    for (let i = 0; i < 10_000; i++) {
      const doAttach = live.length === 0 || rand(100) < 55
      const t0 = process.hrtime.bigint()
      if (doAttach) {
        live.push(e.director.attach(e.channels[rand(256)]!.uuid).sessionId)
        attach.push(Number(process.hrtime.bigint() - t0) / 1e6)
      } else {
        const [id] = live.splice(rand(live.length), 1)
        e.director.detach(id!)
        detach.push(Number(process.hrtime.bigint() - t0) / 1e6)
      }
      // Let producers start and stop between bursts, as they would in real time.
      if (i % 100 === 99) await e.advance(250)
    }
    await e.settle()
    attach.sort((a, b) => a - b)
    detach.sort((a, b) => a - b)
    const running = e.director.health().producersRunning
    const snapshot = timeSync(() => e.director.status.snapshot(), 2_000, 200)
    const bytes = JSON.stringify(e.director.status.snapshot()).length
    return [
      { name: 'attach p50', value: percentile(attach, 50), unit: 'ms' },
      {
        name: 'attach p99',
        value: percentile(attach, 99),
        unit: 'ms',
        target: '< 1 ms',
        ok: percentile(attach, 99) < 1,
        note: `${attach.length} attaches (session row + viewer count, one SQLite transaction)`
      },
      {
        name: 'detach p99',
        value: percentile(detach, 99),
        unit: 'ms',
        note: `${detach.length} detaches`
      },
      { name: '256-channel snapshot p50', value: percentile(snapshot, 50), unit: 'ms' },
      {
        name: '256-channel snapshot p99',
        value: percentile(snapshot, 99),
        unit: 'ms',
        target: '< 2 ms',
        ok: percentile(snapshot, 99) < 2,
        note: `${running} producers running, ${(bytes / 1024).toFixed(0)} KiB as JSON`
      }
    ]
  } finally {
    await e.close()
  }
}
