// Real media for tests, generated once with ffmpeg and cached under node_modules/.cache.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { renderTestCard, type TestCardSpec } from '../../src/media/testcards'
import { repoRoot, tempDir } from './tmp'
import { renderNumbered, type NumberedSpec } from './frames'

export const FIXTURE_SPECS: Record<string, Omit<TestCardSpec, 'file'>> = {
  // 640x360@30, stereo 48 kHz: the channel profile itself.
  'a.mp4': { title: 'Fixture A', durationS: 10, source: 'testsrc2', toneHz: 440 },
  // 1280x720@25 mono 44.1 kHz: different size, rate and layout.
  'b.mp4': {
    title: 'Fixture B',
    durationS: 8,
    source: 'smptehdbars',
    width: 1280,
    height: 720,
    fps: 25,
    audioChannels: 1,
    sampleRate: 44100,
    toneHz: 660
  },
  // 4:3 at 24 fps with no audio at all.
  'c.mp4': {
    title: 'Fixture C',
    durationS: 6,
    source: 'color=c=0x225588',
    width: 320,
    height: 240,
    fps: 24,
    audioChannels: 0
  },
  // Two hours at 2 fps: longform for carryover tests.
  'movie.mp4': {
    title: 'Fixture Movie',
    durationS: 7200,
    source: 'color=c=0x1d2a3a',
    width: 320,
    height: 180,
    fps: 2,
    audioChannels: 1,
    sampleRate: 22050,
    toneHz: 220
  }
}

/** Self-describing media (see frames.ts): frame numbers in a strip, a flash and a beep every second. */
export const NUMBERED_SPECS: Record<string, Omit<NumberedSpec, 'file'>> = {
  'numbered-1.mp4': { id: 1, durationS: 60 },
  // A different size and rate: scaled and rate-converted on the way out.
  'numbered-2.mp4': { id: 2, durationS: 30, width: 1280, height: 720, fps: 25 },
  // 24 fps without audio.
  'numbered-3.mp4': { id: 3, durationS: 30, width: 960, height: 540, fps: 24, audio: false }
}

const specHash = crypto
  .createHash('sha1')
  .update(JSON.stringify([FIXTURE_SPECS, NUMBERED_SPECS, renderNumbered.toString()]))
  .digest('hex')
  .slice(0, 10)
export const fixtureDir = path.join(repoRoot, 'node_modules/.cache/retrovue-fixtures', specHash)

export const fixture = (name: string): string => path.join(fixtureDir, name)

/** Generates any missing fixture (run from the global setup, one process, so no races). */
export async function ensureFixtures(tools?: FfmpegTools): Promise<void> {
  const t = tools ?? (await locateFfmpeg())
  fs.mkdirSync(fixtureDir, { recursive: true })
  const missing = Object.entries(FIXTURE_SPECS).filter(
    ([name]) => !fs.existsSync(path.join(fixtureDir, name))
  )
  for (let i = 0; i < missing.length; i += 2) {
    await Promise.all(
      missing
        .slice(i, i + 2)
        .map(([name, spec]) => renderTestCard(t, { ...spec, file: path.join(fixtureDir, name) }))
    )
  }
  const numbered = Object.entries(NUMBERED_SPECS).filter(
    ([name]) => !fs.existsSync(path.join(fixtureDir, name))
  )
  for (let i = 0; i < numbered.length; i += 2) {
    await Promise.all(
      numbered
        .slice(i, i + 2)
        .map(([name, spec]) => renderNumbered(t, { ...spec, file: path.join(fixtureDir, name) }))
    )
  }
  // A file with a media name and no media inside: what a failed copy or a bad download leaves.
  const corrupt = path.join(fixtureDir, 'corrupt.mp4')
  if (!fs.existsSync(corrupt))
    fs.writeFileSync(
      corrupt,
      crypto.createHash('sha512').update('corrupt').digest().toString('hex').repeat(500)
    )
  const notMedia = path.join(fixtureDir, 'not-media.txt')
  if (!fs.existsSync(notMedia)) fs.writeFileSync(notMedia, 'this is a text file, not a video\n')
}

/** A loop anchored at the start of 2026 over the given items. */
export const loopOf = (
  ...items: Array<{ title: string; asset: string; durationMs: number } | { gapMs: number }>
) => ({ epoch: '2026-01-01T00:00:00Z', items })

/**
 * A temporary folder with the fixtures linked under media/ and a station file (version 1) listing
 * the given channels. Returns the folder, the file and a cleanup.
 */
export function stationFixture(
  channels: unknown[],
  prefix?: string
): { dir: string; file: string; cleanup: () => void } {
  const t = tempDir(prefix)
  fs.symlinkSync(fixtureDir, path.join(t.dir, 'media'))
  const file = path.join(t.dir, 'station.json')
  fs.writeFileSync(file, JSON.stringify({ version: 1, channels }, null, 2))
  return { dir: t.dir, file, cleanup: t.cleanup }
}
