// GET /metrics: the station in Prometheus' text format, for a monitoring system to scrape.
//
// Everything is read at scrape time from what the API already answers (the snapshot, health, the
// library's jobs), so the metrics and /api/health agree by construction on what is degraded and
// why; nothing is sampled in between. Labels are bounded: a channel's uuid and number, and names
// from the shared vocabularies (states, severities, alarm codes, routes as registered), never a
// session id, a URL or a free-text message. ffmpeg children's CPU and memory come from
// /proc/<pid>/stat of the station's process group, summed (a pid is not a label).
import fs from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { HttpEngine } from '../shared/api-routes'
import { ALARM_SEVERITIES, GLOBAL_MODES, OUTPUT_STATES } from '../shared/domain'
import { LIBRARY_JOB_STATES } from '../shared/library'
import type { ChannelMeters } from '../runtime/channel-manager'

export const METRICS_PATH = '/metrics'

/** What the metrics read beyond the StationApi: channel numbers, and the ffmpeg children. */
export interface MetricsSources {
  api: Pick<HttpEngine, 'snapshot' | 'libraryJobs'>
  /** Each channel's number from the station file (absent: none set). */
  channelNumbers(): ReadonlyMap<string, string | null | undefined>
  /** Each channel's counters since the station started and its output's readings now. */
  channelMeters(): ReadonlyMap<string, ChannelMeters>
  /** The pids of the station's ffmpeg children alive now. */
  childPids(): number[]
}

/** Clock ticks a second and page size for /proc/<pid>/stat; Linux's usual values. */
const CLOCK_TICKS = 100
const PAGE_BYTES = 4096

/** CPU seconds (user + system) and resident bytes of one process; null when it is gone or not Linux. */
export function procStat(pid: number): { cpuSeconds: number; rssBytes: number } | null {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const utime = Number(f[11])
  const stime = Number(f[12])
  const rss = Number(f[21])
  if (![utime, stime, rss].every(Number.isFinite)) return null
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: rss * PAGE_BYTES }
}

const CHANNEL = ['channel', 'number'] as const

/** The station's registry and the HTTP requests counted into it; one per station. */
export class StationMetrics {
  readonly registry = new Registry()
  private readonly requests: Counter<'route' | 'method' | 'status'>
  private readonly g: ReturnType<typeof gauges>
  private readonly c: ReturnType<typeof channelCounters>
  /** CPU seconds of children that have exited, so the total only goes up. */
  private exitedCpu = 0
  private readonly lastCpu = new Map<number, number>()

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry })
    // Gauges named like counters, which promtool refuses (handles and requests are not the point here).
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total'
    ])
      this.registry.removeSingleMetric(name)
    this.requests = new Counter({
      name: 'retrovue_http_requests_total',
      help: 'HTTP requests answered, by matched route (unmatched: none), method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry]
    })
    this.g = gauges(this.registry)
    this.c = channelCounters(this.registry)
  }

  /** Counts every request of the app by its matched route; registers GET /metrics with the metrics access. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      this.requests.inc({
        route: req.routeOptions.url ?? 'unmatched',
        method: req.method,
        status: String(reply.statusCode)
      })
    })
    app.get(METRICS_PATH, { config: { access: 'metrics' } }, async (_req, reply) => {
      await this.refresh()
      return reply.type(this.registry.contentType).send(await this.registry.metrics())
    })
  }

  /** Sets every station gauge from one snapshot, the library's jobs and the children's /proc. */
  async refresh(): Promise<void> {
    const [snap, jobs] = await Promise.all([
      this.sources.api.snapshot(),
      this.sources.api.libraryJobs().catch(() => [])
    ])
    const g = this.g
    for (const gauge of Object.values(g)) gauge.reset()
    const numbers = this.sources.channelNumbers()
    const meters = this.sources.channelMeters()
    // Counters are set to the channel's own count (kept by the channel for the station's run).
    for (const counter of Object.values(this.c)) counter.reset()
    for (const c of snap.channels) {
      const ch = { channel: c.uuid, number: numbers.get(c.uuid) ?? '' }
      const m = meters.get(c.uuid)
      if (m) {
        this.c.segments.inc(ch, m.segmentsWritten)
        this.c.restarts.inc(ch, m.restarts)
        if (m.behindMs !== null) g.behind.set(ch, m.behindMs / 1000)
        if (m.loudness)
          for (const [window, lufs] of Object.entries(m.loudness))
            if (Number.isFinite(lufs)) g.loudness.set({ ...ch, window }, lufs)
      }
      g.onAir.set(ch, c.producerStatus === 'running' ? 1 : 0)
      // Both labels come from the shared vocabularies (type and status), so they stay bounded.
      g.producer.set({ ...ch, type: c.producerType ?? 'none', state: c.producerStatus }, 1)
      g.viewers.set(ch, c.viewerCount)
      g.previews.set(ch, c.previewCount)
      g.failed.set(ch, c.failed ? 1 : 0)
      for (const state of OUTPUT_STATES)
        g.outputs.set({ ...ch, state }, c.outputs.filter((o) => o.state === state).length)
      for (const severity of ALARM_SEVERITIES)
        g.channelAlarms.set(
          { ...ch, severity },
          c.alarms.filter((a) => a.severity === severity && a.clearedAt === null).length
        )
    }
    for (const severity of ALARM_SEVERITIES)
      g.stationAlarms.set(
        { severity },
        snap.alarms.filter((a) => a.severity === severity && a.clearedAt === null).length
      )
    const h = snap.health
    g.degraded.set(h.status === 'degraded' ? 1 : 0)
    g.degradedReasons.set(h.reasons?.length ?? 0)
    for (const mode of GLOBAL_MODES) g.mode.set({ mode }, snap.mode.mode === mode ? 1 : 0)
    g.producersRunning.set(h.producersRunning)
    g.producerBudget.set(h.producerBudget)
    g.producerBudgetUsed.set(h.producerBudgetUsed)
    g.sessions.set({ purpose: 'viewer' }, h.viewers)
    g.sessions.set({ purpose: 'preview' }, h.previews)
    for (const state of LIBRARY_JOB_STATES)
      g.libraryJobs.set({ state }, jobs.filter((j) => j.state === state).length)
    this.children()
  }

  private children(): void {
    const pids = this.sources.childPids()
    let liveCpu = 0
    let rss = 0
    const seen = new Set<number>()
    for (const pid of pids) {
      const s = procStat(pid)
      if (!s) continue
      seen.add(pid)
      liveCpu += s.cpuSeconds
      rss += s.rssBytes
      this.lastCpu.set(pid, s.cpuSeconds)
    }
    // A child gone since the last scrape keeps its last reading in the total (a counter never falls).
    for (const [pid, cpu] of this.lastCpu)
      if (!seen.has(pid)) {
        this.exitedCpu += cpu
        this.lastCpu.delete(pid)
      }
    this.g.childCount.set(seen.size)
    this.g.childCpu.set(this.exitedCpu + liveCpu)
    this.g.childRss.set(rss)
  }
}

function gauges(registry: Registry) {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name: `retrovue_${name}`, help, labelNames, registers: [registry] })
  return {
    onAir: gauge('channel_on_air', 'Whether the channel is on air (its producer running)', CHANNEL),
    producer: gauge(
      'channel_producer',
      "The channel's producer type (none: no producer) and state, as a 1",
      [...CHANNEL, 'type', 'state']
    ),
    viewers: gauge('channel_viewers', 'Viewers watching the channel (previews excluded)', CHANNEL),
    previews: gauge('channel_previews', 'Console previews of the channel', CHANNEL),
    failed: gauge('channel_failed', 'Whether the channel has failed (restarts exhausted)', CHANNEL),
    outputs: gauge('channel_outputs', "The channel's push outputs by state (live is up)", [
      ...CHANNEL,
      'state'
    ]),
    channelAlarms: gauge('channel_alarms_active', "The channel's active alarms by severity", [
      ...CHANNEL,
      'severity'
    ]),
    stationAlarms: gauge('station_alarms_active', "The station's own active alarms by severity", [
      'severity'
    ]),
    degraded: gauge('station_degraded', 'Whether /api/health says degraded'),
    degradedReasons: gauge(
      'station_degraded_reasons',
      'How many reasons /api/health gives for being degraded'
    ),
    mode: gauge('station_mode', 'The global mode, as a 1', ['mode']),
    producersRunning: gauge('producers_running', 'Producers running now'),
    producerBudget: gauge('producer_budget', 'Most producers allowed at once'),
    producerBudgetUsed: gauge(
      'producer_budget_used',
      'The producer budget in use: an encode channel counts one, a copy channel its share'
    ),
    sessions: gauge('sessions', 'Live sessions by purpose', ['purpose']),
    libraryJobs: gauge('library_jobs', "The media library's jobs by state", ['state']),
    childCount: gauge('ffmpeg_processes', 'ffmpeg children running'),
    childCpu: gauge(
      'ffmpeg_cpu_seconds',
      'CPU seconds (user + system) used by the ffmpeg children since the station started'
    ),
    childRss: gauge('ffmpeg_resident_memory_bytes', 'Resident memory of the ffmpeg children now'),
    behind: gauge(
      'channel_output_behind_seconds',
      "How far the channel's output is behind the station clock (negative: ahead by its lead, as it should be); absent off air",
      CHANNEL
    ),
    loudness: gauge(
      'channel_loudness_lufs',
      'EBU R128 loudness of what the channel airs (window: momentary, shortTerm, integrated); absent when not metered',
      [...CHANNEL, 'window']
    )
  }
}

function channelCounters(registry: Registry) {
  const counter = (name: string, help: string) =>
    new Counter({ name: `retrovue_${name}`, help, labelNames: CHANNEL, registers: [registry] })
  return {
    segments: counter(
      'channel_segments_written_total',
      "Segments the channel's outputs wrote (every frame handed to the encoder) since the station started"
    ),
    restarts: counter(
      'channel_restarts_total',
      "Restarts of the channel's producer after a failure since the station started"
    )
  }
}
