// A first start (the demo station) on a disk too small for its media: the error says plainly that
// the disk is full and where, not a 600-character ffmpeg command line with the reason buried in it.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { mountSmallDisk } from '../helpers/small-disk'
import { tempDir } from '../helpers/tmp'

describe('demo start on a small disk', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('fails saying "No space left on device" and the folder, with no command line leading', async () => {
    const t = tempDir('retrovue-demo-disk-')
    cleanups.push(async () => t.cleanup())
    const dataDir = path.join(t.dir, 'data')
    fs.mkdirSync(dataDir)
    const disk = await mountSmallDisk(dataDir, t.dir, 3)
    cleanups.push(disk.unmount)
    const error = await Station.open({ dataDir, logger: silentLogger }).then(
      async (s) => {
        await s.close()
        return null
      },
      (err: unknown) => err as Error
    )
    expect(error).toBeInstanceOf(Error)
    const message = error!.message
    expect(message).toMatch(/^No space left on device: the disk holding .* is full/)
    expect(message).toContain(path.join(dataDir, 'demo', 'media'))
    expect(message).not.toContain('-hide_banner')
    expect(message.length).toBeLessThan(300)
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })
})
