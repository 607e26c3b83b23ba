// Emergency text without ffmpeg: the font's metrics read from the file, the takeover card's layout
// (the whole message, sized to fit, paged with a count when it cannot), the crawl's strip, and the
// crawl's compositing onto frames (where the text is in a frame, from the frame the crawl began).
import { describe, expect, it } from 'vitest'
import { FontError, FontMetrics, locateFont } from '../../src/media/font-metrics'
import { PROFILES, frameBytes } from '../../src/media/profiles'
import {
  CARD_TITLE,
  crawlGeometry,
  layoutCard,
  layoutCrawl,
  messageWords,
  type TextPicture,
  wordBox
} from '../../src/media/text-layout'
import { CrawlOverlay, crawlPassFrames, crawlStep, replaceRanges } from '../../src/playout/crawl'
import { EMERGENCY_MESSAGE_MAX } from '../../src/shared/domain'
import { LONG_MESSAGE } from '../helpers/messages'

const font = FontMetrics.load(locateFont())

/** The body words of a picture (not the title, not the page count). */
const bodyWords = (p: TextPicture) =>
  p.words.filter((w, i) => !(i === 0 && w.text === CARD_TITLE) && !/^\d+\/\d+$/.test(w.text))

function expectInside(p: TextPicture) {
  const boxes = p.words.map((w) => wordBox(w, font))
  for (const [i, b] of boxes.entries()) {
    expect(b.x, p.words[i]!.text).toBeGreaterThanOrEqual(0)
    expect(b.y).toBeGreaterThanOrEqual(0)
    expect(b.x + b.w).toBeLessThanOrEqual(p.width)
    expect(b.y + b.h).toBeLessThanOrEqual(p.height)
    // No two words share pixels.
    for (const c of boxes.slice(0, i))
      expect(
        b.x >= c.x + c.w || c.x >= b.x + b.w || b.y >= c.y + c.h || c.y >= b.y + b.h,
        `${p.words[i]!.text} overlaps`
      ).toBe(true)
  }
}

describe('the on-air font', () => {
  it('reads DejaVu Sans metrics from the file', () => {
    expect(font.unitsPerEm).toBe(2048)
    expect(font.ascender).toBeGreaterThan(1800)
    expect(font.descender).toBeGreaterThan(400)
    // Advances in DejaVu Sans: i 569, m 1995, W 2025 units; rounded to whole pixels at the size.
    expect(font.width('i', 20)).toBe(Math.round((569 * 20) / 2048))
    expect(font.width('mW', 40)).toBe(
      Math.round((1995 * 40) / 2048) + Math.round((2025 * 40) / 2048)
    )
    // Beyond the BMP and missing from the font: the missing-glyph box's advance, never nothing.
    expect(font.glyph('漢'.codePointAt(0)!)).toBe(0)
    expect(font.width('漢', 20)).toBeGreaterThan(0)
    expect(font.glyph(0x1f600)).toBeGreaterThan(0) // the font has some emoji (format 12 map)
    expect(font.glyph('é'.codePointAt(0)!)).toBeGreaterThan(0)
  })

  it('says where it looked when the font is missing, and what is wrong with a file that is no font', () => {
    expect(() => locateFont(['/nonexistent/a.ttf', '/nonexistent/b.ttf'])).toThrow(
      /DejaVuSans\.ttf was not found \(looked in \/nonexistent\/a\.ttf, \/nonexistent\/b\.ttf\)/
    )
    expect(() => FontMetrics.load('/nonexistent/x.ttf')).toThrow(FontError)
    expect(() => FontMetrics.load(new URL(import.meta.url).pathname)).toThrow(/not a TrueType font/)
  })
})

describe('the takeover card', () => {
  it.each(['360p', '720p', '1080p'] as const)(
    '%s: a 500-character message fits one page, every word in order, inside the picture',
    (name) => {
      const { width, height } = PROFILES[name]
      expect(LONG_MESSAGE.length).toBe(EMERGENCY_MESSAGE_MAX)
      const card = layoutCard(LONG_MESSAGE, width, height, font)
      expect(card.pages).toHaveLength(1)
      const page = card.pages[0]!
      expect(page.words[0]).toMatchObject({ text: CARD_TITLE })
      expect(bodyWords(page).map((w) => w.text)).toEqual(messageWords(LONG_MESSAGE))
      // Readable: at least the smallest size (a twenty-second of the height).
      expect(card.size).toBeGreaterThanOrEqual(Math.round(height / 22))
      expectInside(page)
    }
  )

  it('a short message airs large; white space and control characters never change the words', () => {
    const card = layoutCard('  Shelter\tin\n\nplace \u0007now ', 640, 360, font)
    expect(card.size).toBe(Math.round(360 / 11))
    expect(bodyWords(card.pages[0]!).map((w) => w.text)).toEqual(['Shelter', 'in', 'place', 'now'])
  })

  it('what cannot fit at the smallest readable size is paged, each page with its count, no word lost', () => {
    // Long words of wide letters: about twice what one 360p card holds at its smallest size.
    const message = Array.from({ length: 90 }, (_, i) => `WWWW${i}`).join(' ')
    const card = layoutCard(message, 640, 360, font)
    expect(card.size).toBe(Math.round(360 / 22))
    expect(card.pages.length).toBeGreaterThan(1)
    const n = card.pages.length
    card.pages.forEach((p, i) => {
      expect(p.words.at(-1)!.text).toBe(`${i + 1}/${n}`)
      expectInside(p)
    })
    expect(card.pages.flatMap(bodyWords).map((w) => w.text)).toEqual(messageWords(message))
  })

  it('a word wider than the line is broken over lines, never cut', () => {
    const word = 'x'.repeat(300)
    const card = layoutCard(word, 640, 360, font)
    const pieces = card.pages.flatMap(bodyWords)
    expect(pieces.length).toBeGreaterThan(1)
    expect(pieces.map((w) => w.text).join('')).toBe(word)
    card.pages.forEach(expectInside)
  })
})

describe('the crawl', () => {
  const profile = PROFILES['360p']
  const W = profile.width
  const H = profile.height
  const { bandHeight, bottomMargin } = crawlGeometry(H)
  const top = H - bottomMargin - bandHeight

  /** A strip of the layout's size whose columns carry their own index (mod 200), on background 50. */
  function fakeStrip(message: string) {
    const picture = layoutCrawl(message, H, font)
    const S = picture.width
    const frame = Buffer.alloc((S * picture.height * 3) / 2, 50)
    for (let r = 1; r < picture.height; r++)
      for (let x = 0; x < S; x++) frame[r * S + x] = 60 + (x % 190)
    return { picture, frame }
  }

  it('lays the whole message on one line, in order, the band inside the picture', () => {
    const strip = layoutCrawl(LONG_MESSAGE, H, font)
    expect(strip.words.map((w) => w.text)).toEqual(messageWords(LONG_MESSAGE))
    expect(strip.height).toBe(bandHeight)
    expect(top).toBeGreaterThan(H / 2)
    expect(top % 2).toBe(0)
    expectInside(strip)
  })

  it('enters at the right edge on the frame it goes to air, and again at every repeat', () => {
    const strip = fakeStrip('Severe weather warning')
    const step = crawlStep(9, profile)
    const start = 5_400_000 // a crawl fired after the output has run for two days
    const crawl = new CrawlOverlay(profile, strip, start, step)
    expect(crawl.passFrames).toBe(crawlPassFrames(profile, strip.picture.width, step))
    const source = Buffer.alloc(frameBytes(profile), 7)
    const row = (video: Buffer, r: number) => video.subarray((top + r) * W, (top + r + 1) * W)
    for (const k of [start, start + crawl.passFrames, start + 7 * crawl.passFrames]) {
      const out = Buffer.concat(crawl.apply(k, source) as Buffer[])
      expect(out.length).toBe(source.length)
      // The band's rows: background, but for the strip's first `step` columns at the right edge.
      const r = row(out, 3)
      expect([...r.subarray(W - step)]).toEqual([
        ...strip.frame.subarray(3 * strip.picture.width, 3 * strip.picture.width + step)
      ])
      expect(r.subarray(0, W - step).every((v) => v === 50)).toBe(true)
      // Above and below the band, the picture is untouched.
      expect(out.subarray(0, top * W).every((v) => v === 7)).toBe(true)
      expect(out.subarray((top + bandHeight) * W, W * H).every((v) => v === 7)).toBe(true)
    }
    // Ten frames on, the text has moved ten steps in.
    const later = Buffer.concat(crawl.apply(start + 9, source) as Buffer[])
    expect(row(later, 3)[W - 10 * step]).toBe(strip.frame[3 * strip.picture.width])
    // Frames before it went to air are not touched, and the source frame never is.
    expect(crawl.apply(start - 1, source)).toBe(source)
    expect(source.every((v) => v === 7)).toBe(true)
  })

  it('replaces byte ranges across slices without copying the rest', () => {
    const slices = [Buffer.from([0, 1, 2]), Buffer.from([3, 4]), Buffer.from([5, 6, 7, 8, 9])]
    const out = replaceRanges(slices, [
      { offset: 2, bytes: Buffer.from([20, 30]) },
      { offset: 6, bytes: Buffer.from([60]) }
    ])
    expect([...Buffer.concat(out)]).toEqual([0, 1, 20, 30, 4, 5, 60, 7, 8, 9])
    expect(out[0]!.buffer).toBe(slices[0]!.buffer) // a view, not a copy
    expect([
      ...Buffer.concat(
        replaceRanges(Buffer.from([1, 2, 3]), [{ offset: 0, bytes: Buffer.from([9]) }])
      )
    ]).toEqual([9, 2, 3])
  })
})
