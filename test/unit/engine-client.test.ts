// Main's client of the engine process, against a stand-in utility process: calls wait for the engine
// to be ready, fail with `unavailable` once it is gone, a crash is reported once, and quitting waits
// for the engine's confirmation but not forever (it is killed after the timeout). Also the engine
// host's side: a close asked for while the station is still opening waits for it, then closes it.
import { EventEmitter } from 'node:events'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it, vi } from 'vitest'
import { EngineClient, type UtilityProcessLike } from '../../src/main/engine-client'
import { hostEngine, type OpenedEngine } from '../../src/main/engine-host'
import type { FromEngine, ToEngine } from '../../src/main/engine-protocol'
import type { StationApi } from '../../src/shared/station-api'
import { parentPortOver, utilityProcessOver } from '../helpers/electron-stand-ins'

class FakeChild extends EventEmitter {
  readonly sent: ToEngine[] = []
  killed = 0
  postMessage(m: unknown): void {
    this.sent.push(m as ToEngine)
  }
  kill(): boolean {
    this.killed++
    return true
  }
  reply(m: FromEngine): void {
    this.emit('message', m)
  }
}

const READY: FromEngine = { type: 'ready', dataDir: '/data', httpOrigin: 'http://127.0.0.1:4000' }
const client = (child: FakeChild, onUnexpectedExit?: (code: number) => void) =>
  new EngineClient(child as unknown as UtilityProcessLike, { onUnexpectedExit })

describe('EngineClient', () => {
  it('holds calls until the engine is ready, then matches replies by id', async () => {
    const child = new FakeChild()
    const engine = client(child)
    const mode = engine.call('mode', [])
    const health = engine.call('health', [])
    await Promise.resolve()
    expect(child.sent).toEqual([])
    child.reply(READY)
    await vi.waitFor(() => expect(child.sent).toHaveLength(2))
    const [a, b] = child.sent as Array<Extract<ToEngine, { type: 'call' }>>
    child.reply({
      type: 'reply',
      id: b!.id,
      ok: false,
      error: { code: 'nope', message: 'refused' }
    })
    child.reply({ type: 'reply', id: a!.id, ok: true, value: { mode: 'normal' } })
    expect(await mode).toEqual({ mode: 'normal' })
    await expect(health).rejects.toMatchObject({
      name: 'StationApiError',
      code: 'nope',
      message: 'refused'
    })
    expect(engine.info).toEqual({ dataDir: '/data', httpOrigin: 'http://127.0.0.1:4000' })
  })

  it('reports a start failure with its code, and fails calls as unavailable', async () => {
    const child = new FakeChild()
    const crashed = vi.fn()
    const engine = client(child, crashed)
    const call = engine.call('mode', [])
    child.reply({ type: 'failed', error: { code: 'data_dir_locked', message: 'in use by pid 42' } })
    await expect(engine.ready).rejects.toMatchObject({
      code: 'data_dir_locked',
      message: 'in use by pid 42'
    })
    await expect(call).rejects.toMatchObject({ code: 'unavailable' })
    child.emit('exit', 1)
    expect(crashed).not.toHaveBeenCalled()
  })

  it('treats an exit after ready as a crash: pending calls fail, listeners stop, reported once', async () => {
    const child = new FakeChild()
    const crashed = vi.fn()
    const engine = client(child, crashed)
    child.reply(READY)
    await engine.ready
    const listener = vi.fn()
    engine.subscribe(listener)
    await vi.waitFor(() => expect(child.sent).toContainEqual({ type: 'subscribe', sub: 1 }))
    const pending = engine.call('snapshot', [])
    await vi.waitFor(() => expect(child.sent.some((m) => m.type === 'call')).toBe(true))
    child.emit('exit', 9)
    await expect(pending).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('exit code 9')
    })
    await expect(engine.call('mode', [])).rejects.toMatchObject({ code: 'unavailable' })
    child.reply({
      type: 'event',
      sub: 1,
      event: { type: 'levels', stationTime: 'x', channels: [] }
    })
    expect(listener).not.toHaveBeenCalled()
    expect(crashed).toHaveBeenCalledExactlyOnceWith(9)
    expect(await engine.close(1000)).toBe('exited')
  })

  it('subscribes once ready, never for a subscription already ended, and unsubscribes', async () => {
    const child = new FakeChild()
    const engine = client(child)
    const events: unknown[] = []
    const early = engine.subscribe(() => undefined)
    early()
    const stop = engine.subscribe((e) => events.push(e))
    child.reply(READY)
    await vi.waitFor(() => expect(child.sent).toEqual([{ type: 'subscribe', sub: 2 }]))
    child.reply({
      type: 'event',
      sub: 2,
      event: { type: 'levels', stationTime: 't', channels: [] }
    })
    expect(events).toHaveLength(1)
    stop()
    expect(child.sent.at(-1)).toEqual({ type: 'unsubscribe', sub: 2 })
  })

  it('on quit, asks the engine to close and waits for its confirmation', async () => {
    const child = new FakeChild()
    const engine = client(child)
    child.reply(READY)
    await engine.ready
    const closing = engine.close(5000)
    expect(child.sent.at(-1)).toEqual({ type: 'close' })
    await expect(engine.call('mode', [])).rejects.toMatchObject({ code: 'unavailable' })
    child.reply({ type: 'closed', error: null })
    expect(await closing).toBe('closed')
    expect(child.killed).toBe(0)
    expect(engine.close(5000)).toBe(closing) // asked twice, closed once
  })

  it('kills an engine that does not close in time', async () => {
    vi.useFakeTimers()
    try {
      const child = new FakeChild()
      const engine = client(child)
      child.reply(READY)
      await engine.ready
      const closing = engine.close(15_000)
      await vi.advanceTimersByTimeAsync(14_999)
      expect(child.killed).toBe(0)
      await vi.advanceTimersByTimeAsync(1)
      expect(await closing).toBe('killed')
      expect(child.killed).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('the engine host', () => {
  it('closes a station that was still opening when main asked, without announcing it ready', async () => {
    const { port1, port2 } = new MessageChannel()
    let finishOpen!: (e: OpenedEngine) => void
    const closed = vi.fn(async () => undefined)
    const done = vi.fn()
    hostEngine(parentPortOver(port2), {
      open: () => new Promise<OpenedEngine>((r) => (finishOpen = r)),
      describeStartFailure: () => ({ code: 'start_failed', message: 'x' }),
      log: () => undefined,
      onDone: done
    })
    const child = utilityProcessOver(port1)
    const seen: FromEngine[] = []
    child.on('message', (m: unknown) => seen.push(m as FromEngine))
    child.postMessage({ type: 'close' } satisfies ToEngine)
    child.postMessage({ type: 'call', id: 1, method: 'mode', args: [] } satisfies ToEngine)
    await vi.waitFor(() =>
      expect(seen).toContainEqual({
        type: 'reply',
        id: 1,
        ok: false,
        error: { code: 'unavailable', message: 'the station is not running' }
      })
    )
    finishOpen({
      api: {} as StationApi,
      ready: { dataDir: '/d', httpOrigin: 'http://127.0.0.1:1' },
      close: closed
    })
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ type: 'closed', error: null }))
    expect(closed).toHaveBeenCalledOnce()
    expect(done).toHaveBeenCalledWith(true)
    expect(seen.some((m) => m.type === 'ready')).toBe(false)
    port1.close()
  })

  it('answers an unknown method without calling the station', async () => {
    const { port1, port2 } = new MessageChannel()
    const api = { mode: vi.fn(async () => ({ mode: 'normal', emergency: null })) }
    hostEngine(parentPortOver(port2), {
      open: async () => ({
        api: api as unknown as StationApi,
        ready: { dataDir: '/d', httpOrigin: 'http://127.0.0.1:1' },
        close: async () => undefined
      }),
      describeStartFailure: () => ({ code: 'start_failed', message: 'x' }),
      log: () => undefined
    })
    const child = utilityProcessOver(port1)
    const seen: FromEngine[] = []
    child.on('message', (m: unknown) => seen.push(m as FromEngine))
    await vi.waitFor(() => expect(seen[0]?.type).toBe('ready'))
    child.postMessage({
      type: 'call',
      id: 7,
      method: 'constructor' as never,
      args: []
    } satisfies ToEngine)
    child.postMessage({ type: 'call', id: 8, method: 'mode', args: [] } satisfies ToEngine)
    await vi.waitFor(() => expect(seen).toHaveLength(3))
    expect(seen[1]).toMatchObject({
      type: 'reply',
      id: 7,
      ok: false,
      error: { code: 'invalid_request' }
    })
    expect(seen[2]).toEqual({
      type: 'reply',
      id: 8,
      ok: true,
      value: { mode: 'normal', emergency: null }
    })
    expect(api.mode).toHaveBeenCalledOnce()
    port1.close()
  })
})
