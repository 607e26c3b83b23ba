// The station stopped while channels are live, politely (SIGTERM) or not (SIGKILL): its ffmpeg
// children do not outlive it, and the next start reconciles (no stale sessions or producer
// statuses) and loses nothing committed.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AsRunDayDto, ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import { Store } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { processesMatching } from '../helpers/processes'
import { startServe, type ServeHandle } from '../helpers/serve'

describe('crash and restart', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('leaves no orphaned ffmpeg and no live sessions or producers after a SIGKILL', async () => {
    const loop = loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
    const t = stationFixture(
      [1, 2, 3].map((i) => ({ id: `ch-${i}`, name: `Channel ${i}`, timezone: 'UTC', loop }))
    )
    cleanups.push(t.cleanup)
    const data = path.join(t.dir, 'data')
    const first: ServeHandle = await startServe(data, ['--station', t.file])
    cleanups.push(() => first.stop())
    const { channels } = (await (await first.api('/api/channels')).json()) as {
      channels: ChannelStatusDto[]
    }
    for (const c of channels) {
      const a = (await (
        await first.api(`/api/channels/${c.uuid}/viewers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}'
        })
      ).json()) as ViewerAttachDto
      expect((await fetch(`${first.url}${a.streamUrl}`)).status).toBe(200)
    }
    await first.api('/api/emergency', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Committed before the crash', scope: 'crawl' })
    })
    const outputs = path.join(data, 'outputs')
    const ours = () => processesMatching(new RegExp(`ffmpeg.*${outputs.replace(/[/.]/g, '\\$&')}`))
    expect(ours().length).toBe(3) // one encoder per live channel

    // On air until the as-run has stamped each open crawl row (every 2 s): the crash is then closed at that stamp.
    const crawlsStamped = () => {
      const store = Store.open(data, { readonly: true })
      try {
        return store.asRun
          .open()
          .filter(
            (r) =>
              r.producerType === 'emergency-crawl' &&
              r.lastSeenMs !== null &&
              r.lastSeenMs > r.actualStartMs
          ).length
      } finally {
        store.close()
      }
    }
    await expect.poll(crawlsStamped, { timeout: 20_000, interval: 200 }).toBe(3)
    const killedAt = Date.now()
    first.child.kill('SIGKILL')
    await first.stop()
    // With their parent gone, the encoders see end-of-file on their input and exit on their own.
    await expect.poll(ours, { timeout: 5_000, interval: 100 }).toEqual([])

    const before = Store.open(data)
    expect(before.sessions.countLive()).toBe(3)
    const lastSeen = Math.max(...before.asRun.open().map((r) => r.lastSeenMs ?? r.actualStartMs))
    before.close()
    // The interrupted row may be stamped up to the engine's lead past the kill (it is known on air up
    // to the latest frame reported, written ahead of the clock): restart only once the clock is past
    // that stamp, so that the downtime is a stretch of its own however fast the restart is.
    await expect
      .poll(() => Date.now(), { timeout: 10_000, interval: 100 })
      .toBeGreaterThan(lastSeen + 100)

    const second = await startServe(data)
    cleanups.push(() => second.stop())
    const health = (await (await fetch(`${second.url}/api/health`)).json()) as {
      producersRunning: number
      viewers: number
      mode: string
    }
    expect(health).toMatchObject({ producersRunning: 0, viewers: 0, mode: 'emergency' }) // the committed emergency survives
    const store = Store.open(data, { readonly: true })
    try {
      expect(store.sessions.countLive()).toBe(0)
      expect(store.producers.countLive()).toBe(0)
      expect(
        store.channels.list().every((c) => c.viewerCount === 0 && c.producerStatus === 'stopped')
      ).toBe(true)
      expect(store.system.get()).toMatchObject({
        globalMode: 'emergency',
        emergencyMessage: 'Committed before the crash'
      })
    } finally {
      store.close()
    }
    expect(fs.readdirSync(outputs)).toEqual([])

    // What aired before the crash is there, the interrupted stretch closed at the last time it was
    // known to be on air (stamped every 2 s), and the downtime shows as off air.
    const { days } = (await (
      await second.api(`/api/asrun?channel=${channels[0]!.uuid}`)
    ).json()) as { days: AsRunDayDto[] }
    const rows = days[0]!.rows
    const interrupted = rows.find((r) => r.reason === 'station stopped')!
    expect(interrupted).toMatchObject({
      kind: 'item',
      status: 'cut-short',
      producerType: 'emergency-crawl'
    })
    // Stamped every 2 s, at station time or at the latest frame reported if later: frames are
    // written up to a segment plus a second ahead of the clock.
    const end = Date.parse(interrupted.actualEnd!)
    expect(end).toBeLessThanOrEqual(killedAt + 2_500)
    expect(end).toBeGreaterThan(killedAt - 3_000)
    const after = rows[rows.indexOf(interrupted) + 1]!
    expect(after).toMatchObject({
      kind: 'off-air',
      status: 'off-air',
      reason: 'station not running',
      actualStart: interrupted.actualEnd
    })
    expect(
      rows.some(
        (r) => r.kind === 'item' && r.producerType === 'normal' && Date.parse(r.actualStart) < end
      )
    ).toBe(true)
    await second.stop()
  }, 120_000)

  it('on SIGTERM closes every producer before it exits: exit code 0, no ffmpeg left writing, nothing live in the store', async () => {
    const loop = loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
    const t = stationFixture(
      [1, 2].map((i) => ({ id: `ch-${i}`, name: `Channel ${i}`, timezone: 'UTC', loop }))
    )
    cleanups.push(t.cleanup)
    const data = path.join(t.dir, 'data')
    const serve = await startServe(data, ['--station', t.file])
    cleanups.push(() => serve.stop())
    const { channels } = (await (await serve.api('/api/channels')).json()) as {
      channels: ChannelStatusDto[]
    }
    for (const c of channels) {
      const a = (await (
        await serve.api(`/api/channels/${c.uuid}/viewers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}'
        })
      ).json()) as ViewerAttachDto
      expect((await fetch(`${serve.url}${a.streamUrl}`)).status).toBe(200)
    }
    const outputs = path.join(data, 'outputs')
    const ours = () => processesMatching(new RegExp(`ffmpeg.*${outputs.replace(/[/.]/g, '\\$&')}`))
    expect(ours().length).toBe(2)

    // The encoders are our children: once serve has exited, none may be left (an encoder left on
    // its own finishes writing into the outputs after the station has let the folder go).
    expect(await serve.stop()).toBe(0)
    expect(ours()).toEqual([])
    expect(serve.stdout() + serve.stderr()).not.toMatch(/shutdown failed/)
    const store = Store.open(data, { readonly: true })
    try {
      expect(store.sessions.countLive()).toBe(0)
      expect(store.producers.countLive()).toBe(0)
    } finally {
      store.close()
    }
  }, 60_000)
})
