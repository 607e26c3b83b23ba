// A real Prometheus (Debian's package) scrapes the station for 60 s with the scrape config the
// README shows: the target stays up, promtool accepts what it scraped, a query for a channel's
// viewers answers what the API reports, and the same scrape without the token gets 401.
// Prometheus scrapes in real time, so this test takes the 60 s the issue asks for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpEnv, httpEnv } from '../helpers/http-env'
import { type Prometheus, promtoolCheck, startPrometheus } from '../helpers/prometheus'
import { tempDir } from '../helpers/tmp'

const METRICS_TOKEN = 'prometheus-reads-only-0123456789'
const SCRAPE_FOR_MS = 60_000

describe('Prometheus scraping the station', () => {
  let env: HttpEnv
  let prom: Prometheus
  const tmp = tempDir('retrovue-prometheus-')

  beforeAll(async () => {
    env = await httpEnv({ station: { metricsToken: METRICS_TOKEN } })
    prom = await startPrometheus(tmp.dir, [
      { name: 'retrovue', target: env.host, bearer: METRICS_TOKEN },
      { name: 'retrovue-no-token', target: env.host }
    ])
  })
  afterAll(async () => {
    await prom?.stop()
    await env?.close()
    tmp.cleanup()
  })

  it(
    'scrapes it for 60 s: up throughout, promtool accepts it, viewers as the API says, 401 without the token',
    async () => {
      const [uuid] = env.uuids as [string]
      const headers = { host: env.host, authorization: `Bearer ${env.token}` }
      for (let i = 0; i < 2; i++) {
        const r = await env.app.inject({
          method: 'POST',
          url: `/api/channels/${uuid}/viewers`,
          headers,
          payload: {}
        })
        expect(r.statusCode).toBe(201)
      }
      const started = Date.now()
      await new Promise((resolve) => setTimeout(resolve, SCRAPE_FOR_MS))
      expect(Date.now() - started).toBeGreaterThanOrEqual(SCRAPE_FOR_MS)

      const targets = await prom.targets()
      expect(targets.find((t) => t.job === 'retrovue')).toMatchObject({
        health: 'up',
        lastError: ''
      })
      const refused = targets.find((t) => t.job === 'retrovue-no-token')
      expect(refused?.health).toBe('down')
      expect(refused?.lastError).toMatch(/401/)

      // Up at every scrape of the last minute (about one a second).
      const [scrapes] = await prom.query('count_over_time(up{job="retrovue"}[1m])')
      expect(Number(scrapes?.value[1])).toBeGreaterThanOrEqual(40)
      const [lowest] = await prom.query('min_over_time(up{job="retrovue"}[1m])')
      expect(lowest?.value[1]).toBe('1')

      const api = (await env.app.inject({ url: `/api/channels/${uuid}`, headers })).json() as {
        viewerCount: number
      }
      expect(api.viewerCount).toBe(2)
      const [viewers] = await prom.query(`retrovue_channel_viewers{channel="${uuid}"}`)
      expect(viewers?.metric).toMatchObject({ job: 'retrovue', channel: uuid })
      expect(Number(viewers?.value[1])).toBe(api.viewerCount)

      // What Prometheus scraped is what promtool accepts.
      const body = await fetch(`${env.base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` }
      })
      expect(body.status).toBe(200)
      expect(promtoolCheck(await body.text())).toBeNull()
    },
    SCRAPE_FOR_MS + 60_000
  )
})
