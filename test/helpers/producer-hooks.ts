// Hooks for a test file of real-ffmpeg producers: one process group for their children (a
// station's, in production), cleanups run after each test, and then no ffmpeg may be left.
import { afterEach, expect } from 'vitest'
import { ProcessGroup } from '../../src/media/process'
import { descendants } from './processes'

export function producerHooks(): { processes: ProcessGroup; cleanups: Array<() => unknown> } {
  const processes = new ProcessGroup()
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
    // Every child has an owner that killed it.
    expect(processes.live()).toEqual([])
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })
  return { processes, cleanups }
}
