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
import type { ViewerChannel } from './directory'
import { escapeXml } from './xml'

export const DEFAULT_GUIDE_HORIZON_MS = 48 * 3600_000
const HOUR_MS = 3600_000

/**
 * What the media library knows of a programme's asset (absent or null: nothing, and the programme
 * is written exactly as without a library).
 */
export interface GuideMetadata {
  assetId: number | null
  season: number | null
  episode: number | null
  episodeTitle: string | null
  year: number | null
  /** A JSON array of strings, as the store keeps it. */
  genres: string | null
  plot: string | null
}

/** What a programme is made of. */
export type GuideItem = Pick<PlaylogEvent, 'startMs' | 'endMs' | 'title' | 'type'> &
  Partial<GuideMetadata>

/** What the guide needs of the schedule: the playlog overlapping a range, in start order, in pages. */
export type PlaylogPages = (channelId: number, from: number, to: number) => Iterable<GuideItem[]>

/** The playlog's item types as guide categories. */
const CATEGORIES: Record<string, string> = {
  program: 'Program',
  promo: 'Promo',
  bumper: 'Bumper',
  commercial: 'Commercial',
  filler: 'Filler',
  'station-id': 'Station ID'
}

const NO_DETAILS = { head: '', tail: '' }

/**
 * The library's metadata as XMLTV elements, in the DTD's order around the type's category: before
 * it sub-title, desc and date; after it the genres (more categories) and the episode numbers.
 */
function guideDetails(m: Partial<GuideMetadata>): { head: string; tail: string } {
  let head = ''
  let tail = ''
  if (m.episodeTitle) head += `    <sub-title>${escapeXml(m.episodeTitle)}</sub-title>\n`
  if (m.plot) head += `    <desc>${escapeXml(m.plot)}</desc>\n`
  if (m.year != null) head += `    <date>${m.year}</date>\n`
  for (const genre of genresOf(m.genres)) tail += `    <category>${escapeXml(genre)}</category>\n`
  if (m.episode != null) {
    // xmltv_ns counts from zero (S01E02 is "0.1."); it has no way to say season 0 (specials).
    const season = m.season != null && m.season > 0 ? String(m.season - 1) : ''
    if (m.episode > 0)
      tail += `    <episode-num system="xmltv_ns">${season}.${m.episode - 1}.</episode-num>\n`
    const pad = (n: number): string => String(n).padStart(2, '0')
    const onscreen = `${m.season != null ? `S${pad(m.season)}` : ''}E${pad(m.episode)}`
    tail += `    <episode-num system="onscreen">${onscreen}</episode-num>\n`
  }
  return head || tail ? { head, tail } : NO_DETAILS
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
  private readonly details = new Map<number, { head: string; tail: string }>()

  constructor(guideId: string, times: ZoneTimes) {
    this.times = times
    this.channel = escapeXml(guideId)
  }

  private programme(
    startMs: number,
    endMs: number,
    title: string,
    category: string | null,
    item?: GuideItem
  ): string {
    const c = category ? `    <category lang="en">${category}</category>\n` : ''
    let xmlTitle = this.titles.get(title)
    if (xmlTitle === undefined) this.titles.set(title, (xmlTitle = escapeXml(title)))
    const d = item?.assetId != null ? this.detailsOf(item.assetId, item) : NO_DETAILS
    return `  <programme start="${this.times.xmltv(startMs)}" stop="${this.times.xmltv(endMs)}" channel="${this.channel}">\n    <title>${xmlTitle}</title>\n${d.head}${c}${d.tail}  </programme>\n`
  }

  private detailsOf(assetId: number, item: GuideItem): { head: string; tail: string } {
    let d = this.details.get(assetId)
    if (d === undefined) this.details.set(assetId, (d = guideDetails(item)))
    return d
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
    return endMs > e.startMs
      ? this.programme(e.startMs, endMs, e.title, CATEGORIES[e.type] ?? null, e)
      : ''
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
      out += this.programme(start, start + HOUR_MS, 'Listings', null)
    return out
  }
}

/**
 * The guide over [from, from + horizon), in pieces (strings) to be sent as they come; the event loop
 * has a turn between pieces, and the guide ends there in the signal's reason once it is aborted.
 */
export async function* xmltvPieces(
  channels: ViewerChannel[],
  pages: PlaylogPages,
  from: number,
  horizonMs: number,
  signal?: AbortSignal
): AsyncGenerator<string> {
  const to = from + horizonMs
  let head =
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<tv source-info-name="RetroVue" generator-info-name="RetroVue Master Control">\n'
  for (const c of channels) {
    // The name first (what guides show), then the number forms tuners and media servers match on.
    const names = [c.info.name, c.number, `${c.number} ${c.info.name}`]
    head += `  <channel id="${escapeXml(c.guideId)}">\n${names.map((n) => `    <display-name>${escapeXml(n)}</display-name>\n`).join('')}  </channel>\n`
  }
  yield head
  // One ZoneTimes per zone, shared by the channels in it: each hour's offset is looked up once per guide.
  const zones = new Map<string, ZoneTimes>()
  for (const c of channels) {
    let times = zones.get(c.info.timezone)
    if (!times) zones.set(c.info.timezone, (times = new ZoneTimes(c.info.timezone)))
    const writer = new ProgrammeWriter(c.guideId, times)
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
  horizonMs: number
): Promise<string> {
  let out = ''
  for await (const piece of xmltvPieces(channels, pages, from, horizonMs)) out += piece
  return out
}
