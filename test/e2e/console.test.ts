// The operator console in a real browser (Debian's Chromium, driven by Playwright) against a real
// station with ffmpeg producers, as an operator opening the address `serve` printed would see it.
// One station and one page for the whole file (CPU is scarce); the tests run in order and each
// leaves the station in normal mode.
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, EmergencyPreviewDto, ViewerAttachDto } from '../../src/shared/api'
import { repoRoot } from '../helpers/tmp'
import {
  holdUntilFired,
  openConsole,
  openConsoleStation,
  type ConsoleStation
} from './console-station'

const SHOTS = path.join(repoRoot, 'test-results', 'console')
// Tests compile without the DOM library: what runs in the page is typed here.
type Video = { currentTime: number; muted: boolean }
type Win = {
  getComputedStyle(el: unknown): {
    borderTopColor: string
    backgroundColor: string
    animationName: string
  }
  document: { activeElement: { getAttribute(name: string): string | null } | null }
}
const HOLD_MS = 3000

describe('operator console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  const pageErrors: string[] = []
  /** Every request the page made to the emergency route (a guard must make none). */
  const emergencyCalls: string[] = []

  const tile = (name: string) => page.getByRole('region', { name: new RegExp(`^${name}:`) })
  const tallyOf = (name: string) => tile(name).getAttribute('data-tally')
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  const channels = async () =>
    ((await (await s.api('/api/channels')).json()) as { channels: ChannelStatusDto[] }).channels

  /** Holds the mouse on the hold button for `ms`, then releases. */
  /** Holds for `ms` (a release under test), or until the hold fires when no time is given. */
  async function holdWithMouse(ms?: number): Promise<void> {
    await page.getByTestId('hold-to-fire').hover()
    if (ms === undefined)
      return holdUntilFired(
        page,
        () => page.mouse.down(),
        () => page.mouse.up()
      )
    await page.mouse.down()
    await page.waitForTimeout(ms)
    await page.mouse.up()
  }

  /** Presses Tab until the element with this test id has focus (keyboard only). */
  async function tabTo(testId: string, shift = false): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const focused = await page.evaluate(
        () =>
          (globalThis as unknown as Win).document.activeElement?.getAttribute('data-testid') ?? null
      )
      if (focused === testId) return
      await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab')
    }
    throw new Error(`could not reach ${testId} with Tab`)
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    s = await openConsoleStation()
    page = await s.browser.newPage({
      viewport: { width: 1400, height: 860 },
      acceptDownloads: true
    })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/emergency') emergencyCalls.push(r.method())
    })
    await openConsole(s, page)
  })

  afterAll(async () => {
    await s?.close()
  })

  it('opens with the token from the printed address and forgets it from the address bar', async () => {
    expect(page.url()).not.toContain(s.station.apiToken)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'RetroVue Master Control'
    )
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('LIVE')
    await expect
      .poll(() => page.getByTestId('station-clock').textContent())
      .toMatch(/^\d\d:\d\d:\d\d$/)
    expect(await page.getByTestId('mode').textContent()).toMatch(/NORMAL/)
  })

  it('shows every channel as a tile whose preview plays, green (previewed only)', async () => {
    expect(await page.getByTestId('tile').count()).toBe(s.channels.length)
    for (const c of s.channels) {
      const t = tile(c.name)
      expect(await t.locator('.umd-name').textContent()).toBe(c.name)
      // Each tile's video plays: its currentTime advances.
      const video = t.getByTestId('preview')
      await expect
        .poll(() => video.evaluate((v) => (v as unknown as Video).currentTime), { timeout: 30_000 })
        .toBeGreaterThan(0.5)
      const before = await video.evaluate((v) => (v as unknown as Video).currentTime)
      await expect
        .poll(() => video.evaluate((v) => (v as unknown as Video).currentTime), { timeout: 10_000 })
        .toBeGreaterThan(before + 0.5)
      expect(await video.evaluate((v) => (v as unknown as Video).muted)).toBe(true)
      // The console's own previews never count as viewers.
      await expect.poll(() => tallyOf(c.name), { timeout: 15_000 }).toBe('preview')
      expect(await t.getByTestId('tally').textContent()).toBe('PREVIEW')
    }
    // Under-monitor time in each channel's zone, and a countdown to the next item.
    expect(await tile('RetroToons').getByTestId('channel-time').textContent()).toMatch(
      /^\d\d:\d\d:\d\d (EST|EDT)$/
    )
    expect(await tile('Channel Two').getByTestId('channel-time').textContent()).toMatch(
      /^\d\d:\d\d:\d\d GMT\+[12]$/
    )
    expect(await tile('RetroToons').getByTestId('countdown').textContent()).toMatch(
      /^[-+]\d\d:\d\d$/
    )
    expect(await tile('RetroToons').getByTestId('now').textContent()).toMatch(
      /Cartoon Hour|Space Patrol/
    )
  })

  it('latches alarms until acknowledged; acknowledging moves them to the history', async () => {
    // Start-up on a loaded machine may raise (and clear) LATE alarms; whatever is latched, the
    // operator acknowledges until nothing is left latched.
    await acknowledgeUntilNoneLatched(
      page.locator('[data-testid=alarm][data-alarm-state=latched]'),
      page.getByRole('button', { name: /^Acknowledge / })
    )

    // An encoder crash the channel recovers from: RSTRT while it restarts, cleared once it runs again.
    const toons = s.byName('RetroToons')
    s.switches.crash(toons.uuid, s.station.clock.now())
    // This crash's row (a loaded machine may add restarts of its own).
    const rstrt = (state: string) =>
      page
        .locator(`[data-testid=alarm][data-alarm-state=${state}]`, { hasText: 'RetroToons' })
        .filter({ hasText: 'RSTRT' })
        .filter({ hasText: 'encoder crashed (test)' })
    await expect.poll(() => rstrt('latched').count(), { timeout: 30_000 }).toBe(1)
    // Running again, and still latched: only an operator takes it off the list.
    await expect
      .poll(async () => (await channels()).find((c) => c.uuid === toons.uuid)?.producerStatus, {
        timeout: 30_000
      })
      .toBe('running')
    expect(await rstrt('latched').count()).toBe(1)
    expect(await rstrt('latched').locator('.alarm-msg').textContent()).toMatch(
      /^producer failed \(encoder crashed \(test\)\); restart \d+ in [\d.]+ s$/
    )
    expect(await rstrt('latched').locator('.alarm-state').textContent()).toBe('CLEARED · NOT ACK')
    expect(await page.getByTestId('alarm-summary').textContent()).toMatch(
      /[1-9]\d* cleared, awaiting acknowledgement/
    )
    await shot('alarm-latched')

    await rstrt('latched').getByRole('button', { name: 'Acknowledge RSTRT on RetroToons' }).click()
    await expect.poll(() => rstrt('latched').count()).toBe(0)
    await page.getByRole('button', { name: /^Show acknowledged \(\d+\)$/ }).click()
    await expect.poll(() => rstrt('done').count()).toBe(1)
    expect(await rstrt('done').locator('.alarm-state').textContent()).toMatch(/^CLEARED · ACK/)
    await page.getByRole('button', { name: /^Hide acknowledged/ }).click()
    await acknowledgeUntilNoneLatched(
      page.locator('[data-testid=alarm][data-alarm-state=latched]'),
      page.getByRole('button', { name: /^Acknowledge / })
    )
    await shot('normal')
  })

  it('turns a tile red within 1 s of a viewer attaching through the HTTP API, and back when it detaches', async () => {
    const toons = s.byName('RetroToons')
    const res = await s.api(`/api/channels/${toons.uuid}/viewers`, {
      method: 'POST',
      body: JSON.stringify({ purpose: 'viewer' })
    })
    expect(res.status).toBe(201)
    const viewer = (await res.json()) as ViewerAttachDto
    const fast = { timeout: 1000, interval: 50 }
    await expect.poll(() => tallyOf('RetroToons'), fast).toBe('program')
    expect(await tile('RetroToons').getByTestId('tally').textContent()).toBe('ON AIR')
    expect(await tile('RetroToons').getByTestId('viewers').textContent()).toBe('1 viewer')
    expect(
      await tile('RetroToons').evaluate(
        (el) => (globalThis as unknown as Win).getComputedStyle(el).borderTopColor
      )
    ).toBe('rgb(229, 37, 42)')
    expect(await tallyOf('Channel Two')).toBe('preview')

    expect((await s.api(`/api/viewers/${viewer.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    await expect.poll(() => tallyOf('RetroToons'), fast).toBe('preview')
    expect(await tile('RetroToons').getByTestId('viewers').textContent()).toBe('0 viewers')

    // A push output that delivers nothing (nothing listens there) does not claim the air: OUT, in its own colour.
    const added = await s.api(`/api/channels/${toons.uuid}/outputs`, {
      method: 'POST',
      body: JSON.stringify({ url: 'rtmp://127.0.0.1:9/live/nothing-listens' })
    })
    expect(added.status).toBe(201)
    const output = (await added.json()) as { id: string }
    await s.api(`/api/outputs/${output.id}/enable`, { method: 'POST' })
    const out = tile('RetroToons').getByTestId('out-badge')
    await expect.poll(() => out.count(), { timeout: 15_000 }).toBe(1)
    expect(await tallyOf('RetroToons')).toBe('preview')
    expect(await tile('RetroToons').getByTestId('tally').textContent()).toBe('PREVIEW')
    expect(
      await out.evaluate(
        (el) => (globalThis as unknown as Win).getComputedStyle(el).backgroundColor
      )
    ).toBe('rgb(34, 211, 238)')
    await shot('output-down')
    expect((await s.api(`/api/outputs/${output.id}`, { method: 'DELETE' })).status).toBe(204)
    await expect.poll(() => out.count()).toBe(0)
  })

  it('changes nothing for a click on the cover alone, a hold released early, or an armed panel left alone', async () => {
    await page.getByTestId('emergency-cover').click()
    const panel = page.getByRole('dialog')
    await panel.waitFor()
    expect(await panel.getAttribute('data-test-mode')).toBe('false')
    expect((await s.mode()).mode).toBe('normal')

    // Armed: a template picked, its exact text previewed.
    await page.getByRole('button', { name: 'Civil emergency' }).click()
    const civil = await page.getByLabel('Emergency message').inputValue()
    expect(await page.getByTestId('preview-text').textContent()).toBe(civil)
    expect(await page.getByRole('radio', { name: /Takeover/ }).isChecked()).toBe(true)
    // The preview is the station's own rendering of the card (the frames that air), nothing else.
    const picture = page.getByTestId('preview-picture').first()
    await picture.waitFor()
    const rendered = (await (
      await s.api('/api/emergency/preview', {
        method: 'POST',
        body: JSON.stringify({ message: civil, scope: 'takeover' })
      })
    ).json()) as EmergencyPreviewDto
    expect(await picture.getAttribute('src')).toBe(rendered.pictures[0]!.png)
    expect(
      await page.getByRole('figure', { name: 'Preview of the on-air picture' }).textContent()
    ).toMatch(/fits on one card/)
    await shot('armed')
    // A crawl: its strip, and how long one pass takes.
    await page.getByText('Crawl (programming stays on)').click()
    await expect
      .poll(
        async () => (await page.getByTestId('preview-picture').first().getAttribute('alt')) ?? ''
      )
      .toBe(`Crawl: ${civil}`)
    expect(
      await page.getByRole('figure', { name: 'Preview of the on-air picture' }).textContent()
    ).toMatch(/one pass takes \d+ s \(9 characters a second\)/)
    await shot('armed-crawl')
    await page.getByText('Takeover (full screen)').click()

    // Released after one second of three.
    await holdWithMouse(1000)
    await expect.poll(() => page.getByText('Released early: nothing was sent.').count()).toBe(1)
    // Left alone, armed.
    await page.waitForTimeout(HOLD_MS + 500)
    expect((await s.mode()).mode).toBe('normal')
    expect(await page.getByTestId('emergency-banner').count()).toBe(0)

    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
    expect((await s.mode()).mode).toBe('normal')
    expect(emergencyCalls).toEqual([])
  })

  it('shows the channel that refused a unit of work, and nothing goes to air', async () => {
    const two = s.byName('Channel Two')
    s.switches.refuseEmergency.add(two.uuid)
    try {
      await page.getByTestId('emergency-cover').click()
      await page.getByRole('button', { name: 'Technical fault' }).click()
      await holdWithMouse()
      const error = page.getByTestId('emergency-error')
      await error.waitFor({ timeout: 20_000 })
      expect(await error.textContent()).toContain('REFUSED by channel “Channel Two”')
      expect(await error.getAttribute('role')).toBe('alert')
      await shot('refused')
      expect((await s.mode()).mode).toBe('normal')
      expect((await channels()).map((c) => c.mode)).not.toContain('emergency')
      expect(await page.getByTestId('emergency-banner').count()).toBe(0)
      // Still on screen until the operator closes the panel: it outlives the console's next
      // renders (the station clock ticking twice), so an error cleared by any later event fails here.
      const clock = page.getByTestId('station-clock')
      for (let tick = 0; tick < 2; tick++) {
        const shown = await clock.textContent()
        await expect.poll(() => clock.textContent()).not.toBe(shown)
      }
      expect(await error.isVisible()).toBe(true)
      await page.getByRole('button', { name: 'Close (Esc)' }).click()
    } finally {
      s.switches.refuseEmergency.delete(two.uuid)
    }
    await expect.poll(() => tallyOf('Channel Two'), { timeout: 20_000 }).toBe('preview')
  })

  it('takes every channel into an emergency with a full hold; banner and API agree; all-clear returns to normal', async () => {
    await page.getByTestId('emergency-cover').click()
    await page.getByRole('button', { name: 'Technical fault' }).click()
    const message = await page.getByLabel('Emergency message').inputValue()
    await holdWithMouse()

    const banner = page.getByTestId('emergency-banner')
    await banner.waitFor({ timeout: 20_000 })
    const mode = await s.mode()
    expect(mode).toMatchObject({ mode: 'emergency', emergency: { message, scope: 'takeover' } })
    expect(await banner.getByTestId('banner-message').textContent()).toBe(message)
    expect(await banner.textContent()).toMatch(/EMERGENCY ON AIR.*TAKEOVER/)
    expect(await page.getByTestId('mode').textContent()).toMatch(/EMERGENCY · TAKEOVER/)
    expect((await channels()).every((c) => c.mode === 'emergency')).toBe(true)
    for (const c of s.channels)
      await expect.poll(() => tallyOf(c.name), { timeout: 15_000 }).toBe('emergency')
    expect(await tile('RetroToons').getByTestId('tally').textContent()).toBe('EMERGENCY')
    // A fault during the emergency does not hide it: the tile stays amber with EMERGENCY on its
    // picture, and the fault is shown beside it.
    const two = s.byName('Channel Two')
    s.switches.black(two.uuid, true, s.station.clock.now())
    await expect.poll(() => tallyOf('Channel Two'), { timeout: 10_000 }).toBe('fault')
    expect(await tile('Channel Two').getAttribute('data-air')).toBe('emergency')
    expect(await tile('Channel Two').getByTestId('tally').textContent()).toBe('EMERGENCY')
    expect(await tile('Channel Two').getByTestId('fault-badge').textContent()).toBe('FAULT BLACK')
    expect(await tile('Channel Two').getByTestId('emergency-strip').isVisible()).toBe(true)
    expect(
      await tile('Channel Two').evaluate(
        (el) => (globalThis as unknown as Win).getComputedStyle(el).borderTopColor
      )
    ).toBe('rgb(255, 176, 0)')
    await page.waitForTimeout(3000) // previews run a few seconds behind the air
    await shot('emergency')
    s.switches.black(two.uuid, false, s.station.clock.now())
    await expect.poll(() => tile('Channel Two').getByTestId('fault-badge').count()).toBe(0)

    // All-clear: the same cover and hold.
    await banner.getByRole('button', { name: 'All clear…' }).click()
    expect(await page.getByRole('dialog').getByRole('heading').textContent()).toMatch(/All clear/)
    await holdWithMouse()
    await banner.waitFor({ state: 'detached', timeout: 20_000 })
    expect((await s.mode()).mode).toBe('normal')
    expect((await channels()).some((c) => c.mode === 'emergency')).toBe(false)
    for (const c of s.channels)
      await expect.poll(() => tallyOf(c.name), { timeout: 20_000 }).toBe('preview')
  })

  it('runs the whole flow by keyboard alone', async () => {
    await page.locator('body').focus()
    await tabTo('emergency-cover')
    await page.keyboard.press('Enter')
    await page.getByRole('dialog').waitFor()
    // Focus starts on the first template; Enter picks it (severe weather, a crawl).
    await page.keyboard.press('Enter')
    const message = await page.getByLabel('Emergency message').inputValue()
    expect(message).toMatch(/SEVERE WEATHER/)
    await tabTo('hold-to-fire')

    // Released early by keyboard: nothing.
    const callsBefore = emergencyCalls.length
    await page.keyboard.down('Enter')
    await page.waitForTimeout(800) // held for less than the 3 s it takes: what is under test
    await page.keyboard.up('Enter')
    await expect.poll(() => page.getByText('Released early: nothing was sent.').count()).toBe(1)
    expect(emergencyCalls.length).toBe(callsBefore)
    expect((await s.mode()).mode).toBe('normal')

    await holdUntilFired(
      page,
      () => page.keyboard.down('Enter'),
      () => page.keyboard.up('Enter')
    )
    const banner = page.getByTestId('emergency-banner')
    await banner.waitFor({ timeout: 20_000 })
    expect(await s.mode()).toMatchObject({
      mode: 'emergency',
      emergency: { message, scope: 'crawl' }
    })

    // All-clear by keyboard: focus is back on the cover, which now reads ALL CLEAR.
    await tabTo('emergency-cover')
    expect(await page.getByTestId('emergency-cover').textContent()).toMatch(/ALL CLEAR/)
    await page.keyboard.press('Enter')
    await page.getByRole('dialog').waitFor()
    await tabTo('hold-to-fire', true)
    await holdUntilFired(
      page,
      () => page.keyboard.down(' '),
      () => page.keyboard.up(' ')
    )
    await banner.waitFor({ state: 'detached', timeout: 20_000 })
    expect((await s.mode()).mode).toBe('normal')
  })

  it('runs a test emergency that looks different and never touches the air', async () => {
    const callsBefore = emergencyCalls.length
    await page.getByTestId('emergency-cover').click()
    await page.getByRole('radio', { name: /TEST/ }).click()
    const panel = page.getByRole('dialog')
    expect(await panel.getAttribute('data-test-mode')).toBe('true')
    expect(await panel.getByRole('heading').textContent()).toMatch(/TEST/)
    await page.getByRole('button', { name: 'Correction (false alert)' }).click()
    await holdWithMouse()
    const testBanner = page.getByTestId('test-banner')
    await testBanner.waitFor()
    expect(await testBanner.textContent()).toMatch(/EMERGENCY TEST · NOT ON AIR/)
    expect(await page.getByTestId('emergency-banner').count()).toBe(0)
    expect((await s.mode()).mode).toBe('normal')
    await shot('test-mode')

    await testBanner.getByRole('button', { name: 'End test…' }).click()
    await holdWithMouse()
    await testBanner.waitFor({ state: 'detached' })
    expect(emergencyCalls.length).toBe(callsBefore)
    expect((await s.mode()).mode).toBe('normal')
  })

  it('flashes FAULT with a code on a failed channel; the detail panel shows its plan and resets it', async () => {
    const two = s.byName('Channel Two')
    s.switches.breakNormal.add(two.uuid)
    s.switches.crash(two.uuid, s.station.clock.now())
    await expect.poll(() => tallyOf('Channel Two'), { timeout: 15_000 }).toBe('fault')
    // Red means on air and nothing else: the fault is magenta, the failed channel's tally standby.
    const faultBadge = tile('Channel Two').getByTestId('fault-badge')
    expect(await faultBadge.textContent()).toBe('FAULT FAIL')
    expect(await tile('Channel Two').getByTestId('tally').textContent()).toBe('STANDBY')
    const style = (el: unknown) => {
      const cs = (globalThis as unknown as Win).getComputedStyle(el)
      return { background: cs.backgroundColor, animation: cs.animationName }
    }
    // It flashes in inverse video (magenta on black, then black on magenta), never faded.
    const badge = await faultBadge.evaluate(style)
    expect(badge.animation).toBe('fault-badge-flash')
    expect(['rgb(255, 61, 245)', 'rgb(0, 0, 0)']).toContain(badge.background)
    expect(
      await tile('Channel Two').evaluate(
        (el) => (globalThis as unknown as Win).getComputedStyle(el).borderTopColor
      )
    ).not.toBe('rgb(229, 37, 42)')
    expect(await tile('Channel Two').getByTestId('no-output').textContent()).toMatch(
      /CHANNEL FAILED · FAIL/
    )
    await expect.poll(() => page.getByTestId('failed-channels').textContent()).toBe('1')
    await expect
      .poll(() =>
        page
          .locator('[data-testid=alarm][data-alarm-state=active]', { hasText: 'Channel Two' })
          .count()
      )
      .toBeGreaterThan(0)

    await tile('Channel Two').getByRole('button', { name: 'Details of Channel Two' }).click()
    const detail = page.getByRole('complementary', { name: 'Channel detail: Channel Two' })
    await detail.waitFor()
    await expect
      .poll(() => detail.getByTestId('plan').locator('tbody tr').count())
      .toBeGreaterThan(3)
    expect(await detail.getByTestId('plan').textContent()).toMatch(/Evening News|Weather/)
    expect(await detail.textContent()).toMatch(/Carryover/)
    expect(await detail.getByTestId('producer').textContent()).toMatch(/FAILED/)
    await expect.poll(() => detail.getByTestId('recent-events').textContent()).toMatch(/FAULT/)
    await shot('fault')
    // Acknowledged while the channel is still failed: the fault stays, steady.
    await page
      .locator('[data-testid=alarm][data-alarm-state=active]', { hasText: 'Channel Two' })
      .getByRole('button', { name: 'Acknowledge FAIL on Channel Two' })
      .click()
    await expect
      .poll(() => faultBadge.evaluate(style))
      .toEqual({
        background: 'rgb(255, 61, 245)',
        animation: 'none'
      })
    expect(await tile('Channel Two').getAttribute('class')).toContain('fault-acknowledged')

    s.switches.breakNormal.delete(two.uuid)
    await detail.getByTestId('reset-channel').click()
    await expect.poll(() => tallyOf('Channel Two'), { timeout: 30_000 }).toBe('preview')
    expect(await page.getByTestId('failed-channels').textContent()).toBe('0')
    // The failure cleared, latched until acknowledged.
    const latched = page.locator('[data-testid=alarm][data-alarm-state=latched]', {
      hasText: 'Channel Two'
    })
    await expect.poll(() => latched.count()).toBeGreaterThan(0)
    await acknowledgeUntilNoneLatched(
      latched,
      latched.getByRole('button', { name: /^Acknowledge/ })
    )
    // Acknowledged, it moved to the history.
    await page.getByRole('button', { name: /^Show acknowledged \(\d+\)$/ }).click()
    await expect
      .poll(() =>
        page
          .locator('[data-testid=alarm][data-alarm-state=done]', { hasText: 'Channel Two' })
          .count()
      )
      .toBeGreaterThan(0)
    await page.getByRole('button', { name: /^Hide acknowledged/ }).click()
    await detail.getByRole('button', { name: 'Close channel detail' }).click()
  })

  it('shows the as-run log of a channel with its reconciliation, and exports it as CSV', async () => {
    await tile('RetroToons').getByRole('button', { name: 'Details of RetroToons' }).click()
    const detail = page.getByRole('complementary', { name: 'Channel detail: RetroToons' })
    await detail.waitFor()
    const asrun = detail.getByTestId('asrun')
    // Previewed since the start: items have aired (and the time before the station started, off air).
    await expect
      .poll(() => asrun.getByTestId('asrun-rows').locator('tbody tr').count())
      .toBeGreaterThan(1)
    expect(await asrun.getByTestId('asrun-rows').textContent()).toMatch(/Cartoon Hour|Space Patrol/)
    expect(await asrun.getByTestId('asrun-totals').textContent()).toMatch(
      /scheduled: .* as scheduled/
    )
    await asrun.scrollIntoViewIfNeeded()
    await shot('as-run')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      asrun.getByTestId('asrun-export').click()
    ])
    expect(download.suggestedFilename()).toMatch(/^as-run-toons-\d{4}-\d{2}-\d{2}\.csv$/)
    const file = await download.path()
    const records = parse(fs.readFileSync(file), { columns: true }) as Array<Record<string, string>>
    expect(records.length).toBeGreaterThan(1)
    expect(
      records.some(
        (r) => r['channel'] === 'RetroToons' && /Cartoon Hour|Space Patrol/.test(r['title'] ?? '')
      )
    ).toBe(true)
    await detail.getByRole('button', { name: 'Close channel detail' }).click()
  })

  it('keeps the layout across a reload and shows one channel alone on double-click', async () => {
    // Each read waits for the render that follows the action (a loaded machine renders late).
    const layout = () => page.getByTestId('multiviewer').getAttribute('data-layout')
    const visibleTiles = () => page.locator('[data-testid=tile]:visible').count()
    await page.getByRole('radio', { name: '2×2' }).click()
    await expect.poll(layout).toBe('2x2')
    await page.reload()
    await page.getByTestId('tile').first().waitFor()
    await expect.poll(layout).toBe('2x2')

    await tile('RetroToons').locator('.umd').dblclick()
    await expect.poll(layout).toBe('solo')
    await expect.poll(visibleTiles).toBe(1)
    // Hidden tiles stop loading; they come back when shown.
    const hiddenVideo = page.locator(`[data-channel="${s.byName('Channel Two').uuid}"] video`)
    await expect
      .poll(() => hiddenVideo.evaluate((v) => (v as unknown as Video & { paused: boolean }).paused))
      .toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(visibleTiles).toBe(s.channels.length)
    const resumedAt = await hiddenVideo.evaluate((v) => (v as unknown as Video).currentTime)
    await expect
      .poll(() => hiddenVideo.evaluate((v) => (v as unknown as Video).currentTime), {
        timeout: 15_000
      })
      .toBeGreaterThan(resumedAt + 0.5)
    await page.getByRole('radio', { name: 'Auto' }).click()
    expect(pageErrors).toEqual([])
  })

  it('says what is wrong when opened without a token', async () => {
    const other = await s.browser.newPage()
    await other.goto(`${s.url}/`)
    await expect.poll(() => other.getByRole('alert').textContent()).toMatch(/No API token/)
    await other.close()
  })
})

/**
 * Clicks acknowledge buttons one at a time until no row is left latched. Alarms may come and go
 * meanwhile (start-up lateness on a loaded machine), and a row can move or go while it is being
 * clicked, so a missed click is simply tried again on the next poll.
 */
async function acknowledgeUntilNoneLatched(latched: Locator, buttons: Locator): Promise<void> {
  await expect
    .poll(
      async () => {
        if ((await buttons.count()) > 0)
          await buttons
            .first()
            .click({ timeout: 2_000 })
            .catch(() => undefined)
        return latched.count()
      },
      { timeout: 90_000, interval: 250 }
    )
    .toBe(0)
}
