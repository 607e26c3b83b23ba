// The programme guide (XMLTV, valid against xmltv.dtd) from the playlog: what airs over the next
// hours on every channel, each time in the channel's own zone with its offset, the same channel ids
// as the M3U's tvg-id. Schedule gaps are simply absent (a guide shows nothing there); loops are
// in the playlog ahead of time, so they are listed like any schedule.
//
// A guide runs to tens of thousands of programmes (the demo station has about 19,000 in 48 hours), so
// it is written in pieces: each piece is one page of the playlog, and the event loop gets a turn
// between pieces (playout, viewers' playlists and the API never wait for a whole guide). Times are
// printed with ZoneTimes: one offset lookup per hour of each zone, not a Luxon format per time.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { PlaylogEvent } from '../../shared/domain'
import { inZone } from '../../shared/time'
import { ZoneTimes } from '../../shared/zone-times'
import { logoPath, type ViewerChannel } from './directory'
import { escapeXml } from './xml'

export const DEFAULT_GUIDE_HORIZON_MS = 48 * 3600_000
const HOUR_MS = 3600_000
/** The guide channel's programmes' own type (no playlog item has it). */
const LISTINGS = '(listings)'

/**
 * What the media library knows of a programme's asset (absent or null: nothing, and the programme
 * is written exactly as without a library).
 */
export interface GuideMetadata {
  assetId: number | null
  /** The series an episode belongs to. */
  show: string | null
  season: number | null
  episode: number | null
  episodeTitle: string | null
  year: number | null
  /** A JSON array of strings, as the store keeps it. */
  genres: string | null
  plot: string | null
  /** The library has a poster of the asset (1 or true): the programme's icon. */
  hasPoster: number | boolean
}

/** A library poster's path under the viewers' /iptv URL (served by the iptv routes). */
export const posterPath = (assetId: number): string => `/posters/${assetId}`

/** What a programme is made of. */
export type GuideItem = Pick<PlaylogEvent, 'startMs' | 'endMs' | 'title' | 'type'> &
  Partial<GuideMetadata>

/** What the guide needs of the schedule: the playlog overlapping a range, in start order, in pages. */
export type PlaylogPages = (channelId: number, from: number, to: number) => Iterable<GuideItem[]>

/**
 * Categories as Plex and Jellyfin read them: they decide a programme's kind by the names Movie,
 * Series, News, Sports and Kids (Jellyfin's defaults also take Family, Children and Childrens as
 * Kids), so each programme gets its kind in those words: a library episode (a show or an episode
 * number) is a Series, a library asset with a year and neither a Movie; the interstitials (promos,
 * bumpers, commercials, filler, station ids) are Interstitial; a programme the library knows
 * nothing of says nothing it cannot know. The guide channel's hours are Information.
 */
const INTERSTITIAL = 'Interstitial'
const INTERSTITIAL_TYPES = new Set(['promo', 'bumper', 'commercial', 'filler', 'station-id'])
export const LISTINGS_CATEGORY = 'Information'

/** Library genres whose name media servers map to a kind, by their lower-case spelling. */
const GENRE_KINDS: Record<string, string> = {
  news: 'News',
  sport: 'Sports',
  sports: 'Sports',
  kids: 'Kids',
  children: 'Kids',
  childrens: 'Kids',
  "children's": 'Kids',
  family: 'Kids'
}

/** The kind a programme's item type and library metadata give it, or null. */
export function kindOf(type: string, m: Partial<GuideMetadata> | undefined): string | null {
  if (INTERSTITIAL_TYPES.has(type)) return INTERSTITIAL
  if (type !== 'program' || !m) return null
  if (m.episode != null || m.show) return 'Series'
  return m.year != null ? 'Movie' : null
}

interface Details {
  head: string
  /** The kinds the genres map to (Kids, News, Sports). */
  kinds: string[]
  /** The genres as the library has them. */
  genres: string[]
  tail: string
}

const NO_DETAILS: Details = { head: '', kinds: [], genres: [], tail: '' }

/**
 * The library's metadata as XMLTV elements, in the DTD's order around the categories: before them
 * sub-title, desc and date; after them the episode numbers.
 */
function guideDetails(m: Partial<GuideMetadata>): Details {
  let head = ''
  let tail = ''
  if (m.episodeTitle) head += `    <sub-title>${escapeXml(m.episodeTitle)}</sub-title>\n`
  if (m.plot) head += `    <desc>${escapeXml(m.plot)}</desc>\n`
  if (m.year != null) head += `    <date>${m.year}</date>\n`
  const genres = genresOf(m.genres)
  const kinds = [...new Set(genres.flatMap((g) => GENRE_KINDS[g.trim().toLowerCase()] ?? []))]
  if (m.episode != null) {
    // xmltv_ns counts from zero (S01E02 is "0.1."); it has no way to say season 0 (specials).
    const season = m.season != null && m.season > 0 ? String(m.season - 1) : ''
    if (m.episode > 0)
      tail += `    <episode-num system="xmltv_ns">${season}.${m.episode - 1}.</episode-num>\n`
    const pad = (n: number): string => String(n).padStart(2, '0')
    const onscreen = `${m.season != null ? `S${pad(m.season)}` : ''}E${pad(m.episode)}`
    tail += `    <episode-num system="onscreen">${onscreen}</episode-num>\n`
  }
  return head || tail || genres.length ? { head, kinds, genres, tail } : NO_DETAILS
}

/**
 * The programme's categories: its kind and the kinds its genres map to (in English, the words
 * media servers match), then the genres as the library has them; no name twice.
 */
function categoriesXml(kind: string | null, d: Details): string {
  let out = ''
  const seen = new Set<string>()
  for (const [name, lang] of [
    ...(kind ? [[kind, true] as const] : []),
    ...d.kinds.map((k) => [k, true] as const),
    ...d.genres.map((g) => [g, false] as const)
  ]) {
    const key = name.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    out += `    <category${lang ? ' lang="en"' : ''}>${escapeXml(name)}</category>\n`
  }
  return out
}

function genresOf(json: string | null | undefined): string[] {
  if (!json) return []
  try {
    const list: unknown = JSON.parse(json)
    return Array.isArray(list)
      ? list.filter((g): g is string => typeof g === 'string' && g.trim() !== '')
      : []
  } catch {
    // Not ours to fail a guide over: a bad value only loses its genres.
    return []
  }
}

/** One channel's programmes as XML, built a page at a time. */
class ProgrammeWriter {
  private readonly times: ZoneTimes
  private readonly channel: string
  /** The last item seen, written once the next one's start tells where it ends. */
  private held: GuideItem | null = null
  /** Titles as XML: a channel airs the same few titles over and over. */
  private readonly titles = new Map<string, string>()
  /** Each asset's library metadata as XML (the same episodes air again and again too). */
  private readonly details = new Map<number, Details>()
  /** Each asset's categories as XML, by item type (an asset airs as one type, nearly always). */
  private readonly categories = new Map<string, string>()

  /** `iconRoot`: what goes before a poster's path (see xmltvPieces); none, no programme icons. */
  constructor(
    guideId: string,
    times: ZoneTimes,
    private readonly iconRoot?: string
  ) {
    this.times = times
    this.channel = escapeXml(guideId)
  }

  private programme(
    startMs: number,
    endMs: number,
    title: string,
    type: string,
    item?: GuideItem
  ): string {
    let xmlTitle = this.titles.get(title)
    if (xmlTitle === undefined) this.titles.set(title, (xmlTitle = escapeXml(title)))
    const d = item?.assetId != null ? this.detailsOf(item.assetId, item) : NO_DETAILS
    const c = this.categoriesOf(type, item, d)
    // The library's poster, after the categories and before the episode numbers (the DTD's order).
    const icon =
      this.iconRoot !== undefined && item?.assetId != null && item.hasPoster
        ? `    <icon src="${this.iconRoot}${posterPath(item.assetId)}"/>\n`
        : ''
    return `  <programme start="${this.times.xmltv(startMs)}" stop="${this.times.xmltv(endMs)}" channel="${this.channel}">\n    <title>${xmlTitle}</title>\n${d.head}${c}${icon}${d.tail}  </programme>\n`
  }

  private detailsOf(assetId: number, item: GuideItem): Details {
    let d = this.details.get(assetId)
    if (d === undefined) this.details.set(assetId, (d = guideDetails(item)))
    return d
  }

  private categoriesOf(type: string, item: GuideItem | undefined, d: Details): string {
    if (type === LISTINGS) return categoriesXml(LISTINGS_CATEGORY, NO_DETAILS)
    const key = item?.assetId != null ? `${type}\n${item.assetId}` : type
    let c = this.categories.get(key)
    if (c === undefined) this.categories.set(key, (c = categoriesXml(kindOf(type, item), d)))
    return c
  }

  /** Items in start order; never overlapping in the guide (a later start cuts the one before). */
  page(events: GuideItem[]): string {
    let out = ''
    for (const e of events) {
      if (this.held) out += this.cut(this.held, e.startMs)
      this.held = e
    }
    return out
  }

  end(): string {
    const last = this.held
    this.held = null
    return last ? this.cut(last, Infinity) : ''
  }

  private cut(e: GuideItem, nextStartMs: number): string {
    const endMs = Math.min(e.endMs, nextStartMs)
    return endMs > e.startMs ? this.programme(e.startMs, endMs, e.title, e.type, e) : ''
  }

  /**
   * The guide channel airs listings of the others; it gets hour-long "Listings" programmes so that
   * media servers, which hide or refuse channels without guide data, keep it like any other.
   */
  listings(from: number, to: number): string {
    let out = ''
    for (
      let start = inZone(from, this.times.zoneName).startOf('hour').toMillis();
      start < to;
      start += HOUR_MS
    )
      out += this.programme(start, start + HOUR_MS, 'Listings', LISTINGS)
    return out
  }
}

/**
 * The guide over [from, from + horizon), in pieces (strings) to be sent as they come; the event loop
 * has a turn between pieces, and the guide ends there in the signal's reason once it is aborted.
 * `iconRoot` is what goes before each channel's logo path (the viewers' /iptv URL, XML-escaped, or
 * a mark the answer replaces with it); without it the guide has no icons.
 */
export async function* xmltvPieces(
  channels: ViewerChannel[],
  pages: PlaylogPages,
  from: number,
  horizonMs: number,
  signal?: AbortSignal,
  iconRoot?: string
): AsyncGenerator<string> {
  const to = from + horizonMs
  let head =
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<tv source-info-name="RetroVue" generator-info-name="RetroVue Master Control">\n'
  for (const c of channels) {
    // The name first (what guides show), then the number forms tuners and media servers match on.
    const names = [c.info.name, c.number, `${c.number} ${c.info.name}`]
    const icon =
      iconRoot === undefined ? '' : `    <icon src="${iconRoot}${escapeXml(logoPath(c))}"/>\n`
    head += `  <channel id="${escapeXml(c.guideId)}">\n${names.map((n) => `    <display-name>${escapeXml(n)}</display-name>\n`).join('')}${icon}  </channel>\n`
  }
  yield head
  // One ZoneTimes per zone, shared by the channels in it: each hour's offset is looked up once per guide.
  const zones = new Map<string, ZoneTimes>()
  for (const c of channels) {
    let times = zones.get(c.info.timezone)
    if (!times) zones.set(c.info.timezone, (times = new ZoneTimes(c.info.timezone)))
    const writer = new ProgrammeWriter(c.guideId, times, iconRoot)
    if (c.info.kind === 'guide') {
      yield writer.listings(from, to)
      continue
    }
    for (const page of pages(c.info.id, from, to)) {
      const piece = writer.page(page)
      if (piece) yield piece
      await nextTurn()
      signal?.throwIfAborted()
    }
    const last = writer.end()
    if (last) yield last
  }
  yield '</tv>\n'
}

/** The whole guide as one string (tests, small stations). */
export async function renderXmltv(
  channels: ViewerChannel[],
  pages: PlaylogPages,
  from: number,
  horizonMs: number,
  iconRoot?: string
): Promise<string> {
  let out = ''
  for await (const piece of xmltvPieces(channels, pages, from, horizonMs, undefined, iconRoot))
    out += piece
  return out
}
