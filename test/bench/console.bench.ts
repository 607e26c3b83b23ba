// The operator console in Debian's Chromium against a real station:
//   latency   16 channels: a status change leaves the engine (the event is delivered to its
//             subscribers, the console's WebSocket among them) -> the tile's DOM shows it
//             (a MutationObserver in the page), over 200 changes. Target p95 < 100 ms.
//   previews  9 channels with live hls.js previews (real ffmpeg) for 10 minutes: the renderer's
//             longest task, and its JS heap after the first minute against the end (growth <= 10 %).
//   wall      16 channels (stand-in producers): the type sizes a desk and a wall read (computed
//             font sizes of the UMD, tally word, countdown, NOW/NEXT and the station clock) and the
//             picture size of each layout, at 1920x1080 and 1366x768.
//   delivery  the built console's scripts and stylesheets raw, gzip and brotli (the precompressed
//             files the server sends), and page load to the first tile preview showing a frame
//             (4 channels, real ffmpeg), over a few loads.
//   desks     two consoles on one station: an acknowledgement clicked on desk A, from the moment
//             the station records it to desk B's list showing it (read in B's page every frame),
//             over 20 alarms. Target: every one < 1 s.
//   down      a real `serve` hung (SIGSTOP) under a console: from the signal to every tile saying
//             STATION DOWN (read in the page every frame), 5 times. Target: every one < 2 s.
// RETROVUE_BENCH_QUICK=1 shortens the previews run to 3 minutes.
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Page } from 'playwright-core'
import type { StationEvent, ViewerAttachDto } from '../../src/shared/api'
import { Station } from '../../src/station'
import { alarmKeys } from '../../src/runtime/alarm-keys'
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/console-station'
import { ensureFixtures, loopOf, stationFixture } from '../helpers/fixtures'
import { startServe } from '../helpers/serve'
import { sleep } from '../helpers/playout'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'
import { percentile, type Figure } from './stats'

const QUICK = process.env['RETROVUE_BENCH_QUICK'] === '1'
const log = (msg: string) => process.stderr.write(`  [console] ${msg}\n`)
const LOOP = loopOf(
  { title: 'Cartoon', asset: 'media/a.mp4', durationMs: 10_000 },
  { title: 'Bars', asset: 'media/b.mp4', durationMs: 8_000 }
)

async function open(channels: number, real: boolean) {
  const t = stationFixture(
    Array.from({ length: channels }, (_, i) => ({
      id: `ch-${i + 1}`,
      name: `Channel ${i + 1}`,
      timezone: 'UTC',
      loop: LOOP
    })),
    'retrovue-bench-console-'
  )
  const pool = new TestProducerPool()
  const station = await Station.open({
    dataDir: path.join(t.dir, 'data'),
    stationFile: t.file,
    logger: silentLogger,
    maxProducers: 32,
    ...(real ? {} : { producerFactory: pool.factory })
  })
  const url = await station.listen('127.0.0.1', 0)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  // bypassCSP: the bench's own probes are page scripts; the console's CSP would refuse them.
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, bypassCSP: true })
  await page.goto(`${url}/#token=${station.apiToken}`)
  await page.getByTestId('tile').first().waitFor()
  return {
    station,
    page,
    url,
    close: async () => {
      await browser.close()
      await station.close()
      t.cleanup()
    }
  }
}

async function latency(): Promise<Figure[]> {
  const s = await open(16, false)
  try {
    // In the page: every tally change, stamped on the page's clock as an epoch time.
    // (Page scripts are strings: the tests compile without the DOM library.)
    await s.page.evaluate(`(() => {
      window.__marks = [];
      new MutationObserver((records) => {
        for (const r of records) window.__marks.push({ uuid: r.target.dataset.channel, tally: r.target.dataset.tally, at: performance.timeOrigin + performance.now() });
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-tally'] });
    })()`)
    const uuids = s.station.director.channelManagers().map((cm) => cm.uuid)
    // Every tile green (previewed) first.
    await s.page.waitForFunction(
      `document.querySelectorAll('[data-tally=preview]').length === ${uuids.length}`,
      undefined,
      { timeout: 60_000 }
    )
    // On the engine side: when the change leaves in an event, stamped on the same machine clock.
    const sent = new Map<string, number>()
    const off = s.station.director.status.subscribe((e: StationEvent) => {
      if (e.type !== 'changes') return
      for (const c of e.channels) sent.set(`${c.uuid}:${c.tally}`, Date.now())
    })
    const samples: number[] = []
    const sessions = new Map<string, ViewerAttachDto>()
    for (let i = 0; i < 200; i++) {
      const uuid = uuids[i % uuids.length]!
      const held = sessions.get(uuid)
      const want = held ? 'preview' : 'program'
      if (held) {
        s.station.director.detach(held.sessionId)
        sessions.delete(uuid)
      } else sessions.set(uuid, s.station.director.attach(uuid))
      const mark = await s.page.waitForFunction(
        `window.__marks.findLast((m) => m.uuid === '${uuid}' && m.tally === '${want}')`,
        undefined,
        { timeout: 10_000, polling: 10 }
      )
      const shown = ((await mark.jsonValue()) as { at: number }).at
      samples.push(shown - sent.get(`${uuid}:${want}`)!)
      await s.page.evaluate('window.__marks.length = 0')
    }
    off()
    samples.sort((a, b) => a - b)
    const p95 = percentile(samples, 95)
    return [
      { name: 'event -> DOM p50 (16 channels)', value: percentile(samples, 50), unit: 'ms' },
      {
        name: 'event -> DOM p95',
        value: p95,
        unit: 'ms',
        target: '< 100 ms',
        ok: p95 < 100,
        note: `${samples.length} tally changes; max ${samples.at(-1)!.toFixed(1)} ms`
      }
    ]
  } finally {
    await s.close()
  }
}

async function previews(): Promise<Figure[]> {
  const minutes = QUICK ? 3 : 10
  const s = await open(9, true)
  try {
    const cdp = await s.page.context().newCDPSession(s.page)
    await cdp.send('Performance.enable')
    await s.page.evaluate(`(() => {
      window.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    })()`)
    const heap = async () => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as {
        metrics: Array<{ name: string; value: number }>
      }
      return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value
    }
    // What the page keeps: the least of five readings after a full GC, a second apart. A single
    // reading also counts whatever nine players have in flight at that instant (segments being
    // fetched and parsed, about a megabyte), which is not growth.
    const retained = async () => {
      let least = Infinity
      for (let i = 0; i < 5; i++) {
        await cdp.send('HeapProfiler.collectGarbage')
        least = Math.min(least, await heap())
        await sleep(1_000)
      }
      return least
    }
    const playing = async () =>
      s.page.evaluate<number>(
        `[...document.querySelectorAll('video')].filter((v) => v.currentTime > 0 && !v.paused).length`
      )
    await sleep(60_000)
    const afterOne = await retained()
    const playingAfterOne = await playing()
    log(
      `after 1 minute: ${playingAfterOne} previews playing, heap ${(afterOne / 2 ** 20).toFixed(1)} MiB`
    )
    const longestAfterWarmup = await s.page.evaluate<number>('window.__longest')
    for (let m = 2; m <= minutes; m++) {
      await sleep(60_000)
      log(`minute ${m}: heap ${((await heap()) / 2 ** 20).toFixed(1)} MiB`)
    }
    const end = await retained()
    const growth = (end - afterOne) / afterOne
    const longest = await s.page.evaluate<number>('window.__longest')
    const nowPlaying = await playing()
    return [
      {
        name: 'previews playing (of 9)',
        value: nowPlaying,
        unit: '',
        target: '9',
        ok: nowPlaying === 9
      },
      {
        name: 'longest renderer task',
        value: longest,
        unit: 'ms',
        note: `first minute included; ${longestAfterWarmup.toFixed(0)} ms within it`
      },
      {
        name: `JS heap after ${minutes} min`,
        value: end / 2 ** 20,
        unit: 'MiB',
        note: `after 1 min ${(afterOne / 2 ** 20).toFixed(1)} MiB (least of 5 readings after GC, both)`
      },
      {
        name: 'heap growth after the first minute',
        value: growth * 100,
        unit: '%',
        target: '<= 10 %',
        ok: growth <= 0.1
      }
    ]
  } finally {
    await s.close()
  }
}

/** The computed font size (px) of the first element matching a selector, or NaN. */
const FONT_PROBES: Array<[string, string]> = [
  ['UMD (channel name)', '[data-testid=tile] .umd-name'],
  ['tally word', '[data-testid=tile] .tally-badge'],
  ['countdown', '[data-testid=tile] .countdown'],
  ['NOW title', '[data-testid=tile] .now-line .nn-title'],
  ['NEXT title', '[data-testid=tile] .next-line .nn-title'],
  ['station clock', '[data-testid=station-clock]']
]
const WALL_LAYOUTS: Array<[key: string, name: string]> = [
  ['1', 'auto'],
  ['2', '2x2'],
  ['3', '3x3'],
  ['4', '4x4'],
  ['5', '1 large + small']
]

async function wall(): Promise<Figure[]> {
  const s = await open(16, false)
  const figures: Figure[] = []
  try {
    const page = s.page
    const fonts = async () =>
      page.evaluate<Array<number | null>>(
        `${JSON.stringify(FONT_PROBES.map(([, sel]) => sel))}.map((sel) => { const el = document.querySelector(sel); return el ? parseFloat(getComputedStyle(el).fontSize) : null })`
      )
    /** The pictures on screen, widest first: [width, height] each. */
    const pictures = async () =>
      page.evaluate<Array<[number, number]>>(
        `[...document.querySelectorAll('[data-testid=monitor]')].map((m) => m.getBoundingClientRect()).filter((r) => r.width > 0 && r.bottom <= innerHeight + 1).map((r) => [Math.round(r.width), Math.round(r.height)]).sort((a, b) => b[0] - a[0])`
      )
    for (const vp of [
      { width: 1920, height: 1080 },
      { width: 1366, height: 768 }
    ]) {
      await page.setViewportSize(vp)
      const at = `${vp.width}x${vp.height}`
      for (const wallMode of [false, true]) {
        const on = await page.getByTestId('wall-mode').getAttribute('aria-pressed')
        if ((on === 'true') !== wallMode) await page.keyboard.press('w')
        await page.keyboard.press('3')
        await page.waitForTimeout(300)
        const sizes = await fonts()
        FONT_PROBES.forEach(([name], i) => {
          const v = sizes[i]
          if (v !== null && v !== undefined)
            figures.push({
              name: `${wallMode ? 'wall' : 'desk'} ${at}: ${name}`,
              value: v,
              unit: 'px'
            })
        })
        for (const [key, name] of WALL_LAYOUTS) {
          await page.keyboard.press(key)
          await page.waitForTimeout(300)
          const pics = await pictures()
          const [w, h] = pics[0] ?? [0, 0]
          const small = pics.at(-1) ?? [0, 0]
          figures.push({
            name: `${wallMode ? 'wall' : 'desk'} ${at}: ${name} picture`,
            value: w,
            unit: 'px wide',
            note: `${w}x${h}, ${pics.length} of 16 on screen${name.startsWith('1 large') ? `, small ${small[0]}x${small[1]}` : ''}`
          })
        }
      }
      await page.keyboard.press('w')
      await page.keyboard.press('1')
    }
    return figures
  } finally {
    await s.close()
  }
}

/** The built console's assets as sent: raw, and the .gz/.br the build wrote beside them. */
function bundleSizes(): Figure[] {
  const dir = path.resolve(import.meta.dirname, '../../out/renderer/assets')
  const files = fs.readdirSync(dir).filter((f) => /\.(js|css)$/.test(f))
  const size = (f: string) =>
    fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : NaN
  const kb = (n: number) => n / 1024
  const figures: Figure[] = []
  for (const [label, match] of [
    ['console script (first paint)', /^index-.*\.js$/],
    ['player script (hls.js, on first preview)', /^hls-.*\.js$/],
    ['stylesheet', /\.css$/]
  ] as const) {
    const f = files.find((x) => match.test(x))
    if (!f) continue
    figures.push(
      { name: `${label} raw`, value: kb(size(f)), unit: 'kB', note: f },
      { name: `${label} gzip`, value: kb(size(`${f}.gz`)), unit: 'kB' },
      { name: `${label} br`, value: kb(size(`${f}.br`)), unit: 'kB' }
    )
  }
  return figures
}

/** Page load (navigation start) to the first tile's <video> holding a frame, on a station already up. */
async function firstPicture(loads: number): Promise<Figure[]> {
  const s = await open(4, true)
  try {
    const samples: number[] = []
    for (let i = 0; i < loads; i++) {
      // A fresh context each time: nothing cached, as an operator's first load.
      const context = await s.page
        .context()
        .browser()!
        .newContext({ viewport: { width: 1600, height: 900 }, bypassCSP: true })
      const page = await context.newPage()
      await page.goto(`${s.url}/#token=${s.station.apiToken}`)
      const at = await page.waitForFunction(
        `(() => { const v = [...document.querySelectorAll('video')].find((v) => v.readyState >= 2); return v ? performance.now() : null })()`,
        undefined,
        { timeout: 60_000, polling: 20 }
      )
      samples.push((await at.jsonValue()) as number)
      await context.close()
      log(`load ${i + 1}: first picture after ${samples.at(-1)!.toFixed(0)} ms`)
    }
    samples.sort((a, b) => a - b)
    return [
      {
        name: 'load -> first picture (median)',
        value: percentile(samples, 50),
        unit: 'ms',
        note: `${loads} loads, 4 channels, producers already running for the first page; max ${samples.at(-1)!.toFixed(0)} ms`
      }
    ]
  } finally {
    await s.close()
  }
}

async function delivery(): Promise<Figure[]> {
  return [...bundleSizes(), ...(await firstPicture(QUICK ? 2 : 5))]
}

/** The page's clock as an epoch time, the moment a condition first holds (checked every frame). */
const whenTrue = async (page: Page, condition: string, timeout = 30_000): Promise<number> =>
  (await (
    await page.waitForFunction(
      `(${condition}) ? performance.timeOrigin + performance.now() : false`,
      undefined,
      { polling: 'raf', timeout }
    )
  ).jsonValue()) as number

const latchedRow = (text: string) =>
  `[...document.querySelectorAll('[data-testid=alarm][data-alarm-state=latched]')].some((r) => r.textContent.includes('${text}'))`

async function desks(rounds: number): Promise<Figure[]> {
  const s = await open(4, false)
  const b = await s.page
    .context()
    .browser()!
    .newPage({ viewport: { width: 1600, height: 900 }, bypassCSP: true })
  try {
    await b.goto(`${s.url}/#token=${s.station.apiToken}`)
    await b.getByTestId('tile').first().waitFor()
    for (const [page, name] of [
      [s.page, 'Desk A'],
      [b, 'Desk B']
    ] as const) {
      const form = page.getByTestId('desk-form')
      await form.getByLabel('Desk name').fill(name)
      await form.getByRole('button', { name: 'Save' }).click()
      await page.locator('[data-testid=desk-name]', { hasText: name }).waitFor()
    }
    const cm = s.station.director.channelManagers()[0]!
    const samples: number[] = []
    for (let i = 0; i < rounds; i++) {
      const message = `bench desks ${i}`
      const key = alarmKeys.recordFailed(message)
      cm.alarms.raise(key, { kind: 'io-error', severity: 'warning', message, channelUuid: cm.uuid })
      cm.alarms.clear(key)
      for (const p of [s.page, b]) await whenTrue(p, latchedRow(message))
      let ackedAt = 0
      const stop = s.station.director.onAlarm((t) => {
        if (t.state === 'acknowledged' && t.alarm.message === message) ackedAt = Date.now()
      })
      const seen = whenTrue(b, `!${latchedRow(message)}`)
      await s.page
        .locator('[data-testid=alarm][data-alarm-state=latched]', { hasText: message })
        .getByRole('button', { name: /^Acknowledge/ })
        .click()
      const shownAt = await seen
      stop()
      samples.push(shownAt - ackedAt)
    }
    samples.sort((x, y) => x - y)
    const max = samples.at(-1)!
    return [
      { name: 'acknowledgement, desk A -> desk B p50', value: percentile(samples, 50), unit: 'ms' },
      {
        name: 'acknowledgement, desk A -> desk B max',
        value: max,
        unit: 'ms',
        target: '< 1000 ms',
        ok: max < 1000,
        note: `${samples.length} acknowledgements, from the station's record to B's list`
      }
    ]
  } finally {
    await b.close()
    await s.close()
  }
}

async function down(rounds: number): Promise<Figure[]> {
  const t = stationFixture(
    [{ id: 'one', name: 'Channel One', timezone: 'UTC', loop: LOOP }],
    'retrovue-bench-down-'
  )
  const serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file])
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 }, bypassCSP: true })
    await page.goto(`${serve.url}/#token=${serve.token}`)
    await page.getByTestId('tile').first().waitFor()
    const samples: number[] = []
    for (let i = 0; i < rounds; i++) {
      await page
        .locator('[data-testid=connection]', { hasText: 'LIVE' })
        .waitFor({ timeout: 30_000 })
      // Settled on the live connection before the next hang.
      await page.waitForTimeout(2000)
      const hungAt = Date.now()
      serve.child.kill('SIGSTOP')
      const shownAt = await whenTrue(
        page,
        `document.querySelectorAll('[data-testid=tile]').length > 0 && [...document.querySelectorAll('[data-testid=tile]')].every((t) => t.querySelector('[data-testid=tile-down]'))`,
        15_000
      )
      serve.child.kill('SIGCONT')
      samples.push(shownAt - hungAt)
    }
    samples.sort((x, y) => x - y)
    const max = samples.at(-1)!
    return [
      {
        name: 'station hung -> STATION DOWN on every tile, max',
        value: max,
        unit: 'ms',
        target: '< 2000 ms',
        ok: max < 2000,
        note: `${rounds} hangs (SIGSTOP of a real serve); p50 ${percentile(samples, 50).toFixed(0)} ms`
      }
    ]
  } finally {
    if (serve.child.signalCode === 'SIGSTOP') serve.child.kill('SIGCONT')
    await browser.close().catch(() => undefined)
    await serve.stop()
    t.cleanup()
  }
}

export async function run(): Promise<Figure[]> {
  await ensureFixtures()
  const parts = (
    process.env['RETROVUE_BENCH_CONSOLE'] ?? 'latency,desks,down,previews,wall,delivery'
  ).split(',')
  const figures: Figure[] = []
  if (parts.includes('latency')) figures.push(...(await latency()))
  if (parts.includes('desks')) figures.push(...(await desks(20)))
  if (parts.includes('down')) figures.push(...(await down(5)))
  if (parts.includes('previews')) figures.push(...(await previews()))
  if (parts.includes('wall')) figures.push(...(await wall()))
  if (parts.includes('delivery')) figures.push(...(await delivery()))
  return figures
}
