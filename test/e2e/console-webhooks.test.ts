// The station's webhooks in the operator console (Chromium): each one's last delivery, a "Send
// test" that reaches the receiver signed, and a failing receiver's last failure.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../helpers/webhook-receiver'
import { openConsole, openConsoleStation, type ConsoleStation } from './console-station'

const SECRET = 'console-webhook-secret-0123'

describe('webhooks in the console (Chromium)', () => {
  let s: ConsoleStation
  let page: Page
  let receiver: Receiver
  const pageErrors: string[] = []

  beforeAll(async () => {
    receiver = await startReceiver(SECRET)
    s = await openConsoleStation()
    const put = await s.api('/api/webhooks', {
      method: 'POST',
      // Info only: a loaded machine's LATE warnings would come between the tests.
      body: JSON.stringify({
        id: 'phone',
        url: `${receiver.url}/secret-path`,
        secret: SECRET,
        severities: ['info']
      })
    })
    expect(put.status).toBe(200)
    page = await s.browser.newPage({ viewport: { width: 1400, height: 1000 } })
    page.setDefaultTimeout(60_000)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await openConsole(s, page)
  })
  afterAll(async () => {
    await s?.close()
    await receiver?.close()
  })

  it('shows each webhook with its last delivery, sends a test, and shows a failure', async () => {
    await page
      .getByTestId('webhooks')
      .getByRole('button', { name: /WEBHOOKS/ })
      .click()
    const hook = page.getByTestId('webhook-phone')
    await expect.poll(() => hook.textContent()).toContain('none yet')
    // The URL is shown redacted, the secret never.
    expect(await hook.textContent()).toContain('/hooks/****')
    expect(await page.content()).not.toContain(SECRET)

    await hook.getByTestId('webhook-test').click()
    await expect
      .poll(() => hook.getByTestId('webhook-last-delivery').textContent(), { timeout: 20_000 })
      .toMatch(/#\d+ test: delivered \(HTTP 204\)/)
    const tests = receiver.received.filter((r) => r.payload.state === 'test')
    expect(tests).toHaveLength(1)
    expect(tests[0]).toMatchObject({ signatureValid: true })

    receiver.mode = 'fail'
    await hook.getByTestId('webhook-test').click()
    await expect
      .poll(
        () =>
          hook
            .getByTestId('webhook-last-failure')
            .textContent()
            .catch(() => ''),
        {
          timeout: 20_000
        }
      )
      .toMatch(/#\d+ the receiver answered 500/)
    await expect.poll(() => page.getByTestId('webhooks-summary').textContent()).toBe('1 FAILING')
    expect(pageErrors).toEqual([])
  })

  it('adds a webhook from the console (checked as the station checks it), turns it off and on, and removes it', async () => {
    receiver.mode = 'ok'
    const form = page.getByTestId('webhook-add')
    const SECOND = 'second-desk-secret-0123456789'
    await form.getByTestId('webhook-add-id').fill('night-desk')
    await form.getByTestId('webhook-add-url').fill('ftp://example.org/x')
    await form.getByTestId('webhook-add-secret').fill('short')
    // Refused before it is sent, naming the field; nothing is added.
    await expect
      .poll(() => form.getByTestId('webhook-add-problem').textContent())
      .toMatch(/Receiver URL must be an http:\/\/ or https:\/\/ URL/)
    expect(await form.getByTestId('webhook-add-save').isDisabled()).toBe(true)
    await form.getByTestId('webhook-add-url').fill(`${receiver.url}/night/token-in-path`)
    await expect
      .poll(() => form.getByTestId('webhook-add-problem').textContent())
      .toMatch(/Secret must be at least 16 characters/)
    await form.getByTestId('webhook-add-secret').fill(SECOND)
    // Critical only: a loaded machine's LATE warnings would come between the test and its check.
    await form.getByTestId('webhook-add-severity-warning').uncheck()
    await form.getByTestId('webhook-add-save').click()

    const hook = page.getByTestId('webhook-night-desk')
    await expect.poll(() => hook.textContent()).toContain('/hooks/****')
    expect(await hook.textContent()).not.toContain('token-in-path')
    // The secret never comes back: not in the page, and the form is empty again.
    expect(await page.content()).not.toContain(SECOND)
    expect(await form.getByTestId('webhook-add-secret').inputValue()).toBe('')
    const stored = (await (await s.api('/api/webhooks')).json()) as {
      webhooks: Array<{ id: string; severities: string[]; enabled: boolean; channels: unknown }>
    }
    expect(stored.webhooks.find((h) => h.id === 'night-desk')).toMatchObject({
      severities: ['critical'],
      enabled: true,
      channels: null
    })
    // Its test reaches the receiver at the URL typed in the console.
    await hook.getByTestId('webhook-test').click()
    await expect
      .poll(() => hook.getByTestId('webhook-last-delivery').textContent(), { timeout: 20_000 })
      .toMatch(/test: delivered/)
    expect(
      receiver.received.some(
        (r) => r.path.endsWith('/night/token-in-path') && r.payload.state === 'test'
      )
    ).toBe(true)

    await hook.getByTestId('webhook-toggle').click()
    await expect.poll(() => hook.textContent()).toContain('(off)')
    await expect.poll(() => hook.getByTestId('webhook-toggle').textContent()).toBe('Turn on')
    await hook.getByTestId('webhook-toggle').click()
    await expect.poll(() => hook.getByTestId('webhook-toggle').textContent()).toBe('Turn off')

    // Removal asks first; Keep keeps it.
    await hook.getByTestId('webhook-remove').click()
    await hook.getByRole('button', { name: 'Keep' }).click()
    expect(await hook.isVisible()).toBe(true)
    await hook.getByTestId('webhook-remove').click()
    await hook.getByTestId('webhook-remove-confirm').click()
    await expect.poll(() => hook.count()).toBe(0)
    const after = (await (await s.api('/api/webhooks')).json()) as { webhooks: { id: string }[] }
    expect(after.webhooks.map((h) => h.id)).toEqual(['phone'])
    expect(pageErrors).toEqual([])
  }, 120_000)
})
