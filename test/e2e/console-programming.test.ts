// Programming a channel from the console in a real browser (Chromium via Playwright) against a
// real station with a real media library (clips made with ffmpeg: a show's three episodes in Plex
// naming, and a folder of two five-minute bumpers). The operator builds a channel from nothing:
// creates it, drags the show into a day of the week (two days ahead), stretches the slot to 07:00–09:00 from the keyboard, pads
// to the half hour with the bumpers, sees the preview (episodes in order, filler between), publishes,
// and the playlog shows the episodes in order; a second publish moves the slot, and restoring the
// first revision puts it back; deleting the channel asks first, naming it. Screenshots of each step go to RETROVUE_PROGRAMMING_SHOTS (or /tmp).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import type { LibraryPageDto } from '../../src/shared/library'
import { WEEKDAYS } from '../../src/shared/programming'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { baseClip, clipAt } from '../helpers/media-library'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'
import { CHROMIUM, CHROMIUM_ARGS } from './console-station'

const SHOTS = process.env['RETROVUE_PROGRAMMING_SHOTS'] ?? '/tmp'
const SHOW = 'Cartoon Show'
const EPISODES = ['Pilot', 'Second Wind', 'Third Time']
/** The day programmed: two days from now, so its morning lies wholly inside the 7-day preview. */
const DAY = WEEKDAYS[(new Date().getUTCDay() + 1) % 7]!

/** Every title is the episode after the one before it (wrapping to the first after the last). */
const inOrder = (titles: string[]) =>
  titles.length >= 3 &&
  titles.every(
    (t, i) =>
      EPISODES.includes(t) &&
      (i === 0 || EPISODES.indexOf(t) === (EPISODES.indexOf(titles[i - 1]!) + 1) % EPISODES.length)
  )

describe('programming a channel in the console (Chromium)', () => {
  let station: Station
  let browser: Browser
  let page: Page
  let cleanup: () => void
  let url: string
  const pageErrors: string[] = []
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `prog-e2e-${name}.png`) })
  const api = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json'
      }
    })
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  beforeAll(async () => {
    const tools = await locateFfmpeg()
    const t = stationFixture(
      [
        {
          id: 'one',
          name: 'Channel One',
          timezone: 'UTC',
          loop: loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
        }
      ],
      'retrovue-e2e-programming-'
    )
    cleanup = t.cleanup
    const tv = path.join(t.dir, 'tv')
    const bumps = path.join(t.dir, 'bumps')
    const base = await baseClip(tools, t.dir)
    for (const [i, title] of EPISODES.entries())
      await clipAt(
        tools,
        base,
        path.join(tv, SHOW, 'Season 01', `${SHOW} - S01E0${i + 1} - ${title}.mp4`)
      )
    // Five-minute bumpers: half an hour of padding is six of them, not nine hundred.
    fs.mkdirSync(bumps, { recursive: true })
    for (const name of ['Bumper A', 'Bumper B'])
      execFileSync(tools.ffmpeg, [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'color=c=navy:s=160x90:r=5'],
        ...['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '300'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
        ...['-metadata', `comment=${name}`, '-y', path.join(bumps, `${name}.mp4`)]
      ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      producerFactory: new TestProducerPool().factory
    })
    url = await station.listen('127.0.0.1', 0)
    for (const [id, root] of [
      ['tv', tv],
      ['bumps', bumps]
    ])
      await api('/api/library/folders', {
        method: 'POST',
        body: JSON.stringify({ id, path: root })
      })
    // Every clip found and playable before the operator starts.
    const deadline = Date.now() + 60_000
    for (;;) {
      const page = await api<LibraryPageDto>('/api/library/assets?status=ok')
      if (page.total === 5) break
      if (Date.now() > deadline) throw new Error(`library not ready: ${page.total} of 5 playable`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    page.setDefaultTimeout(30_000)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    // React's warnings too; a refused request (the duplicate number's 409) is the test's own doing.
    page.on(
      'console',
      (m) =>
        m.type() === 'error' &&
        !m.text().startsWith('Failed to load resource') &&
        pageErrors.push(`console: ${m.text()}`)
    )
    await page.goto(`${url}/#token=${station.apiToken}`)
    await page.getByTestId('tile').first().waitFor()
  }, 180_000)

  afterAll(async () => {
    await browser?.close().catch(() => undefined)
    await station?.close()
    cleanup?.()
  })

  const slot = () => page.getByTestId('slot').first()
  const programRows = (list: 'preview-item' | 'playlog-item') =>
    page.locator(`[data-testid="${list}"][data-kind="program"] .air-title`).allTextContents()

  it('creates a channel from nothing', async () => {
    await page.getByTestId('view-programming').click()
    await page.getByTestId('programming').waitFor()
    await page.getByTestId('new-channel-number').fill('7')
    await page.getByTestId('new-channel-name').fill('Retro')
    await page.getByTestId('new-channel-create').click()
    await expect
      .poll(() => page.locator('[data-testid="lineup-channel"][aria-current="true"]').textContent())
      .toMatch(/7\s*Retro/)
    // A second channel with the same number is refused in the station's words, naming the holder.
    await page.getByTestId('new-channel-number').fill('7')
    await page.getByTestId('new-channel-name').fill('Copy')
    await page.getByTestId('new-channel-create').click()
    await expect
      .poll(() => page.getByTestId('prog-error').textContent())
      .toMatch(/number "7" already belongs to "Retro"/)
    expect(await page.getByTestId('lineup-channel').count()).toBe(2)
    // On the multiviewer too.
    await expect.poll(() => page.getByTestId('tile').count()).toBe(2)
  })

  it('drags the show into a day of the week and shapes the slot from the keyboard', async () => {
    const source = page.locator(`[data-testid="source"][data-source="${SHOW}"]`)
    // The day's column starts at the 06:00 rollover: 07:00 is an hour down.
    await source.dragTo(page.getByTestId(`day-${DAY}`), { targetPosition: { x: 40, y: 32 } })
    await expect.poll(() => slot().textContent()).toContain('07:00–08:00')
    await expect.poll(() => slot().textContent()).toContain(SHOW)
    // Shift+Down moves the end: four quarter hours make 09:00.
    await slot().focus()
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowDown')
    await expect.poll(() => slot().textContent()).toContain('07:00–09:00')
    expect(await page.getByTestId('grid-said').textContent()).toContain('07:00–09:00')
    // A time the contract refuses is shown at the slot, and nothing is previewed.
    await page.getByTestId('slot-start').fill('7am')
    await expect.poll(() => page.getByTestId('slot-problem').textContent()).toContain('HH:MM')
    await page.getByTestId('preview-waiting').waitFor()
    await shot('problem')
    await page.getByTestId('slot-start').fill('07:00')
    await expect.poll(() => page.getByTestId('slot-problem').count()).toBe(0)
  })

  it('pads to the half hour with the bumpers and previews what will air', async () => {
    await page.getByTestId('slot-pad').selectOption('30')
    await page.getByTestId('slot-filler').selectOption({ label: 'bumps' })
    await expect.poll(() => page.getByTestId('slot-filler').inputValue()).toBe('collection:bumps')
    // The engine's preview: the episodes in order, each followed by filler to the half hour.
    await expect
      .poll(async () => (await programRows('preview-item')).slice(0, 3), { timeout: 30_000 })
      .toEqual(EPISODES)
    // Polled too: the preview asked for between choosing the pad and choosing the filler (slate
    // pads) can still be on screen with the same episodes when the titles first match.
    await expect
      .poll(() =>
        page
          .locator('[data-testid="preview-item"]')
          .evaluateAll((rows) => rows.slice(0, 4).map((r) => r.getAttribute('data-kind')))
      )
      .toEqual(['program', 'filler', 'filler', 'filler'])
    await expect.poll(() => page.getByTestId('draft-state').textContent()).toMatch(/Draft saved/)
    await shot('preview')
  })

  it('publishes: the playlog shows the episodes in order', async () => {
    await page.getByTestId('publish-note').fill('Mornings')
    await page.getByTestId('publish').click()
    await expect
      .poll(() => page.getByTestId('prog-notice').textContent())
      .toMatch(/Published as revision \d+/)
    await expect
      .poll(() => page.getByTestId('draft-state').textContent())
      .toMatch(/On air: revision/)
    await page.getByTestId('prog-tab-playlog').click()
    await expect
      .poll(async () => (await programRows('playlog-item')).slice(0, 3), { timeout: 30_000 })
      .toEqual(EPISODES)
    await shot('playlog')
  })

  it('restores the previous revision after another publish', async () => {
    // Move the slot an hour later (mouse: drag its body down two rows of 30 px) and publish again.
    const box = (await slot().boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 15, { steps: 3 })
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 30, { steps: 3 })
    await page.mouse.up()
    await expect.poll(() => slot().textContent()).toContain('08:00–10:00')
    await expect.poll(() => page.getByTestId('draft-state').textContent()).toMatch(/Draft saved/)
    await page.getByTestId('publish').click()
    await expect
      .poll(() => page.getByTestId('prog-notice').textContent())
      .toMatch(/Published as revision \d+/)
    await page.getByTestId('prog-tab-revisions').click()
    await expect.poll(() => page.getByTestId('revision').count()).toBe(2)
    await shot('revisions')
    const first = page.getByTestId('revision').last()
    const firstId = await first.getAttribute('data-revision')
    await first.getByTestId('revision-restore').click()
    await expect
      .poll(() => page.getByTestId('prog-notice').textContent())
      .toMatch(new RegExp(`Revision ${firstId} restored as revision \\d+`))
    await expect.poll(() => slot().textContent()).toContain('07:00–09:00')
    await expect.poll(() => page.getByTestId('revision').count()).toBe(3)
    await page.getByTestId('prog-tab-playlog').click()
    // Sequential resumes where the last airing left off: whatever comes first, they follow in order.
    await expect
      .poll(async () => inOrder(await programRows('playlog-item')), { timeout: 30_000 })
      .toBe(true)
    await shot('restored')
  })

  it('deletes the channel behind a confirm that names it', async () => {
    await page.getByTestId('channel-delete').click()
    const dialog = page.getByTestId('delete-channel-dialog')
    await expect
      .poll(() => dialog.locator('h2').textContent())
      .toBe('Delete the channel “Retro” (7)?')
    await shot('delete')
    // Escape keeps it.
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await page.getByTestId('lineup-channel').count()).toBe(2)
    await page.getByTestId('channel-delete').click()
    await page.getByTestId('delete-channel-confirm').click()
    await expect.poll(() => page.getByTestId('lineup-channel').count()).toBe(1)
    await expect.poll(() => page.getByTestId('tile').count()).toBe(1)
    expect(pageErrors).toEqual([])
  })
})
