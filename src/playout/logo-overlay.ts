// The channel logo (the bug) composited onto the picture just before it goes to the encoder.
//
// The PNG is decoded once, by ffmpeg, into raw YUVA at its size on the output (yuva420p: Y, U, V at
// half size, alpha at full size); blending is then integer arithmetic over the logo's rectangle of
// each yuv420p frame. Frames are never changed in place (a source may hand out the same buffer
// again, as still cards do): the rows the logo covers are copied and blended, and the frame goes to
// the encoder as slices, those rows between views of the source's untouched bytes.
//
// A station's producers share one LogoCache (like their still cards): a producer started after a
// restart or at an emergency's clear finds the logo already decoded and shows it on its first frame.
import type { FfmpegTools } from '../media/ffmpeg'
import type { ProcessGroup } from '../media/process'
import { frameBytes, type OutputProfile } from '../media/profiles'
import type { LogoPlacement } from '../shared/domain'
import { logoRect } from '../shared/logo'

export { logoRect } from '../shared/logo'

/** A channel's logo as the channel manager hands it to a producer: the PNG on disk, its size and placement. */
export interface LogoSpec {
  /** Absolute path of the PNG. */
  path: string
  /** The PNG's size in pixels (its aspect sets the logo's height on air). */
  width: number
  height: number
  placement: LogoPlacement
}

/** A decode is one frame of one small picture: this bounds a stuck one. */
const DECODE_TIMEOUT_MS = 10_000
/** Decoded logos kept per station: one per channel of a small station and a few changes. */
const CACHE_LOGOS = 32

export class LogoOverlay {
  /** The logo's rows in each plane, with its pixels and its alpha times opacity (0..256; chroma: the mean of its 2x2). */
  private readonly bands: Band[]

  private constructor(
    private readonly profile: OutputProfile,
    spec: LogoSpec,
    yuva: Buffer
  ) {
    const r = logoRect(profile, spec)
    const ySize = r.w * r.h
    const cSize = ySize / 4
    const planes = {
      y: yuva.subarray(0, ySize),
      u: yuva.subarray(ySize, ySize + cSize),
      v: yuva.subarray(ySize + cSize, ySize + 2 * cSize)
    }
    const a = yuva.subarray(ySize + 2 * cSize)
    const k = (256 * spec.placement.opacity) / 255
    const alphaY = Uint16Array.from(a, (v) => Math.round(v * k))
    const alphaC = new Uint16Array(cSize)
    const cw = r.w / 2
    for (let cy = 0; cy < r.h / 2; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        const i = 2 * cy * r.w + 2 * cx
        alphaC[cy * cw + cx] = Math.round(
          ((a[i]! + a[i + 1]! + a[i + r.w]! + a[i + r.w + 1]!) * k) / 4
        )
      }
    }
    this.bands = bandsOf(profile, r, planes, alphaY, alphaC)
  }

  /** A logo from raw yuva420p at its size on the output (what decode reads from ffmpeg). */
  static fromYuva(profile: OutputProfile, spec: LogoSpec, yuva: Buffer): LogoOverlay {
    return new LogoOverlay(profile, spec, yuva)
  }

  /** Decodes the PNG to raw YUVA at its size on the output (ffmpeg runs in `processes`). */
  static async decode(
    processes: ProcessGroup,
    tools: FfmpegTools,
    profile: OutputProfile,
    spec: LogoSpec
  ): Promise<LogoOverlay> {
    const { w, h } = logoRect(profile, spec)
    const args = [
      '-nostdin',
      '-v',
      'error',
      '-i',
      spec.path,
      '-frames:v',
      '1',
      '-vf',
      `scale=${w}:${h}:flags=lanczos,format=yuva420p`,
      '-f',
      'rawvideo',
      'pipe:1'
    ]
    const yuva = await processes.output('logo', tools.ffmpeg, args, DECODE_TIMEOUT_MS)
    const expected = (w * h * 5) / 2
    if (yuva.length !== expected)
      throw new Error(`the logo ${spec.path} decoded to ${yuva.length} bytes, expected ${expected}`)
    return new LogoOverlay(profile, spec, yuva)
  }

  /**
   * The frame `video` (one yuv420p frame, possibly in slices) with the logo blended in, as slices:
   * the rows the logo covers in each plane are copied and blended, the rest is the source's own
   * bytes (never written to), so a frame costs the logo's rows, not a copy of the picture.
   */
  apply(video: Buffer | Buffer[]): Buffer[] {
    const parts = Array.isArray(video) ? video : [video]
    const out: Buffer[] = []
    let at = 0
    for (const band of this.bands) {
      pushRange(out, parts, at, band.start)
      const rows = Buffer.allocUnsafe(band.end - band.start)
      copyRange(parts, band.start, rows)
      blend(
        rows,
        -band.start + band.plane,
        band.stride,
        band.x,
        band.y,
        band.w,
        band.h,
        band.src,
        band.alpha
      )
      out.push(rows)
      at = band.end
    }
    pushRange(out, parts, at, frameBytes(this.profile))
    return out
  }
}

interface Band {
  /** The bytes of the frame the logo's rows span in one plane. */
  start: number
  end: number
  /** Where that plane begins in the frame, its stride, and the logo's rectangle in it. */
  plane: number
  stride: number
  x: number
  y: number
  w: number
  h: number
  src: Buffer
  alpha: Uint16Array
}

/** The logo's rows in the Y, U and V planes of a frame of this size. */
function bandsOf(
  profile: OutputProfile,
  r: { x: number; y: number; w: number; h: number },
  planes: { y: Buffer; u: Buffer; v: Buffer },
  alphaY: Uint16Array,
  alphaC: Uint16Array
): Band[] {
  const { width: W, height: H } = profile
  const cw = W / 2
  const band = (
    plane: number,
    stride: number,
    x: number,
    y: number,
    w: number,
    h: number,
    src: Buffer,
    alpha: Uint16Array
  ): Band => ({
    start: plane + y * stride,
    end: plane + (y + h) * stride,
    plane,
    stride,
    x,
    y,
    w,
    h,
    src,
    alpha
  })
  return [
    band(0, W, r.x, r.y, r.w, r.h, planes.y, alphaY),
    band(W * H, cw, r.x / 2, r.y / 2, r.w / 2, r.h / 2, planes.u, alphaC),
    band(W * H + (W * H) / 4, cw, r.x / 2, r.y / 2, r.w / 2, r.h / 2, planes.v, alphaC)
  ]
}

/** Appends views of bytes [from, to) of the frame held in `parts` (no copy). */
function pushRange(out: Buffer[], parts: Buffer[], from: number, to: number): void {
  let base = 0
  for (const p of parts) {
    const a = Math.max(from, base)
    const b = Math.min(to, base + p.length)
    if (a < b) out.push(p.subarray(a - base, b - base))
    base += p.length
    if (base >= to) return
  }
}

/** Copies bytes from `from` of the frame held in `parts` into `into` (its length). */
function copyRange(parts: Buffer[], from: number, into: Buffer): void {
  let base = 0
  let written = 0
  for (const p of parts) {
    const want = from + written - base
    if (want < p.length) {
      written += p.copy(into, written, want, Math.min(p.length, want + into.length - written))
      if (written >= into.length) return
    }
    base += p.length
  }
}

/** Blends a w x h plane with its alpha (0..256) into `out` at (x, y) of a plane that begins at `base` with stride `stride`. */
function blend(
  out: Buffer,
  base: number,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  src: Buffer,
  alpha: Uint16Array
): void {
  for (let row = 0; row < h; row++) {
    let o = base + (y + row) * stride + x
    let s = row * w
    for (let col = 0; col < w; col++, o++, s++) {
      const a = alpha[s]!
      if (a !== 0) out[o] = (out[o]! * (256 - a) + src[s]! * a) >> 8
    }
  }
}

/** Decoded logos shared by a station's producers, by file, size and placement (least recently used goes first). */
export class LogoCache {
  private readonly ready = new Map<string, LogoOverlay>()
  private readonly loading = new Map<string, Promise<LogoOverlay>>()

  constructor(
    private readonly o: { tools: FfmpegTools; profile: OutputProfile; processes: ProcessGroup }
  ) {}

  private key(spec: LogoSpec): string {
    return JSON.stringify([spec.path, spec.width, spec.height, spec.placement])
  }

  /** The decoded logo if it is ready now. */
  peek(spec: LogoSpec): LogoOverlay | null {
    const key = this.key(spec)
    const hit = this.ready.get(key)
    if (!hit) return null
    this.ready.delete(key)
    this.ready.set(key, hit)
    return hit
  }

  /** The decoded logo, decoding it when it is not cached (a failed decode is not kept: the next asks again). */
  load(spec: LogoSpec): Promise<LogoOverlay> {
    const hit = this.peek(spec)
    if (hit) return Promise.resolve(hit)
    const key = this.key(spec)
    let p = this.loading.get(key)
    if (!p) {
      p = LogoOverlay.decode(this.o.processes, this.o.tools, this.o.profile, spec)
      this.loading.set(key, p)
      void p.then(
        (overlay) => {
          this.loading.delete(key)
          this.ready.set(key, overlay)
          while (this.ready.size > CACHE_LOGOS) this.ready.delete(this.ready.keys().next().value!)
        },
        () => this.loading.delete(key)
      )
    }
    return p
  }
}
