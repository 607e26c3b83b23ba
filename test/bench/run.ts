// `npm run bench [-- name ...]`: runs the benchmarks and prints their figures with targets.
// Benchmarks measure speed and memory on this machine; they are never part of `npm test`.
import { printFigures, type Figure } from './stats'

const benches: Record<
  string,
  { title: string; load: () => Promise<{ run: () => Promise<Figure[]> }> }
> = {
  schedule: {
    title: 'ScheduleService (100,000-event playlog)',
    load: () => import('./schedule.bench')
  },
  runtime: {
    title: 'Runtime core (256 channels, test-double producers)',
    load: () => import('./runtime.bench')
  },
  playout: {
    title: 'Playout to viewers (real ffmpeg, 360p30, this machine)',
    load: () => import('./playout.bench')
  },
  health: {
    title:
      'Output health: cost of watching, 16-channel density with it on and off, fault to alarm (real ffmpeg)',
    load: () => import('./health.bench')
  },
  console: {
    title: 'Operator console in Chromium (event to DOM, previews over time)',
    load: () => import('./console.bench')
  },
  outputs: {
    title:
      'Outputs to a media server: 200 HLS viewers on nginx-rtmp vs on the station, push faults (real ffmpeg, real nginx)',
    load: () => import('./outputs.bench')
  },
  iptv: {
    title:
      'Viewers\u2019 guide (XMLTV) and the schedule API: first byte, whole answer, event-loop stall, RSS',
    load: () => import('./iptv.bench')
  },
  library: {
    title:
      'Media library at 20,000 files: first scan, probe rate, rescan, search and filters, station RSS',
    load: () => import('./library.bench')
  },
  'library-view': {
    title:
      'Library view in Chromium: 20,000 assets filtered and scrolled (stand-in station in the page)',
    load: () => import('./library-view.bench')
  },
  density: {
    title:
      'Copy channels against encode channels: 720p30 on time at once with a viewer each, CPU and RSS per channel, starts, conform cost (real ffmpeg)',
    load: () => import('./density.bench')
  },
  emergency: {
    title: 'Emergency switch as viewers see it (8 live channels, real ffmpeg, 1 s segments)',
    load: () => import('./emergency.bench')
  }
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !(w in benches))
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`
  )
  process.exit(2)
}
let missed = 0
for (const [name, b] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  const figures = await (await b.load()).run()
  printFigures(b.title, figures)
  missed += figures.filter((f) => f.ok === false).length
}
console.log(missed === 0 ? '\nAll targets met.' : `\n${missed} target(s) missed.`)
