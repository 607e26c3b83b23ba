// The pre-air check on a real store and a simulated clock: an item whose file cannot air raises a
// WARNING once it is within 24 hours of air (the periodic check finds it as time passes), naming
// the channel, the time and the file; it clears when the file is back, or when the item is gone.
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PreAirCheck, PRE_AIR_HORIZON_MS } from '../../src/library/pre-air'
import { SimulatedClock } from '../../src/runtime/clock'
import { Store } from '../../src/store'
import { tempDir } from '../helpers/tmp'

const HOUR = 3600_000

describe('pre-air check', () => {
  let store: Store
  let cleanup: () => void
  let clock: SimulatedClock
  const active = new Map<
    string,
    { message: string; severity: string; channelUuid: string | null }
  >()
  const alarms = {
    raise: (key: string, a: { message: string; severity: string; channelUuid: string | null }) => {
      active.set(key, a)
      return true
    },
    clear: (key: string) => active.delete(key),
    list: () => [...active.keys()].map((key) => ({ key }))
  }

  beforeEach(() => {
    const t = tempDir()
    cleanup = t.cleanup
    store = Store.open(path.join(t.dir, 'data'))
    clock = new SimulatedClock('2026-11-25T12:00:00Z')
    active.clear()
  })
  afterEach(() => {
    store.close()
    cleanup()
  })

  it('raises hours before air, only within 24 hours, naming the channel, time and file; clears when fixed', () => {
    const now = clock.now()
    store.db
      .prepare(
        "INSERT INTO channels (id, uuid, slug, name, timezone, created_at, updated_at) VALUES (1, 'u-1', 'one', 'Channel One', 'UTC', 0, 0)"
      )
      .run()
    store.library.addFolder('tv', '/media/tv', 0)
    const id = store.library.addFile({
      folderId: 'tv',
      path: '/media/tv/Show - S01E01.mkv',
      relPath: 'Show - S01E01.mkv',
      sizeBytes: 10,
      mtimeMs: 1,
      fingerprint: 'f',
      status: 'offline',
      reason: 'its library folder /media/tv is not there',
      addedAt: 0,
      kind: 'episode',
      title: 'S01E01',
      show: 'Show',
      season: 1,
      episode: 1,
      episodeTitle: null,
      year: null,
      genres: [],
      plot: null,
      posterPath: null
    })
    // Airs in 30 hours: outside the horizon yet.
    const airs = now + 30 * HOUR
    store.db
      .prepare(
        "INSERT INTO playlog_events (channel_id, start_ms, end_ms, title, asset_id, source) VALUES (1, ?, ?, 'S01E01', ?, 'schedule')"
      )
      .run(airs, airs + HOUR, id)
    const check = new PreAirCheck(store, clock, alarms as never, 10 * 60_000)
    check.start()
    expect(active.size).toBe(0)
    // The periodic check raises it once it is within 24 hours: six hours before the horizon.
    clock.advance(30 * HOUR - PRE_AIR_HORIZON_MS + 10 * 60_000)
    expect([...active.values()]).toEqual([
      {
        kind: 'pre-air',
        severity: 'warning',
        channelUuid: 'u-1',
        owner: 'library',
        message: expect.stringMatching(
          /^Channel One airs \/media\/tv\/Show - S01E01\.mkv at 2026-11-26T18:00:00\.000Z \(in 23\.8 h\), but the file is offline: its library folder/
        )
      }
    ])
    // Fixed: cleared at the next check.
    store.library.setStatus(id, 'ok', null)
    check.check()
    expect(active.size).toBe(0)
    // Unplayable again, then the item removed from the playlog: cleared.
    store.library.setStatus(id, 'unplayable', 'cut short')
    check.check()
    expect([...active.values()][0]?.message).toMatch(/is not playable: cut short/)
    store.db.prepare('DELETE FROM playlog_events').run()
    check.check()
    expect(active.size).toBe(0)
    check.stop()
  })
})
