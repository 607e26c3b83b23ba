// The DISK alarm: free space read on the MasterClock's timer through an injected statfs; a warning
// below the threshold, critical once a write failed, cleared when space returns (with a margin).
import { describe, expect, it } from 'vitest'
import { AlarmBoard, type AlarmLog } from '../../src/runtime/alarms'
import { SimulatedClock } from '../../src/runtime/clock'
import { alarmKeys } from '../../src/runtime/alarm-keys'
import { DiskWatch, type DiskSpace } from '../../src/runtime/disk-watch'
import { silentLogger } from '../helpers/runtime-env'

const MB = 1024 * 1024

function setup(free: Record<string, number>, device: Record<string, number> = {}) {
  const clock = new SimulatedClock('2026-03-01T12:00:00Z')
  let ids = 0
  const log: AlarmLog = {
    insert: () => ++ids,
    update: () => {},
    clear: () => {},
    acknowledge: () => true
  }
  const alarms = new AlarmBoard({
    clock,
    log,
    channel: null,
    defaultOwner: 'station',
    onChange: () => {},
    onError: () => {}
  })
  const reads: string[] = []
  let pending: Array<() => void> = []
  let hold = false
  const statfs = (dir: string): Promise<DiskSpace> => {
    reads.push(dir)
    const answer = () => ({
      freeBytes: free[dir]!,
      totalBytes: 1000 * MB,
      device: device[dir] ?? reads.length
    })
    if (!hold) return Promise.resolve(answer())
    return new Promise((resolve) => pending.push(() => resolve(answer())))
  }
  const watch = new DiskWatch({
    clock,
    alarms,
    log: silentLogger,
    statfs,
    warnFreeBytes: 100 * MB,
    pollMs: 5_000,
    folders: [
      { name: 'data folder', path: '/data' },
      { name: 'outputs', path: '/data/outputs' }
    ]
  })
  const disk = () => alarms.list().find((a) => a.key === alarmKeys.disk)
  return {
    clock,
    watch,
    disk,
    reads,
    holdReads: (on: boolean) => {
      hold = on
      if (!on) {
        pending.forEach((f) => f())
        pending = []
      }
    }
  }
}

describe('DiskWatch', () => {
  it('warns below the threshold, naming the folder and its free space, and clears above it with a margin', async () => {
    const free = { '/data': 500 * MB, '/data/outputs': 500 * MB }
    const t = setup(free)
    t.watch.start()
    await t.clock.advanceAsync(0)
    expect(t.disk()).toBeUndefined()
    free['/data/outputs'] = 60 * MB
    // Nothing is read between polls: the alarm comes at the next reading, on the clock's timer.
    await t.clock.advanceAsync(4_999)
    expect(t.disk()).toBeUndefined()
    await t.clock.advanceAsync(1)
    expect(t.disk()).toMatchObject({ kind: 'disk', severity: 'warning' })
    expect(t.disk()!.message).toContain('outputs /data/outputs: 60.0 MB free of 1000.0 MB')
    expect(t.disk()!.message).not.toContain('data folder')
    // Just above the threshold is not enough to clear (no flicker at the edge) ...
    free['/data/outputs'] = 105 * MB
    await t.clock.advanceAsync(5_000)
    expect(t.disk()?.severity).toBe('warning')
    // ... 10 % above is.
    free['/data/outputs'] = 111 * MB
    await t.clock.advanceAsync(5_000)
    expect(t.disk()).toBeUndefined()
    t.watch.stop()
    const reads = t.reads.length
    await t.clock.advanceAsync(60_000)
    expect(t.reads.length).toBe(reads)
  })

  it('is critical as soon as a write fails, and clears only once space is back and nothing failed for a whole interval', async () => {
    const free = { '/data': 10 * MB, '/data/outputs': 10 * MB }
    const t = setup(free, { '/data': 7, '/data/outputs': 7 })
    t.watch.start()
    await t.clock.advanceAsync(0)
    // One disk holds both folders: said once.
    expect(t.disk()).toMatchObject({ severity: 'warning' })
    expect(t.disk()!.message).toContain('data folder /data: 10.0 MB free')
    expect(t.disk()!.message).not.toContain('outputs')
    t.watch.writeFailed('the station mode', 'No space left on device')
    expect(t.disk()).toMatchObject({ severity: 'critical' })
    expect(t.disk()!.message).toMatch(
      /^No space left on device: the station mode could not be written; low disk space/
    )
    expect(t.watch.failing).toBe(true)
    // Space returns: the low-space part goes at the next reading; the failure stays until an interval passed without one.
    free['/data'] = 800 * MB
    await t.clock.advanceAsync(2_000)
    t.watch.writeFailed('the as-run of Channel 1', 'No space left on device')
    await t.clock.advanceAsync(3_000)
    expect(t.disk()).toMatchObject({
      severity: 'critical',
      message: 'No space left on device: the as-run of Channel 1 could not be written'
    })
    await t.clock.advanceAsync(5_000)
    expect(t.disk()).toBeUndefined()
    expect(t.watch.failing).toBe(false)
    t.watch.stop()
  })

  it('reads one folder at a time and never starts a reading while one is under way', async () => {
    const free = { '/data': 500 * MB, '/data/outputs': 500 * MB }
    const t = setup(free)
    t.holdReads(true)
    t.watch.start()
    await t.clock.advanceAsync(30_000)
    // The first reading is stuck on its first folder: no pile-up of statfs calls.
    expect(t.reads).toEqual(['/data'])
    t.holdReads(false)
    await t.clock.advanceAsync(0)
    expect(t.reads).toEqual(['/data', '/data/outputs'])
    t.watch.stop()
  })
})
