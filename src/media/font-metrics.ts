// The on-air text font and its advance widths, read from the TrueType file itself (cmap, hmtx,
// hhea, head), so that emergency text is laid out in the same pixels ffmpeg's drawtext then draws
// it in: every word is placed at a computed position, never left to the renderer to flow.
import fs from 'node:fs'
import path from 'node:path'

/** Where the on-air font (DejaVu Sans) is looked for: a copy bundled with the app, then the system's. */
export const FONT_CANDIDATES: readonly string[] = [
  path.resolve(process.cwd(), 'resources/fonts/DejaVuSans.ttf'),
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
  '/Library/Fonts/DejaVuSans.ttf'
]

export class FontError extends Error {
  override readonly name = 'FontError'
}

/** One TrueType font's horizontal metrics, in font units. */
export class FontMetrics {
  readonly unitsPerEm: number
  /** Above the baseline (positive) and below it (positive here), from hhea. */
  readonly ascender: number
  readonly descender: number
  private readonly advances: Uint16Array
  private readonly glyphOf: (codePoint: number) => number

  private constructor(
    readonly file: string,
    data: Buffer
  ) {
    const tables = tableDirectory(data, file)
    const need = (tag: string) => {
      const t = tables.get(tag)
      if (!t) throw new FontError(`${file}: no ${tag} table (not a TrueType font?)`)
      return t
    }
    const head = need('head')
    this.unitsPerEm = data.readUInt16BE(head + 18)
    const hhea = need('hhea')
    this.ascender = data.readInt16BE(hhea + 4)
    this.descender = -data.readInt16BE(hhea + 6)
    const metrics = data.readUInt16BE(hhea + 34)
    const hmtx = need('hmtx')
    const glyphs = data.readUInt16BE(need('maxp') + 4)
    this.advances = new Uint16Array(Math.max(glyphs, metrics))
    for (let g = 0; g < this.advances.length; g++)
      this.advances[g] = data.readUInt16BE(hmtx + 4 * Math.min(g, metrics - 1))
    this.glyphOf = cmap(data, need('cmap'), file)
  }

  static load(file: string): FontMetrics {
    let data: Buffer
    try {
      data = fs.readFileSync(file)
    } catch (err) {
      throw new FontError(`${file}: cannot read the font: ${(err as Error).message}`)
    }
    return new FontMetrics(file, data)
  }

  /** The glyph a character is drawn with (0, the missing-glyph box, when the font has none). */
  glyph(codePoint: number): number {
    return this.glyphOf(codePoint)
  }

  /**
   * Width in pixels of `text` at `size` px as FreeType advances it: each glyph's advance rounded to
   * whole pixels (drawtext moves its pen by the rounded advance), no kerning inside a word.
   */
  width(text: string, size: number): number {
    let w = 0
    for (const ch of text) w += this.advance(ch.codePointAt(0)!, size)
    return w
  }

  /** One character's advance in whole pixels at `size` px. */
  advance(codePoint: number, size: number): number {
    return Math.round((this.advances[this.glyph(codePoint)]! * size) / this.unitsPerEm)
  }
}

/** The on-air font's file: the first candidate that exists. Throws, naming where it looked, when none does. */
export function locateFont(candidates: readonly string[] = FONT_CANDIDATES): string {
  const found = candidates.find((f) => fs.existsSync(f))
  if (!found)
    throw new FontError(
      `the on-air font DejaVuSans.ttf was not found (looked in ${candidates.join(', ')})`
    )
  return found
}

function tableDirectory(data: Buffer, file: string): Map<string, number> {
  if (data.length < 12) throw new FontError(`${file}: too short to be a font`)
  const version = data.readUInt32BE(0)
  if (version !== 0x00010000 && version !== 0x74727565)
    throw new FontError(`${file}: not a TrueType font`)
  const tables = new Map<string, number>()
  const count = data.readUInt16BE(4)
  for (let i = 0; i < count; i++) {
    const rec = 12 + 16 * i
    tables.set(data.toString('latin1', rec, rec + 4), data.readUInt32BE(rec + 8))
  }
  return tables
}

/** The character-to-glyph map: the Unicode full-repertoire subtable (format 12) if any, else the BMP one (format 4). */
function cmap(data: Buffer, at: number, file: string): (codePoint: number) => number {
  const count = data.readUInt16BE(at + 2)
  const subtables: Array<{ platform: number; encoding: number; offset: number; format: number }> =
    []
  for (let i = 0; i < count; i++) {
    const rec = at + 4 + 8 * i
    const offset = at + data.readUInt32BE(rec + 4)
    subtables.push({
      platform: data.readUInt16BE(rec),
      encoding: data.readUInt16BE(rec + 2),
      offset,
      format: data.readUInt16BE(offset)
    })
  }
  const unicode = (s: { platform: number; encoding: number }) =>
    s.platform === 0 || (s.platform === 3 && (s.encoding === 1 || s.encoding === 10))
  const full = subtables.find((s) => unicode(s) && s.format === 12)
  if (full) return format12(data, full.offset)
  const bmp = subtables.find((s) => unicode(s) && s.format === 4)
  if (bmp) return format4(data, bmp.offset)
  throw new FontError(`${file}: no Unicode character map`)
}

function format12(data: Buffer, at: number): (cp: number) => number {
  const groups = data.readUInt32BE(at + 12)
  return (cp) => {
    let lo = 0
    let hi = groups - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const g = at + 16 + 12 * mid
      const start = data.readUInt32BE(g)
      const end = data.readUInt32BE(g + 4)
      if (cp < start) hi = mid - 1
      else if (cp > end) lo = mid + 1
      else return data.readUInt32BE(g + 8) + (cp - start)
    }
    return 0
  }
}

function format4(data: Buffer, at: number): (cp: number) => number {
  const segs = data.readUInt16BE(at + 6) / 2
  const ends = at + 14
  const starts = ends + 2 * segs + 2
  const deltas = starts + 2 * segs
  const ranges = deltas + 2 * segs
  return (cp) => {
    if (cp > 0xffff) return 0
    for (let i = 0; i < segs; i++) {
      if (cp > data.readUInt16BE(ends + 2 * i)) continue
      const start = data.readUInt16BE(starts + 2 * i)
      if (cp < start) return 0
      const delta = data.readInt16BE(deltas + 2 * i)
      const range = data.readUInt16BE(ranges + 2 * i)
      if (range === 0) return (cp + delta) & 0xffff
      const g = data.readUInt16BE(ranges + 2 * i + range + 2 * (cp - start))
      return g === 0 ? 0 : (g + delta) & 0xffff
    }
    return 0
  }
}
