// The console's wall in Chromium against a real station: pictures that keep their size when alarms
// and an emergency banner come, 16:9 pictures, the keyboard shortcuts and their help, listening and
// solo on gestures that do not collide, and listening kept per console window.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alarmKeys } from '../../src/runtime/alarm-keys'
import type { AlarmKind } from '../../src/shared/domain'
import { until } from '../helpers/until'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

type Box = { x: number; y: number; width: number; height: number }
const VIEWPORTS = [
  { width: 1920, height: 1080 },
  { width: 1366, height: 768 }
] as const
const RAISED: AlarmKind[] = ['black', 'freeze', 'silence']

describe('console wall (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  const pageErrors: string[] = []
  const emergencyPosts: string[] = []

  const tile = (p: Page, name: string) => p.getByRole('region', { name: new RegExp(`^${name}:`) })
  /** Every picture's box, read at one instant (one round trip: the page may be busy). */
  const pictures = (p: Page = page): Promise<Box[]> =>
    p.evaluate(
      `[...document.querySelectorAll('[data-testid=monitor]')].map((m) => { const r = m.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height } })`
    )
  const focusedChannel = () =>
    page.evaluate(
      `document.activeElement?.closest('[data-testid=tile]')?.getAttribute('data-channel') ?? null`
    )
  const layout = () => page.getByTestId('multiviewer').getAttribute('data-layout')
  const listening = (p: Page = page) => p.getByTestId('listening').textContent()

  /** Six alarms (three kinds on two channels), raised on the channels' boards as a producer would. */
  function raiseSix(active: boolean): void {
    for (const name of ['RetroToons', 'Channel Two']) {
      const uuid = s.byName(name).uuid
      const board = s.station.director.channel(uuid).alarms
      for (const kind of RAISED) {
        const key = alarmKeys.outputCondition(kind)
        if (active)
          board.raise(key, {
            kind,
            severity: kind === 'black' ? 'critical' : 'warning',
            message: `${kind} on output (test)`,
            channelUuid: uuid
          })
        else board.clear(key)
      }
    }
  }

  beforeAll(async () => {
    s = await openConsoleStation()
    const context = await s.browser.newContext({ viewport: VIEWPORTS[0] })
    page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/emergency' && r.method() === 'POST')
        emergencyPosts.push(r.method())
    })
    await openConsole(s, page)
  })

  afterAll(async () => {
    await s?.close()
  })

  it('keeps every picture 16:9 and its size when six alarms are raised and a banner appears', async () => {
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport)
      // The wall is planned from the area's measured size, a frame or two after the resize: until
      // then the boxes are the last viewport's. Settled is two reads a frame apart that agree and
      // fit the viewport.
      const { value: before } = await until(
        'the wall planned for the viewport',
        30_000,
        async () => {
          const a = await pictures()
          await page.evaluate(
            'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))'
          )
          const b = await pictures()
          const fits = b.every(
            (p) =>
              p.width > 0 && p.x + p.width <= viewport.width && p.y + p.height <= viewport.height
          )
          return b.length > 0 && fits && JSON.stringify(a) === JSON.stringify(b) ? b : undefined
        }
      )
      expect(before).toHaveLength(s.channels.length)
      for (const b of before) {
        expect(Math.abs(b.width / b.height - 16 / 9)).toBeLessThan(0.01)
        // The picture fills its cell: the tile is the picture plus its border in width.
        expect(b.width).toBeGreaterThan(viewport.width / 5)
      }
      // The video itself fills the picture's box (a 16:9 stream, no bars).
      const toons = tile(page, 'RetroToons')
      expect(await toons.getByTestId('preview').boundingBox()).toEqual(
        await toons.getByTestId('monitor').boundingBox()
      )

      // The audio meter: a dBFS scale beside the bars, and the highest peak held as a number.
      const meter = toons.getByTestId('meter')
      await meter.waitFor({ timeout: 20_000 })
      expect(await meter.locator('.meter-scale span').allTextContents()).toEqual([
        '0',
        '-6',
        '-12',
        '-18',
        '-24',
        '-36',
        '-48',
        '-60'
      ])
      await expect.poll(() => meter.getByTestId('peak-hold').textContent()).toMatch(/^(-?\d+|-∞)$/)

      raiseSix(true)
      await expect
        .poll(() => page.locator('[data-testid=alarm][data-alarm-state=active]').count())
        .toBeGreaterThanOrEqual(6)
      expect(await pictures()).toEqual(before)

      const res = await s.api('/api/emergency', {
        method: 'POST',
        body: JSON.stringify({ message: 'TEST: severe weather in the county', scope: 'crawl' })
      })
      expect(res.ok).toBe(true)
      await page.getByTestId('emergency-banner').waitFor()
      await page.waitForFunction(
        `document.querySelectorAll('[data-air=emergency]').length === ${s.channels.length}`,
        undefined,
        { timeout: 20_000 }
      )
      expect(await pictures()).toEqual(before)
      await page.screenshot({
        path: `/tmp/console-wall-${viewport.width}x${viewport.height}-alarms-banner.png`
      })

      expect((await s.api('/api/emergency', { method: 'DELETE' })).ok).toBe(true)
      await page.getByTestId('emergency-banner').waitFor({ state: 'detached', timeout: 20_000 })
      raiseSix(false)
      expect(await pictures()).toEqual(before)
    }
    await page.setViewportSize(VIEWPORTS[0])
  }, 240_000)

  it('fits the grid to the channel count: 3x3 and 4x4 with three channels leave no empty row', async () => {
    await page.keyboard.press('2')
    await expect.poll(layout).toBe('2x2')
    const two = await pictures()
    for (const key of ['3', '4']) {
      await page.keyboard.press(key)
      await expect.poll(layout).toBe(key === '3' ? '3x3' : '4x4')
      const grid = page.getByTestId('multiviewer')
      expect(await grid.getAttribute('data-cols')).toBe('2')
      expect(await grid.getAttribute('data-rows')).toBe('2')
      expect(await pictures()).toEqual(two)
    }
    await page.keyboard.press('1')
    await expect.poll(layout).toBe('auto')
  })

  it('answers every shortcut, and says them all in the help overlay', async () => {
    await page.locator('body').click({ position: { x: 2, y: 2 } })
    const [first, second] = s.channels.map((c) => c.uuid)
    // Layouts.
    for (const [key, want] of [
      ['2', '2x2'],
      ['3', '3x3'],
      ['4', '4x4'],
      ['5', '1+n'],
      ['1', 'auto']
    ] as const) {
      await page.keyboard.press(key)
      await expect.poll(layout).toBe(want)
    }
    // Wall mode: bigger names, and back.
    const nameSize = () =>
      page.evaluate(
        `parseFloat(getComputedStyle(document.querySelector('[data-channel="${first}"] .umd-name')).fontSize)`
      ) as Promise<number>
    const deskSize = await nameSize()
    await page.keyboard.press('w')
    await expect.poll(nameSize).toBeGreaterThan(deskSize)
    expect(await page.getByTestId('wall-mode').getAttribute('aria-pressed')).toBe('true')
    await page.keyboard.press('w')
    await expect.poll(nameSize).toBe(deskSize)

    // Next and previous channel: the focused tile is the selected one.
    await page.keyboard.press('ArrowRight')
    await expect.poll(focusedChannel).toBe(first)
    await page.keyboard.press('ArrowRight')
    await expect.poll(focusedChannel).toBe(second)
    await page.keyboard.press('ArrowLeft')
    await expect.poll(focusedChannel).toBe(first)

    // Listen, listen again (mute), listen and mute all.
    await page.keyboard.press('l')
    await expect.poll(() => listening()).toBe('Listening: RetroToons')
    await page.keyboard.press('l')
    await expect.poll(() => listening()).toBe('All previews muted')
    await page.keyboard.press('l')
    await expect.poll(() => listening()).toBe('Listening: RetroToons')
    await page.keyboard.press('m')
    await expect.poll(() => listening()).toBe('All previews muted')

    // Solo and back.
    await page.keyboard.press('s')
    await expect.poll(layout).toBe('solo')
    expect(await page.locator('[data-testid=tile]:visible').count()).toBe(1)
    await page.keyboard.press('s')
    await expect.poll(layout).toBe('auto')

    // The selected channel into the large tile of 1 large + small.
    await page.keyboard.press('5')
    await expect.poll(layout).toBe('1+n')
    const widthOf = async (uuid: string) =>
      (await page.locator(`[data-channel="${uuid}"] [data-testid=monitor]`).boundingBox())!.width
    expect(await widthOf(first!)).toBeGreaterThan(await widthOf(second!))
    await page.keyboard.press('ArrowRight')
    await expect.poll(focusedChannel).toBe(second)
    await page.keyboard.press('b')
    await expect.poll(() => widthOf(second!)).toBeGreaterThan(await widthOf(first!))
    await page.keyboard.press('1')

    // Details of the selected channel (Esc closes them).
    await page.keyboard.press('d')
    const detail = page.getByRole('complementary', { name: 'Channel detail: Channel Two' })
    await detail.waitFor()
    await page.keyboard.press('Escape')
    await detail.waitFor({ state: 'detached' })

    // Acknowledge: A goes to the next alarm waiting; Enter acknowledges it.
    const waiting = page.locator('[data-testid=alarm-list] [data-testid=alarm] button', {
      hasText: 'Acknowledge'
    })
    await expect.poll(() => waiting.count(), { timeout: 20_000 }).toBeGreaterThan(0)
    await page.locator('body').click({ position: { x: 2, y: 2 } })
    await page.keyboard.press('a')
    const focusedLabel = () =>
      page.evaluate(`document.activeElement?.getAttribute('aria-label') ?? ''`) as Promise<string>
    await expect.poll(focusedLabel).toMatch(/^Acknowledge /)
    // Its row, marked: other alarms may come and go meanwhile (a loaded machine runs late).
    await page.evaluate(
      `document.activeElement.closest('[data-testid=alarm]').setAttribute('data-probe', '1')`
    )
    await page.keyboard.press('Enter')
    await expect
      .poll(() =>
        page.evaluate(
          `document.querySelector('[data-probe] button[aria-label^="Acknowledge "]') === null`
        )
      )
      .toBe(true)

    // E lifts the emergency cover: the panel opens, nothing is sent.
    await page.locator('body').click({ position: { x: 2, y: 2 } })
    const posts = emergencyPosts.length
    await page.keyboard.press('e')
    const panel = page.getByRole('dialog')
    await panel.waitFor()
    expect(await panel.getAttribute('aria-label')).not.toBe('Keyboard shortcuts')
    // Shortcuts sleep while a panel is open: 2 changes nothing.
    await page.keyboard.press('2')
    expect(await layout()).toBe('auto')
    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
    expect(emergencyPosts.length).toBe(posts)
    expect((await s.mode()).mode).toBe('normal')

    // ? opens the help: every shortcut in it; Esc closes it.
    await page.keyboard.press('?')
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await help.waitFor()
    const ids = await help
      .locator('[data-shortcut]')
      .evaluateAll((rows) =>
        rows.map((r) =>
          (r as unknown as { getAttribute(n: string): string }).getAttribute('data-shortcut')
        )
      )
    expect(ids).toEqual(
      expect.arrayContaining([
        'layout-auto',
        'layout-2x2',
        'layout-3x3',
        'layout-4x4',
        'layout-1+n',
        'wall',
        'next',
        'previous',
        'listen',
        'mute',
        'solo',
        'large',
        'details',
        'acknowledge',
        'emergency',
        'help'
      ])
    )
    await page.keyboard.press('Escape')
    await help.waitFor({ state: 'detached' })
    await page.screenshot({ path: '/tmp/console-wall-after-shortcuts.png' })
  }, 120_000)

  it('listens on a click of the picture and solos on a double-click of the name, never both', async () => {
    await page.keyboard.press('1')
    // A double-click on the picture is one listen (the second click is not another toggle), no solo.
    await tile(page, 'RetroToons')
      .getByTestId('monitor')
      .dblclick({ position: { x: 60, y: 80 } })
    await expect.poll(() => listening()).toBe('Listening: RetroToons')
    expect(await layout()).toBe('auto')
    // A double-click on the name strip solos and leaves what is heard alone.
    await tile(page, 'Channel Two').getByTestId('umd').dblclick()
    await expect.poll(layout).toBe('solo')
    expect(await listening()).toBe('Listening: RetroToons')
    await page.keyboard.press('Escape')
    await expect.poll(layout).toBe('auto')

    // In 1 large + small, listening to a small tile does not swap the large one.
    await page.keyboard.press('5')
    await expect.poll(layout).toBe('1+n')
    const large = async () =>
      page.evaluate(
        `[...document.querySelectorAll('[data-testid=tile]')].sort((a, b) => b.offsetWidth - a.offsetWidth)[0].dataset.channel`
      )
    const before = await large()
    const other = s.channels.find((c) => c.uuid !== before)!
    await page.keyboard.press('m')
    await expect.poll(() => listening()).toBe('All previews muted')
    await tile(page, other.name)
      .getByTestId('monitor')
      .click({ position: { x: 40, y: 60 } })
    await expect.poll(() => listening()).toBe(`Listening: ${other.name}`)
    expect(await large()).toBe(before)
    await page.keyboard.press('1')
  }, 120_000)

  it('keeps what a console hears to itself; the layout is the desk’s', async () => {
    await page.keyboard.press('1')
    await page.keyboard.press('m')
    await expect.poll(() => listening()).toBe('All previews muted')
    await tile(page, 'RetroToons')
      .getByTestId('monitor')
      .click({ position: { x: 40, y: 60 } })
    await expect.poll(() => listening()).toBe('Listening: RetroToons')
    // A second console in the same browser hears nothing until it chooses.
    const second = await page.context().newPage()
    await openConsole(s, second)
    expect(await listening(second)).toBe('All previews muted')
    await tile(second, 'Channel Two')
      .getByTestId('monitor')
      .click({ position: { x: 40, y: 60 } })
    await expect.poll(() => listening(second)).toBe('Listening: Channel Two')
    // Each keeps its own, through a reload too.
    await page.reload()
    await page.getByTestId('tile').first().waitFor()
    expect(await listening()).toBe('Listening: RetroToons')
    // The layout is the desk's: set on one, the other has it when it opens again.
    await page.keyboard.press('2')
    await expect.poll(layout).toBe('2x2')
    await second.reload()
    await second.getByTestId('tile').first().waitFor()
    expect(await second.getByTestId('multiviewer').getAttribute('data-layout')).toBe('2x2')
    expect(await listening(second)).toBe('Listening: Channel Two')
    await second.close()
    await page.keyboard.press('1')
    expect(pageErrors).toEqual([])
  }, 120_000)
})
