// A test media library built with real ffmpeg: shows in Plex/Kodi naming with .nfo sidecars, a
// movie, and the files that go wrong in real libraries (zero bytes, a text file named .mp4, a
// file cut in half, a broken symlink, a name with spaces, accents and a newline, a file the
// station cannot read). Every media file's content differs (its own metadata tag), so each has its
// own fingerprint.
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'

export const SHOW_DIR = 'Show Name (1999)'
export const EP1 = `${SHOW_DIR}/Season 01/Show Name - S01E01 - Pilot.mp4`
export const EP2 = `${SHOW_DIR}/Season 01/Show Name - S01E02 - Second Wind.mp4`
export const EP3 = 'Other Show/Other Show 1x03.mp4'
export const MOVIE = 'Great Movie (2001).mp4'
export const EMPTY = 'odd/empty.mp4'
export const TEXT = 'odd/notes.mp4'
export const TRUNCATED = 'odd/truncated.mp4'
export const BROKEN_LINK = 'odd/broken link.mp4'
export const ODD_NAME = 'odd/Café déjà vu\nnight.mp4'
export const UNREADABLE = 'odd/unreadable.mp4'

export interface TestLibrary {
  root: string
  /** Absolute path of a file named relative to the root. */
  at: (rel: string) => string
  /** How the unreadable case was made: a FIFO as root (chmod does not stop root), else chmod 000. */
  unreadableHow: 'fifo' | 'chmod'
}

/** One short clip (2 s, 160×90, a tone), made once per test file. */
export async function baseClip(tools: FfmpegTools, dir: string): Promise<string> {
  const file = path.join(dir, 'base.mp4')
  if (fs.existsSync(file)) return file
  await execa(tools.ffmpeg, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x90:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-y',
    file
  ])
  return file
}

/** A copy of the base clip with its own content (a metadata tag), so its own fingerprint. */
export async function clipAt(tools: FfmpegTools, base: string, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await execa(tools.ffmpeg, [
    '-v',
    'error',
    '-i',
    base,
    '-c',
    'copy',
    '-metadata',
    `comment=${path.basename(file)}`,
    '-y',
    '-f',
    'mp4',
    file
  ])
}

const EP1_NFO = `<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<episodedetails>
  <title>Pilot &amp; Origins</title>
  <showtitle>Show Name</showtitle>
  <season>1</season>
  <episode>1</episode>
  <plot>Where it all begins.</plot>
  <aired>1999-09-01</aired>
  <genre>Comedy</genre>
</episodedetails>
`
const TVSHOW_NFO = `<?xml version="1.0" encoding="UTF-8"?>
<tvshow>
  <title>Show Name</title>
  <year>1999</year>
  <genre>Comedy</genre>
  <genre>Drama</genre>
  <plot>A show about names.</plot>
</tvshow>
`
const MOVIE_NFO = `<?xml version="1.0" encoding="UTF-8"?>
<movie>
  <title>Great Movie</title>
  <premiered>2001-05-04</premiered>
  <genre>Adventure / Family</genre>
  <plot>A great one.</plot>
</movie>
`

/** Builds the library under `root`. */
export async function buildTestLibrary(
  tools: FfmpegTools,
  root: string,
  work: string
): Promise<TestLibrary> {
  const at = (rel: string) => path.join(root, rel)
  fs.mkdirSync(root, { recursive: true })
  const base = await baseClip(tools, work)
  for (const rel of [EP1, EP2, EP3, MOVIE, ODD_NAME, '.hidden/skipped.mp4', '.also-hidden.mp4'])
    await clipAt(tools, base, at(rel))
  fs.writeFileSync(at(EP1.replace(/\.mp4$/, '.nfo')), EP1_NFO)
  fs.writeFileSync(at(`${SHOW_DIR}/tvshow.nfo`), TVSHOW_NFO)
  await execa(tools.ffmpeg, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=red:s=64x96',
    '-frames:v',
    '1',
    '-y',
    at(`${SHOW_DIR}/poster.jpg`)
  ])
  fs.writeFileSync(at(MOVIE.replace(/\.mp4$/, '.nfo')), MOVIE_NFO)
  fs.mkdirSync(at('odd'), { recursive: true })
  fs.writeFileSync(at(EMPTY), '')
  fs.writeFileSync(at(TEXT), 'This is a shopping list, not a video.\nmilk\neggs\n')
  await clipAt(tools, base, at('odd/whole.tmp.mp4'))
  const whole = fs.readFileSync(at('odd/whole.tmp.mp4'))
  fs.writeFileSync(at(TRUNCATED), whole.subarray(0, Math.floor(whole.length / 2)))
  fs.rmSync(at('odd/whole.tmp.mp4'))
  fs.symlinkSync(at('odd/nowhere/gone.mp4'), at(BROKEN_LINK))
  fs.writeFileSync(at('odd/readme.nfo'), 'not xml at all')
  fs.writeFileSync(at('odd/cover.jpg'), 'a sidecar, not an asset')
  let unreadableHow: TestLibrary['unreadableHow']
  if (process.getuid?.() === 0) {
    // chmod 000 does not stop root: a named pipe is a file the station cannot read as media.
    execaSyncMkfifo(at(UNREADABLE))
    unreadableHow = 'fifo'
  } else {
    await clipAt(tools, base, at(UNREADABLE))
    fs.chmodSync(at(UNREADABLE), 0o000)
    unreadableHow = 'chmod'
  }
  return { root, at, unreadableHow }
}

function execaSyncMkfifo(file: string): void {
  execFileSync('mkfifo', [file])
}
