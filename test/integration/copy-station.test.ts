// Conformed playout in a real station (issue 28): a station file whose `conform` section names one
// channel conforms that channel's media by itself; once its renditions are made, a viewer's
// attach starts the channel on the copy path (remuxes of its renditions, no libx264 for it), and
// what the stream server serves decodes without a warning across an item boundary with its items
// beginning as scheduled. The other channel (not conformed) airs through the encode path as before.
// Nothing is left running after the close.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ViewerAttachDto } from '../../src/shared/api'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { descendants } from '../helpers/processes'
import { silentLogger } from '../helpers/runtime-env'
import { tools as getTools } from '../helpers/schedule-env'
import { until } from '../helpers/until'

describe('copy channels in a running station', () => {
  let t: ReturnType<typeof stationFixture>
  let station: Station | undefined
  let base: string
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station!.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
  const uuid = (slug: string): string => station!.store.channels.bySlug(slug)!.uuid
  const attach = async (slug: string): Promise<ViewerAttachDto> => {
    const res = await api(`/api/channels/${uuid(slug)}/viewers`, {
      method: 'POST',
      body: JSON.stringify({ purpose: 'viewer' })
    })
    expect(res.status).toBe(201)
    return (await res.json()) as ViewerAttachDto
  }
  /** The station's ffmpeg processes now (the station runs in this process). */
  const ffmpegs = () => descendants().filter((p) => /ffmpeg/.test(p.cmd))

  beforeAll(async () => {
    t = stationFixture([
      {
        id: 'copy',
        name: 'Copy',
        timezone: 'UTC',
        loop: loopOf(
          { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
          { title: 'C', asset: 'media/c.mp4', durationMs: 6_000 }
        )
      },
      {
        // Airs a.mp4 too: its rendition exists, but this channel is not in the conform list.
        id: 'encode',
        name: 'Encode',
        timezone: 'UTC',
        loop: loopOf(
          { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 },
          { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }
        )
      }
    ])
    const file = JSON.parse(fs.readFileSync(t.file, 'utf8')) as Record<string, unknown>
    fs.writeFileSync(
      t.file,
      JSON.stringify({ ...file, conform: { aheadHours: 1, channels: ['copy'] } })
    )
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      logger: silentLogger
    })
    base = await station.listen('127.0.0.1', 0)
  }, 60_000)

  afterAll(async () => {
    await station?.close()
    t.cleanup()
    expect(station?.processes.live()).toEqual([])
    expect(ffmpegs()).toEqual([])
  })

  it('airs the conformed channel by copy and the other by encoding', async () => {
    // The copy channel's two assets conformed (the other channel's B is not: it is not listed).
    await until('the copy channel conformed', 180_000, () =>
      station!.store.renditions.all().length === 2 && station!.conform!.due().length === 0
        ? true
        : undefined
    )
    await until('no conform running', 30_000, () =>
      ffmpegs().some((p) => /libx264/.test(p.cmd)) ? undefined : true
    )
    const copy = await attach('copy')
    const encode = await attach('encode')
    const [copyId, encodeId] = [uuid('copy').slice(0, 8), uuid('encode').slice(0, 8)]
    await until('both on air', 60_000, async () => {
      const [a, b] = await Promise.all([
        fetch(`${base}${copy.streamUrl}`),
        fetch(`${base}${encode.streamUrl}`)
      ])
      return a.status === 200 && b.status === 200 ? true : undefined
    })

    // The copy channel: remuxes of its renditions, no encoder of its own; the other: its encoder.
    const procs = ffmpegs()
    const encoders = procs.filter((p) => /libx264/.test(p.cmd))
    expect(encoders.filter((p) => p.cmd.includes(copyId))).toEqual([])
    expect(encoders.filter((p) => p.cmd.includes(encodeId)).length).toBe(1)
    // The budget counts the copy channel as its share (1/8 by default), the other as one.
    expect(station!.director.health().producerBudgetUsed).toBe(1.125)
    await until('a remux of a rendition', 20_000, () =>
      ffmpegs().some((p) => /-c copy/.test(p.cmd) && p.cmd.includes(`conform${path.sep}360p`))
        ? true
        : undefined
    )

    // What the copy channel serves decodes silently across an item boundary (a 16 s loop: 18 s).
    const tools = await getTools()
    const decoded = await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-v',
        'warning',
        '-i',
        `${base}${copy.streamUrl}`,
        '-t',
        '18',
        '-f',
        'null',
        '-'
      ],
      { reject: false, timeout: 90_000 }
    )
    expect(decoded.exitCode, decoded.stderr).toBe(0)
    expect(decoded.stderr).toBe('')
    // Still no encoder for the copy channel after its item boundaries.
    expect(ffmpegs().filter((p) => /libx264/.test(p.cmd) && p.cmd.includes(copyId))).toEqual([])

    // Its items began on their scheduled times (the as-run's report of the copy run's frames).
    type Row = { kind: string; status: string; scheduledStart: string; actualStart: string }
    const { days } = (await (await api(`/api/asrun?channel=${uuid('copy')}`)).json()) as {
      days: Array<{ rows: Row[] }>
    }
    const items = days.flatMap((d) => d.rows).filter((r) => r.kind === 'item')
    expect(items.length).toBeGreaterThanOrEqual(2)
    for (const r of items.slice(1))
      expect([r.status, r.actualStart]).toEqual(['as-scheduled', r.scheduledStart])

    for (const a of [copy, encode]) await api(`/api/viewers/${a.sessionId}`, { method: 'DELETE' })
  }, 360_000)
})
