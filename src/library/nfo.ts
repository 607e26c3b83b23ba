// Kodi .nfo sidecars (episodedetails, movie, tvshow) and sidecar posters. The XML is read with a
// maintained parser; a sidecar that is not XML (Kodi also accepts a bare URL) gives nothing.
import fs from 'node:fs'
import path from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export interface NfoInfo {
  root: 'episodedetails' | 'movie' | 'tvshow'
  title: string | null
  showTitle: string | null
  plot: string | null
  genres: string[]
  year: number | null
  season: number | null
  episode: number | null
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => name === 'genre'
})

const text = (v: unknown): string | null => {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim()
  if (typeof v === 'number') return String(v)
  if (v && typeof v === 'object' && '#text' in v) return text((v as { '#text': unknown })['#text'])
  return null
}

const int = (v: unknown): number | null => {
  const t = text(v)
  if (t === null || !/^-?\d+$/.test(t)) return null
  return Number(t)
}

const yearOf = (v: unknown): number | null => {
  const t = text(v)
  const m = t ? /^(\d{4})/.exec(t) : null
  return m ? Number(m[1]) : null
}

/** The sidecar's fields; null when it is not a Kodi nfo (not XML, another root). */
export function parseNfo(xml: string): NfoInfo | null {
  let doc: Record<string, unknown>
  // A sidecar that is not well-formed XML (Kodi also accepts a bare URL) says nothing.
  if (XMLValidator.validate(xml) !== true) return null
  try {
    doc = parser.parse(xml) as Record<string, unknown>
  } catch {
    return null
  }
  for (const root of ['episodedetails', 'movie', 'tvshow'] as const) {
    const node = doc[root]
    if (!node || typeof node !== 'object') continue
    const n = node as Record<string, unknown>
    const genres = ((n['genre'] as unknown[] | undefined) ?? [])
      .flatMap((g) => (text(g) ?? '').split(/\s*\/\s*/))
      .filter((g) => g !== '')
    return {
      root,
      title: text(n['title']),
      showTitle: text(n['showtitle']),
      plot: text(n['plot']) ?? text(n['outline']),
      genres: [...new Set(genres)],
      year: int(n['year']) ?? yearOf(n['premiered']) ?? yearOf(n['aired']),
      season: int(n['season']),
      episode: int(n['episode'])
    }
  }
  return null
}

function readNfo(file: string): NfoInfo | null {
  try {
    if (!fs.statSync(file).isFile()) return null
    return parseNfo(fs.readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

const exists = (file: string): boolean => {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** Looks for a name case-insensitively in a folder listing. */
function findIn(listing: string[], names: string[]): string | undefined {
  const lower = new Map(listing.map((n) => [n.toLowerCase(), n]))
  for (const n of names) {
    const hit = lower.get(n.toLowerCase())
    if (hit) return hit
  }
  return undefined
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

export interface Sidecars {
  /** The file's own nfo (episodedetails or movie). */
  own: NfoInfo | null
  /** The show's tvshow.nfo (in the file's folder or the one above a season folder). */
  show: NfoInfo | null
  /** An image beside the file, or the show's/folder's poster. */
  poster: string | null
}

/** The sidecars of a media file, found beside it and in its show's folder, never above `root`. */
export function findSidecars(file: string, root: string): Sidecars {
  const dir = path.dirname(file)
  const stem = path.basename(file).replace(/\.[^.]+$/, '')
  const here = list(dir)
  const ownNfo = findIn(here, [`${stem}.nfo`])
  const own = ownNfo ? readNfo(path.join(dir, ownNfo)) : null
  const inside = (d: string) => d === root || d.startsWith(root + path.sep)
  const dirs = [dir, path.dirname(dir)].filter(inside)
  let show: NfoInfo | null = null
  let poster: string | null = null
  const ownPoster = findIn(here, [
    `${stem}.jpg`,
    `${stem}.jpeg`,
    `${stem}.png`,
    `${stem}-poster.jpg`,
    `${stem}-poster.png`,
    `${stem}-thumb.jpg`
  ])
  if (ownPoster) poster = path.join(dir, ownPoster)
  for (const d of dirs) {
    const names = d === dir ? here : list(d)
    if (!show) {
      const t = findIn(names, ['tvshow.nfo'])
      if (t) show = readNfo(path.join(d, t))
    }
    if (!poster) {
      const p = findIn(names, ['poster.jpg', 'poster.png', 'folder.jpg', 'folder.png', 'cover.jpg'])
      if (p && exists(path.join(d, p))) poster = path.join(d, p)
    }
  }
  return { own, show, poster }
}
