// The emergency unit of work when the store cannot write: nothing airs that the store did not
// record, what it recorded airs, and the as-run never records what did not air. The store fails
// the way a full disk makes SQLite fail (SqliteError SQLITE_FULL); test/integration/disk-full.test.ts
// does it with a real full file system.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ChannelSwitchError } from '../../src/runtime/errors'
import { StationFacade } from '../../src/station-facade'
import { StationApiError } from '../../src/shared/station-api'
import { runtimeEnvs, type RuntimeEnv } from '../helpers/runtime-env'

const { env } = runtimeEnvs()

const diskFull = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL')

async function live(channels: number) {
  const e = await env({ channels })
  for (const c of e.channels) e.director.attach(c.uuid)
  await e.settle()
  expect(e.pool.totalAlive()).toBe(channels)
  return e
}

/** The as-run rows of every channel, everything queued written. */
function asRun(e: RuntimeEnv) {
  for (const cm of e.director.channelManagers()) cm.flushReports()
  return e.channels.flatMap((c) => e.store.asRun.recent(c.id, 500))
}

describe('emergency unit of work under write failures', () => {
  it.each(['takeover', 'crawl'] as const)(
    '%s: a store that cannot write refuses the switch before anything airs, with a clear error',
    async (scope) => {
      const e = await live(4)
      const setSystem = e.store.system.set.bind(e.store.system)
      let full = true
      e.store.system.set = (row) => {
        if (full) throw diskFull()
        setSystem(row)
      }
      const auditBefore = e.store.audit.recent(100).length
      const startsBefore = e.channels.map((c) => e.pool.startsFor(c.uuid).length)
      const api = new StationFacade({
        clock: e.clock,
        store: e.store,
        schedule: e.schedule,
        director: e.director
      })
      const error = await api
        .activateEmergency({ message: 'Flood warning', scope })
        .catch((err: unknown) => err)
      expect(error).toBeInstanceOf(StationApiError)
      expect(error).toMatchObject({ code: 'storage_failed' })
      expect((error as Error).message).toContain('No space left on device')
      await e.advance(5_000)
      // Nothing aired: no producer was started or told to show the emergency, on any channel.
      e.channels.forEach((c, i) => {
        expect(e.pool.startsFor(c.uuid)).toHaveLength(startsBefore[i]!)
        const alive = e.pool.aliveFor(c.uuid)
        expect(alive.map((p) => [p.type, p.currentOverlay])).toEqual([['normal', null]])
        expect(e.director.channel(c.uuid).currentMode.global).toBe('normal')
      })
      expect(e.director.modeDto()).toEqual({ mode: 'normal', emergency: null })
      expect(e.store.system.get().globalMode).toBe('normal')
      expect(e.store.audit.recent(100)).toHaveLength(auditBefore)
      expect(
        asRun(e).filter((r) => r.kind === 'emergency' || r.producerType?.startsWith('emergency'))
      ).toEqual([])

      // The disk has room again: the same command records, then airs, on every channel.
      full = false
      expect(await api.activateEmergency({ message: 'Flood warning', scope })).toMatchObject({
        mode: 'emergency'
      })
      await e.advance(5_000)
      expect(e.store.system.get()).toMatchObject({
        globalMode: 'emergency',
        emergencyMessage: 'Flood warning'
      })
      for (const c of e.channels) {
        const alive = e.pool.aliveFor(c.uuid)
        expect(alive).toHaveLength(1)
        if (scope === 'takeover') expect(alive[0]!.type).toBe('emergency')
        else expect(alive[0]!.currentOverlay).toMatchObject({ message: 'Flood warning' })
      }
      // (Test producers report only a takeover's airing to the as-run; the crawl's shows on its producer above.)
      if (scope === 'takeover')
        expect(
          new Set(
            asRun(e)
              .filter((r) => r.kind === 'emergency')
              .map((r) => r.channelId)
          ).size
        ).toBe(e.channels.length)
    }
  )

  it('a store that cannot write keeps an emergency on air when asked to clear it (what it recorded airs)', async () => {
    const e = await live(2)
    await e.director.activateEmergency('Stay tuned', 'takeover')
    await e.settle()
    const setMode = e.store.channels.setMode.bind(e.store.channels)
    e.store.channels.setMode = () => {
      throw diskFull()
    }
    await expect(e.director.clearEmergency()).rejects.toMatchObject({ code: 'SQLITE_FULL' })
    await e.advance(5_000)
    expect(e.store.system.get().globalMode).toBe('emergency')
    expect(e.director.modeDto().mode).toBe('emergency')
    for (const c of e.channels)
      expect(e.pool.aliveFor(c.uuid).map((p) => p.type)).toEqual(['emergency'])
    e.store.channels.setMode = setMode
    await e.director.clearEmergency()
    await e.settle()
    expect(e.store.system.get().globalMode).toBe('normal')
  })

  it('a refused switch whose record could not be taken back is taken back before the next switch', async () => {
    const e = await live(3)
    const third = e.channels[2]!
    e.pool.failTypes.set(third.uuid, new Set(['emergency']))
    const auditBefore = e.store.audit.recent(100).length
    const remove = e.store.audit.remove.bind(e.store.audit)
    let full = true
    e.store.audit.remove = (id) => {
      if (full) throw diskFull()
      remove(id)
    }
    await expect(e.director.activateEmergency('Refused', 'takeover')).rejects.toBeInstanceOf(
      ChannelSwitchError
    )
    await e.settle()
    // On air: every channel put back. The store could not take the record back yet.
    expect(e.director.modeDto().mode).toBe('normal')
    for (const c of e.channels)
      expect(e.pool.aliveFor(c.uuid).map((p) => p.type)).toEqual(['normal'])
    // While the disk is still full the next switch is refused too, before anything airs.
    await expect(e.director.activateEmergency('Again', 'crawl')).rejects.toMatchObject({
      code: 'SQLITE_FULL'
    })
    for (const c of e.channels)
      expect(e.pool.aliveFor(c.uuid).map((p) => p.currentOverlay)).toEqual([null])
    full = false
    e.pool.failTypes.delete(third.uuid)
    await e.director.activateEmergency('Again', 'crawl')
    // The refused one left nothing: one audit entry, for the switch that happened.
    const audit = e.store.audit.recent(100)
    expect(audit.length - auditBefore).toBe(1)
    expect(audit[0]).toMatchObject({ action: 'emergency-activate', details: { message: 'Again' } })
    expect(e.store.system.get()).toMatchObject({
      globalMode: 'emergency',
      emergencyMessage: 'Again',
      emergencyScope: 'crawl'
    })
  })
})
