// Push outputs managed from the console (Chromium against a real station with ffmpeg): an output
// added from the channel's detail (its URL checked by the API's own schema first, the stream key
// never shown once added), its state and last error, disabled, enabled and removed; removing a
// live one (a real nginx-rtmp receiving it) asks first.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutputDto } from '../../src/shared/api'
import { type Nginx, nginxAvailable, startNginx } from '../helpers/nginx'
import { tempDir } from '../helpers/tmp'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

const KEY = 'sk_console_7d1e4b9f'
// Port 1 on loopback: nothing listens, so the push is refused at once and retried (DOWN).
const REFUSED_URL = `rtmp://127.0.0.1:1/live/${KEY}`

describe('push outputs in the console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  let uuid: string
  const pageErrors: string[] = []

  const outputs = async () =>
    ((await (await s.api(`/api/channels/${uuid}/outputs`)).json()) as { outputs: OutputDto[] })
      .outputs
  const detail = () => page.getByTestId('channel-detail')
  const rows = () => detail().getByTestId('output')
  const urlInput = () => detail().getByTestId('output-url-input')
  /** Everything the page shows or holds in a field: the key must be in none of it. */
  const pageText = () =>
    page.evaluate<string>(
      `document.body.innerText + [...document.querySelectorAll('input')].map((i) => i.value).join(' ')`
    )

  beforeAll(async () => {
    s = await openConsoleStation()
    uuid = s.byName('RetroToons').uuid
    page = await s.browser.newPage({ viewport: { width: 1400, height: 900 } })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await openConsole(s, page)
    await page
      .getByRole('region', { name: /^RetroToons:/ })
      .getByRole('button', { name: 'Details of RetroToons' })
      .click()
    await detail().waitFor()
  })

  afterAll(async () => {
    await s?.close()
  })

  it('refuses a URL the API would refuse, saying why, and sends nothing', async () => {
    const add = detail().getByRole('button', { name: 'Add output' })
    await urlInput().fill('http://media.example/live/key')
    await expect
      .poll(() => detail().getByTestId('output-url-note').innerText())
      .toMatch(/must be an rtmp:\/\/, rtmps:\/\/ or srt:\/\/ URL \(not http:\/\/\)/)
    expect(await add.isDisabled()).toBe(true)
    await urlInput().fill('rtmp://media.example/live')
    await expect
      .poll(() => detail().getByTestId('output-url-note').innerText())
      .toMatch(/must name the application and the stream key/)
    await urlInput().press('Enter')
    expect(await outputs()).toEqual([])
  })

  it('adds an output: the key is shown redacted, the field is cleared, and the push is DOWN with its last error', async () => {
    await urlInput().fill(REFUSED_URL)
    await expect
      .poll(() => detail().getByTestId('output-url-note').innerText())
      .toContain('rtmp://127.0.0.1:1/live/****9f')
    await detail().getByRole('button', { name: 'Add output' }).click()
    await expect.poll(() => rows().count()).toBe(1)
    expect(await urlInput().inputValue()).toBe('')
    expect(await rows().first().getByTestId('output-url').innerText()).toBe(
      'rtmp://127.0.0.1:1/live/****9f'
    )
    expect(await detail().getByTestId('output-add-result').innerText()).toContain('Added')
    // Nothing listens there: the push is refused and retried, and the console says so.
    await expect
      .poll(() => rows().first().getAttribute('data-state'), { timeout: 20_000 })
      .toBe('retrying')
    expect(await rows().first().innerText()).toContain('DOWN')
    await expect
      .poll(() => rows().first().getByTestId('output-error').count(), { timeout: 20_000 })
      .toBe(1)
    const [stored] = await outputs()
    expect(stored).toMatchObject({ enabled: true, url: 'rtmp://127.0.0.1:1/live/****9f' })
    expect(await pageText()).not.toContain(KEY)
  })

  it('disables and enables it again', async () => {
    await rows().first().getByRole('button', { name: 'Disable' }).click()
    await expect.poll(() => rows().first().getAttribute('data-state')).toBe('off')
    expect(await rows().first().innerText()).toContain('OFF')
    expect((await outputs())[0]).toMatchObject({ enabled: false, state: 'off' })
    await rows().first().getByRole('button', { name: 'Enable' }).click()
    await expect.poll(async () => (await outputs())[0]?.enabled).toBe(true)
    await expect.poll(() => rows().first().getAttribute('data-state')).not.toBe('off')
  })

  it('removes an output that is not live without asking', async () => {
    await rows().first().getByRole('button', { name: 'Remove' }).click()
    await expect.poll(() => rows().count()).toBe(0)
    expect(await outputs()).toEqual([])
    expect(await pageText()).not.toContain(KEY)
    expect(pageErrors).toEqual([])
  })

  it.skipIf(!nginxAvailable())(
    'asks before removing a live output, and keeps it when told to',
    async () => {
      const ngx = tempDir('retrovue-console-nginx-')
      let nginx: Nginx | undefined
      try {
        nginx = await startNginx(ngx.dir)
        await urlInput().fill(nginx.rtmpUrl(KEY))
        await detail().getByRole('button', { name: 'Add output' }).click()
        await expect
          .poll(() => rows().first().getAttribute('data-state'), { timeout: 30_000 })
          .toBe('live')
        await rows().first().getByRole('button', { name: 'Remove' }).click()
        const confirm = rows().first().getByRole('group', { name: 'Confirm removal' })
        await confirm.waitFor()
        expect(await confirm.innerText()).toMatch(/Live now/)
        // Asking changed nothing yet.
        expect(await outputs()).toHaveLength(1)
        await confirm.getByRole('button', { name: 'Keep' }).click()
        expect(await outputs()).toHaveLength(1)
        await rows().first().getByRole('button', { name: 'Remove' }).click()
        await rows()
          .first()
          .getByRole('group', { name: 'Confirm removal' })
          .getByRole('button', { name: 'Remove live output' })
          .click()
        await expect.poll(() => rows().count()).toBe(0)
        expect(await outputs()).toEqual([])
        expect(await pageText()).not.toContain(KEY)
      } finally {
        await nginx?.stop()
        ngx.cleanup()
      }
    },
    90_000
  )
})
