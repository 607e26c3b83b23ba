// The desktop window's transport end to end, without Electron: the real preload (over stand-ins for
// contextBridge and ipcRenderer), main's IPC handlers (over a stand-in ipcMain), the engine client
// and the engine host talking over a MessageChannel, and a real Station with test-double producers.
// The renderer's own transport selection and console model run on top, as in the window.
import path from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { StationEvent } from '../../src/shared/api'
import { IPC_INVOKE, type IpcReply } from '../../src/shared/ipc'
import { STATION_API_METHODS, StationApiError, type StationApi } from '../../src/shared/station-api'
import { isConsoleUrl } from '../../src/main/app-protocol'
import { EngineClient } from '../../src/main/engine-client'
import { hostEngine } from '../../src/main/engine-host'
import { registerStationIpc, type StationBackend, type StationIpc } from '../../src/main/ipc'
import { chooseTransport, isStationApi } from '../../src/renderer/src/transport/select'
import { ConsoleModel } from '../../src/renderer/src/state/model'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'
import { TestProducerPool } from '../helpers/test-producer'
import {
  FakeIpcMain,
  FakeWindow,
  parentPortOver,
  utilityProcessOver
} from '../helpers/electron-stand-ins'

// The preload imports 'electron'; each import of it below sees the window being set up.
const electron = vi.hoisted(() => ({
  current: null as { contextBridge: unknown; ipcRenderer: unknown } | null
}))
vi.mock('electron', () => ({
  get contextBridge() {
    return electron.current!.contextBridge
  },
  get ipcRenderer() {
    return electron.current!.ipcRenderer
  }
}))

const CONSOLE = 'retrovue://console/index.html'

describe('the StationApi over Electron IPC', () => {
  let t: ReturnType<typeof stationFixture>
  const pool = new TestProducerPool()
  let station: Station
  let engine: EngineClient
  let channel: MessageChannel
  let ipcMain: FakeIpcMain
  let ipc: StationIpc
  let uuids: string[] = []
  /** What reached the engine, by method: refused requests must not appear here. */
  const backendCalls: string[] = []

  /** A window loaded from `url` with the real preload run in it. */
  async function openWindow(url = CONSOLE, parent: unknown = null): Promise<FakeWindow> {
    const win = new FakeWindow(ipcMain, url, parent)
    electron.current = win
    vi.resetModules()
    await import('../../src/preload/index')
    return win
  }
  const apiOf = (win: FakeWindow): StationApi => {
    const choice = chooseTransport({
      retrovue: win.mainWorld['retrovue'],
      location: { origin: 'retrovue://console', hash: '', search: '', pathname: '/index.html' },
      history: { replaceState: () => undefined },
      sessionStorage: { getItem: () => null, setItem: () => undefined }
    })
    if (choice.kind !== 'ipc') throw new Error(`expected the IPC transport, got ${choice.kind}`)
    return choice.api
  }
  const failure = async (p: Promise<unknown>): Promise<StationApiError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationApiError)
    return err as StationApiError
  }
  const rawInvoke = (win: FakeWindow, ...args: unknown[]) =>
    win.ipcRenderer.invoke(IPC_INVOKE, ...args) as Promise<IpcReply>

  beforeAll(async () => {
    const loop = loopOf(
      { title: 'A', asset: 'media/a.mp4', durationMs: 10_000 },
      { title: 'B', asset: 'media/b.mp4', durationMs: 8_000 }
    )
    t = stationFixture([
      { id: 'one', name: 'One', timezone: 'UTC', loop },
      { id: 'two', name: 'Two', timezone: 'Europe/Paris', loop },
      { id: 'three', name: 'Three', timezone: 'Asia/Tokyo', loop }
    ])
    station = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      stationFile: t.file,
      producerFactory: pool.factory,
      logger: silentLogger
    })
    uuids = station.director.channelManagers().map((cm) => cm.uuid)

    // The engine process's side and main's side of the utility process's port.
    channel = new MessageChannel()
    hostEngine(parentPortOver(channel.port2), {
      open: async () => ({
        api: station.api.as('operator'),
        ready: { dataDir: station.dataDir, httpOrigin: 'http://127.0.0.1:9' },
        close: () => station.close()
      }),
      describeStartFailure: (err) => ({ code: 'start_failed', message: String(err) }),
      log: () => undefined
    })
    engine = new EngineClient(utilityProcessOver(channel.port1))
    await engine.ready

    const backend: StationBackend = {
      call: (method, args) => {
        backendCalls.push(method)
        return engine.call(method, args)
      },
      subscribe: (listener) => engine.subscribe(listener)
    }
    ipcMain = new FakeIpcMain()
    ipc = registerStationIpc({
      ipcMain,
      backend,
      isTrustedUrl: (url) => isConsoleUrl(url),
      log: { warn: () => undefined, error: () => undefined }
    })
  })

  afterAll(async () => {
    ipc?.dispose()
    await engine?.close(10_000)
    channel?.port1.close()
    await station?.close()
    t?.cleanup()
  })

  it('exposes exactly the StationApi as window.retrovue, and the renderer picks it', async () => {
    const win = await openWindow()
    const exposed = win.mainWorld['retrovue'] as Record<string, unknown>
    expect(Object.keys(win.mainWorld)).toEqual(['retrovue'])
    expect(Object.keys(exposed).sort()).toEqual([...STATION_API_METHODS, 'subscribe'].sort())
    expect(Object.values(exposed).every((v) => typeof v === 'function')).toBe(true)
    expect(isStationApi(exposed)).toBe(true)
    win.close()
  })

  it('answers queries and commands from the engine', async () => {
    const win = await openWindow()
    const api = apiOf(win)
    expect(await api.mode()).toEqual({ mode: 'normal', emergency: null })
    const snap = await api.snapshot()
    expect(snap.type).toBe('snapshot')
    expect(snap.channels.map((c) => c.uuid).sort()).toEqual([...uuids].sort())
    expect((await api.channel(uuids[1]!)).name).toBe('Two')
    expect((await api.schedule(uuids[0]!)).items.length).toBeGreaterThan(0)
    expect((await api.broadcastDay(uuids[2]!)).timezone).toBe('Asia/Tokyo')
    expect((await api.health()).channels).toBe(3)
    expect((await api.alarms()).alarms).toEqual(expect.any(Array))

    const preview = await api.attachPreview(uuids[0]!)
    expect(preview).toMatchObject({ channelUuid: uuids[0], purpose: 'preview' })
    // Relative: the window resolves it against retrovue://console, whose protocol forwards /streams/*.
    expect(preview.streamUrl).toBe(`/streams/${preview.sessionId}/index.m3u8`)
    expect(station.director.sessions.get(preview.sessionId)?.purpose).toBe('preview')
    await api.detachPreview(preview.sessionId)
    expect(station.director.sessions.get(preview.sessionId)).toBeUndefined()
    win.close()
  })

  it('delivers failures as StationApiError with their code, from main and from the engine', async () => {
    const win = await openWindow()
    const api = apiOf(win)
    const before = backendCalls.length
    // Refused in main with the browser transport's code and wording; the engine never sees them.
    expect(await failure(api.channel('not-a-uuid'))).toMatchObject({
      code: 'invalid_request',
      message: 'uuid: must be a channel uuid'
    })
    expect(await failure(api.activateEmergency({ message: '  ', scope: 'crawl' }))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/^body\.message: must not be empty/)
    })
    expect(await failure(api.schedule(uuids[0]!, { from: 'x', bogus: 1 } as never))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/range/)
    })
    expect(backendCalls.length).toBe(before)
    // Refused by the engine's facade, through the engine protocol.
    expect(await failure(api.channel('00000000-0000-4000-8000-000000000009'))).toMatchObject({
      code: 'not_found'
    })
    expect(await failure(api.detachPreview('A'.repeat(22)))).toMatchObject({ code: 'not_found' })
    expect(await failure(api.schedule(uuids[0]!, { from: 'yesterday' }))).toMatchObject({
      code: 'invalid_parameter'
    })
    expect(await failure(api.acknowledgeAlarm('no-such-alarm'))).toMatchObject({
      code: 'not_found'
    })

    // A unit of work refused by one channel names it, and nothing changes.
    await api.attachPreview(uuids[2]!)
    await Promise.all(uuids.map((u) => station.director.channel(u).whenIdle()))
    pool.refuseOverlay.add(uuids[2]!)
    const refused = await failure(
      api.activateEmergency({ message: 'Tornado warning', scope: 'crawl' })
    )
    expect(refused.code).toBe('switch_refused')
    expect(refused.message).toContain('"Three"')
    expect((await api.mode()).mode).toBe('normal')
    pool.refuseOverlay.clear()
    expect(
      await api.activateEmergency({ message: ' Tornado warning ', scope: 'crawl' })
    ).toMatchObject({
      mode: 'emergency',
      emergency: { message: 'Tornado warning', scope: 'crawl' }
    })
    expect(station.store.system.get().globalMode).toBe('emergency')
    expect((await api.clearEmergency()).mode).toBe('normal')
    win.close()
  })

  it('refuses a foreign sender: another origin, a subframe, a frame that is gone', async () => {
    const before = backendCalls.length
    const subs = ipc.subscriptionCount()
    for (const [url, parent] of [
      ['https://evil.example/index.html', null],
      ['file:///tmp/index.html', null],
      ['retrovue://console.evil/index.html', null],
      [CONSOLE, { url: 'https://evil.example/' }]
    ] as const) {
      const win = await openWindow(url, parent)
      const api = apiOf(win)
      expect(await failure(api.mode())).toMatchObject({ code: 'forbidden_origin' })
      expect(
        await failure(api.activateEmergency({ message: 'hijack', scope: 'takeover' }))
      ).toMatchObject({ code: 'forbidden_origin' })
      const reply = await rawInvoke(win, { op: 'subscribe', sub: 1 })
      expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden_origin' } })
      win.close()
    }
    const gone = await openWindow()
    gone.frame = null
    expect(await failure(apiOf(gone).mode())).toMatchObject({ code: 'forbidden_origin' })
    gone.close()
    expect(backendCalls.length).toBe(before)
    expect(ipc.subscriptionCount()).toBe(subs)
    expect(station.store.system.get().globalMode).toBe('normal')
  })

  it.each([
    ['not an object', 'mode'],
    ['an array', [{ op: 'call', method: 'mode', args: [] }]],
    ['an unknown op', { op: 'eval', code: '1' }],
    ['an unknown method', { op: 'call', method: 'shutdown', args: [] }],
    ['an inherited property as method', { op: 'call', method: 'constructor', args: [] }],
    ['__proto__ as method', { op: 'call', method: '__proto__', args: [] }],
    ['the subscribe method as a call', { op: 'call', method: 'subscribe', args: [] }],
    ['args that are not an array', { op: 'call', method: 'mode', args: 'x' }],
    ['too many arguments', { op: 'call', method: 'mode', args: [1] }],
    ['an extra field', { op: 'call', method: 'mode', args: [], as: 'api' }],
    ['a number for a uuid', { op: 'call', method: 'channel', args: [42] }],
    ['a huge string for a uuid', { op: 'call', method: 'channel', args: ['0'.repeat(100_000)] }],
    [
      'an unknown emergency field',
      {
        op: 'call',
        method: 'activateEmergency',
        args: [{ message: 'x', scope: 'crawl', actor: 'api' }]
      }
    ],
    ['a missing emergency', { op: 'call', method: 'activateEmergency', args: [] }],
    ['a negative subscription id', { op: 'subscribe', sub: -1 }],
    ['a fractional subscription id', { op: 'subscribe', sub: 1.5 }]
  ])('refuses an invalid payload: %s', async (_what, payload) => {
    const win = await openWindow()
    const before = backendCalls.length
    const subs = ipc.subscriptionCount()
    const reply = await rawInvoke(win, payload)
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.any(String) }
    })
    expect(backendCalls.length).toBe(before)
    expect(ipc.subscriptionCount()).toBe(subs)
    expect(station.store.system.get().globalMode).toBe('normal')
    win.close()
  })

  it('refuses more than one request per invoke', async () => {
    const win = await openWindow()
    expect(
      await rawInvoke(
        win,
        { op: 'call', method: 'mode', args: [] },
        { op: 'call', method: 'clearEmergency', args: [] }
      )
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
    win.close()
  })

  it('pushes events to the window that subscribed, and stops when it closes', async () => {
    const win = await openWindow()
    const other = await openWindow()
    const api = apiOf(win)
    const baseline = station.director.status.subscriberCount
    const events: StationEvent[] = []
    api.subscribe((e) => events.push(e))
    await vi.waitFor(() => expect(events[0]?.type).toBe('snapshot'))
    expect(ipc.subscriptionCount()).toBe(1)
    expect(station.director.status.subscriberCount).toBe(baseline + 1)

    const preview = await api.attachPreview(uuids[1]!)
    await vi.waitFor(() => {
      const change = events.find(
        (e) =>
          e.type === 'changes' &&
          e.channels.some((c) => c.uuid === uuids[1] && c.previewCount === 1)
      )
      expect(change).toBeDefined()
    })
    // Only the subscribing window was sent anything.
    expect(other.webContents.sent).toHaveLength(0)

    // A witness subscribed after the closing window: the engine sends each change to its
    // subscribers in the order they subscribed, so once the witness has the detach, the closed
    // window would have been sent it already.
    const witnessed: StationEvent[] = []
    apiOf(other).subscribe((e) => witnessed.push(e))
    await vi.waitFor(() => expect(witnessed[0]?.type).toBe('snapshot'))
    win.close()
    expect(ipc.subscriptionCount()).toBe(1)
    await vi.waitFor(() => expect(station.director.status.subscriberCount).toBe(baseline + 1))
    const sentAtClose = win.webContents.sent.length
    await station.api.detachPreview(preview.sessionId)
    await vi.waitFor(() => {
      const change = witnessed.find(
        (e) =>
          e.type === 'changes' &&
          e.channels.some((c) => c.uuid === uuids[1] && c.previewCount === 0)
      )
      expect(change).toBeDefined()
    })
    expect(win.webContents.sendsAfterDestroy).toBe(0)
    expect(win.webContents.sent.length).toBe(sentAtClose)
    other.close()
    expect(ipc.subscriptionCount()).toBe(0)
    await vi.waitFor(() => expect(station.director.status.subscriberCount).toBe(baseline))
  })

  it('ends a subscription when the window unsubscribes or reloads', async () => {
    const win = await openWindow()
    const api = apiOf(win)
    const baseline = station.director.status.subscriberCount
    const stop = api.subscribe(() => undefined)
    api.subscribe(() => undefined)
    await vi.waitFor(() => expect(station.director.status.subscriberCount).toBe(baseline + 2))
    stop()
    await vi.waitFor(() => expect(station.director.status.subscriberCount).toBe(baseline + 1))
    win.navigate(CONSOLE) // a reload: the new page's preload knows none of the old subscriptions
    expect(ipc.subscriptionCount()).toBe(0)
    await vi.waitFor(() => expect(station.director.status.subscriberCount).toBe(baseline))
    win.close()
  })

  it("runs the console's model over the IPC transport", async () => {
    const win = await openWindow()
    const model = new ConsoleModel(apiOf(win))
    model.start()
    await vi.waitFor(() => expect(model.state.live).toBe(true))
    expect([...model.state.order].sort()).toEqual([...uuids].sort())
    expect(model.state.channels[uuids[0]!]?.name).toBe('One')
    await model.activateEmergency('Test of the IPC console', 'takeover')
    await vi.waitFor(() => expect(model.state.mode.mode).toBe('emergency'))
    await model.clearEmergency()
    await vi.waitFor(() => expect(model.state.mode.mode).toBe('normal'))
    model.stop()
    win.close()
  })
})
