// The console's files as a browser gets them: the script and stylesheet precompressed at build and
// sent brotli or gzip by what the request accepts, with Vary: Accept-Encoding (a cache must not
// hand one client's encoding to another), and plain to a client that accepts neither.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpEnv, httpEnv } from '../helpers/http-env'

describe('the console served compressed', () => {
  let env: HttpEnv
  let script: string
  let raw: Buffer
  beforeAll(async () => {
    env = await httpEnv()
    const html = (await env.app.inject({ method: 'GET', url: '/', headers: { host: env.host } }))
      .body
    script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)![1]!
    raw = fs.readFileSync(path.resolve(import.meta.dirname, '../../out/renderer', script))
  })
  afterAll(async () => env?.close())

  const get = (url: string, acceptEncoding?: string) =>
    env.app.inject({
      method: 'GET',
      url,
      headers: { host: env.host, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) }
    })

  it('sends the script brotli-compressed to a browser that accepts br, and it decodes to the built file', async () => {
    const res = await get(`/${script}`, 'gzip, deflate, br, zstd')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['vary']).toMatch(/accept-encoding/i)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expect(res.rawPayload.length).toBeLessThan(raw.length / 3)
    expect(zlib.brotliDecompressSync(res.rawPayload).equals(raw)).toBe(true)
  })

  it('sends gzip where br is not accepted, and the plain file where nothing is', async () => {
    const gz = await get(`/${script}`, 'gzip')
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers['vary']).toMatch(/accept-encoding/i)
    expect(zlib.gunzipSync(gz.rawPayload).equals(raw)).toBe(true)

    const plain = await get(`/${script}`)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.rawPayload.equals(raw)).toBe(true)
  })

  it('compresses the stylesheet too, and the page still loads at /', async () => {
    const html = (await get('/', 'br')).body
    const css = /href="\.\/(assets\/index-[^"]+\.css)"/.exec(html)![1]!
    const res = await get(`/${css}`, 'br')
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['content-type']).toMatch(/text\/css/)
    expect(html).toContain('<div id="root">')
  })
})
