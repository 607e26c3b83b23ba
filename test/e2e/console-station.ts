// A small real station for the console's browser tests: real ffmpeg producers, wrapped so a test
// can make one channel refuse an emergency takeover or fail outright, and Chromium to drive.
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { ChannelStatusDto, ModeDto } from '../../src/shared/api'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { PROFILES } from '../../src/media/profiles'
import { ProcessGroup } from '../../src/media/process'
import {
  BaseProducer,
  ffmpegProducerFactory,
  type Producer,
  type ProducerFactory
} from '../../src/playout'
import { Station } from '../../src/station'
import { loopOf, stationFixture } from '../helpers/fixtures'
import { silentLogger } from '../helpers/runtime-env'

export const CHROMIUM = process.env['RETROVUE_CHROMIUM'] ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** The station's real ffmpeg producers, their children in the given group. The one place that builds them. */
export function realProducers(tools: FfmpegTools, processes: ProcessGroup): ProducerFactory {
  return ffmpegProducerFactory({ tools, profile: PROFILES['360p'], segmentSeconds: 1, processes })
}

/** A producer that cannot start, as a broken encoder or a missing device would leave one. */
class RefusingProducer extends BaseProducer {
  constructor(
    mode: ConstructorParameters<typeof BaseProducer>[0],
    context: ConstructorParameters<typeof BaseProducer>[1],
    private readonly why: string
  ) {
    super(mode, context)
  }
  async start(): Promise<void> {
    throw new Error(this.why)
  }
  async stop(): Promise<void> {}
  streamEndpoint() {
    return null
  }
}

/** Wraps the real producers with switches the tests flip. */
export class ProducerSwitches {
  /** Channels whose emergency producer refuses to start (so a takeover is refused). */
  readonly refuseEmergency = new Set<string>()
  /** Channels whose normal producer refuses to start (so the channel fails after its retries). */
  readonly breakNormal = new Set<string>()
  private readonly current = new Map<string, Producer>()

  wrap(real: ProducerFactory): ProducerFactory {
    return (mode, context) => {
      const uuid = context.channelUuid
      if (mode === 'emergency' && this.refuseEmergency.has(uuid))
        return new RefusingProducer(mode, context, 'emergency output device unavailable (test)')
      if (mode === 'normal' && this.breakNormal.has(uuid))
        return new RefusingProducer(mode, context, 'encoder failed to start (test)')
      const p = real(mode, context)
      this.current.set(uuid, p)
      return p
    }
  }

  /** The channel's running producer reports its picture black (a critical condition) begun or ended. */
  black(uuid: string, active: boolean, atMs: number): void {
    const p = this.current.get(uuid)
    if (!(p instanceof BaseProducer)) throw new Error(`no producer on ${uuid}`)
    p.emit('output-condition', {
      kind: 'black',
      active,
      atMs,
      severity: 'critical',
      message: active ? 'black picture on air (test)' : 'picture back (test)'
    })
  }

  /** The channel's running producer dies on its own, as a crashed encoder would. */
  crash(uuid: string, atMs: number): void {
    const p = this.current.get(uuid)
    if (!(p instanceof BaseProducer)) throw new Error(`no producer to crash on ${uuid}`)
    p.emit('failed', { error: new Error('encoder crashed (test)'), atMs })
  }
}

export interface ConsoleStation {
  station: Station
  url: string
  browser: Browser
  switches: ProducerSwitches
  channels: ChannelStatusDto[]
  byName(name: string): ChannelStatusDto
  api: (route: string, init?: RequestInit) => Promise<Response>
  mode(): Promise<ModeDto>
  close(): Promise<void>
}

export async function openConsoleStation(): Promise<ConsoleStation> {
  const loop = loopOf(
    { title: 'Cartoon Hour', asset: 'media/a.mp4', durationMs: 10_000 },
    { title: 'Space Patrol', asset: 'media/b.mp4', durationMs: 8_000 }
  )
  const loop2 = loopOf(
    { title: 'Evening News', asset: 'media/c.mp4', durationMs: 6_000 },
    { title: 'Weather', asset: 'media/a.mp4', durationMs: 10_000 }
  )
  const t = stationFixture([
    { id: 'toons', name: 'RetroToons', timezone: 'America/New_York', loop },
    { id: 'two', name: 'Channel Two', timezone: 'Europe/Paris', loop: loop2 },
    { id: 'guide', name: 'TV Guide', timezone: 'UTC', kind: 'guide' }
  ])
  const switches = new ProducerSwitches()
  const tools = await locateFfmpeg()
  const processes = new ProcessGroup()
  const station = await Station.open({
    dataDir: path.join(t.dir, 'data'),
    stationFile: t.file,
    logger: silentLogger,
    producerFactory: switches.wrap(realProducers(tools, processes)),
    // Fail fast: a broken channel reaches FAULT in about a second.
    policy: { restartBaseMs: 200, restartCapMs: 500, maxFailures: 3 },
    maxProducers: 6
  })
  const url = await station.listen('127.0.0.1', 0)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${url}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${station.apiToken}`,
        'content-type': 'application/json',
        ...(init.headers ?? {})
      }
    })
  const channels = ((await (await api('/api/channels')).json()) as { channels: ChannelStatusDto[] })
    .channels
  return {
    station,
    url,
    browser,
    switches,
    channels,
    byName: (name) => {
      const c = channels.find((x) => x.name === name)
      if (!c) throw new Error(`no channel ${name}`)
      return c
    },
    api,
    mode: async () => (await (await api('/api/mode')).json()) as ModeDto,
    close: async () => {
      await browser.close().catch(() => undefined)
      await station.close()
      await processes.killAll()
      t.cleanup()
    }
  }
}

/** Opens the console as an operator would: the address `serve` prints, token in the fragment. */
export async function openConsole(s: ConsoleStation, page: Page): Promise<void> {
  await page.goto(`${s.url}/#token=${s.station.apiToken}`)
  await page.getByTestId('tile').first().waitFor()
}

/**
 * Holds the hold-to-fire button (`down`, then `up`) until it completes: its bar filled, then
 * emptied as it fired (or the button went). A fixed hold races the page: the hold's clock starts
 * at its first painted frame, which a loaded machine paints late, and a release a moment before
 * the page counts three seconds is "released early". Throws when it never completes.
 */
export async function holdUntilFired(
  page: Page,
  down: () => Promise<void>,
  up: () => Promise<void>
): Promise<void> {
  // 'gone' once the button is; '0' before its first frame is painted (no attribute yet).
  const progress = () =>
    page.evaluate(
      `(() => { const b = document.querySelector('[data-testid=hold-to-fire]'); return b ? (b.getAttribute('data-progress') ?? '0') : 'gone' })()`
    ) as Promise<string>
  await down()
  try {
    const deadline = Date.now() + 30_000
    let filled = false
    for (;;) {
      const p = await progress()
      if (p === 'gone' || (filled && Number(p) === 0)) return
      if (Number(p) >= 0.5) filled = true
      if (Date.now() > deadline) throw new Error(`the hold never completed (progress ${p})`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    await up()
  }
}
