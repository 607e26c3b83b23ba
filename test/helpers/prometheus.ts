// Debian's Prometheus (the `prometheus` package: the server and promtool), as a monitoring system
// scraping a station: started on a loopback port with a generated config, owned by a ProcessGroup.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ProcessGroup } from '../../src/media/process'
import { freePort } from './nginx'
import { until } from './until'

export const PROMETHEUS = '/usr/bin/prometheus'
export const PROMTOOL = '/usr/bin/promtool'

function need(file: string): void {
  // Not a skip: CI installs it (.ci/run), and a test that quietly did nothing would hide it.
  if (!fs.existsSync(file)) throw new Error(`${file} is needed: apt-get install prometheus`)
}

/** The value of one sample, by metric name and the labels it must carry. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))
    )
  if (line === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}

/** promtool's verdict on an exposition: null when accepted, else what it said. */
export function promtoolCheck(text: string): string | null {
  need(PROMTOOL)
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, timeout: 20_000 })
  return r.status === 0 ? null : `${r.stdout}${r.stderr}` || `exit ${r.status} ${r.signal}`
}

export interface ScrapeJob {
  name: string
  /** host:port of the station. */
  target: string
  bearer?: string
}

export interface Prometheus {
  url: string
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>
  targets(): Promise<Array<{ job: string; health: string; lastError: string }>>
  stop(): Promise<void>
}

export async function startPrometheus(
  dir: string,
  jobs: ScrapeJob[],
  scrapeIntervalS = 1
): Promise<Prometheus> {
  need(PROMETHEUS)
  const port = await freePort()
  // The scrape config the README shows, one job per target.
  const config = [
    'global:',
    `  scrape_interval: ${scrapeIntervalS}s`,
    `  scrape_timeout: ${scrapeIntervalS}s`,
    'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${j.name}`,
      '    metrics_path: /metrics',
      ...(j.bearer ? ['    authorization:', `      credentials: ${j.bearer}`] : []),
      '    static_configs:',
      `      - targets: ['${j.target}']`
    ])
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), `${config}\n`)
  const group = new ProcessGroup()
  const log: string[] = []
  group.spawn(
    'prometheus',
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`
    ],
    { stdin: 'ignore', onStderr: (line) => log.push(line) }
  )
  const url = `http://127.0.0.1:${port}`
  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`)
    const body = (await res.json()) as { status: string; data: T }
    if (body.status !== 'success') throw new Error(`prometheus ${p}: ${JSON.stringify(body)}`)
    return body.data
  }
  await until(`prometheus ready on ${port} (${log.slice(-3).join(' | ')})`, 20_000, async () =>
    (await fetch(`${url}/-/ready`).catch(() => null))?.ok ? true : undefined
  )
  return {
    url,
    query: async (q) =>
      (
        await api<{ result: Awaited<ReturnType<Prometheus['query']>> }>(
          `/api/v1/query?query=${encodeURIComponent(q)}`
        )
      ).result,
    targets: async () =>
      (
        await api<{
          activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }>
        }>('/api/v1/targets')
      ).activeTargets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError })),
    stop: () => group.killAll()
  }
}
