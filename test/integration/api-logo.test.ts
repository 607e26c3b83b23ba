// Channel logos through the HTTP API (the StationApi's adapters): upload a PNG as base64, change
// only the placement, read it back, remove it; the runtime's channel gets each change at once (its
// producer applies it from the next frame). Anything but a PNG of sane size is a 400 naming the
// field and changes nothing.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChannelLogoDto } from '../../src/shared/station-api'
import { DEFAULT_LOGO_PLACEMENT, LOGO_MAX_BYTES } from '../../src/shared/domain'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { makeLogo } from '../helpers/logo'
import { tools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

describe('channel logo over the HTTP API', () => {
  let env: HttpEnv
  afterEach(() => env.close())

  const call = async <T>(method: string, route: string, body?: unknown) => {
    const res = await env.app.inject({
      method: method as never,
      url: route,
      headers: {
        authorization: `Bearer ${env.token}`,
        host: env.host,
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      payload: body === undefined ? undefined : JSON.stringify(body)
    })
    return { status: res.statusCode, body: (res.body ? res.json() : undefined) as T }
  }
  const png = async (width = 64, height = 32) => {
    const t = tempDir()
    const file = await makeLogo(
      await tools(),
      path.join(t.dir, 'logo.png'),
      '0x00ff00',
      width,
      height
    )
    const b64 = fs.readFileSync(file).toString('base64')
    t.cleanup()
    return b64
  }
  const runtimeLogo = (uuid: string) => env.station.director.channel(uuid).channel.logo ?? null
  const logoFiles = () => fs.readdirSync(path.join(env.station.dataDir, 'logos'))

  it('uploads a logo, changes its placement alone, reads it back and removes it; the runtime has each change', async () => {
    env = await httpEnv()
    const [one] = env.uuids as [string]
    const image = await png()
    const set = await call<ChannelLogoDto>('POST', `/api/channels/${one}/logo`, {
      png: image,
      corner: 'bottom-right',
      opacity: 0.6
    })
    expect(set.status).toBe(200)
    expect(set.body).toEqual({
      ...DEFAULT_LOGO_PLACEMENT,
      corner: 'bottom-right',
      opacity: 0.6,
      width: 64,
      height: 32,
      file: expect.stringMatching(/\.png$/),
      png: image
    })
    const { png: _png, ...stored } = set.body
    expect(runtimeLogo(one)).toEqual(stored)
    expect(logoFiles()).toEqual([set.body.file])

    const moved = await call<ChannelLogoDto>('POST', `/api/channels/${one}/logo`, {
      corner: 'top-left',
      widthPercent: 20,
      hideDuring: []
    })
    expect(moved.body).toEqual({
      ...set.body,
      corner: 'top-left',
      widthPercent: 20,
      hideDuring: []
    })
    expect(runtimeLogo(one)).toMatchObject({
      corner: 'top-left',
      widthPercent: 20,
      opacity: 0.6,
      file: set.body.file
    })
    expect(
      (await call<{ logo: ChannelLogoDto }>('GET', `/api/channels/${one}/logo`)).body.logo
    ).toEqual(moved.body)

    expect((await call('DELETE', `/api/channels/${one}/logo`)).status).toBe(204)
    expect((await call<{ logo: null }>('GET', `/api/channels/${one}/logo`)).body).toEqual({
      logo: null
    })
    expect(runtimeLogo(one)).toBeNull()
    expect(logoFiles()).toEqual([])
    const audit = env.station.store.audit
      .recent(100)
      .filter((a) => a.action.startsWith('logo-'))
      .reverse()
    expect(audit.map((a) => a.action)).toEqual(['logo-set', 'logo-set', 'logo-removed'])
  })

  it('refuses what is not a PNG of sane size, or a placement out of range, naming the field, and changes nothing', async () => {
    env = await httpEnv()
    const [one] = env.uuids as [string]
    const good = await png()
    await call('POST', `/api/channels/${one}/logo`, { png: good })
    const before = JSON.stringify([env.station.store.channels.list(), logoFiles()])
    const huge = await png(3000, 20)
    const bytes = Buffer.from(good, 'base64')
    const cases: Array<[unknown, string]> = [
      [
        { png: Buffer.from('GIF89a not a png at all').toString('base64') },
        'body.png: the file is not a PNG file'
      ],
      [{ png: huge }, 'body.png: the file is 3000x20 pixels'],
      [
        { png: bytes.subarray(0, bytes.length - 16).toString('base64') },
        'body.png: the file is not a complete PNG'
      ],
      [{ png: 'not base64 !' }, 'body.png: must be the PNG file as base64'],
      [
        { png: 'A'.repeat(Math.ceil(LOGO_MAX_BYTES / 3) * 4 + 4) },
        `body.png: must be at most ${LOGO_MAX_BYTES / 1024} KiB`
      ],
      [
        { corner: 'centre' },
        'body.corner: must be one of top-left, top-right, bottom-left, bottom-right'
      ],
      [{ opacity: 2 }, 'body.opacity: must be from 0 to 1'],
      [{ widthPercent: 0 }, 'body.widthPercent: must be from 2 to 50'],
      [{ hideDuring: ['ads'] }, 'body.hideDuring.0: must be one of'],
      [{ png: good, shape: 'round' }, 'body: Unrecognized key: "shape"']
    ]
    for (const [body, message] of cases) {
      const res = await call<{ error: { code: string; message: string } }>(
        'POST',
        `/api/channels/${one}/logo`,
        body
      )
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(res.body.error.code).toBe('invalid_body')
      expect(res.body.error.message).toContain(message)
    }
    expect(JSON.stringify([env.station.store.channels.list(), logoFiles()])).toBe(before)
    // A placement without a PNG needs a logo to place.
    const [, two] = env.uuids as [string, string]
    const none = await call<{ error: { message: string } }>('POST', `/api/channels/${two}/logo`, {
      corner: 'top-left'
    })
    expect(none.status).toBe(400)
    expect(none.body.error.message).toBe('body.png: is required: the channel has no logo yet')
    expect(
      (await call('POST', '/api/channels/00000000-0000-4000-8000-000000000000/logo', { png: good }))
        .status
    ).toBe(404)
  })
})
