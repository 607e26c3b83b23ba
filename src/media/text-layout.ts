// Emergency text laid out in pixels before anything is drawn: the takeover card (wrapped at words,
// the font sized to fit the whole message, paged with a visible page count when even the smallest
// readable size cannot hold it) and the crawl's strip (one line). Every word gets its own box from
// the font's advance widths; the renderer draws each word at its box, so what airs, what the
// console previews and what a test checks are the same layout.
import type { FontMetrics } from './font-metrics'

/** A word placed on a picture: drawn with its pen at x and its baseline at `baseline`. */
export interface PlacedWord {
  text: string
  x: number
  baseline: number
  size: number
  /** Advance width in pixels (the ink lies within it, give or take a bearing). */
  width: number
}

/** A picture made of placed words on a plain background. */
export interface TextPicture {
  width: number
  height: number
  /** ffmpeg colour syntax. */
  background: string
  words: PlacedWord[]
}

/** The box a placed word's glyphs occupy: its advance across, the font's ascender to descender down. */
export function wordBox(
  word: PlacedWord,
  font: FontMetrics
): { x: number; y: number; w: number; h: number } {
  const up = Math.ceil((font.ascender * word.size) / font.unitsPerEm)
  const down = Math.ceil((font.descender * word.size) / font.unitsPerEm)
  return { x: word.x, y: word.baseline - up, w: word.width, h: up + down }
}

/** The words of a message as it airs: any run of white space (or control characters) is one space. */
export function messageWords(message: string): string[] {
  return message
    .replace(/\p{Cc}/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
}

export const CARD_BACKGROUND = '0x8a0000'
export const CARD_TITLE = 'EMERGENCY ALERT'
/** The crawl's band: white text on red. */
export const CRAWL_BACKGROUND = '0xb00000'

/** Card geometry, as shares of the picture. */
const CARD = {
  titleSize: 1 / 10,
  titleBaseline: 0.16,
  bodyTop: 0.23,
  bodyBottom: 0.9,
  side: 0.05,
  /** The largest body text, and the smallest that is still read from across a room (a caption's size). */
  maxSize: 1 / 11,
  minSize: 1 / 22,
  lineHeight: 1.25,
  pageBaseline: 0.965
}

export interface CardLayout {
  /** One picture per page; a single page carries no page count. */
  pages: TextPicture[]
  /** The body text's size in pixels. */
  size: number
}

/**
 * Breaks a word wider than the line into pieces that fit (a long address or number still airs
 * whole, over several lines).
 */
function pieces(word: string, font: FontMetrics, size: number, maxWidth: number): string[] {
  if (font.width(word, size) <= maxWidth) return [word]
  const out: string[] = []
  let piece = ''
  for (const ch of word) {
    if (piece && font.width(piece + ch, size) > maxWidth) {
      out.push(piece)
      piece = ch
    } else piece += ch
  }
  if (piece) out.push(piece)
  return out
}

/** Greedy wrapping at words: each line a list of words, none wider than maxWidth. */
function wrapWords(words: string[], font: FontMetrics, size: number, maxWidth: number): string[][] {
  const space = font.width(' ', size)
  const lines: string[][] = []
  let line: string[] = []
  let width = 0
  for (const word of words.flatMap((w) => pieces(w, font, size, maxWidth))) {
    const w = font.width(word, size)
    if (line.length && width + space + w > maxWidth) {
      lines.push(line)
      line = []
      width = 0
    }
    width += (line.length ? space : 0) + w
    line.push(word)
  }
  if (line.length) lines.push(line)
  return lines
}

/** Words of one line, centred on `centre`, baseline at `baseline`. */
function placeLine(
  words: string[],
  font: FontMetrics,
  size: number,
  centre: number,
  baseline: number
): PlacedWord[] {
  const space = font.width(' ', size)
  const widths = words.map((w) => font.width(w, size))
  const total = widths.reduce((a, b) => a + b, 0) + space * (words.length - 1)
  let x = Math.round(centre - total / 2)
  return words.map((text, i) => {
    const placed = { text, x, baseline, size, width: widths[i]! }
    x += widths[i]! + space
    return placed
  })
}

/**
 * The takeover card for a message: the largest size at which the whole message fits the body
 * (down to the smallest readable size), else pages at that smallest size, each with "n/N".
 */
export function layoutCard(
  message: string,
  width: number,
  height: number,
  font: FontMetrics
): CardLayout {
  const words = messageWords(message)
  const bodyWidth = Math.floor(width * (1 - 2 * CARD.side))
  const bodyTop = Math.round(height * CARD.bodyTop)
  const bodyHeight = Math.round(height * CARD.bodyBottom) - bodyTop
  const maxSize = Math.round(height * CARD.maxSize)
  const minSize = Math.max(8, Math.round(height * CARD.minSize))
  const linesFitting = (size: number) =>
    Math.max(1, Math.floor(bodyHeight / Math.ceil(size * CARD.lineHeight)))
  let size = maxSize
  let lines = wrapWords(words, font, size, bodyWidth)
  while (size > minSize && lines.length > linesFitting(size)) {
    size--
    lines = wrapWords(words, font, size, bodyWidth)
  }
  const perPage = linesFitting(size)
  const pageCount = Math.max(1, Math.ceil(lines.length / perPage))
  const lineStep = Math.ceil(size * CARD.lineHeight)
  const firstBaseline = bodyTop + Math.ceil((font.ascender * size) / font.unitsPerEm)
  const titleSize = Math.round(height * CARD.titleSize)
  const pages: TextPicture[] = []
  for (let p = 0; p < pageCount; p++) {
    const placed = placeLine(
      [CARD_TITLE],
      font,
      titleSize,
      width / 2,
      Math.round(height * CARD.titleBaseline)
    )
    lines
      .slice(p * perPage, (p + 1) * perPage)
      .forEach((line, i) =>
        placed.push(...placeLine(line, font, size, width / 2, firstBaseline + i * lineStep))
      )
    if (pageCount > 1) {
      const count = `${p + 1}/${pageCount}`
      const w = font.width(count, minSize)
      placed.push({
        text: count,
        x: Math.round(width * (1 - CARD.side)) - w,
        baseline: Math.round(height * CARD.pageBaseline),
        size: minSize,
        width: w
      })
    }
    pages.push({ width, height, background: CARD_BACKGROUND, words: placed })
  }
  return { pages, size }
}

/** How long a page stays on air: long enough to read it aloud slowly (about 2.5 words a second), at least 6 s. */
export function pageMs(page: TextPicture): number {
  return Math.max(6_000, Math.round(page.words.length * 400) + 2_000)
}

/** The crawl's text size and band height for a picture height (band: text centred, a little air above and below). */
export function crawlGeometry(height: number): {
  size: number
  bandHeight: number
  bottomMargin: number
} {
  const size = Math.round(height / 14)
  const even = (n: number) => 2 * Math.round(n / 2)
  return { size, bandHeight: even(size * 2), bottomMargin: even(size * 0.5) }
}

/** The crawl's strip: the whole message on one line, white on the band's red, as wide as the text. */
export function layoutCrawl(
  message: string,
  pictureHeight: number,
  font: FontMetrics
): TextPicture {
  const { size, bandHeight } = crawlGeometry(pictureHeight)
  const up = (font.ascender * size) / font.unitsPerEm
  const down = (font.descender * size) / font.unitsPerEm
  const baseline = Math.round((bandHeight - (up + down)) / 2 + up)
  const space = font.width(' ', size)
  const words: PlacedWord[] = []
  let x = 0
  for (const text of messageWords(message)) {
    const w = font.width(text, size)
    words.push({ text, x, baseline, size, width: w })
    x += w + space
  }
  const textWidth = Math.max(0, x - space)
  // Even, so the strip's chroma columns line up with the picture's.
  return {
    width: Math.max(2, 2 * Math.ceil(textWidth / 2)),
    height: bandHeight,
    background: CRAWL_BACKGROUND,
    words
  }
}

/** Average width of a character as a share of the text size, for speeds given in characters a second. */
export const AVERAGE_CHAR_EM = 0.55
