// The XMLTV guide's answers around one build: two media servers asking at once share it (one read
// of the playlog, the same bytes and ETag), a request during it that already has its ETag gets 304,
// the station's event loop keeps turning while it is built, a failed build is reported and the next
// request builds again, and a build under way stops (unreported) when the HTTP server closes.
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChannelInfo } from '../../src/shared/domain'
import { viewerChannels } from '../../src/server/iptv/directory'
import { GuideAnswers } from '../../src/server/iptv/guide'
import { type GuideItem, renderXmltv } from '../../src/server/iptv/xmltv'

const FROM = Date.parse('2026-11-25T12:00:00Z')
const HORIZON_MS = 48 * 3_600_000
const ITEM_MS = 60_000
const PAGE = 500
const ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']

const infos: ChannelInfo[] = Array.from({ length: 12 }, (_, i) => ({
  id: i + 1,
  uuid: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
  slug: `ch-${i + 1}`,
  name: `Channel ${i + 1}`,
  timezone: ZONES[i % ZONES.length]!,
  rolloverMinutes: 360,
  kind: 'normal'
}))

/** A minute-long item after another over the whole horizon: 2,880 programmes a channel, 34,560 in all. */
function* synthetic(channelId: number, from: number, to: number): Generator<GuideItem[]> {
  let page: GuideItem[] = []
  for (let t = from; t < to; t += ITEM_MS) {
    page.push({
      startMs: t,
      endMs: t + ITEM_MS,
      title: `Show ${channelId} & <${(t / ITEM_MS) % 7}>`,
      type: 'program'
    })
    if (page.length === PAGE) {
      yield page
      page = []
    }
  }
  if (page.length) yield page
}

interface Env {
  app: FastifyInstance
  guide: GuideAnswers
  /** Channels whose playlog was read (one entry per channel per build). */
  reads: number[]
  reported: unknown[]
  failOn: { channel: number | null }
  /** Called as each channel's playlog is first read. */
  onRead: { hook: (channelId: number) => void }
}

async function guideEnv(): Promise<Env> {
  const reads: number[] = []
  const reported: unknown[] = []
  const failOn = { channel: null as number | null }
  const onRead = { hook: (_channelId: number) => {} }
  const guide = new GuideAnswers({
    version: () => 1,
    channels: () => viewerChannels(infos, 'A1B2C3D4'),
    pages: function* (channelId, from, to) {
      reads.push(channelId)
      onRead.hook(channelId)
      for (const page of synthetic(channelId, from, to)) {
        if (failOn.channel === channelId)
          throw new Error(`disk I/O error reading channel ${channelId}`)
        yield page
      }
    },
    now: () => FROM,
    horizonMs: HORIZON_MS,
    report: (err) => reported.push(err)
  })
  const app = Fastify()
  app.get('/xmltv.xml', (req, reply) => guide.answer(req, reply))
  app.addHook('onClose', async () => guide.close())
  await app.ready()
  return { app, guide, reads, reported, failOn, onRead }
}

const expected = () => renderXmltv(viewerChannels(infos, 'A1B2C3D4'), synthetic, FROM, HORIZON_MS)

describe('the XMLTV guide answered around one build', () => {
  let env: Env | undefined
  afterEach(async () => {
    await env?.app.close()
    env = undefined
  })

  it('gives two requests that arrive together one build: one read of each channel, the same bytes and ETag, then keeps it', async () => {
    env = await guideEnv()
    const [a, b] = await Promise.all([env.app.inject('/xmltv.xml'), env.app.inject('/xmltv.xml')])
    const guide = await expected()
    expect(a.statusCode).toBe(200)
    expect(b.statusCode).toBe(200)
    expect(a.body).toBe(guide)
    expect(b.body).toBe(guide)
    expect(a.headers.etag).toBe(b.headers.etag)
    expect(env.reads).toEqual(infos.map((c) => c.id))
    // Built: answered again as it is, with its length, and nothing read.
    const c = await env.app.inject('/xmltv.xml')
    expect(c.body).toBe(guide)
    expect(c.headers['content-length']).toBe(String(Buffer.byteLength(guide)))
    expect(env.reads).toHaveLength(infos.length)
  })

  it('answers 304 during the build to a client that has its ETag', async () => {
    env = await guideEnv()
    const first = env.app.inject('/xmltv.xml')
    // The build is under way once the first channel has been read.
    await expect.poll(() => env!.reads.length).toBeGreaterThan(0)
    const head = await env.app.inject({
      url: '/xmltv.xml',
      headers: { 'if-none-match': 'W/"nothing"' }
    })
    const etag = head.headers.etag as string
    const again = await env.app.inject({ url: '/xmltv.xml', headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect((await first).headers.etag).toBe(etag)
    expect(env.reads).toHaveLength(infos.length)
  })

  it('keeps the event loop turning while the guide is built, never one long run', async () => {
    env = await guideEnv()
    // A ticker that takes every turn the loop offers: the longest wait between two turns is the longest stall.
    let ticks = 0
    let longest = 0
    let last = performance.now()
    let ticking = true
    const tick = () => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
      ticks++
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const t0 = performance.now()
    // Read as a stream, chunk by chunk as a socket would: the harness never joins megabytes on the loop.
    const res = await env.app.inject({ url: '/xmltv.xml', payloadAsStream: true })
    let bytes = 0
    let tail = ''
    for await (const chunk of res.stream()) {
      bytes += (chunk as Buffer).length
      tail = (tail + (chunk as Buffer).toString('latin1')).slice(-16)
    }
    const total = performance.now() - t0
    ticking = false
    longest = Math.max(longest, performance.now() - last)
    expect(res.statusCode).toBe(200)
    expect(tail.endsWith('</tv>\n')).toBe(true)
    const pages = Math.ceil(HORIZON_MS / ITEM_MS / PAGE) * infos.length
    console.log(
      `guide of ${bytes} bytes in ${total.toFixed(0)} ms: ${ticks} turns of the loop, longest stall ${longest.toFixed(1)} ms`
    )
    // Built in one go, the ticker would not run at all until the end; in pieces it runs at least once a page.
    expect(ticks).toBeGreaterThanOrEqual(pages)
    expect(longest).toBeLessThan(total / 4)
  })

  it('reports a failed build once, fails the answers that read it, and builds again at the next request', async () => {
    env = await guideEnv()
    env.failOn.channel = 7
    const answers = await Promise.allSettled([
      env.app.inject('/xmltv.xml'),
      env.app.inject('/xmltv.xml')
    ])
    // Headers were sent with the first piece: the answer is cut short (or the connection errors), never a whole guide.
    for (const a of answers)
      if (a.status === 'fulfilled') expect(a.value.body.endsWith('</tv>\n')).toBe(false)
    expect(env.reported).toHaveLength(1)
    expect(String(env.reported[0])).toContain('disk I/O error reading channel 7')
    env.failOn.channel = null
    const again = await env.app.inject('/xmltv.xml')
    expect(again.statusCode).toBe(200)
    expect(again.body).toBe(await expected())
    expect(env.reported).toHaveLength(1)
  })

  it('stops a build under way when the server closes, without reporting it', async () => {
    env = await guideEnv()
    const e = env
    // The server closes as the third channel is read.
    e.onRead.hook = (channelId) => channelId === 3 && e.guide.close()
    const answer = await e.app.inject('/xmltv.xml').catch((err: unknown) => err)
    if (!(answer instanceof Error))
      expect((answer as { body: string }).body.endsWith('</tv>\n')).toBe(false)
    await new Promise((r) => setImmediate(r))
    expect(e.reads).toEqual([1, 2, 3])
    expect(e.reported).toEqual([])
  })
})
