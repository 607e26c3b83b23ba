// A web player on another site: a page served from a second origin (another port) plays a channel
// with hls.js in Chromium, through the channel URL's redirect and the session's playlist and
// segments, all cross-origin (CORS). The same page cannot read the API (no CORS there).
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { CHROMIUM, CHROMIUM_ARGS } from './console-station'

/** The page's globals as the test reads them (the test is compiled without the DOM's types). */
type PageGlobals = {
  play(url: string): void
  hlsErrors: Array<{ details: string; fatal: boolean }>
  document: { getElementById(id: string): { currentTime: number } }
}

const HLS_JS = path.join(process.cwd(), 'node_modules/hls.js/dist/hls.min.js')

/** The other site's page: hls.js on a muted video, its errors kept for the test to read. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>another site</title>
<video id="v" muted autoplay playsinline width="320"></video>
<script src="/hls.min.js"></script>
<script>
  window.hlsErrors = []
  window.play = (url) => {
    const hls = new Hls({ lowLatencyMode: false })
    hls.on(Hls.Events.ERROR, (_e, d) => window.hlsErrors.push({ type: d.type, details: d.details, fatal: d.fatal }))
    hls.loadSource(url)
    hls.attachMedia(document.getElementById('v'))
    document.getElementById('v').play().catch(() => {})
  }
</script>`

describe('a web player on another site (hls.js in Chromium, CORS)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let base: string
  let site: http.Server
  let siteUrl: string
  let browser: Browser

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'shorts',
        name: 'Shorts',
        number: '7',
        timezone: 'UTC',
        loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
      }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      policy: { viewerGraceMs: 1_000 }
    })
    base = await station.listen('127.0.0.1', 0)
    // The other origin: the same address on another port.
    const script = fs.readFileSync(HLS_JS)
    site = http.createServer((req, res) => {
      if (req.url === '/hls.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
      }
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()))
    await station?.close()
    t?.cleanup()
  })

  it('plays a channel from a page on another origin, and that page cannot read the API', async () => {
    expect(new URL(siteUrl).origin).not.toBe(new URL(base).origin)
    const page = await browser.newPage()
    await page.goto(siteUrl)
    await page.evaluate(
      (url) => (globalThis as unknown as PageGlobals).play(url),
      `${base}/iptv/channels/7.m3u8`
    )
    // The picture advances: two seconds of the channel decoded and shown.
    await expect
      .poll(
        () =>
          page.evaluate(
            () => (globalThis as unknown as PageGlobals).document.getElementById('v').currentTime
          ),
        {
          timeout: 45_000,
          interval: 250
        }
      )
      .toBeGreaterThan(2)
    const errors = await page.evaluate(() => (globalThis as unknown as PageGlobals).hlsErrors)
    expect(errors.filter((e) => e.fatal)).toEqual([])
    expect(errors.map((e) => e.details)).not.toContain('manifestLoadError')

    // The API gives another site nothing to read (no CORS), even where it needs no token.
    const api = await page.evaluate(async (url) => {
      try {
        await fetch(url)
        return 'read'
      } catch {
        return 'blocked'
      }
    }, `${base}/api/health`)
    expect(api).toBe('blocked')
    // The viewer routes it can read.
    const m3u = await page.evaluate(
      async (url) => (await fetch(url)).status,
      `${base}/iptv/channels.m3u`
    )
    expect(m3u).toBe(200)
    await page.close()
  }, 90_000)
})
