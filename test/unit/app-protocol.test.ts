// The window's origin and guard rails, with stand-ins for Electron: retrovue://console serves the
// renderer's files with a strict CSP and forwards `/streams/*` (only) to the engine; navigation, new
// windows, webviews and permissions are refused.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CONSOLE_CSP, createAppProtocolHandler, isConsoleUrl } from '../../src/main/app-protocol'
import { denyPermissions, guardContents, type GuardedContents } from '../../src/main/security'
import { tempDir } from '../helpers/tmp'

describe('the retrovue://console protocol', () => {
  const t = tempDir()
  let engineOrigin: string | null = 'http://127.0.0.1:4321'
  const upstream: Array<{ url: string; init: RequestInit }> = []
  const handler = createAppProtocolHandler({
    rendererRoot: path.join(t.dir, 'renderer'),
    engineOrigin: () => engineOrigin,
    fetch: async (url, init) => {
      upstream.push({ url, init })
      return new Response('#EXTM3U\n', {
        status: 200,
        headers: {
          'content-type': 'application/vnd.apple.mpegurl',
          'set-cookie': 'x=1',
          'cache-control': 'no-store'
        }
      })
    }
  })
  const get = (url: string, init: RequestInit = {}) => handler(new Request(url, init))

  beforeAll(() => {
    fs.mkdirSync(path.join(t.dir, 'renderer/assets'), { recursive: true })
    fs.writeFileSync(
      path.join(t.dir, 'renderer/index.html'),
      '<!doctype html><div id="root"></div>'
    )
    fs.writeFileSync(path.join(t.dir, 'renderer/assets/app.js'), 'console.log(1)')
    fs.writeFileSync(path.join(t.dir, 'secret.txt'), 'outside the renderer')
  })
  afterAll(() => t.cleanup())

  it('serves the console with a strict CSP', async () => {
    for (const url of ['retrovue://console/', 'retrovue://console/index.html']) {
      const res = await get(url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await res.text()).toContain('<div id="root">')
      const csp = res.headers.get('content-security-policy')!
      expect(csp).toBe(CONSOLE_CSP)
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-eval')
      expect(csp).toMatch(/worker-src 'self' blob:/)
      expect(csp).toMatch(/media-src 'self' blob:/)
      expect(csp).toContain("connect-src 'self';")
    }
    const js = await get('retrovue://console/assets/app.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it.each([
    'retrovue://console/../secret.txt',
    'retrovue://console/%2e%2e/secret.txt',
    'retrovue://console/..%2fsecret.txt',
    'retrovue://console/assets/..%2f..%2fsecret.txt',
    'retrovue://console/nope.html',
    'retrovue://console/assets',
    'retrovue://console/%E0%A4%A',
    'retrovue://other/index.html'
  ])('serves nothing outside the renderer: %s', async (url) => {
    const res = await get(url)
    expect([400, 404]).toContain(res.status)
    expect(await res.text()).not.toContain('outside the renderer')
  })

  it('forwards a stream request to the engine, with no credentials and only the headers a player needs', async () => {
    upstream.length = 0
    const res = await get('retrovue://console/streams/AbCdEfGhIjKlMnOpQrSt/index.m3u8?x=1', {
      headers: { cookie: 'a=b', authorization: 'Bearer t', range: 'bytes=0-' }
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('#EXTM3U\n')
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(upstream).toHaveLength(1)
    expect(upstream[0]!.url).toBe(
      'http://127.0.0.1:4321/streams/AbCdEfGhIjKlMnOpQrSt/index.m3u8?x=1'
    )
    expect(upstream[0]!.init.headers).toEqual({ range: 'bytes=0-' })
    await get('retrovue://console/streams/AbCdEfGhIjKlMnOpQrSt/prod-1/seg_00001.ts')
    expect(upstream[1]!.url).toBe(
      'http://127.0.0.1:4321/streams/AbCdEfGhIjKlMnOpQrSt/prod-1/seg_00001.ts'
    )
  })

  it.each([
    ['the API', 'retrovue://console/api/mode'],
    ['the API behind a dot segment', 'retrovue://console/streams/../api/mode'],
    ['an encoded slash', 'retrovue://console/streams/abc%2F..%2F..%2Fapi/index.m3u8'],
    ['a dot-dot segment', 'retrovue://console/streams/abc/../../api'],
    ['a bare /streams/', 'retrovue://console/streams/'],
    ['too deep', 'retrovue://console/streams/a/b/c/d']
  ])('forwards nothing but streams: %s', async (_what, url) => {
    upstream.length = 0
    const res = await get(url)
    expect(res.status).toBe(404)
    expect(upstream).toHaveLength(0)
  })

  it('refuses anything but GET and HEAD, and says when the engine is not running', async () => {
    expect(
      (
        await get('retrovue://console/streams/AbCdEfGhIjKlMnOpQrSt/index.m3u8', {
          method: 'POST',
          body: 'x'
        })
      ).status
    ).toBe(405)
    engineOrigin = null
    expect((await get('retrovue://console/streams/AbCdEfGhIjKlMnOpQrSt/index.m3u8')).status).toBe(
      503
    )
    engineOrigin = 'http://127.0.0.1:4321'
  })

  it('trusts only the console origin (and the dev server when one is given)', () => {
    expect(isConsoleUrl('retrovue://console/index.html')).toBe(true)
    expect(isConsoleUrl('retrovue://console.evil/index.html')).toBe(false)
    expect(isConsoleUrl('retrovue://evil/index.html')).toBe(false)
    expect(isConsoleUrl('https://console/index.html')).toBe(false)
    expect(isConsoleUrl('file:///index.html')).toBe(false)
    expect(isConsoleUrl('not a url')).toBe(false)
    expect(isConsoleUrl('http://localhost:5173/', undefined)).toBe(false)
    expect(isConsoleUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true)
    expect(isConsoleUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false)
  })
})

describe('window guard rails', () => {
  class FakeContents extends EventEmitter {
    openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined
    setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
      this.openHandler = h
    }
    fire(event: string, url?: string): boolean {
      let prevented = false
      this.emit(event, { url, preventDefault: () => (prevented = true) })
      return prevented
    }
  }

  it('refuses navigation away from the console, redirects, webviews and new windows', () => {
    const contents = new FakeContents()
    const log = vi.fn()
    guardContents(contents as unknown as GuardedContents, (u) => isConsoleUrl(u), log)
    expect(contents.fire('will-frame-navigate', 'https://evil.example/')).toBe(true)
    expect(contents.fire('will-frame-navigate', 'file:///etc/passwd')).toBe(true)
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true)
    expect(contents.fire('will-frame-navigate', 'retrovue://console/index.html')).toBe(false)
    expect(contents.fire('will-attach-webview')).toBe(true)
    expect(contents.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    expect(contents.openHandler!({ url: 'retrovue://console/index.html' })).toEqual({
      action: 'deny'
    })
    expect(log).toHaveBeenCalled()
  })

  it('denies every permission request and check', () => {
    const session = {
      request: undefined as
        undefined | ((wc: unknown, p: string, cb: (g: boolean) => void) => void),
      check: undefined as undefined | ((wc: unknown, p: string) => boolean),
      device: undefined as undefined | (() => boolean),
      setPermissionRequestHandler(h: (wc: unknown, p: string, cb: (g: boolean) => void) => void) {
        this.request = h
      },
      setPermissionCheckHandler(h: (wc: unknown, p: string) => boolean) {
        this.check = h
      },
      setDevicePermissionHandler(h: () => boolean) {
        this.device = h
      }
    }
    denyPermissions(session)
    for (const permission of [
      'media',
      'notifications',
      'geolocation',
      'fullscreen',
      'clipboard-read',
      'openExternal'
    ]) {
      const cb = vi.fn()
      session.request!(null, permission, cb)
      expect(cb).toHaveBeenCalledExactlyOnceWith(false)
      expect(session.check!(null, permission)).toBe(false)
    }
    expect(session.device!()).toBe(false)
  })
})
