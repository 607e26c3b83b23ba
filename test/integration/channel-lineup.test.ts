// Channels created, renamed, renumbered and deleted through the API of a real station (`serve`,
// real ffmpeg): each change is in the lineup and the channel list at once, bad input is refused
// naming the field and changes nothing, every change is audited, and deleting a channel on air
// ends its viewer's session cleanly and leaves no ffmpeg running.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, ViewerAttachDto } from '../../src/shared/api'
import type { ChannelLineupDto } from '../../src/shared/station-api'
import { Store } from '../../src/store'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { descendants } from '../helpers/processes'
import { startServe, type ServeHandle } from '../helpers/serve'

/** Asks `holds` every `everyMs` until it says true; fails naming what never happened. */
async function waitFor(what: string, timeoutMs: number, holds: () => Promise<boolean> | boolean) {
  const start = Date.now()
  while (!(await holds())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const ffmpegsOf = (pid: number) => descendants(pid).filter((p) => /ffmpeg/.test(p.cmd))

describe('the channel lineup from the API (real station, real ffmpeg)', () => {
  let serve: ServeHandle
  let t: { dir: string; file: string; cleanup: () => void }
  const send = (method: string, route: string, body?: unknown) =>
    serve.api(route, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    })
  const lineup = async () =>
    ((await (await serve.api('/api/lineup')).json()) as { channels: ChannelLineupDto[] }).channels
  const channels = async () =>
    ((await (await serve.api('/api/channels')).json()) as { channels: ChannelStatusDto[] }).channels

  beforeAll(async () => {
    const loop = loopOf({ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 })
    t = stationFixture([
      { id: 'one', name: 'Channel One', number: '3', timezone: 'UTC', loop },
      { id: 'two', name: 'Channel Two', number: '4', timezone: 'America/New_York', loop }
    ])
    serve = await startServe(path.join(t.dir, 'data'), ['--station', t.file])
  }, 120_000)
  afterAll(async () => {
    if (serve) await serve.stop()
    t?.cleanup()
  })

  it('creates, renames and renumbers a channel; refuses bad input naming what and where', async () => {
    const created = await send('POST', '/api/channels', {
      name: 'Retro Toons',
      number: '7',
      timezone: 'America/Chicago',
      rolloverMinutes: 300
    })
    expect(created.status).toBe(201)
    const retro = (await created.json()) as ChannelLineupDto
    expect(retro).toMatchObject({
      slug: 'retro-toons',
      name: 'Retro Toons',
      number: '7',
      timezone: 'America/Chicago',
      rolloverMinutes: 300
    })
    expect((await lineup()).map((c) => c.number)).toEqual(['3', '4', '7'])
    // On the multiviewer at once (the director took its ChannelManager).
    expect((await channels()).map((c) => c.uuid)).toContain(retro.uuid)
    const status = (await (
      await serve.api(`/api/channels/${retro.uuid}`)
    ).json()) as ChannelStatusDto
    expect(status.name).toBe('Retro Toons')

    // A duplicate number names the field and the channel that has it; nothing changes.
    const dup = await send('PUT', `/api/channels/${retro.uuid}`, { number: '3' })
    expect(dup.status).toBe(409)
    const dupBody = (await dup.json()) as { error: { code: string; message: string } }
    expect(dupBody.error.code).toBe('duplicate_channel')
    expect(dupBody.error.message).toMatch(/request\.number.*"3".*Channel One.*\(one\)/)
    const dupNew = await send('POST', '/api/channels', { name: 'Again', number: '4' })
    expect(dupNew.status).toBe(409)
    expect(((await dupNew.json()) as { error: { message: string } }).error.message).toMatch(
      /Channel Two/
    )

    for (const [body, field] of [
      [{ name: '   ' }, /request\.name: must not be empty/],
      [{ name: 'Ok', number: '07' }, /request\.number: must be a channel number/],
      [{ name: 'Ok', timezone: 'Mars/Olympus' }, /request\.timezone: "Mars\/Olympus" is not/],
      [{ name: 'Ok', rolloverMinutes: 1440 }, /request\.rolloverMinutes: must be from 0 to 1439/],
      [{ name: 'Ok', colour: 'red' }, /colour/],
      [{ name: 'Ok', id: 'one' }, /request\.id: a channel with id "one" already exists/]
    ] as const) {
      const res = await send('POST', '/api/channels', body)
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(field)
    }
    expect((await lineup()).length).toBe(3)

    const renamed = await send('PUT', `/api/channels/${retro.uuid}`, {
      name: 'Retro Cartoons',
      number: '7.1'
    })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ name: 'Retro Cartoons', number: '7.1' })
    await waitFor(
      'the status to carry the new name',
      5_000,
      async () => (await channels()).find((c) => c.uuid === retro.uuid)?.name === 'Retro Cartoons'
    )
    // The number it gave up is free again; no number at all is allowed too.
    expect((await send('PUT', `/api/channels/${retro.uuid}`, { number: null })).status).toBe(200)
    expect((await lineup()).find((c) => c.uuid === retro.uuid)?.number).toBeNull()

    const gone = await send('PUT', '/api/channels/00000000-0000-4000-8000-000000000000', {
      name: 'X'
    })
    expect(gone.status).toBe(404)
  })

  it('deletes a channel on air: its viewer gets a clean end and no ffmpeg is left', async () => {
    const one = (await lineup()).find((c) => c.slug === 'one')!
    const attached = await send('POST', `/api/channels/${one.uuid}/viewers`, {})
    expect(attached.status).toBe(201)
    const viewer = (await attached.json()) as ViewerAttachDto
    const stream = `${serve.url}${viewer.streamUrl}`
    await waitFor('the channel on air to its viewer', 60_000, async () => {
      return (await fetch(stream)).status === 200
    })
    expect(ffmpegsOf(serve.child.pid!).length).toBeGreaterThan(0)

    const deleted = await send('DELETE', `/api/channels/${one.uuid}`)
    expect(deleted.status).toBe(204)

    // The viewer's session ended: the stream says so (not a hang, not a 500).
    const after = await fetch(stream)
    expect(after.status).toBe(404)
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('unknown_session')
    expect((await channels()).map((c) => c.uuid)).not.toContain(one.uuid)
    expect((await lineup()).map((c) => c.slug)).not.toContain('one')
    expect((await serve.api(`/api/channels/${one.uuid}`)).status).toBe(404)
    // No other channel has a viewer: nothing of ffmpeg may be left running.
    await waitFor('every ffmpeg to be gone', 10_000, () => ffmpegsOf(serve.child.pid!).length === 0)
    // Its number is free for a new channel.
    expect((await send('POST', '/api/channels', { name: 'Three Again', number: '3' })).status).toBe(
      201
    )
    expect((await send('DELETE', `/api/channels/${one.uuid}`)).status).toBe(404)
  }, 120_000)

  it('audited every change, and the deleted channel stays deleted across a restart', async () => {
    expect(await serve.stop()).toBe(0)
    const dataDir = path.join(t.dir, 'data')
    const store = Store.open(dataDir)
    try {
      const actions = store.audit
        .recent(200)
        .filter((a) => a.action.startsWith('channel-'))
        .map((a) => `${a.actor} ${a.action}`)
        .reverse()
      expect(actions).toEqual([
        'api channel-created',
        'api channel-updated',
        'api channel-updated',
        'api channel-deleted',
        'api channel-created'
      ])
      const deleted = store.audit.recent(200).find((a) => a.action === 'channel-deleted')!
      expect(deleted.details).toMatchObject({ slug: 'one', number: '3', viewers: 1 })
    } finally {
      store.close()
    }
    serve = await startServe(dataDir)
    expect((await lineup()).map((c) => c.slug)).toEqual(['two', 'retro-toons', 'three-again'])
  }, 120_000)
})
