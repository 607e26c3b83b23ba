// Templated channels: materializing 14 days for 50 channels, publishing a change to one channel
// on air (to a new plan), and a preview after an edit (what the console asks for).
import { SimulatedClock } from '../../src/runtime/clock'
import { ProgrammingService } from '../../src/schedule/programming'
import { ScheduleService } from '../../src/schedule/service'
import { channelTemplate } from '../../src/shared/programming'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'
import { percentile, timeSync, type Figure } from './stats'

const CHANNELS = Number(process.env.PROG_BENCH_CHANNELS ?? 50)
const DAY = 86_400_000

export function templateFigures(): Figure[] {
  const t = tempDir('retrovue-bench-')
  const store = Store.open(t.dir)
  const start = Date.parse('2026-12-06T17:00:00Z')
  const clock = new SimulatedClock(start)
  // A 14-day horizon for the 14-day figure.
  const schedule = new ScheduleService(store, clock, undefined, 14 * DAY)
  const programming = new ProgrammingService(store, clock, schedule)
  try {
    store.library.addFolder('tv', '/bench/tv', start)
    store.library.addFolder('bumps', '/bench/bumps', start)
    const add = store.db.prepare(
      `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at,
         folder_id, rel_path, status, kind, title, show, season, episode, added_at)
       VALUES (?, ?, 1, 1, 1000, 0, '{}', 1, ?, ?, 'ok', ?, ?, ?, ?, ?, 0)`
    )
    store.transaction(() => {
      for (let s = 0; s < 20; s++)
        for (let e = 1; e <= 40; e++)
          add.run(
            `/bench/tv/show${s}/e${e}.mp4`,
            (20 + ((s * 7 + e) % 25)) * 60_000 + 1234,
            'tv',
            `show${s}/e${e}.mp4`,
            'episode',
            `Show ${s} episode ${e}`,
            `Show ${s}`,
            1,
            e
          )
      for (let b = 0; b < 30; b++)
        add.run(
          `/bench/bumps/b${b}.mp4`,
          (15 + b) * 1000,
          'bumps',
          `b${b}.mp4`,
          'other',
          `Bump ${b}`,
          null,
          null,
          null
        )
    })
    for (let s = 0; s < 20; s++) programming.saveCollection(`show${s}`, { show: `Show ${s}` })
    programming.saveCollection('bumpers', { folder: 'bumps:' })
    const templateOf = (c: number) =>
      channelTemplate.parse({
        slots: Array.from({ length: 8 }, (_, k) => ({
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          start: `${String(6 + k * 2).padStart(2, '0')}:00`,
          end: `${String(8 + k * 2).padStart(2, '0')}:00`,
          collection: `show${(c + k) % 20}`,
          order: k % 2 === 0 ? 'sequential' : 'shuffle',
          seed: c,
          padToMinutes: 30,
          filler: 'bumpers',
          bumpers: 'bumpers'
        }))
      })
    const uuids: string[] = []
    for (let c = 0; c < CHANNELS; c++) {
      const uuid = `00000000-0000-4000-8000-${String(c + 1).padStart(12, '0')}`
      const id = store.channels.insert(
        {
          uuid,
          slug: `t${c}`,
          name: `T${c}`,
          timezone: 'America/New_York',
          rolloverMinutes: 360,
          kind: 'normal'
        },
        start
      )
      store.programming.setPublished(id, JSON.stringify(templateOf(c)), null, start, 'bench')
      uuids.push(uuid)
    }
    const t0 = performance.now()
    schedule.extendHorizons(start)
    const materializeMs = performance.now() - t0
    const rows = (
      store.db.prepare('SELECT count(*) AS n FROM playlog_events').get() as { n: number }
    ).n

    // Publishing a change to one channel on air: the draft differs in its collections.
    clock.advanceTo(start + 15 * 3600_000)
    let k = 0
    const publish = timeSync(
      () => {
        k++
        programming.saveDraft(uuids[0]!, templateOf(k), 'operator')
        programming.publish(uuids[0]!, { by: 'operator', atMs: clock.now() })
      },
      20,
      2
    )
    const preview = timeSync(
      (i) => {
        programming.preview(uuids[1 % uuids.length]!, { template: templateOf(i + 3) })
      },
      30,
      3
    )
    return [
      {
        name: 'materialize 14 days, 50 templated channels',
        value: Math.round(materializeMs),
        unit: 'ms',
        target: '< 2000 ms',
        ok: materializeMs < 2000,
        // Timed until every row of the 14 days is written (not only planned).
        note: `${rows.toLocaleString('en')} playlog rows written, ${((materializeMs * 1000) / rows).toFixed(1)} µs a row`
      },
      {
        name: 'publish to a channel on air p50',
        value: percentile(publish, 50),
        unit: 'ms',
        target: '< 200 ms',
        ok: percentile(publish, 50) < 200
      },
      {
        name: 'preview after an edit (7 days) p50',
        value: percentile(preview, 50),
        unit: 'ms',
        target: '< 100 ms',
        ok: percentile(preview, 50) < 100
      }
    ]
  } finally {
    store.close()
    t.cleanup()
  }
}
