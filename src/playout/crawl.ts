// The emergency crawl, composited onto each frame on its way to the encoder. Its strip (the whole
// message, rendered once by the same text renderer as the takeover card) scrolls through a red
// band at the bottom of the picture, placed from the output frame at which the crawl went to air:
// the first frame carrying it shows the first word entering at the right edge, and so does the
// first frame of every repeat, however long the encoder has been running (an encoder's own
// running time says nothing about when the crawl began: the output outlives producers).
//
// Only the band's rows are new bytes: the frame goes on as slices of the original around them
// (the source's buffer is shared, e.g. a still card's, and is never written to).
import { AVERAGE_CHAR_EM, crawlGeometry } from '../media/text-layout'
import type { OutputProfile } from '../media/profiles'
import type { CrawlStrip } from './still-cards'

/** A frame's picture as the engine passes it: one buffer or slices of one. */
export type FrameVideo = Buffer | Buffer[]

/** Pixels a crawl moves per frame for a speed in characters a second (of average text at the crawl's size; at least one). */
export function crawlStep(charsPerSecond: number, profile: OutputProfile): number {
  return Math.max(
    1,
    Math.round(
      (charsPerSecond * AVERAGE_CHAR_EM * crawlGeometry(profile.height).size) / profile.fps
    )
  )
}

/** Frames of one pass of a strip `stripWidth` wide: its first word entering at the right edge to its last leaving at the left. */
export function crawlPassFrames(profile: OutputProfile, stripWidth: number, step: number): number {
  return Math.ceil((profile.width + stripWidth) / step)
}

export class CrawlOverlay {
  /** Frames of one pass: from the first word entering at the right edge to the last leaving at the left. */
  readonly passFrames: number
  /** Strip width plus picture width: where the strip's left edge has left the picture. */
  private readonly span: number
  /** First row of the band (even: chroma rows are halves). */
  private readonly top: number
  private readonly rows: number
  /** The strip with a picture's width of band on either side, per plane. */
  private readonly padded: { y: Buffer; u: Buffer; v: Buffer; width: number }

  /**
   * @param startFrame the output frame at which the crawl goes to air (the first word enters there)
   * @param step pixels the text moves per frame
   */
  constructor(
    private readonly profile: OutputProfile,
    strip: CrawlStrip,
    readonly startFrame: number,
    readonly step: number
  ) {
    const { width: W, height: H } = profile
    const { bandHeight, bottomMargin } = crawlGeometry(H)
    if (strip.picture.height !== bandHeight)
      throw new Error(`crawl strip is ${strip.picture.height} px tall, the band ${bandHeight}`)
    this.rows = bandHeight
    this.top = H - bottomMargin - bandHeight
    this.span = W + strip.picture.width
    this.passFrames = crawlPassFrames(profile, strip.picture.width, step)
    this.padded = pad(strip, W)
  }

  /** Where the strip's left edge is in frame k: this many pixels in from the right edge (0: just outside). */
  private travelled(k: number): number {
    const n = k - this.startFrame
    return Math.min(this.span, ((n % this.passFrames) + 1) * this.step)
  }

  /** Frame k's picture with the band drawn in (frames before the start pass unchanged). */
  apply(k: number, video: FrameVideo): FrameVideo {
    if (k < this.startFrame) return video
    const { width: W, height: H } = this.profile
    const p = this.travelled(k)
    const { y, u, v, width } = this.padded
    const rows = this.rows
    const lumaBand = Buffer.allocUnsafe(W * rows)
    for (let r = 0; r < rows; r++) y.copy(lumaBand, r * W, r * width + p, r * width + p + W)
    const cw = W / 2
    const pc = Math.floor(p / 2)
    const uBand = Buffer.allocUnsafe((cw * rows) / 2)
    const vBand = Buffer.allocUnsafe((cw * rows) / 2)
    for (let r = 0; r < rows / 2; r++) {
      u.copy(uBand, r * cw, r * (width / 2) + pc, r * (width / 2) + pc + cw)
      v.copy(vBand, r * cw, r * (width / 2) + pc, r * (width / 2) + pc + cw)
    }
    const lumaSize = W * H
    const chromaSize = lumaSize / 4
    return replaceRanges(video, [
      { offset: this.top * W, bytes: lumaBand },
      { offset: lumaSize + (this.top / 2) * cw, bytes: uBand },
      { offset: lumaSize + chromaSize + (this.top / 2) * cw, bytes: vBand }
    ])
  }
}

/** The strip between a picture's width of its own background on either side, plane by plane. */
function pad(strip: CrawlStrip, W: number): { y: Buffer; u: Buffer; v: Buffer; width: number } {
  const { width: S, height: rows } = strip.picture
  const f = strip.frame
  const width = S + 2 * W
  const plane = (at: number, pw: number, ph: number, sw: number) => {
    // The strip's top-left pixel is background (the text sits inside the band's margins).
    const out = Buffer.alloc(pw * ph, f[at]!)
    for (let r = 0; r < ph; r++) f.copy(out, r * pw + (pw - sw) / 2, at + r * sw, at + (r + 1) * sw)
    return out
  }
  const lumaSize = S * rows
  return {
    y: plane(0, width, rows, S),
    u: plane(lumaSize, width / 2, rows / 2, S / 2),
    v: plane(lumaSize + lumaSize / 4, width / 2, rows / 2, S / 2),
    width
  }
}

/**
 * The frame's bytes with some ranges replaced, as slices: views of the original around the new
 * bytes (ranges in order, not overlapping).
 */
export function replaceRanges(
  video: FrameVideo,
  ranges: Array<{ offset: number; bytes: Buffer }>
): Buffer[] {
  const slices = Array.isArray(video) ? video : [video]
  const out: Buffer[] = []
  let pos = 0 // offset in the frame of the next byte to take
  let si = 0 // slice holding it
  let sliceStart = 0 // frame offset of that slice's first byte
  const take = (until: number) => {
    while (pos < until) {
      const s = slices[si]!
      const end = sliceStart + s.length
      if (pos >= end) {
        sliceStart = end
        si++
        continue
      }
      const to = Math.min(end, until)
      out.push(s.subarray(pos - sliceStart, to - sliceStart))
      pos = to
    }
  }
  const skip = (until: number) => {
    pos = until
    while (si < slices.length && sliceStart + slices[si]!.length <= pos)
      sliceStart += slices[si++]!.length
  }
  const total = slices.reduce((n, s) => n + s.length, 0)
  for (const r of ranges) {
    take(r.offset)
    out.push(r.bytes)
    skip(r.offset + r.bytes.length)
  }
  take(total)
  return out
}
