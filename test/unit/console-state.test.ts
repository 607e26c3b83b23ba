// The console's model without a browser: snapshot and changes into the store, per-channel object
// identity (one tile re-renders per change), alarm latching and acknowledgement, the smoothed
// station clock, levels outside the store, and persisted preferences.
import { describe, expect, it } from 'vitest'
import type { AlarmDto, ChannelStatusDto, StationEvent } from '../../src/shared/api'
import {
  STATION_API_METHODS,
  StationApiError,
  type StationApi,
  type StationEventListener
} from '../../src/shared/station-api'
import { ConsoleModel } from '../../src/renderer/src/state/model'
import { StationClock } from '../../src/renderer/src/state/clock'
import {
  DEFAULT_PREFS,
  loadPrefs,
  PREFS_KEY,
  WINDOW_PREFS_KEY
} from '../../src/renderer/src/state/prefs'
import { alarmBucket, type AlarmEntry } from '../../src/renderer/src/state/station-state'
import { countdown, formatClock } from '../../src/renderer/src/format'
import {
  holdPeak,
  meterFraction,
  PEAK_HOLD_MS
} from '../../src/renderer/src/components/meter-scale'

const T0 = '2026-11-26T12:00:00.000Z'

function channel(n: number, patch: Partial<ChannelStatusDto> = {}): ChannelStatusDto {
  return {
    uuid: `00000000-0000-4000-8000-00000000000${n}`,
    slug: `c${n}`,
    name: `Channel ${n}`,
    timezone: 'UTC',
    kind: 'normal',
    rolloverMinutes: 360,
    mode: 'normal',
    producerStatus: 'running',
    producerType: 'normal',
    viewerCount: 0,
    previewCount: 1,
    outputCount: 0,
    outputs: [],
    tally: 'preview',
    failed: false,
    nowPlaying: null,
    next: null,
    broadcastDay: { label: '2026-11-26', start: T0, end: T0 },
    alarms: [],
    ...patch
  }
}

const alarm = (patch: Partial<AlarmDto> = {}): AlarmDto => ({
  id: 'failed',
  kind: 'channel-failed',
  code: 'FAIL',
  severity: 'critical',
  message: 'channel failed',
  since: T0,
  clearedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  channelUuid: channel(1).uuid,
  ...patch
})

const health = {
  status: 'ok' as const,
  channels: 2,
  producersRunning: 2,
  producerBudget: 4,
  producerBudgetUsed: 2,
  viewers: 0,
  previews: 2,
  failedChannels: 0
}
const snap = (channels: ChannelStatusDto[], seq = 1, stationTime = T0): StationEvent => ({
  type: 'snapshot',
  seq,
  stationTime,
  mode: { mode: 'normal', emergency: null },
  health,
  alarms: [],
  acknowledgements: [],
  channels
})
const change = (channels: ChannelStatusDto[], seq: number, stationTime = T0): StationEvent => ({
  type: 'changes',
  seq,
  stationTime,
  mode: { mode: 'normal', emergency: null },
  health,
  alarms: [],
  acknowledgements: [],
  channels
})

/** A StationApi stand-in: events are pushed by the test, commands answer as told. */
function fakeApi(
  overrides: Partial<StationApi> = {}
): StationApi & { push(e: StationEvent): void } {
  let listener: StationEventListener | null = null
  const nope = () => Promise.reject(new StationApiError('unsupported', 'not in this test'))
  return {
    // every call refused unless the test overrides it (new calls need no edit here)
    ...(Object.fromEntries(STATION_API_METHODS.map((m) => [m, nope])) as unknown as Omit<
      StationApi,
      'subscribe'
    >),
    subscribe: (l) => {
      listener = l
      return () => (listener = null)
    },
    push: (e) => listener?.(e),
    ...overrides
  }
}

const memoryStorage = () => {
  const m = new Map<string, string>()
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    m
  }
}

describe('console model', () => {
  it('replaces on a snapshot and merges changes per channel, keeping unchanged channels as they were', () => {
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    api.push(snap([channel(1), channel(2)]))
    const s1 = model.state
    expect(s1.live).toBe(true)
    expect(s1.order).toEqual([channel(1).uuid, channel(2).uuid])

    api.push(change([channel(2, { viewerCount: 1, tally: 'program' })], 2))
    const s2 = model.state
    expect(s2.channels[channel(1).uuid]).toBe(s1.channels[channel(1).uuid]) // tile 1 does not re-render
    expect(s2.channels[channel(2).uuid]!.tally).toBe('program')
    expect(s2.order).toBe(s1.order)
    expect(s2.seen[channel(2).uuid]!.map((e) => e.text)).toEqual(
      expect.arrayContaining(['Tally PREVIEW → ON AIR', 'Viewers 0 → 1'])
    )

    // An identical status is no change at all.
    api.push(change([channel(2, { viewerCount: 1, tally: 'program' })], 3))
    expect(model.state.channels).toBe(s2.channels)

    // A new channel joins the order; a fresh snapshot drops a channel that went.
    api.push(change([channel(3)], 4))
    expect(model.state.order).toHaveLength(3)
    api.push(snap([channel(1), channel(3)], 9))
    expect(model.state.order).toEqual([channel(1).uuid, channel(3).uuid])
    expect(model.state.channels[channel(1).uuid]).toBe(s1.channels[channel(1).uuid])
  })

  it('latches a cleared alarm until the station says it is acknowledged; never latches on its own', () => {
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    const a = alarm()
    api.push(snap([channel(1, { alarms: [a], failed: true, tally: 'fault' })]))
    const entry = () => Object.values(model.state.alarms)[0] as AlarmEntry
    expect(alarmBucket(entry())).toBe('active')

    // Cleared: the station keeps it, latched, until some desk acknowledges it.
    const cleared = { ...a, clearedAt: '2026-11-26T12:00:04.000Z' }
    api.push(change([channel(1, { alarms: [cleared] })], 2, '2026-11-26T12:00:04.000Z'))
    expect(alarmBucket(entry())).toBe('latched')

    // Another desk acknowledged it: it leaves the report, and the event says who and when.
    const acked = {
      ...cleared,
      acknowledgedAt: '2026-11-26T12:00:05.000Z',
      acknowledgedBy: 'Desk B'
    }
    api.push({
      ...change([channel(1)], 3, '2026-11-26T12:00:05.000Z'),
      acknowledgements: [acked]
    } as StationEvent)
    expect(alarmBucket(entry())).toBe('done')
    expect(entry().alarm.acknowledgedBy).toBe('Desk B')
    expect(entry().alarm.acknowledgedAt).toBe('2026-11-26T12:00:05.000Z')

    // An alarm the station stops reporting without saying (its channel went) is done, not latched.
    const other = alarm({ id: 'other', channelUuid: channel(2).uuid })
    api.push(change([channel(2, { alarms: [other] })], 4))
    api.push({ ...snap([channel(1)], 5), acknowledgements: [acked] } as StationEvent)
    expect(Object.values(model.state.alarms).map(alarmBucket)).toEqual(['done', 'done'])
  })

  it('acknowledges at the station naming the desk, and reports its other refusals', async () => {
    const a = alarm({ clearedAt: '2026-11-26T12:00:03.000Z' })
    const asked: unknown[] = []
    const api = fakeApi({
      acknowledgeAlarm: async (_id, request) => {
        asked.push(request)
        return { ...a, acknowledgedAt: '2026-11-26T12:00:06.000Z', acknowledgedBy: 'Desk A' }
      }
    })
    const storage = memoryStorage()
    const model = new ConsoleModel(api, { monotonic: () => 0, storage })
    model.start()
    expect(model.state.desk).toBeNull()
    expect(() => model.setDesk('   ')).toThrow(/desk name/)
    model.setDesk('  Desk A ')
    expect(new ConsoleModel(api, { storage }).state.desk).toBe('Desk A')
    api.push(snap([channel(1, { alarms: [a] })]))
    const entry = () => Object.values(model.state.alarms)[0] as AlarmEntry
    expect(alarmBucket(entry())).toBe('latched') // reported cleared, not acknowledged
    await expect(model.acknowledge(entry())).resolves.toBe('acknowledged')
    expect(asked).toEqual([{ desk: 'Desk A' }])
    expect(entry().alarm.acknowledgedAt).toBe('2026-11-26T12:00:06.000Z')
    expect(entry().alarm.acknowledgedBy).toBe('Desk A')
    expect(alarmBucket(entry())).toBe('done')

    // Acknowledged by another desk in between: the station no longer holds it; done here too.
    const raced = fakeApi({
      acknowledgeAlarm: () => Promise.reject(new StationApiError('not_found', 'no alarm'))
    })
    const m3 = new ConsoleModel(raced, { monotonic: () => 0 })
    m3.start()
    raced.push(snap([channel(1, { alarms: [a] })]))
    await expect(m3.acknowledge(Object.values(m3.state.alarms)[0]!)).resolves.toBe('already')
    expect(alarmBucket(Object.values(m3.state.alarms)[0]!)).toBe('done')

    const failing = fakeApi({
      acknowledgeAlarm: () => Promise.reject(new StationApiError('unreachable', 'gone'))
    })
    const m2 = new ConsoleModel(failing, { monotonic: () => 0 })
    m2.start()
    failing.push(snap([channel(1, { alarms: [alarm()] })]))
    await expect(m2.acknowledge(Object.values(m2.state.alarms)[0]!)).rejects.toMatchObject({
      code: 'unreachable'
    })
  })

  it('keeps alarms of different channels with the same id apart', () => {
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    api.push(
      snap([
        channel(1, { alarms: [alarm()] }),
        channel(2, { alarms: [alarm({ channelUuid: channel(2).uuid })] })
      ])
    )
    expect(Object.keys(model.state.alarms)).toHaveLength(2)
  })

  it('runs the station clock smoothly from event times, never from the desk’s own clock', () => {
    let mono = 1000
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => mono })
    model.start()
    expect(model.stationNow(mono)).toBeNull()
    api.push(snap([], 1, T0))
    expect(model.stationNow(mono)).toBe(Date.parse(T0))
    mono += 1500
    expect(model.stationNow(mono)).toBe(Date.parse(T0) + 1500)

    const clock = new StationClock()
    clock.anchor(T0, 0)
    clock.anchor('2026-11-26T11:59:59.950Z', 0) // a slower event by 50 ms: no step back
    expect(clock.now(0)).toBe(Date.parse(T0))
    clock.anchor('2026-11-26T11:59:00.000Z', 0) // the station's clock really moved: follow it
    expect(clock.now(0)).toBe(Date.parse('2026-11-26T11:59:00.000Z'))
  })

  it('passes levels to meters without touching the store', () => {
    const api = fakeApi()
    const model = new ConsoleModel(api, { monotonic: () => 7 })
    model.start()
    api.push(snap([channel(1)]))
    const before = model.state
    const readings: number[] = []
    model.levels.subscribe(channel(1).uuid, (r) => readings.push(r.rms[0]))
    api.push({
      type: 'levels',
      stationTime: T0,
      channels: [{ uuid: channel(1).uuid, peak: [-6, -6], rms: [-20, -21] }]
    })
    expect(model.state).toBe(before)
    expect(readings).toEqual([-20])
    expect(model.levels.get(channel(1).uuid)).toMatchObject({ atMono: 7 })
    expect(meterFraction(-20)).toBeCloseTo(40 / 60)
    expect(meterFraction(-Infinity)).toBe(0)
    expect(meterFraction(3)).toBe(1)
  })

  it('holds the highest peak for PEAK_HOLD_MS, then lets it fall to the current one', () => {
    let hold = holdPeak(null, -10, 0)
    hold = holdPeak(hold, -20, 500)
    expect(hold).toEqual({ db: -10, atMs: 0 })
    hold = holdPeak(hold, -4, 900)
    expect(hold).toEqual({ db: -4, atMs: 900 })
    expect(holdPeak(hold, -30, 900 + PEAK_HOLD_MS)).toEqual({ db: -4, atMs: 900 })
    expect(holdPeak(hold, -30, 901 + PEAK_HOLD_MS)).toEqual({ db: -30, atMs: 901 + PEAK_HOLD_MS })
  })

  it("persists only UI preferences: the desk's layout shared, what a window hears its own", () => {
    const storage = memoryStorage()
    const windowStorage = memoryStorage()
    const api = fakeApi()
    const model = new ConsoleModel(api, { storage, windowStorage, monotonic: () => 0 })
    model.start()
    api.push(snap([channel(1)]))
    model.setLayout('3x3')
    model.setWall(true)
    model.toggleListen(channel(1).uuid)
    model.setLarge(channel(1).uuid)
    model.setSolo(channel(1).uuid)
    expect(JSON.parse(storage.m.get(PREFS_KEY)!)).toEqual({ layout: '3x3', wall: true })
    expect(JSON.parse(windowStorage.m.get(WINDOW_PREFS_KEY)!)).toEqual({
      listened: channel(1).uuid,
      large: channel(1).uuid
    })
    expect(loadPrefs(storage, windowStorage)).toEqual({
      layout: '3x3',
      wall: true,
      listened: channel(1).uuid,
      large: channel(1).uuid
    })
    // Another console of the same browser: the desk's layout, but nothing heard.
    expect(loadPrefs(storage, memoryStorage())).toMatchObject({ layout: '3x3', listened: null })
    model.toggleListen(channel(1).uuid)
    expect(loadPrefs(storage, windowStorage).listened).toBeNull()
    storage.setItem(PREFS_KEY, '{not json')
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS)
    storage.setItem(PREFS_KEY, JSON.stringify({ layout: '9x9', wall: 'yes' }))
    windowStorage.setItem(WINDOW_PREFS_KEY, JSON.stringify({ listened: 4 }))
    expect(loadPrefs(storage, windowStorage)).toEqual(DEFAULT_PREFS)
  })

  it('runs a test emergency in the console only', () => {
    const calls: string[] = []
    const api = fakeApi({
      activateEmergency: async () => {
        calls.push('activate')
        return { mode: 'emergency', emergency: null }
      }
    })
    const model = new ConsoleModel(api, { monotonic: () => 0 })
    model.start()
    api.push(snap([channel(1)]))
    model.startTest('drill', 'crawl')
    expect(model.state.ui.testEmergency).toMatchObject({
      message: 'drill',
      scope: 'crawl',
      since: T0
    })
    expect(model.state.mode.mode).toBe('normal')
    model.endTest()
    expect(model.state.ui.testEmergency).toBeNull()
    expect(calls).toEqual([])
  })
})

describe('console time formats', () => {
  it('counts down to the next item and up, greyed, after an overrun', () => {
    expect(countdown(10_000, 0)).toEqual({ text: '-00:10', overrun: false })
    expect(countdown(10_000, 9_001)).toEqual({ text: '-00:01', overrun: false })
    expect(countdown(10_000, 12_500)).toEqual({ text: '+00:02', overrun: true })
    expect(countdown(4 * 3600_000, 0).text).toBe('-4:00:00')
  })

  it('shows 24-hour clocks in a channel’s zone', () => {
    expect(formatClock(Date.parse('2026-11-26T23:05:09Z'), 'America/New_York')).toBe('18:05:09')
    expect(formatClock(Date.parse('2026-11-26T00:00:00Z'), 'UTC')).toBe('00:00:00')
  })
})
