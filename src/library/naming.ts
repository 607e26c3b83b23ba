// What a file's name and folders say about it, as Plex, Jellyfin and Kodi name media:
// `Show/Season 01/Show - S01E02 - Title.mkv`, `Show (1999)/...`, `Show 1x02.mkv`, `Movie (2001).mkv`.
import path from 'node:path'
import type { AssetKind } from '../shared/library'

export interface NameInfo {
  kind: AssetKind
  /** The episode's title when the name gives one, the movie's name, else the file's name. */
  title: string
  show: string | null
  season: number | null
  episode: number | null
  episodeTitle: string | null
  year: number | null
}

/** Media the library considers: anything else (a .nfo, a .jpg) is a sidecar or not media. */
export const MEDIA_EXTENSIONS: ReadonlySet<string> = new Set([
  'mkv',
  'mp4',
  'm4v',
  'mov',
  'avi',
  'ts',
  'm2ts',
  'webm',
  'mpg',
  'mpeg',
  'wmv',
  'flv',
  'mp3',
  'm4a',
  'aac',
  'wav',
  'flac',
  'ogg',
  'opus',
  'mxf'
])

export const isMediaFile = (file: string): boolean =>
  MEDIA_EXTENSIONS.has(path.extname(file).slice(1).toLowerCase())

const SEASON_DIR = /^(?:season|series|staffel|saison|temporada)[\s._-]*(\d{1,4})$/i
const SPECIALS_DIR = /^specials?$/i
const SXXEYY = /(?:^|[^a-z0-9])s(\d{1,4})[\s._-]*e(\d{1,4})(?:[\s._-]*-?[\s._-]*e\d{1,4})*/i
const NXNN = /(?:^|[^a-z0-9])(\d{1,2})x(\d{1,3})(?![0-9])/i
// A year in parentheses or brackets, or standing alone between separators.
const YEAR_PAREN = /[([]((?:19|20)\d{2})[)\]]/
const YEAR_BARE = /(?:^|[\s._-])((?:19|20)\d{2})(?=$|[\s._-])/

/** Dots and underscores as spaces (when the name uses no spaces), separators trimmed. */
function clean(text: string): string {
  let t = text
  if (!t.includes(' ')) t = t.replace(/[._]+/g, ' ')
  return t
    .replace(/\s+/g, ' ')
    .replace(/^[\s\-–—:.]+|[\s\-–—:.]+$/g, '')
    .trim()
}

/** "Show (1999)" → { name: "Show", year: 1999 }. */
export function nameAndYear(text: string): { name: string; year: number | null } {
  const paren = YEAR_PAREN.exec(text)
  if (paren) {
    const name = clean(text.slice(0, paren.index))
    if (name !== '') return { name, year: Number(paren[1]) }
  }
  const bare = YEAR_BARE.exec(text)
  if (bare && bare.index > 0) {
    const name = clean(text.slice(0, bare.index))
    if (name !== '') return { name, year: Number(bare[1]) }
  }
  return { name: clean(text), year: null }
}

/** Release junk after the title (resolution, source, codec) is cut off. */
const JUNK =
  /[\s._-](?:2160p|1080p|1080i|720p|576p|576i|480p|4k|uhd|bluray|blu-ray|bdrip|brrip|web-?dl|webrip|hdtv|dvdrip|x264|x265|h264|h265|hevc|xvid|aac|ac3|dts)(?=$|[\s._-]).*$/i

/** Reads a file's path inside its library folder (forward or back slashes). */
export function parseMediaName(relPath: string): NameInfo {
  const parts = relPath.split(/[\\/]/).filter((p) => p !== '')
  const file = parts[parts.length - 1] ?? relPath
  const stem = file.replace(/\.[^.]+$/, '')
  const dirs = parts.slice(0, -1)
  // The show's folder: above a season folder, else the folder the file is in.
  let seasonFromDir: number | null = null
  let showDir: string | undefined
  const parent = dirs[dirs.length - 1]
  if (parent !== undefined && (SEASON_DIR.test(parent) || SPECIALS_DIR.test(parent))) {
    const m = SEASON_DIR.exec(parent)
    seasonFromDir = m ? Number(m[1]) : 0
    showDir = dirs[dirs.length - 2]
  } else {
    showDir = parent
  }

  const sxe = SXXEYY.exec(stem) ?? NXNN.exec(stem)
  if (sxe) {
    const season = Number(sxe[1])
    const episode = Number(sxe[2])
    const before = clean(stem.slice(0, sxe.index + (/[a-z0-9]/i.test(sxe[0][0]!) ? 0 : 1)))
    const after = clean(stem.slice(sxe.index + sxe[0].length).replace(JUNK, ''))
    const fromDir = showDir !== undefined ? nameAndYear(showDir) : null
    const fromFile = before !== '' ? nameAndYear(before) : null
    const show = fromDir?.name || fromFile?.name || null
    const episodeTitle = after !== '' ? after : null
    return {
      kind: 'episode',
      title: episodeTitle ?? clean(stem),
      show,
      season,
      episode,
      episodeTitle,
      year: fromDir?.year ?? fromFile?.year ?? null
    }
  }

  // An episode numbered only by its place in a season folder ("Season 02/05 - Title.mkv").
  if (seasonFromDir !== null && showDir !== undefined) {
    const m = /^(?:e|ep|episode)?[\s._-]*(\d{1,3})(?:[\s._-]+(.*))?$/i.exec(stem)
    const show = nameAndYear(showDir)
    if (m) {
      const episodeTitle = m[2] ? clean(m[2]) || null : null
      return {
        kind: 'episode',
        title: episodeTitle ?? clean(stem),
        show: show.name,
        season: seasonFromDir,
        episode: Number(m[1]),
        episodeTitle,
        year: show.year
      }
    }
    return {
      kind: 'episode',
      title: clean(stem),
      show: show.name,
      season: seasonFromDir,
      episode: null,
      episodeTitle: null,
      year: show.year
    }
  }

  // A movie: a year in its name ("Movie (2001).mkv", "Movie.2001.1080p.mkv"), or its folder's.
  const own = nameAndYear(stem.replace(JUNK, ''))
  if (own.year !== null) {
    return { ...movie(own.name), year: own.year }
  }
  if (parent !== undefined) {
    const folder = nameAndYear(parent)
    if (folder.year !== null) return { ...movie(clean(stem)), year: folder.year }
  }
  return {
    kind: 'other',
    title: clean(stem) || stem,
    show: null,
    season: null,
    episode: null,
    episodeTitle: null,
    year: null
  }
}

const movie = (title: string): NameInfo => ({
  kind: 'movie',
  title,
  show: null,
  season: null,
  episode: null,
  episodeTitle: null,
  year: null
})
