// The demo station: what a newcomer's first start shows. Real media generated with ffmpeg (distinct
// pictures, burnt-in title, running timecode and a moving marker, a tone at -23 LUFS: nothing that
// looks frozen, black or silent to the station's own monitors) and a station file that exercises what
// matters: channels in several time zones, a longform item spanning its 06:00 rollover, a guide
// channel, and a deliberate gap. Every channel is an epoch-anchored loop, so its playlog never
// goes stale however long the station runs.
import fs from 'node:fs'
import path from 'node:path'
import type { FfmpegTools } from '../media/ffmpeg'
import { renderTestCard, type TestCardSpec } from '../media/testcards'

export const DEMO_DIR = 'demo'
export const DEMO_STATION_FILE = 'station.json'

const clips: Array<Omit<TestCardSpec, 'file'> & { name: string }> = [
  {
    name: 'toons-ident',
    title: 'RetroToons',
    durationS: 5,
    source: 'color=c=0x5b2a86',
    toneHz: 880
  },
  { name: 'cartoon-hour', title: 'Cartoon Hour', durationS: 20, source: 'testsrc2', toneHz: 440 },
  {
    name: 'space-patrol',
    title: 'Space Patrol',
    durationS: 15,
    source: 'smptehdbars',
    toneHz: 554
  },
  {
    name: 'robo-pals',
    title: 'Robo Pals',
    durationS: 25,
    source: 'life=mold=10:ratio=0.1:death_color=#3b1010:life_color=#40ff80',
    toneHz: 659
  },
  { name: 'headlines', title: 'Headlines', durationS: 20, source: 'color=c=0x0b2545', toneHz: 392 },
  { name: 'weather', title: 'Weather', durationS: 15, source: 'rgbtestsrc', toneHz: 494 },
  { name: 'sports', title: 'Sports Desk', durationS: 15, source: 'testsrc', toneHz: 587 },
  // Longform at a different size, rate and layout from the rest, so normalisation is exercised too.
  {
    name: 'late-movie',
    title: 'The Late Movie',
    durationS: 7200,
    source: 'color=c=0x1d2a3a',
    width: 320,
    height: 180,
    fps: 2,
    audioChannels: 1,
    sampleRate: 22050,
    toneHz: 220
  }
]

const MOVIE_TITLES = [
  'The Late Movie',
  'Morning Matinee',
  'Breakfast Serial',
  'Midday Western',
  'Afternoon Adventure',
  'Classic Comedy',
  'Teatime Thriller',
  'Sunset Cinema',
  'Prime Time Premiere',
  'Saturday Spectacular',
  'Night Owl Noir',
  'Insomniac Theatre'
]

function stationFile() {
  const media = (name: string) => `media/${name}.mp4`
  return {
    version: 1,
    channels: [
      {
        id: 'retro-toons',
        name: 'RetroToons',
        timezone: 'America/New_York',
        loop: {
          epoch: '2026-01-01T00:00:00Z',
          items: [
            {
              title: 'RetroToons ident',
              asset: media('toons-ident'),
              durationMs: 5000,
              type: 'station-id'
            },
            { title: 'Cartoon Hour', asset: media('cartoon-hour'), durationMs: 20000 },
            { title: 'Space Patrol', asset: media('space-patrol'), durationMs: 15000 },
            { title: 'Robo Pals', asset: media('robo-pals'), durationMs: 25000 }
          ]
        }
      },
      {
        // Two-hour features on a 24-hour rotation anchored at 05:00 Tokyo: "The Late Movie" runs
        // 05:00-07:00 local every day, across the 06:00 rollover (the carryover).
        id: 'late-movie',
        name: 'Late Movie',
        timezone: 'Asia/Tokyo',
        loop: {
          epoch: '2026-01-01T05:00:00+09:00',
          items: MOVIE_TITLES.map((title) => ({
            title,
            asset: media('late-movie'),
            durationMs: 7_200_000
          }))
        }
      },
      {
        // A deliberate 10-second hole after the headlines: it airs as a slate, never as improvised content.
        id: 'newsroom',
        name: 'Newsroom 24',
        timezone: 'Europe/London',
        loop: {
          epoch: '2026-01-01T00:00:00Z',
          items: [
            { title: 'Headlines', asset: media('headlines'), durationMs: 20000 },
            { gapMs: 10000 },
            { title: 'Weather', asset: media('weather'), durationMs: 15000 },
            { title: 'Sports Desk', asset: media('sports'), durationMs: 15000 }
          ]
        }
      },
      { id: 'tv-guide', name: 'TV Guide', timezone: 'UTC', kind: 'guide' }
    ]
  }
}

/**
 * Writes the demo media and station file under `<dataDir>/demo/` (media already there is kept)
 * and returns the station file's path.
 */
export async function createDemoStation(
  dataDir: string,
  tools: FfmpegTools,
  log: (msg: string) => void = () => {}
): Promise<string> {
  const dir = path.join(dataDir, DEMO_DIR)
  const mediaDir = path.join(dir, 'media')
  fs.mkdirSync(mediaDir, { recursive: true })
  const todo = clips.filter((c) => !fs.existsSync(path.join(mediaDir, `${c.name}.mp4`)))
  if (todo.length > 0) log(`generating demo media (${todo.length} clips, first start only)`)
  // Two at a time: this machine class has two cores.
  for (let i = 0; i < todo.length; i += 2) {
    // Both renders end before a failure is reported: no ffmpeg goes on writing after the start failed.
    const done = await Promise.allSettled(
      todo
        .slice(i, i + 2)
        .map(({ name, ...spec }) =>
          renderTestCard(tools, { ...spec, file: path.join(mediaDir, `${name}.mp4`) })
        )
    )
    const failed = done.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }
  const file = path.join(dir, DEMO_STATION_FILE)
  fs.writeFileSync(file, `${JSON.stringify(stationFile(), null, 2)}\n`)
  return file
}
