// axe-core (Deque's accessibility engine, through @axe-core/playwright) over the console's views in
// Chromium against a real station: the multiviewer, a channel's detail, the library and the
// programming view. No serious or critical violation, with the experimental rules on too (that is
// where label-content-name-mismatch lives: a button's accessible name must contain its visible
// label, so a voice-control user can say what they see).
import AxeBuilder from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

interface Finding {
  id: string
  impact: string | null | undefined
  help: string
  nodes: string[]
}

describe('axe-core on the console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page

  beforeAll(async () => {
    s = await openConsoleStation()
    // AxeBuilder works in a context of its own making or ours, not the browser's default one.
    const context = await s.browser.newContext({ viewport: { width: 1400, height: 900 } })
    page = await context.newPage()
    await openConsole(s, page)
  })

  afterAll(async () => {
    await s?.close()
  })

  /** Serious and critical violations on the page as it stands, each with the elements at fault. */
  async function audit(): Promise<Finding[]> {
    const result = await new AxeBuilder({ page })
      .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
      .analyze()
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' '))
      }))
  }

  /** Any violation at all of the given rule (whatever its impact). */
  async function rule(id: string): Promise<string[]> {
    const result = await new AxeBuilder({ page })
      .options({ rules: { [id]: { enabled: true } } })
      .withRules([id])
      .analyze()
    return result.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' ')))
  }

  it('finds nothing serious on the multiviewer, and no button named unlike its label', async () => {
    expect(await audit()).toEqual([])
    expect(await rule('label-content-name-mismatch')).toEqual([])
  })

  it('finds nothing serious on a channel detail', async () => {
    await page.getByRole('button', { name: 'Details of RetroToons' }).click()
    await page.getByTestId('channel-detail').waitFor()
    await page.getByTestId('asrun-totals').waitFor()
    expect(await audit()).toEqual([])
    expect(await rule('label-content-name-mismatch')).toEqual([])
    await page.getByRole('button', { name: 'Close channel detail' }).click()
  })

  it('finds nothing serious on the library', async () => {
    await page.getByRole('tab', { name: 'Library' }).click()
    await page.getByRole('tab', { name: 'Library', selected: true }).waitFor()
    expect(await audit()).toEqual([])
    expect(await rule('label-content-name-mismatch')).toEqual([])
  })

  it('finds nothing serious on the programming view', async () => {
    await page.getByRole('tab', { name: 'Programming' }).click()
    await page.getByRole('tab', { name: 'Programming', selected: true }).waitFor()
    expect(await audit()).toEqual([])
    expect(await rule('label-content-name-mismatch')).toEqual([])
  })
})
