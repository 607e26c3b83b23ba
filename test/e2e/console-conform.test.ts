// Conformed playout's settings in the operator console (Chromium, a real station with real
// ffmpeg): a bad value refused by the station naming the field (nothing changes), a setting applied
// and seen through the API, the planner's conforms filling the cache shown against its budget (and
// nothing serious for axe-core in the open panel), and turning it off.
import fs from 'node:fs'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConformDto } from '../../src/shared/conform'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

describe('conform settings in the console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  const pageErrors: string[] = []
  const conform = async (): Promise<ConformDto> =>
    (await (await s.api('/api/conform')).json()) as ConformDto

  beforeAll(async () => {
    s = await openConsoleStation()
    // A context of our own making: AxeBuilder does not work in the browser's default one.
    const context = await s.browser.newContext({ viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
    page.setDefaultTimeout(60_000)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await openConsole(s, page)
  })
  afterAll(async () => {
    await s?.close()
  })

  it('refuses a bad value by name, applies a setting (seen through the API), shows the cache fill and the jobs, and turns it off', async () => {
    const summary = page.getByTestId('conform-summary')
    await expect.poll(() => summary.textContent()).toBe('OFF')
    await page
      .getByTestId('conform-setting')
      .getByRole('button', { name: /CONFORM/ })
      .click()
    const panel = page.getByTestId('conform-panel')
    await panel.waitFor()
    expect(await panel.getByTestId('conform-hours').inputValue()).toBe('48')
    expect(await panel.getByTestId('conform-budget').inputValue()).toBe('50')

    // A bad value: the station's refusal, naming the field, and nothing changed.
    await panel.getByTestId('conform-enabled').check()
    await panel.getByTestId('conform-hours').fill('500')
    await panel.getByTestId('conform-apply').click()
    await expect
      .poll(() => panel.getByTestId('conform-problem').textContent())
      .toMatch(/request\.aheadHours: must be from 1 to 168 hours/)
    expect(await conform()).toMatchObject({ enabled: false, aheadHours: 48, jobs: [] })
    await panel.getByTestId('conform-budget').fill('-2')
    await panel.getByTestId('conform-hours').fill('6')
    await panel.getByTestId('conform-apply').click()
    await expect
      .poll(() => panel.getByTestId('conform-problem').textContent())
      .toMatch(/request\.budgetGiB: must be more than 0 GiB/)
    expect(await conform()).toMatchObject({ enabled: false, aheadHours: 48, budgetGiB: 50 })

    // A good one: on, 6 h ahead, 2 GiB, Channel Two only; applied and seen through the API.
    await panel.getByTestId('conform-budget').fill('2')
    await panel.getByTestId('conform-copy-share').fill('0.25')
    await panel.getByTestId('conform-channel-two').check()
    await panel.getByTestId('conform-apply').click()
    await expect.poll(async () => (await conform()).enabled).toBe(true)
    expect(await conform()).toMatchObject({
      enabled: true,
      aheadHours: 6,
      budgetGiB: 2,
      channels: ['two'],
      copyShare: 0.25,
      available: true,
      profile: '360p'
    })
    expect(await panel.getByTestId('conform-problem').count()).toBe(0)
    await expect.poll(() => summary.textContent()).toMatch(/^6 h · [\d.]+ MiB/)

    // The planner conforms Channel Two's two files: the jobs, then the cache's use against 2 GiB.
    await expect
      .poll(async () => (await conform()).renditions, { timeout: 180_000, interval: 1000 })
      .toBe(2)
    const cache = panel.getByTestId('conform-cache')
    await expect
      .poll(() => cache.textContent(), { timeout: 10_000 })
      .toMatch(/Cache \(360p\): [\d.]+ MiB of 2\.0 GiB · 2 renditions/)
    await expect
      .poll(() => panel.getByTestId('conform-jobs').textContent(), { timeout: 10_000 })
      .toContain('None queued or running.')
    const shots = path.resolve('test-results')
    fs.mkdirSync(shots, { recursive: true })
    await page.screenshot({ path: path.join(shots, 'console-conform.png') })
    // The open panel, as axe-core reads it: nothing serious or critical.
    const axe = await new AxeBuilder({ page }).include('[data-testid="conform-setting"]').analyze()
    expect(
      axe.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    ).toEqual([])

    // Off again: the summary says so, and the settings are kept.
    await panel.getByTestId('conform-enabled').uncheck()
    await panel.getByTestId('conform-apply').click()
    await expect.poll(() => summary.textContent()).toBe('OFF')
    expect(await conform()).toMatchObject({
      enabled: false,
      aheadHours: 6,
      budgetGiB: 2,
      channels: ['two']
    })
    expect(pageErrors).toEqual([])
  }, 300_000)
})
