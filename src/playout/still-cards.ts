// Still cards (slates, fault cards, emergency cards, listings) rendered by ffmpeg into raw frames,
// with a bounded cache of the ones that recur. The producer factory owns one per station, so every
// producer of the station shares what has been rendered, and the cache cannot grow without end
// (emergency messages and renamed channels would otherwise add cards forever).
import type { FfmpegTools } from '../media/ffmpeg'
import type { ProcessGroup } from '../media/process'
import { frameBytes, type OutputProfile } from '../media/profiles'
import { FontMetrics, locateFont } from '../media/font-metrics'
import { framePng, renderStill, renderTextPicture } from '../media/stills'
import { layoutCard, layoutCrawl, pageMs, type TextPicture } from '../media/text-layout'

/** Cards kept: a gap slate and a fault card per channel of a small station, plus a few alerts. */
export const STILL_CACHE_CARDS = 32

/** A black frame, ready at once, used until a rendered card is. */
export function blackFrame(profile: OutputProfile): Buffer {
  const y = profile.width * profile.height
  const f = Buffer.alloc(frameBytes(profile), 128)
  f.fill(16, 0, y)
  return f
}

export interface StillCardsOptions {
  tools: FfmpegTools
  profile: OutputProfile
  /** Renders run here, so that station shutdown ends them. */
  processes: ProcessGroup
  capacity?: number
  /** The on-air font (default: DejaVu Sans, found by locateFont). */
  font?: FontMetrics
}

/** An emergency takeover card: its pages (one raw frame each, with the layout they were drawn from) and how long each airs. */
export interface EmergencyCard {
  pages: Array<{ frame: Buffer; picture: TextPicture; ms: number }>
  /** The body text's size in pixels. */
  size: number
}

/** The crawl's strip: the whole message in the band's colours, one raw yuv420p frame as wide as the text. */
export interface CrawlStrip {
  frame: Buffer
  picture: TextPicture
}

export class StillCards {
  /** In least recently used order: the first entry is evicted first. */
  private readonly cache = new Map<string, Promise<unknown>>()
  private readonly capacity: number
  private fontMetrics: FontMetrics | undefined

  constructor(private readonly o: StillCardsOptions) {
    this.capacity = o.capacity ?? STILL_CACHE_CARDS
    this.fontMetrics = o.font
  }

  /** The on-air font, loaded on first use; throws (saying where it looked) when it cannot be. */
  get font(): FontMetrics {
    this.fontMetrics ??= FontMetrics.load(locateFont())
    return this.fontMetrics
  }

  get profile(): OutputProfile {
    return this.o.profile
  }

  /** Caches what recurs under `key` (least recently used goes first); a failed render is not kept. */
  private cached<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined
    if (p)
      this.cache.delete(key) // re-inserted below as the most recently used
    else {
      const rendering = make()
      p = rendering
      rendering.catch(() => {
        if (this.cache.get(key) === rendering) this.cache.delete(key)
      })
    }
    this.cache.set(key, p as Promise<unknown>)
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!)
    return p
  }

  /**
   * The takeover card for a message, every page: what airs and what the console previews (the
   * preview is these frames as PNG). Cached: a previewed message is ready when it goes to air.
   */
  emergencyCard(message: string): Promise<EmergencyCard> {
    return this.cached(`card|${message}`, async () => {
      const font = this.font
      const layout = layoutCard(message, this.o.profile.width, this.o.profile.height, font)
      const frames = await Promise.all(
        layout.pages.map((picture) =>
          renderTextPicture(this.o.processes, this.o.tools, picture, font, this.o.profile.fps)
        )
      )
      return {
        size: layout.size,
        pages: layout.pages.map((picture, i) => ({
          picture,
          frame: frames[i]!,
          ms: pageMs(picture)
        }))
      }
    })
  }

  /** The crawl's strip for a message (cached like the cards). */
  crawlStrip(message: string): Promise<CrawlStrip> {
    return this.cached(`crawl|${message}`, async () => {
      const picture = layoutCrawl(message, this.o.profile.height, this.font)
      return {
        picture,
        frame: await renderTextPicture(
          this.o.processes,
          this.o.tools,
          picture,
          this.font,
          this.o.profile.fps
        )
      }
    })
  }

  /** A raw frame of this renderer's pictures as PNG. */
  png(frame: Buffer, width: number, height: number): Promise<Buffer> {
    return framePng(this.o.processes, this.o.tools, frame, width, height)
  }

  /** Renders a card; `cache` for cards that recur (slates, alerts), not for ever-changing ones (listings). */
  render(background: string, lines: string[], cache: boolean): Promise<Buffer> {
    const render = () =>
      renderStill(this.o.processes, this.o.tools, this.o.profile, { background, lines })
    return cache ? this.cached(`${background}|${lines.join('\n')}`, render) : render()
  }

  /** Cards cached now (for tests). */
  get size(): number {
    return this.cache.size
  }
}
