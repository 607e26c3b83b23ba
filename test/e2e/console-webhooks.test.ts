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
})
