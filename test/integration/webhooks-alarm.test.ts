// A real alarm to a local receiver: a channel airs a clip that goes black (real ffmpeg), and the
// receiver gets the BLACK alarm raised, cleared when the picture returns, and acknowledged by the
// operator over the API, each signed with the webhook's secret.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Station } from '../../src/station'
import { FAULT_SPECS, faultMediaName } from '../helpers/fault-media'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { until } from '../helpers/until'
import { type Receiver, startReceiver } from '../helpers/webhook-receiver'

const SECRET = 'real-alarm-receiver-secret'

describe('a real alarm to a webhook (real ffmpeg)', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station
  let receiver: Receiver
  let base: string

  beforeAll(async () => {
    receiver = await startReceiver(SECRET)
    t = stationFixture([
      {
        id: 'faults',
        name: 'Faults',
        timezone: 'UTC',
        loop: loopOf({
          title: 'Faults',
          asset: `media/${faultMediaName('faults')}`,
          durationMs: FAULT_SPECS.faults.durationS * 1000
        })
      }
    ])
    const file = JSON.parse(fs.readFileSync(t.file, 'utf8')) as Record<string, unknown>
    fs.writeFileSync(
      t.file,
      JSON.stringify({
        ...file,
        health: { black: { durationMs: 1_000 } },
        webhooks: [{ id: 'phone', url: receiver.url, secret: SECRET, severities: ['critical'] }]
      })
    )
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger,
      sessionTimeoutMs: 300_000
    })
    base = await station.listen('127.0.0.1', 0)
  })
  afterAll(async () => {
    await station?.close()
    await receiver?.close()
    t?.cleanup()
    expect(descendants().filter((p) => /ffmpeg/.test(p.cmd))).toEqual([])
  })

  it('posts BLACK raised, cleared and acknowledged, each signed', async () => {
    const [uuid] = station.store.channels.listActive().map((c) => c.uuid) as [string]
    await station.api.attach(uuid, 'viewer')
    const black = (state: string) =>
      receiver.received.find((r) => r.payload.alarm?.kind === 'black' && r.payload.state === state)
    // Black comes within one 15 s cycle of the clip, and clears 2 s after it ends.
    const raised = await until('BLACK raised', 45_000, () => black('raised'))
    const cleared = await until('BLACK cleared', 20_000, () => black('cleared'))
    const id = raised.value.payload.alarm!.id
    const ack = await fetch(`${base}/api/alarms/${id}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${station.apiToken}` }
    })
    expect(ack.status).toBe(200)
    const acknowledged = await until('BLACK acknowledged', 10_000, () => black('acknowledged'))
    for (const r of [raised.value, cleared.value, acknowledged.value]) {
      expect(r.signatureValid).toBe(true)
      expect(r.payload.alarm).toMatchObject({ id, kind: 'black', code: 'BLACK' })
      expect(r.payload.channel).toMatchObject({ uuid, name: 'Faults' })
    }
    expect(cleared.value.payload.alarm!.clearedAt).not.toBeNull()
    expect(acknowledged.value.payload.alarm!.acknowledgedAt).not.toBeNull()
    // In order: each state's sequence follows the one before.
    const seq = [raised, cleared, acknowledged].map((x) => x.value.payload.sequence)
    expect(seq).toEqual([...seq].sort((a, b) => a - b))
  }, 120_000)
})
