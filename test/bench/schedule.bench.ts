// ScheduleService on a channel with 100,000 playlog events: what-is-airing and a 6-hour playout plan.
import { SimulatedClock } from '../../src/runtime/clock'
import { ScheduleService } from '../../src/schedule/service'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'
import { percentile, seededRandom, timeSync, type Figure } from './stats'
import { templateFigures } from './schedule-templates'

const EVENTS = 100_000
// A realistic hour: programme parts, commercial breaks, promos and idents (average ~2.6 min an event).
const PATTERN = [
  { title: 'Programme part', type: 'program', ms: 12 * 60_000 },
  { title: 'Commercial', type: 'commercial', ms: 30_000 },
  { title: 'Commercial', type: 'commercial', ms: 30_000 },
  { title: 'Promo', type: 'promo', ms: 15_000 },
  { title: 'Programme part', type: 'program', ms: 9 * 60_000 },
  { title: 'Commercial', type: 'commercial', ms: 60_000 },
  { title: 'Station ID', type: 'station-id', ms: 10_000 }
]

export async function run(): Promise<Figure[]> {
  const t = tempDir('retrovue-bench-')
  const store = Store.open(t.dir)
  const start = Date.parse('2026-01-01T00:00:00Z')
  const clock = new SimulatedClock(start)
  const schedule = new ScheduleService(store, clock)
  try {
    const channelId = store.channels.insert(
      {
        uuid: '00000000-0000-4000-8000-000000000001',
        slug: 'bench',
        name: 'Bench',
        timezone: 'America/New_York',
        rolloverMinutes: 360,
        kind: 'normal'
      },
      start
    )
    const assetId = store.assets.upsert({
      path: '/bench/asset.mp4',
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
      probedAt: start
    })
    let cursor = start
    store.transaction(() => {
      for (let i = 0; i < EVENTS; i++) {
        const p = PATTERN[i % PATTERN.length]!
        // Every 50th slot is left empty: gaps exist and must be found.
        if (i % 50 === 49) {
          cursor += 20_000
          continue
        }
        store.playlog.insert(channelId, {
          startMs: cursor,
          endMs: cursor + p.ms,
          title: p.title,
          type: p.type,
          assetId,
          inPointMs: 0,
          source: 'schedule'
        })
        cursor += p.ms
      }
    })
    store.db.pragma('optimize')
    const span = cursor - start
    const channel = store.channels.byId(channelId)!
    // Deterministic pseudo-random instants across the whole playlog.
    const rand = seededRandom(42)
    const instants = Array.from({ length: 20_000 }, () => start + rand(span - 7 * 3600_000))

    const airing = timeSync(
      (i) => schedule.airingAt(channelId, instants[i % instants.length]!),
      20_000
    )
    let segments = 0
    const plan = timeSync((i) => {
      segments += schedule.playoutPlan(channel, instants[i % instants.length]!, 6 * 3600_000)
        .segments.length
    }, 5_000)
    const perPlan = Math.round(segments / (5_000 + 1000))
    return [
      {
        name: 'what-is-airing p50',
        value: percentile(airing, 50),
        unit: 'ms',
        target: '< 1 ms',
        ok: percentile(airing, 50) < 1
      },
      {
        name: 'what-is-airing p99',
        value: percentile(airing, 99),
        unit: 'ms',
        target: '< 1 ms',
        ok: percentile(airing, 99) < 1
      },
      {
        name: '6-hour playout plan p50',
        value: percentile(plan, 50),
        unit: 'ms',
        target: '< 1 ms',
        ok: percentile(plan, 50) < 1,
        note: `~${perPlan} segments a plan`
      },
      {
        name: '6-hour playout plan p99',
        value: percentile(plan, 99),
        unit: 'ms',
        target: '< 1 ms',
        ok: percentile(plan, 99) < 1,
        note: `${EVENTS.toLocaleString('en')} playlog events, ${(span / 86_400_000).toFixed(0)} days`
      },
      ...templateFigures()
    ]
  } finally {
    store.close()
    t.cleanup()
  }
}
