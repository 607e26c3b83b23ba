// The media library from the operator console in a real browser (Chromium via Playwright) against a
// real station: a folder of real media made with ffmpeg (a show's two episodes in Plex naming, a
// movie, and a text file named .mp4), one episode already on a channel's schedule. The operator
// opens the Library view (the multiviewer hides, its previews stop), adds the folder (a relative
// path is refused in the station's words and nothing changes), sees the scan's jobs and the assets
// arrive with their status (the bad file with its reason), searches and filters, opens an episode's
// detail (probe, loudness, filmstrip, where it airs), removes the folder behind its confirm, and
// gets back to the multiviewer with Escape.
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { baseClip, clipAt } from '../helpers/media-library'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'
import { CHROMIUM, CHROMIUM_ARGS } from './console-station'

const SHOTS = process.env['RETROVUE_LIBRARY_SHOTS'] ?? '/tmp'
const EP1 = 'Space Patrol/Season 01/Space Patrol - S01E01 - Launch.mp4'
const EP2 = 'Space Patrol/Season 01/Space Patrol - S01E02 - Orbit.mp4'
const MOVIE = 'Great Movie (2001).mp4'
const BAD = 'Broken/notes.mp4'

describe('media library in the console (Chromium)', () => {
  let station: Station
  let browser: Browser
  let page: Page
  let root: string
  let cleanup: () => void
  const pageErrors: string[] = []

  beforeAll(async () => {
    const tools = await locateFfmpeg()
    // The channel airs the first episode: its asset is the library's once the folder is scanned.
    const t = stationFixture(
      [
        {
          id: 'space',
          name: 'Space Channel',
          timezone: 'UTC',
          loop: loopOf({ title: 'Space Patrol', asset: `library/${EP1}`, durationMs: 2000 })
        }
      ],
      'retrovue-e2e-library-'
    )
    cleanup = t.cleanup
    root = path.join(t.dir, 'library')
    fs.mkdirSync(root, { recursive: true })
    const base = await baseClip(tools, t.dir)
    for (const rel of [EP1, EP2, MOVIE]) await clipAt(tools, base, path.join(root, rel))
    fs.mkdirSync(path.join(root, 'Broken'))
    fs.writeFileSync(path.join(root, BAD), 'these are notes, not a video\n')
    const pool = new TestProducerPool()
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      producerFactory: pool.factory
    })
    const url = await station.listen('127.0.0.1', 0)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } })
    page.setDefaultTimeout(60_000)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(`${url}/#token=${station.apiToken}`)
    await page.getByTestId('tile').first().waitFor()
  })

  afterAll(async () => {
    await browser?.close().catch(() => undefined)
    await station?.close()
    cleanup?.()
  })

  const rows = () => page.getByTestId('asset-row')
  const rowOf = (text: string) => rows().filter({ hasText: text })
  const count = () => page.getByTestId('lib-count').textContent()

  it('opens the library in one click; the multiviewer hides (its previews stop) and the library is empty', async () => {
    await page.getByTestId('view-library').click()
    await page.getByTestId('library').waitFor()
    expect(await page.getByTestId('tile').first().isVisible()).toBe(false)
    await expect
      .poll(() => page.getByTestId('lib-folders').textContent())
      .toContain('No folders yet')
    await expect.poll(count).toMatch(/^0 assets/)
  })

  it('a relative path is refused in the station own words, and nothing changes', async () => {
    await page.getByTestId('folder-id').fill('shows')
    await page.getByTestId('folder-path').fill('library')
    await page.getByTestId('folder-add').click()
    await expect
      .poll(() => page.getByTestId('folder-add-error').textContent())
      .toMatch(/must be an absolute path/)
    expect(await page.getByTestId('lib-folder').count()).toBe(0)
    // What was typed stays, to be corrected.
    expect(await page.getByTestId('folder-id').inputValue()).toBe('shows')
  })

  it('adds the folder: the scan shows as a job, the assets arrive with their status, the bad file with its reason', async () => {
    await page.getByTestId('folder-path').fill(root)
    await page.getByTestId('folder-add').click()
    const folder = page.locator('[data-testid="lib-folder"][data-folder="shows"]')
    await folder.waitFor()
    expect(await page.getByTestId('folder-add-error').count()).toBe(0)
    // The scan's job, with its count (it stays listed once done, its bar full).
    const scan = page.locator('[data-testid="lib-job"][data-kind="scan"]')
    await scan.waitFor({ timeout: 30_000 })
    await expect
      .poll(() => scan.getByTestId('job-count').textContent(), { timeout: 30_000 })
      .toMatch(/^(\d+)\/\1$/)
    // The files found go on to be probed and analysed in jobs of their own.
    await page.locator('[data-testid="lib-job"][data-kind="analyse"]').waitFor({ timeout: 60_000 })
    // Every file is listed; the three clips become playable, the text file is not, with why.
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(4)
    await expect.poll(count).toMatch(/^4 assets/)
    await expect
      .poll(() => page.locator('[data-testid="asset-row"][data-status="ok"]').count(), {
        timeout: 60_000
      })
      .toBe(3)
    const bad = rowOf('notes')
    expect(await bad.getAttribute('data-status')).toBe('unplayable')
    const reason = (await bad.getByTestId('asset-reason').textContent()) ?? ''
    expect(reason.length).toBeGreaterThan(5)
    await expect
      .poll(() => folder.getByTestId('folder-counts').textContent())
      .toMatch(/4 assets · 1 problem/)
    // Show and episode from the names.
    expect(await rowOf('Orbit').textContent()).toContain('S01E02')
    // Posters arrive once the analysis has made them (for rows on screen).
    await expect
      .poll(() => page.locator('[data-testid="asset-row"] img.c-poster').count(), {
        timeout: 120_000
      })
      .toBe(3)
    await page.screenshot({ path: path.join(SHOTS, 'lib-e2e-list.png') })
  })

  it('searches and filters', async () => {
    // What the list shows now: its count line, and each row's status and text. A filter is judged
    // on the list that answers it (the count line of the search before may already read the same).
    const shown = async () => ({
      count: (await count()) ?? '',
      rows: await rows().evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-status')} ${e.textContent ?? ''}`)
      )
    })
    const listIs = (expected: RegExp, each: (row: string) => boolean) =>
      expect
        .poll(async () => {
          const now = await shown()
          return expected.test(now.count) && now.rows.length > 0 && now.rows.every(each)
        })
        .toBe(true)

    await page.getByTestId('lib-search').fill('orbit')
    await listIs(/^1 asset\b/, (r) => r.includes('Orbit'))
    expect((await shown()).rows).toHaveLength(1)

    await page.getByTestId('lib-search').fill('')
    await page.getByTestId('lib-status').selectOption('unplayable')
    await listIs(/^1 asset\b/, (r) => r.startsWith('unplayable '))

    await page.getByTestId('lib-status').selectOption('')
    await page.getByTestId('lib-kind').selectOption('movie')
    await listIs(/^1 asset\b/, (r) => r.includes('Great Movie'))

    await page.getByTestId('lib-kind').selectOption('')
    await page.getByTestId('lib-show').fill('space patrol')
    await listIs(/^2 assets/, (r) => r.includes('S01E0'))
    await page.getByRole('button', { name: 'Clear' }).click()
    await expect.poll(count).toMatch(/^4 assets/)
  })

  it("opens an episode's detail: probe, loudness, trims, filmstrip, where it airs", async () => {
    await rowOf('Launch').click()
    const detail = page.getByTestId('asset-detail')
    await detail.waitFor()
    await expect.poll(() => detail.getByTestId('asset-probe').textContent()).toMatch(/h264/)
    expect(await detail.getByTestId('asset-probe').textContent()).toMatch(/160×90/)
    expect(await detail.getByTestId('asset-probe').textContent()).toMatch(/aac · 1 ch · 48\.0 kHz/)
    await expect
      .poll(() => detail.getByTestId('asset-lufs').textContent(), { timeout: 60_000 })
      .toMatch(/^-\d+\.\d LUFS$/)
    expect(await detail.getByTestId('asset-trims').textContent()).toMatch(/→/)
    await detail.getByTestId('filmstrip').waitFor()
    await expect
      .poll(() => detail.getByTestId('asset-scheduled').textContent())
      .toContain('Space Channel')
    await page.screenshot({ path: path.join(SHOTS, 'lib-e2e-detail.png') })

    // The bad file's detail says why it cannot air.
    await rowOf('notes').click()
    await expect.poll(() => detail.textContent()).toMatch(/UNPLAYABLE/)
    expect(await detail.getByTestId('asset-probe').textContent()).toContain('No media found.')
  })

  it('removes the folder behind a confirm that says what happens', async () => {
    await page.getByRole('button', { name: 'Close asset detail' }).click()
    await page.getByRole('button', { name: 'Remove folder shows' }).click()
    const dialog = page.getByTestId('remove-folder-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toMatch(/Assets the schedule airs are kept/)
    await page.screenshot({ path: path.join(SHOTS, 'lib-e2e-remove.png') })
    // Keeping it changes nothing.
    await page.getByRole('button', { name: 'Keep the folder' }).click()
    expect(await page.getByTestId('lib-folder').count()).toBe(1)
    await page.getByRole('button', { name: 'Remove folder shows' }).click()
    await page.getByTestId('remove-folder-confirm').click()
    await expect.poll(() => page.getByTestId('lib-folder').count()).toBe(0)
    await expect
      .poll(() => page.getByTestId('lib-folders').textContent())
      .toContain('No folders yet')
    // The episode the schedule airs is kept (offline, with why); the others left with the folder.
    await expect.poll(count).toMatch(/^1 asset\b/)
    expect(await rows().first().textContent()).toContain('Launch')
    expect(await rows().first().getAttribute('data-status')).toBe('offline')
  })

  it('Escape returns to the multiviewer; the library tab brings the view back as it was', async () => {
    await page.getByTestId('lib-search').focus()
    await page.keyboard.press('Escape')
    await page.getByTestId('tile').first().waitFor({ state: 'visible' })
    expect(await page.getByTestId('library').count()).toBe(0)
    await page.getByTestId('view-library').click()
    await page.getByTestId('library').waitFor()
    await page.getByTestId('view-multiviewer').click()
    await page.getByTestId('tile').first().waitFor({ state: 'visible' })
    await page.screenshot({ path: path.join(SHOTS, 'lib-e2e-multiviewer.png') })
    expect(pageErrors).toEqual([])
  })
})
