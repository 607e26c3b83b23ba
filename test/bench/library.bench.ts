// The media library at 20,000 files: a real station (no channels, no analysis) given one library
// folder of tiny real media in Show/Season folders. Figures: the first scan's throughput (walk,
// stat, fingerprint, name, store), the probe rate (ffprobe, on a sample: 20,000 probes take many
// minutes on a shared machine), a rescan with nothing changed (< 10 s, probes nothing), search and
// filter answers (< 50 ms), and the station's RSS with the library against without (+ < 150 MiB).
//   RETROVUE_BENCH_LIBRARY_FILES  files in the library (20000)
//   RETROVUE_BENCH_PROBE_S        seconds of probing sampled for the probe rate (15)
// The files are copies of ONE 1-second clip generated with ffmpeg, each with its own number written
// into the clip's metadata (same length, so every copy stays valid media): a library of identical
// files would be one file moved 20,000 times to a library that knows files by their content.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { probeMedia } from '../../src/media/probe'
import type { LibraryJobDto, LibrarySearchRequest } from '../../src/shared/library'
import { Station } from '../../src/station'
import { silentLogger } from '../helpers/runtime-env'
import { tempDir } from '../helpers/tmp'
import type { Figure } from './stats'

const FILES = Number(process.env['RETROVUE_BENCH_LIBRARY_FILES'] ?? 20_000)
const PROBE_SAMPLE_MS = Number(process.env['RETROVUE_BENCH_PROBE_S'] ?? 15) * 1000
const MIB = 1024 * 1024
const PLACEHOLDER = 'RVBENCH-000000000000'
const log = (msg: string) => process.stderr.write(`  [library] ${msg}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Shows of 4 seasons of 25 episodes, as Plex names them. */
function layout(i: number): string {
  const show = `Show ${String(Math.floor(i / 100)).padStart(3, '0')}`
  const season = Math.floor((i % 100) / 25) + 1
  const episode = (i % 25) + 1
  const sxe = `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`
  return path.join(
    show,
    `Season ${String(season).padStart(2, '0')}`,
    `${show} - ${sxe} - Episode ${episode}.mp4`
  )
}

async function waitFor<T>(what: string, f: () => T | undefined, timeoutMs: number): Promise<T> {
  const until = performance.now() + timeoutMs
  for (;;) {
    const v = f()
    if (v !== undefined) return v
    if (performance.now() > until) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await sleep(50)
  }
}

export async function run(): Promise<Figure[]> {
  const tools = await locateFfmpeg()
  const t = tempDir('retrovue-bench-library-')
  const root = path.join(t.dir, 'media')
  const station: { s?: Station } = {}
  try {
    const clip = path.join(t.dir, 'clip.mp4')
    await execa(tools.ffmpeg, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=96x54:r=10:d=1'],
      ...['-f', 'lavfi', '-i', 'sine=d=1:sample_rate=48000'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '24k', '-ac', '1'],
      ...['-metadata', `comment=${PLACEHOLDER}`, clip]
    ])
    const bytes = fs.readFileSync(clip)
    const at = bytes.indexOf(PLACEHOLDER)
    if (at < 0) throw new Error('the clip does not carry its placeholder')
    const made = performance.now()
    for (let i = 0; i < FILES; i++) {
      const file = path.join(root, layout(i))
      fs.mkdirSync(path.dirname(file), { recursive: true })
      bytes.write(`RVBENCH-${String(i).padStart(12, '0')}`, at, 'latin1')
      fs.writeFileSync(file, bytes)
    }
    log(
      `${FILES} files of ${bytes.length} bytes written in ${((performance.now() - made) / 1000).toFixed(1)} s`
    )
    const probe = await probeMedia(tools, clip)

    const s = await Station.open({
      dataDir: path.join(t.dir, 'data'),
      logger: silentLogger,
      demo: false,
      loudnessAnalysis: false
    })
    station.s = s
    const library = s.library
    await sleep(500)
    const rssEmpty = process.memoryUsage().rss

    // First scan: from adding the folder to its scan job's end.
    const t0 = performance.now()
    library.addFolder({ id: 'bench', path: root }, 'operator')
    const scan = await waitFor(
      'the first scan',
      () => library.jobs().find((j) => j.kind === 'scan' && j.state === 'done'),
      30 * 60_000
    )
    const scanMs = performance.now() - t0
    const found = library.search({ folder: 'bench', limit: 1 }).total
    log(`scanned ${found} files in ${(scanMs / 1000).toFixed(1)} s`)

    // Probing, sampled: its rate over PROBE_SAMPLE_MS, then the rest are given the clip's probe.
    const probing = await waitFor(
      'the probe job',
      () => library.jobs().find((j) => j.kind === 'probe'),
      10_000
    )
    const p0 = performance.now()
    let probed: LibraryJobDto = probing
    while (performance.now() - p0 < PROBE_SAMPLE_MS) {
      probed = library.jobs().find((j) => j.id === probing.id) ?? probed
      if (probed.state !== 'running' && probed.state !== 'queued') break
      await sleep(100)
    }
    const probeMs = performance.now() - p0
    if (probed.state === 'running' || probed.state === 'queued')
      library.cancelJob(probed.id, 'operator')
    await library.idle()
    const probeRate =
      (library.jobs().find((j) => j.id === probing.id)?.done ?? 0) / (probeMs / 1000)
    const pending = s.store.library.pending()
    s.store.transaction(() => {
      for (const p of pending)
        s.store.library.setProbed(p.id, {
          durationMs: probe.durationMs,
          hasVideo: true,
          hasAudio: true,
          width: probe.video!.width,
          height: probe.video!.height,
          frameRate: probe.video!.frameRate,
          audioChannels: probe.audio!.channels,
          probeJson: probe.raw,
          probedAt: s.clock.now()
        })
    })
    log(`probed ${probeRate.toFixed(1)} files/s; ${pending.length} given the clip's probe`)

    // Rescan, nothing changed: no probe job may follow.
    const before = new Set(library.jobs().map((j) => j.id))
    const r0 = performance.now()
    const rescan = library.rescan('bench', 'operator')
    await waitFor(
      'the rescan',
      () => library.jobs().find((j) => j.id === rescan.id && j.state === 'done'),
      5 * 60_000
    )
    const rescanMs = performance.now() - r0
    await library.idle()
    const newProbes = library.jobs().filter((j) => j.kind === 'probe' && !before.has(j.id))

    // Search and filters, as the console asks: each the median of 7 after a warm-up.
    const first = library.search({ limit: 100 })
    const queries: Array<[string, LibrarySearchRequest]> = [
      ['first page by title', { limit: 100 }],
      ['next page (cursor)', { limit: 100, cursor: first.nextCursor ?? undefined }],
      ['text "Show 137"', { q: 'Show 137', limit: 100 }],
      ['text "Episode 17"', { q: 'Episode 17', limit: 100 }],
      ['show filter', { show: 'Show 042', limit: 100 }],
      ['status ok by duration', { status: 'ok', sort: 'duration', limit: 100 }],
      ['episodes 1-2 s, text', { kind: 'episode', q: 'S02', maxDurationMs: 2000, limit: 100 }],
      ['nothing matches', { q: 'no such title anywhere', limit: 100 }]
    ]
    const searchFigures: Figure[] = []
    for (const [name, q] of queries) {
      library.search(q)
      const times: number[] = []
      let total = 0
      for (let i = 0; i < 7; i++) {
        const s0 = performance.now()
        total = library.search(q).total
        times.push(performance.now() - s0)
      }
      times.sort((a, b) => a - b)
      const median = times[3]!
      searchFigures.push({
        name: `search: ${name}`,
        value: median,
        unit: 'ms',
        target: '< 50',
        ok: median < 50,
        note: `${total} match, worst ${times[6]!.toFixed(1)} ms`
      })
    }
    await sleep(500)
    const rssLibrary = process.memoryUsage().rss
    const growth = (rssLibrary - rssEmpty) / MIB
    return [
      {
        name: 'first scan',
        value: found / (scanMs / 1000),
        unit: 'files/s',
        note: `${found} files in ${(scanMs / 1000).toFixed(1)} s (scan job ${scan.startedAt} to ${scan.finishedAt})`
      },
      {
        name: 'probe (sampled)',
        value: probeRate,
        unit: 'files/s',
        note: `over ${(probeMs / 1000).toFixed(0)} s; ${FILES} files would take ${(FILES / Math.max(probeRate, 0.001) / 60).toFixed(0)} min`
      },
      {
        name: 'rescan, nothing changed',
        value: rescanMs / 1000,
        unit: 's',
        target: '< 10',
        ok: rescanMs < 10_000
      },
      {
        name: 'probe jobs after the rescan',
        value: newProbes.length,
        unit: '',
        target: '0',
        ok: newProbes.length === 0
      },
      ...searchFigures,
      {
        name: 'station RSS, library vs empty',
        value: growth,
        unit: 'MiB',
        target: '< 150',
        ok: growth < 150,
        note: `${(rssEmpty / MIB).toFixed(0)} MiB empty, ${(rssLibrary / MIB).toFixed(0)} MiB with ${found} files`
      }
    ]
  } finally {
    await station.s?.close()
    t.cleanup()
  }
}
