import { describe, expect, it } from 'vitest'
import { LibraryJobQueue } from '../../src/library/job-queue'
import { SimulatedClock, settle } from '../../src/runtime/clock'
import type { LibraryJobDto, LibraryJobKind } from '../../src/shared/library'
import { StationApiError } from '../../src/shared/station-api'

/** Fake work the test finishes by hand: each started item waits until resolved or failed. */
class Work {
  readonly started: Array<{
    kind: LibraryJobKind
    item: string
    signal: AbortSignal
    resolve: () => void
    reject: (err: Error) => void
  }> = []
  running = 0
  maxRunning = 0

  fn(kind: LibraryJobKind) {
    return (item: string, signal: AbortSignal): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        this.running++
        this.maxRunning = Math.max(this.maxRunning, this.running)
        const end = (): void => {
          this.running--
        }
        this.started.push({
          kind,
          item,
          signal,
          resolve: () => {
            end()
            resolve()
          },
          reject: (err) => {
            end()
            reject(err)
          }
        })
      })
  }

  /** Finishes the oldest running item of that name. */
  finish(item: string, err?: Error): void {
    const at = this.started.findIndex((s) => s.item === item)
    if (at < 0) throw new Error(`${item} has not started`)
    const [s] = this.started.splice(at, 1)
    if (err) s!.reject(err)
    else s!.resolve()
  }

  names(): string[] {
    return this.started.map((s) => s.item)
  }
}

function setup(opts: { onAir?: () => boolean; idleSlots?: number } = {}) {
  const clock = new SimulatedClock('2026-12-07T03:00:00Z')
  const work = new Work()
  const changes: LibraryJobDto[][] = []
  const warnings: string[] = []
  const queue = new LibraryJobQueue({
    clock,
    onAir: opts.onAir ?? (() => false),
    ...(opts.idleSlots !== undefined ? { idleSlots: opts.idleSlots } : {}),
    onChange: (jobs) => changes.push(jobs),
    log: { warn: (_d, m) => warnings.push(m) }
  })
  const add = (kind: LibraryJobKind, items: string[], folderId: string | null = 'tv') =>
    queue.add({ kind, folderId, items, label: (i) => i, work: work.fn(kind) })
  return { clock, work, queue, changes, warnings, add }
}

describe('LibraryJobQueue', () => {
  it('runs scans before probes before analyses (one slot: one item at a time)', async () => {
    const { work, add, queue } = setup({ idleSlots: 1 })
    add('analyse', ['a1', 'a2'])
    await settle()
    // The analysis started before anything else was queued; the rest waits for its slot.
    expect(work.names()).toEqual(['a1'])
    add('probe', ['p1'])
    add('scan', ['s1'])
    work.finish('a1')
    await settle()
    expect(work.names()).toEqual(['s1'])
    work.finish('s1')
    await settle()
    expect(work.names()).toEqual(['p1'])
    work.finish('p1')
    await settle()
    expect(work.names()).toEqual(['a2'])
    work.finish('a2')
    await queue.idle()
    expect(queue.list().map((j) => [j.kind, j.state])).toEqual([
      ['analyse', 'done'],
      ['probe', 'done'],
      ['scan', 'done']
    ])
  })

  it('with two idle slots runs two items at once, the most urgent job first', async () => {
    const { work, add, queue } = setup({ idleSlots: 2 })
    const analyse = add('analyse', ['a1', 'a2', 'a3'])
    await settle()
    // Nothing else queued: the one job takes both slots.
    expect(work.names()).toEqual(['a1', 'a2'])
    add('probe', ['p1', 'p2'])
    work.finish('a1')
    await settle()
    // The freed slot goes to the probe, which runs before analyses.
    expect(work.names().sort()).toEqual(['a2', 'p1'])
    work.finish('a2')
    await settle()
    expect(work.names().sort()).toEqual(['p1', 'p2'])
    work.finish('p1')
    work.finish('p2')
    await settle()
    expect(work.names()).toEqual(['a3'])
    work.finish('a3')
    await queue.idle()
    expect(queue.job(analyse.id)).toMatchObject({ state: 'done', done: 3, total: 3 })
    expect(work.maxRunning).toBe(2)
  })

  it('ended() tells a waiter when its job is done or cancelled, and a closing queue tells every waiter', async () => {
    const { work, add, queue } = setup({ idleSlots: 1 })
    const done = add('analyse', ['a1'], null)
    const cancelled = add('analyse', ['b1'], 'tv')
    const closed = add('probe', ['c1'], 'tv')
    const told: string[] = []
    const tell = (id: string) =>
      void queue.ended(id).then((j) => told.push(`${j?.kind}:${j?.state}`))
    for (const j of [done, cancelled, closed]) tell(j.id)
    await settle()
    expect(work.names()).toEqual(['a1'])
    work.finish('a1')
    await settle()
    expect(told).toEqual(['analyse:done'])
    // A job already ended is told at once.
    await expect(queue.ended(done.id)).resolves.toMatchObject({ state: 'done' })
    // Cancelled while its item runs: told when the item has let go of its slot, not before.
    expect(work.names()).toEqual(['c1'])
    queue.cancel(closed.id)
    await settle()
    expect(told).toEqual(['analyse:done'])
    expect(work.started[0]!.signal.aborted).toBe(true)
    work.finish('c1')
    await settle()
    expect(told).toEqual(['analyse:done', 'probe:cancelled'])
    // The station stopping: every job left is cancelled and its waiter told.
    const closing = queue.close()
    work.finish('b1')
    await closing
    await settle()
    expect(told).toEqual(['analyse:done', 'probe:cancelled', 'analyse:cancelled'])
  })

  it('a still-queued job of the same kind and folder absorbs new items', async () => {
    const { work, add, queue } = setup({ idleSlots: 1 })
    add('scan', ['s1'])
    await settle()
    const first = add('probe', ['p1', 'p2'])
    const again = add('probe', ['p3'])
    const other = add('probe', ['x1'], 'movies')
    expect(again.id).toBe(first.id)
    expect(again.total).toBe(3)
    expect(other.id).not.toBe(first.id)
    expect(queue.list().filter((j) => j.kind === 'probe')).toHaveLength(2)
    // A running job does not absorb: its items are under way, new ones get a new job.
    work.finish('s1')
    await settle()
    expect(work.names()).toEqual(['p1'])
    const later = add('probe', ['p4'])
    expect(later.id).not.toBe(first.id)
    for (const name of ['p1', 'p2', 'p3', 'x1', 'p4']) {
      await settle()
      work.finish(name)
    }
    await queue.idle()
    expect(queue.job(first.id)).toMatchObject({ state: 'done', done: 3, total: 3 })
  })

  it('never runs two items at once while a channel is on air, more again when idle', async () => {
    let onAir = true
    const { work, add, queue } = setup({ onAir: () => onAir, idleSlots: 3 })
    add('scan', ['s1', 's2'])
    add('probe', ['p1', 'p2'])
    add('analyse', ['a1', 'a2'])
    add('analyse', ['m1', 'm2'], 'movies')
    const order: string[] = []
    for (let i = 0; i < 3; i++) {
      await settle()
      expect(work.running).toBe(1)
      order.push(work.names()[0]!)
      work.finish(work.names()[0]!)
    }
    expect(work.maxRunning).toBe(1)
    expect(order).toEqual(['s1', 's2', 'p1'])
    // Off air: the next item that ends frees room for both analyses.
    onAir = false
    await settle()
    work.finish('p2')
    await settle()
    // The first analysis job's two items, then the other folder's first.
    expect(work.names().sort()).toEqual(['a1', 'a2', 'm1'])
    // Back on air: running items finish, no new one starts until only one runs.
    onAir = true
    work.finish('a1')
    await settle()
    expect(work.names().sort()).toEqual(['a2', 'm1'])
    work.finish('a2')
    await settle()
    expect(work.names()).toEqual(['m1'])
    work.finish('m1')
    await settle()
    expect(work.names()).toEqual(['m2'])
    work.finish('m2')
    await queue.idle()
    expect(work.running).toBe(0)
  })

  it('cancel aborts the running item, drops the rest, and names an unknown job', async () => {
    const { work, add, queue } = setup({ idleSlots: 1 })
    const job = add('analyse', ['a1', 'a2', 'a3'])
    await settle()
    const running = work.started[0]!
    expect(running.signal.aborted).toBe(false)
    const cancelled = queue.cancel(job.id)
    expect(cancelled.state).toBe('cancelled')
    expect(running.signal.aborted).toBe(true)
    // The item's work ends on its signal; its slot is held until then.
    let idle = false
    void queue.idle().then(() => (idle = true))
    await settle()
    expect(idle).toBe(false)
    work.finish('a1', new Error('killed'))
    await queue.idle()
    expect(work.names()).toEqual([])
    expect(queue.job(job.id)).toMatchObject({ state: 'cancelled', done: 0, error: null })
    expect(queue.job(job.id)!.finishedAt).not.toBeNull()
    // A queued job is cancelled at once.
    add('scan', ['s1'])
    const queued = add('probe', ['p1'])
    expect(queue.cancel(queued.id).state).toBe('cancelled')
    expect(() => queue.cancel('no-such-job')).toThrow(StationApiError)
    expect(() => queue.cancel('no-such-job')).toThrow(/no library job no-such-job/)
    try {
      queue.cancel('no-such-job')
    } catch (err) {
      expect((err as StationApiError).code).toBe('not_found')
    }
  })

  it('a failing item is counted and logged; the job goes on and ends done with the error', async () => {
    const { work, add, queue, warnings } = setup()
    const job = add('probe', ['p1', 'p2', 'p3'])
    await settle()
    work.finish('p1')
    await settle()
    work.finish('p2', new Error('moov atom not found'))
    await settle()
    expect(work.names()).toEqual(['p3'])
    work.finish('p3')
    await queue.idle()
    const done = queue.job(job.id)!
    expect(done).toMatchObject({ state: 'done', done: 3, total: 3 })
    expect(done.error).toBe('1 of 3 failed (last: p2: moov atom not found)')
    expect(warnings).toEqual(['library probe of p2 failed'])
  })

  it('a synchronous throw in work is a failed item too', async () => {
    const { queue } = setup()
    const job = queue.add({
      kind: 'probe',
      folderId: null,
      items: ['x', 'y'],
      label: (i) => i,
      work: (i) => {
        if (i === 'x') throw new Error('bad')
        return Promise.resolve()
      }
    })
    await queue.idle()
    expect(queue.job(job.id)).toMatchObject({ state: 'done', done: 2 })
    expect(queue.job(job.id)!.error).toMatch(/x: bad/)
  })

  it('reports progress: done, total, current file, rate over the last 10 s and ETA', async () => {
    const { clock, work, add, queue } = setup({ idleSlots: 1 })
    const items = Array.from({ length: 30 }, (_, i) => `f${i}`)
    const job = add('analyse', items)
    await settle()
    expect(queue.job(job.id)).toMatchObject({
      state: 'running',
      done: 0,
      total: 30,
      currentFile: 'f0',
      etaMs: null,
      startedAt: '2026-12-07T03:00:00.000Z'
    })
    // One file every 500 ms for 20 s: 2 files a second.
    for (let i = 0; i < 20; i++) {
      await clock.advanceAsync(500)
      work.finish(`f${i}`)
      await settle()
    }
    let now = queue.job(job.id)!
    expect(now.done).toBe(20)
    expect(now.currentFile).toBe('f20')
    expect(now.rate).toBe(2)
    expect(now.etaMs).toBe(5000)
    // Slower now: one every 2 s. The window forgets the fast part within 10 s.
    for (let i = 20; i < 25; i++) {
      await clock.advanceAsync(2000)
      work.finish(`f${i}`)
      await settle()
    }
    now = queue.job(job.id)!
    expect(now.rate).toBe(0.5)
    expect(now.etaMs).toBe(10_000)
    for (let i = 25; i < 30; i++) {
      await settle()
      work.finish(`f${i}`)
    }
    await queue.idle()
    expect(queue.job(job.id)).toMatchObject({ state: 'done', done: 30, currentFile: null })
    expect(queue.job(job.id)!.finishedAt).toBe('2026-12-07T03:00:20.000Z')
  })

  it('counts the files a one-item job tells (a folder scan), with their rate, not its item', async () => {
    const { clock, queue } = setup()
    let tell: ((done: number, total: number, file?: string) => void) | undefined
    let end: (() => void) | undefined
    const job = queue.add({
      kind: 'scan',
      folderId: 'tv',
      items: ['tv'],
      label: () => '/media/tv',
      work: (_item, _signal, progress) =>
        new Promise<void>((resolve) => {
          tell = progress
          end = resolve
        })
    })
    await settle()
    tell!(0, 3000)
    expect(queue.job(job.id)).toMatchObject({ state: 'running', done: 0, total: 3000 })
    await clock.advanceAsync(1000)
    tell!(1500, 3000, '/media/tv/Show/S01E01.mkv')
    await clock.advanceAsync(1000)
    expect(queue.job(job.id)).toMatchObject({
      done: 1500,
      total: 3000,
      currentFile: '/media/tv/Show/S01E01.mkv',
      rate: 750,
      etaMs: 2000
    })
    tell!(3000, 3000)
    end!()
    await queue.idle()
    expect(queue.job(job.id)).toMatchObject({ state: 'done', done: 3000, total: 3000 })
  })

  it('tells onChange at most about 4 times a second, but always at a state change', async () => {
    const { clock, work, add, queue, changes } = setup()
    const items = Array.from({ length: 100 }, (_, i) => `f${i}`)
    add('probe', items)
    await settle()
    changes.length = 0
    // 100 files finishing within 1 s of station time.
    for (let i = 0; i < 99; i++) {
      await clock.advanceAsync(10)
      work.finish(`f${i}`)
      await settle()
    }
    expect(changes.length).toBeGreaterThanOrEqual(3)
    expect(changes.length).toBeLessThanOrEqual(5)
    const before = changes.length
    work.finish('f99')
    await queue.idle()
    // The job's end is told at once, without waiting for the throttle.
    expect(changes.length).toBe(before + 1)
    expect(changes.at(-1)![0]).toMatchObject({ state: 'done', done: 100 })
  })

  it('close cancels everything and waits for running items to end', async () => {
    const { work, add, queue } = setup()
    add('scan', ['s1', 's2'])
    add('analyse', ['a1'])
    await settle()
    expect(work.running).toBe(2)
    let closed = false
    const closing = queue.close().then(() => (closed = true))
    expect(work.started.every((s) => s.signal.aborted)).toBe(true)
    await settle()
    expect(closed).toBe(false)
    for (const s of [...work.started]) s.reject(new Error('aborted'))
    await closing
    expect(work.running).toBe(0)
    expect(queue.list().map((j) => j.state)).toEqual(['cancelled', 'cancelled'])
    expect(() => add('scan', ['s3'])).toThrow(/closed/)
  })
})
