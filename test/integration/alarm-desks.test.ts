// Alarms and the emergency shared by every desk, over the real HTTP API: an acknowledgement made on
// one desk reaches every subscriber's events (who and when, even after the alarm leaves the lists),
// the desk is recorded in the history and the audit log, a bad desk name is refused naming it and
// changes nothing, and an emergency says which desk fired it (also after a restart's read-back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alarmKeys } from '../../src/runtime/alarm-keys'
import type { AlarmDto, ModeDto, StationEvent } from '../../src/shared/api'
import { type HttpEnv, httpEnv } from '../helpers/http-env'

describe('alarms and emergencies shared by every desk (HTTP)', () => {
  let env: HttpEnv
  beforeAll(async () => {
    env = await httpEnv()
  })
  afterAll(() => env.close())

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    env.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${env.token}`, host: env.host },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> })
    })

  /** A desk: everything its event stream said, in order. */
  const desk = () => {
    const events: StationEvent[] = []
    const stop = env.station.director.status.subscribe((e) => events.push(e))
    return { events, stop }
  }
  const lastChanges = (events: StationEvent[]) =>
    events.filter((e) => e.type === 'changes' || e.type === 'snapshot').at(-1) as StationEvent & {
      type: 'changes' | 'snapshot'
    }
  const channelAlarms = (e: StationEvent & { alarms: AlarmDto[] }, uuid: string) =>
    e.type === 'snapshot' || e.type === 'changes'
      ? [...e.alarms, ...e.channels.filter((c) => c.uuid === uuid).flatMap((c) => c.alarms)]
      : []

  /** A black picture on channel One, come and gone: latched, waiting for a desk. */
  const latchedAlarm = () => {
    const uuid = env.uuids[0]!
    const board = env.station.director.channel(uuid).alarms
    board.raise(alarmKeys.outputCondition('black'), {
      kind: 'black',
      severity: 'critical',
      message: 'black on output (desks)',
      channelUuid: uuid
    })
    board.clear(alarmKeys.outputCondition('black'))
    const a = board.dtos().find((x) => x.message === 'black on output (desks)' && x.clearedAt)
    if (!a) throw new Error('no latched alarm')
    return { uuid, alarm: a }
  }

  it('tells every desk who acknowledged an alarm and when, in the next event', async () => {
    const a = desk()
    const b = desk()
    const { uuid, alarm } = latchedAlarm()
    env.clock.advance(200) // the coalescing window
    for (const d of [a, b])
      expect(channelAlarms(lastChanges(d.events), uuid)).toContainEqual(
        expect.objectContaining({ id: alarm.id, acknowledgedAt: null })
      )

    const res = await call('POST', `/api/alarms/${alarm.id}/acknowledge`, { desk: 'MCR 1' })
    expect(res.statusCode).toBe(200)
    const acked = res.json() as AlarmDto
    expect(acked).toMatchObject({ id: alarm.id, acknowledgedBy: 'MCR 1' })
    expect(acked.acknowledgedAt).not.toBeNull()

    env.clock.advance(200)
    for (const d of [a, b]) {
      const last = lastChanges(d.events)
      // Gone from the lists (nothing left to acknowledge), and said acknowledged, by whom and when.
      expect(channelAlarms(last, uuid).map((x) => x.id)).not.toContain(alarm.id)
      expect(last.acknowledgements[0]).toMatchObject({
        id: alarm.id,
        channelUuid: uuid,
        acknowledgedBy: 'MCR 1',
        acknowledgedAt: acked.acknowledgedAt
      })
    }
    // A desk that connects later hears it in its snapshot.
    const late = desk()
    expect(late.events[0]).toMatchObject({ type: 'snapshot' })
    expect((late.events[0] as { acknowledgements: AlarmDto[] }).acknowledgements[0]?.id).toBe(
      alarm.id
    )
    for (const d of [a, b, late]) d.stop()

    // The history and the audit log say which desk.
    const history = (await call('GET', `/api/alarms?channel=${uuid}`)).json() as {
      alarms: AlarmDto[]
    }
    expect(history.alarms.find((x) => x.id === alarm.id)).toMatchObject({
      acknowledgedBy: 'MCR 1',
      acknowledgedAt: acked.acknowledgedAt
    })
    expect(env.station.store.audit.recent(1)[0]).toMatchObject({
      actor: 'api',
      action: 'alarm-acknowledged',
      details: { alarm: Number(alarm.id), desk: 'MCR 1' }
    })
  })

  it('acknowledges without a desk name as the API, and refuses a bad one naming it, changing nothing', async () => {
    const { alarm } = latchedAlarm()
    for (const [body, why] of [
      [{ desk: '' }, /desk.*must not be empty/],
      [{ desk: '   ' }, /desk.*must not be empty/],
      [{ desk: 'x'.repeat(41) }, /desk.*at most 40/],
      [{ desk: 'a\u0007b' }, /desk.*control characters/],
      [{ desk: 7 }, /desk.*desk name/],
      [{ desk: 'ok', extra: 1 }, /extra/]
    ] as const) {
      const res = await call('POST', `/api/alarms/${alarm.id}/acknowledge`, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect((res.json() as { error: { message: string } }).error.message).toMatch(why)
    }
    const board = env.station.director.channel(env.uuids[0]!).alarms
    expect(board.dtos().find((x) => x.id === alarm.id)?.acknowledgedAt).toBeNull()

    const res = await call('POST', `/api/alarms/${alarm.id}/acknowledge`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: alarm.id, acknowledgedBy: 'api' })
    // Acknowledged already (by any desk): the station no longer holds it.
    expect(
      (await call('POST', `/api/alarms/${alarm.id}/acknowledge`, { desk: 'B' })).statusCode
    ).toBe(404)
  })

  it('says which desk fired the emergency, and keeps it with the mode', async () => {
    const bad = await call('POST', '/api/emergency', { message: 'x', scope: 'crawl', desk: '' })
    expect(bad.statusCode).toBe(400)
    expect((await call('GET', '/api/mode')).json()).toMatchObject({ mode: 'normal' })

    const res = await call('POST', '/api/emergency', {
      message: 'Desk test',
      scope: 'crawl',
      desk: 'MCR 2'
    })
    expect(res.statusCode).toBe(200)
    expect((res.json() as ModeDto).emergency).toMatchObject({ message: 'Desk test', desk: 'MCR 2' })
    expect((await call('GET', '/api/mode')).json()).toMatchObject({
      mode: 'emergency',
      emergency: { desk: 'MCR 2' }
    })
    expect(env.station.store.system.get().emergencyDesk).toBe('MCR 2')
    expect(env.station.store.audit.recent(1)[0]).toMatchObject({
      action: 'emergency-activate',
      details: { desk: 'MCR 2' }
    })
    expect((await call('DELETE', '/api/emergency')).statusCode).toBe(200)
    expect(env.station.store.system.get().emergencyDesk).toBeNull()
    // Without a desk name: none said.
    const unnamed = await call('POST', '/api/emergency', { message: 'No desk', scope: 'crawl' })
    expect((unnamed.json() as ModeDto).emergency?.desk).toBeNull()
    await call('DELETE', '/api/emergency')
  })
})
