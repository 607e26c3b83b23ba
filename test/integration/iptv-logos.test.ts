// Channel logos for viewers' software: the M3U's tvg-logo and the guide's <icon> name the same
// absolute URL, on the address the client used; a channel's own PNG is served as stored, a channel
// without one gets a generated picture; one guide build serves every address with its own URLs.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { parse as parseM3u } from 'iptv-playlist-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { makeLogo } from '../helpers/logo'
import { tools } from '../helpers/schedule-env'
import { tempDir } from '../helpers/tmp'

const XMLTV_DTD = '/usr/share/xmltv/xmltv.dtd'

describe('channel logos in the M3U and the guide', () => {
  let env: HttpEnv
  let png: Buffer

  beforeAll(async () => {
    env = await httpEnv()
    const t = tempDir()
    png = fs.readFileSync(
      await makeLogo(await tools(), path.join(t.dir, 'logo.png'), '0x00ff00', 64, 32)
    )
    t.cleanup()
    const res = await env.app.inject({
      method: 'POST',
      url: `/api/channels/${env.uuids[0]}/logo`,
      headers: {
        authorization: `Bearer ${env.token}`,
        host: env.host,
        'content-type': 'application/json'
      },
      payload: JSON.stringify({ png: png.toString('base64') })
    })
    expect(res.statusCode).toBe(200)
  })
  afterAll(() => env?.close())

  it('names each channel’s logo in the M3U and the guide alike, and every logo URL answers with a picture', async () => {
    const m3u = parseM3u(await (await fetch(`${env.base}/iptv/channels.m3u`)).text())
    const logos = new Map(m3u.items.map((i) => [i.tvg.id, i.tvg.logo]))
    expect([...logos.values()]).toEqual([
      `${env.base}/iptv/channels/one/logo.png`,
      `${env.base}/iptv/channels/two/logo.svg`
    ])
    const own = await fetch(logos.values().next().value!)
    expect(own.status).toBe(200)
    expect(own.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await own.arrayBuffer()).equals(png)).toBe(true)
    const generated = await fetch([...logos.values()][1]!)
    expect(generated.status).toBe(200)
    expect(generated.headers.get('content-type')).toContain('image/svg+xml')
    const svg = await generated.text()
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"')
    expect(svg).toContain('>Two</text>')
    expect(spawnSync('xmllint', ['--noout', '-'], { input: svg }).status).toBe(0)
    // A channel without its own PNG has none at logo.png; an unknown channel has no logo at all.
    expect((await fetch(`${env.base}/iptv/channels/two/logo.png`)).status).toBe(404)
    expect((await fetch(`${env.base}/iptv/channels/nine/logo.svg`)).status).toBe(404)

    const guide = await (await fetch(`${env.base}/iptv/xmltv.xml`)).text()
    const icons = new Map(
      [...guide.matchAll(/<channel id="([^"]+)">[\s\S]*?<icon src="([^"]+)"\/>/g)].map((m) => [
        m[1]!,
        m[2]!
      ])
    )
    expect(icons).toEqual(logos)
    const lint = spawnSync(
      'xmllint',
      ['--noout', '--nonet', '--path', path.dirname(XMLTV_DTD), '--dtdvalid', XMLTV_DTD, '-'],
      { input: guide, encoding: 'utf8' }
    )
    expect(lint.stderr).toBe('')
  })

  it('writes each client’s own address into the one guide build, with its own ETag and length', async () => {
    const port = new URL(env.base).port
    const read = (host: string) =>
      env.app.inject({ url: '/iptv/xmltv.xml', headers: { host } }).then((r) => r)
    const a = await read(`127.0.0.1:${port}`)
    const b = await read(`localhost:${port}`)
    expect(a.body).toContain(`<icon src="http://127.0.0.1:${port}/iptv/channels/one/logo.png"/>`)
    expect(b.body).toContain(`<icon src="http://localhost:${port}/iptv/channels/one/logo.png"/>`)
    expect(a.body.replaceAll('127.0.0.1', 'localhost')).toBe(b.body)
    expect(a.headers.etag).not.toBe(b.headers.etag)
    expect(Number(a.headers['content-length'] ?? Buffer.byteLength(a.body))).toBe(
      Buffer.byteLength(a.body)
    )
    // Each address's tag is its own: the other's is no match.
    const cross = await env.app.inject({
      url: '/iptv/xmltv.xml',
      headers: { host: `localhost:${port}`, 'if-none-match': a.headers.etag as string }
    })
    expect(cross.statusCode).toBe(200)
    const same = await env.app.inject({
      url: '/iptv/xmltv.xml',
      headers: { host: `localhost:${port}`, 'if-none-match': b.headers.etag as string }
    })
    expect(same.statusCode).toBe(304)
  })
})
