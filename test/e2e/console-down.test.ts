// STATION DOWN: the console against a real `serve` that stops answering (SIGSTOP: hung, the
// connection left open) and one that stops (SIGTERM) and comes back on the same port. Every tile and
// the header say the station is down (within 2 s: measured by `npm run bench -- console`, down) and
// since when, the clock stops; when the
// station answers again the console is live without a reload.
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { descendants } from '../helpers/processes'
import { startServe, type ServeHandle } from '../helpers/serve'
import { repoRoot } from '../helpers/tmp'
import { CHROMIUM, CHROMIUM_ARGS } from './console-station'

// Tests compile without the DOM library: what runs in the page is typed here.
type Win = { consoleMarker?: number }

describe('the console when the station stops answering (Chromium, real serve)', () => {
  let t: ReturnType<typeof stationFixture>
  let serve: ServeHandle
  let browser: Browser
  let page: Page
  const dataDir = () => path.join(t.dir, 'data')

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'toons',
        name: 'RetroToons',
        timezone: 'UTC',
        loop: loopOf({ title: 'Cartoon Hour', asset: 'media/a.mp4', durationMs: 10_000 })
      },
      {
        id: 'two',
        name: 'Channel Two',
        timezone: 'UTC',
        loop: loopOf({ title: 'Evening News', asset: 'media/c.mp4', durationMs: 6_000 })
      }
    ])
    serve = await startServe(dataDir(), ['--station', t.file])
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } })
    await page.goto(`${serve.url}/#token=${serve.token}`)
    await page.getByTestId('tile').first().waitFor()
    await page.locator('[data-testid=connection]', { hasText: 'LIVE' }).waitFor()
    // A reload would lose this: recovery must not need one.
    await page.evaluate(() => ((globalThis as unknown as Win).consoleMarker = 1))
  }, 120_000)

  afterAll(async () => {
    if (serve?.child.signalCode === 'SIGSTOP') serve.child.kill('SIGCONT')
    await browser?.close().catch(() => undefined)
    await serve?.stop()
    t?.cleanup()
    expect(descendants().filter((p) => /ffmpeg|cli\.ts/.test(p.cmd))).toEqual([])
  })

  const clockText = () => page.getByTestId('station-clock').textContent()
  const marker = () => page.evaluate(() => (globalThis as unknown as Win).consoleMarker)

  /** Waits for STATION DOWN everywhere; the milliseconds it took from `since`. */
  async function downWithin(since: number): Promise<number> {
    await page.getByTestId('station-down').waitFor({ timeout: 10_000 })
    const took = Date.now() - since
    for (const tile of await page.getByTestId('tile').all()) {
      expect(await tile.getByTestId('tile-down').textContent()).toMatch(
        /^STATION DOWNno data since \d\d:\d\d:\d\d$/
      )
      expect(await tile.getByTestId('tally').textContent()).toBe('NO DATA')
      expect(await tile.getAttribute('data-air')).toBe('off')
    }
    expect(await page.getByTestId('mode').textContent()).toMatch(/STATION DOWN/)
    expect(await page.getByTestId('health').textContent()).toMatch(/NO DATA/)
    expect(await page.getByTestId('clock-stopped').textContent()).toBe('STOPPED · NO DATA')
    return took
  }

  async function liveAgain(): Promise<void> {
    await expect
      .poll(() => page.getByTestId('connection').textContent(), { timeout: 30_000 })
      .toBe('LIVE')
    expect(await page.getByTestId('station-down').count()).toBe(0)
    expect(await page.getByTestId('tile-down').count()).toBe(0)
    expect(await page.getByTestId('mode').textContent()).toMatch(/NORMAL/)
    // The clock runs again.
    const before = await clockText()
    await expect.poll(clockText, { timeout: 5000 }).not.toBe(before)
    expect(await marker()).toBe(1)
  }

  it('says STATION DOWN when the station hangs, stops the clock, and is live again without a reload', async () => {
    const hungAt = Date.now()
    serve.child.kill('SIGSTOP')
    const took = await downWithin(hungAt)
    console.info(`STATION DOWN ${took} ms after the station hung`)
    // The clock has stopped where the station was last heard.
    const stopped = await clockText()
    await page.waitForTimeout(1200)
    expect(await clockText()).toBe(stopped)
    await page.screenshot({
      path: path.join(repoRoot, 'test-results', 'console', 'station-down.png')
    })
    serve.child.kill('SIGCONT')
    await liveAgain()
  }, 60_000)

  it('says STATION DOWN when the station stops, and recovers without a reload when it starts again on the same port', async () => {
    const port = new URL(serve.url).port
    const stoppedAt = Date.now()
    const stopped = serve.stop()
    const took = await downWithin(stoppedAt)
    console.info(`STATION DOWN ${took} ms after the station was stopped`)
    await stopped
    serve = await startServe(dataDir(), ['--station', t.file, '--port', port])
    expect(new URL(serve.url).port).toBe(port)
    await liveAgain()
  }, 120_000)
})
