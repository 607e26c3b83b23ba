// The channel logo from the operator console in a real browser (Chromium via Playwright) against a
// real station with ffmpeg producers: the operator opens a channel's detail, uploads a PNG, sees it
// previewed where it will sit, moves it, applies it; the channel's own output then carries it in
// that corner, from the producer already on air (no restart); removing it takes it off.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ViewerAttachDto } from '../../src/shared/api'
import { DEFAULT_LOGO_PLACEMENT, LOGO_CORNERS, type LogoCorner } from '../../src/shared/domain'
import { logoRect } from '../../src/shared/logo'
import type { ChannelLogoDto } from '../../src/shared/station-api'
import { PROFILES } from '../../src/media/profiles'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { cornerColours, isLogoGreen, logoSpec, makeLogo, type Rgb } from '../helpers/logo'
import { repoRoot, tempDir } from '../helpers/tmp'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

const SHOTS = path.join(repoRoot, 'test-results', 'console')
type Canvas = {
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
  }
}

describe('channel logo in the console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  let tools: FfmpegTools
  let logoFile: string
  const pageErrors: string[] = []
  const scratch = tempDir()

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    tools = await locateFfmpeg()
    logoFile = await makeLogo(tools, path.join(scratch.dir, 'retro.png'), '0x00ff00', 96, 48)
    s = await openConsoleStation()
    page = await s.browser.newPage({ viewport: { width: 1400, height: 1000 } })
    // Three live previews decode in this page while the machine runs other work: actions get time.
    page.setDefaultTimeout(120_000)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await openConsole(s, page)
  })

  afterAll(async () => {
    await s?.close()
    scratch.cleanup()
  })

  /** The mean colour of the preview canvas inside each corner's logo rectangle (3 px in). */
  async function previewCorners(): Promise<Record<LogoCorner, Rgb>> {
    const frame = { width: 640, height: 360 }
    const rects = LOGO_CORNERS.map(
      (corner) =>
        [
          corner,
          logoRect(frame, {
            width: 96,
            height: 48,
            placement: { ...DEFAULT_LOGO_PLACEMENT, corner }
          })
        ] as const
    )
    return page.getByTestId('logo-preview').evaluate((el, rs) => {
      const ctx = (el as unknown as Canvas).getContext('2d')
      const out: Record<string, number[]> = {}
      for (const [corner, r] of rs) {
        const { data } = ctx.getImageData(r.x + 3, r.y + 3, r.w - 6, r.h - 6)
        const sum = [0, 0, 0]
        for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!
        out[corner] = sum.map((v) => v / (data.length / 4))
      }
      return out
    }, rects) as Promise<Record<LogoCorner, Rgb>>
  }
  const previewShowing = async () => {
    const c = await previewCorners()
    return LOGO_CORNERS.filter((k) => isLogoGreen(c[k]))
  }

  /** The corners showing the logo on the newest segment of the channel's own output. */
  async function outputShowing(streamUrl: string): Promise<string> {
    const playlist = await (await fetch(streamUrl)).text()
    const last = playlist
      .split('\n')
      .filter((l) => l.trim().endsWith('.ts'))
      .at(-1)
    if (!last) return 'no segment yet'
    const frames = await cornerColours(
      tools,
      new URL(last.trim(), streamUrl).toString(),
      PROFILES['360p'],
      logoSpec(logoFile)
    )
    const seen = new Set(
      frames.map((f) => LOGO_CORNERS.filter((k) => isLogoGreen(f[k])).join('+') || 'none')
    )
    return [...seen].join(' | ')
  }

  it('uploads a logo, previews it where it will sit, applies it: the output on air carries it in that corner, no restart', async () => {
    const toons = s.byName('RetroToons')
    await expect
      .poll(() => page.getByTestId('connection').textContent(), { timeout: 30_000 })
      .toBe('LIVE')
    await page.getByRole('button', { name: 'Details of RetroToons' }).click({ timeout: 90_000 })
    const panel = page.getByTestId('logo-panel')
    await panel.waitFor()
    // The panel reads the channel's logo when it opens (a busy station answers late: it asks again).
    await expect
      .poll(() => panel.textContent(), { timeout: 60_000 })
      .toMatch(/This channel has no logo\./)
    expect(await page.getByTestId('logo-apply').isDisabled()).toBe(true)
    expect(await previewShowing()).toEqual([])

    // A file that is not a PNG is refused in the console, before anything is sent.
    const notPng = path.join(scratch.dir, 'notes.png')
    fs.writeFileSync(notPng, 'just text')
    await page.getByTestId('logo-file').setInputFiles(notPng)
    await expect
      .poll(() => page.getByTestId('logo-status').textContent())
      .toBe('notes.png is not a PNG file (no PNG signature).')

    await page.getByTestId('logo-file').setInputFiles(logoFile)
    await expect.poll(previewShowing).toEqual(['top-right'])
    await panel.getByRole('radio', { name: 'top-left' }).check()
    await expect.poll(previewShowing).toEqual(['top-left'])
    await panel.scrollIntoViewIfNeeded()
    await panel.screenshot({ path: path.join(SHOTS, 'logo-preview.png') })
    // Nothing is on air until Apply.
    expect(await (await s.api(`/api/channels/${toons.uuid}/logo`)).json()).toEqual({ logo: null })

    // A viewer of the channel, to read what it puts out.
    const res = await s.api(`/api/channels/${toons.uuid}/viewers`, {
      method: 'POST',
      body: JSON.stringify({ purpose: 'viewer' })
    })
    const viewer = (await res.json()) as ViewerAttachDto
    const streamUrl = new URL(viewer.streamUrl, s.url).toString()
    await expect
      .poll(() => outputShowing(streamUrl), { timeout: 30_000, interval: 500 })
      .toBe('none')
    const producerBefore = s.station.director.channelOutput(toons.uuid)?.producerId
    expect(producerBefore).toBeTruthy()

    await page.getByTestId('logo-apply').click()
    await expect
      .poll(() => page.getByTestId('logo-status').textContent())
      .toBe('Applied: the logo is on air from the next frame.')
    const stored = (
      (await (await s.api(`/api/channels/${toons.uuid}/logo`)).json()) as { logo: ChannelLogoDto }
    ).logo
    expect(stored).toMatchObject({
      corner: 'top-left',
      width: 96,
      height: 48,
      widthPercent: DEFAULT_LOGO_PLACEMENT.widthPercent
    })
    expect(await page.getByTestId('logo-apply').isDisabled()).toBe(true)
    await expect.poll(() => panel.textContent()).toMatch(/On air now as previewed\./)

    // The station's own output: every frame of the newest segment has it top left, from the same producer.
    await expect
      .poll(() => outputShowing(streamUrl), { timeout: 30_000, interval: 500 })
      .toBe('top-left')
    expect(s.station.director.channelOutput(toons.uuid)?.producerId).toBe(producerBefore)
    await page.screenshot({ path: path.join(SHOTS, 'logo-applied.png') })

    // Removed: off the output again.
    await page.getByTestId('logo-remove').click()
    await expect.poll(() => page.getByTestId('logo-status').textContent()).toMatch(/^Removed/)
    await expect
      .poll(() => outputShowing(streamUrl), { timeout: 30_000, interval: 500 })
      .toBe('none')
    expect((await s.api(`/api/viewers/${viewer.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    expect(pageErrors).toEqual([])
  }, 600_000)
})
