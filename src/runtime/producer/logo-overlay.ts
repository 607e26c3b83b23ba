// The channel logo (the bug) composited onto the picture just before it goes to the encoder.
//
// The PNG is decoded once, by ffmpeg, into raw YUVA at its size on the output (yuva420p: Y, U, V at
// half size, alpha at full size); blending is then integer arithmetic over the logo's rectangle of
// each yuv420p frame, nothing else of the picture is touched (its rows are copied as they are).
// Frames are never changed in place: a source may hand out the same buffer again (still cards) or
// a view into its decoder's read buffer, so each composited frame is a fresh buffer.
//
// A station's producers share one LogoCache (like their still cards): a producer started after a
// restart or at an emergency's clear finds the logo already decoded and shows it on its first frame.
import type { FfmpegTools } from '../../media/ffmpeg';
import type { ProcessGroup } from '../../media/process';
import { frameBytes, type OutputProfile } from '../../media/profiles';
import type { LogoPlacement } from '../../shared/domain';
import { logoRect } from '../../shared/logo';

export { logoRect } from '../../shared/logo';

/** A channel's logo as the channel manager hands it to a producer: the PNG on disk, its size and placement. */
export interface LogoSpec {
  /** Absolute path of the PNG. */
  path: string;
  /** The PNG's size in pixels (its aspect sets the logo's height on air). */
  width: number;
  height: number;
  placement: LogoPlacement;
}

/** A decode is one frame of one small picture: this bounds a stuck one. */
const DECODE_TIMEOUT_MS = 10_000;
/** Decoded logos kept per station: one per channel of a small station and a few changes. */
const CACHE_LOGOS = 32;

export class LogoOverlay {
  private readonly rect: { x: number; y: number; w: number; h: number };
  private readonly planes: { y: Buffer; u: Buffer; v: Buffer };
  /** Alpha times opacity, 0..256, per luma pixel and per chroma pixel (the mean of its 2x2). */
  private readonly alphaY: Uint16Array;
  private readonly alphaC: Uint16Array;

  private constructor(
    private readonly profile: OutputProfile,
    spec: LogoSpec,
    yuva: Buffer,
  ) {
    const r = (this.rect = logoRect(profile, spec));
    const ySize = r.w * r.h;
    const cSize = ySize / 4;
    this.planes = { y: yuva.subarray(0, ySize), u: yuva.subarray(ySize, ySize + cSize), v: yuva.subarray(ySize + cSize, ySize + 2 * cSize) };
    const a = yuva.subarray(ySize + 2 * cSize);
    const k = (256 * spec.placement.opacity) / 255;
    this.alphaY = Uint16Array.from(a, (v) => Math.round(v * k));
    this.alphaC = new Uint16Array(cSize);
    const cw = r.w / 2;
    for (let cy = 0; cy < r.h / 2; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        const i = 2 * cy * r.w + 2 * cx;
        this.alphaC[cy * cw + cx] = Math.round(((a[i]! + a[i + 1]! + a[i + r.w]! + a[i + r.w + 1]!) * k) / 4);
      }
    }
  }

  /** Decodes the PNG to raw YUVA at its size on the output (ffmpeg runs in `processes`). */
  static async decode(processes: ProcessGroup, tools: FfmpegTools, profile: OutputProfile, spec: LogoSpec): Promise<LogoOverlay> {
    const { w, h } = logoRect(profile, spec);
    const args = ['-nostdin', '-v', 'error', '-i', spec.path, '-frames:v', '1', '-vf', `scale=${w}:${h}:flags=lanczos,format=yuva420p`, '-f', 'rawvideo', 'pipe:1'];
    const yuva = await processes.output('logo', tools.ffmpeg, args, DECODE_TIMEOUT_MS);
    const expected = (w * h * 5) / 2;
    if (yuva.length !== expected) throw new Error(`the logo ${spec.path} decoded to ${yuva.length} bytes, expected ${expected}`);
    return new LogoOverlay(profile, spec, yuva);
  }

  /** A new frame: `video` (one yuv420p frame, possibly in slices) with the logo blended in. */
  apply(video: Buffer | Buffer[]): Buffer {
    const out = Buffer.allocUnsafe(frameBytes(this.profile));
    if (Array.isArray(video)) {
      let at = 0;
      for (const slice of video) at += slice.copy(out, at);
    } else video.copy(out);
    const { width: W, height: H } = this.profile;
    const { x, y, w, h } = this.rect;
    blend(out, 0, W, x, y, w, h, this.planes.y, this.alphaY);
    const cw = W / 2;
    const uBase = W * H;
    const vBase = uBase + (W * H) / 4;
    blend(out, uBase, cw, x / 2, y / 2, w / 2, h / 2, this.planes.u, this.alphaC);
    blend(out, vBase, cw, x / 2, y / 2, w / 2, h / 2, this.planes.v, this.alphaC);
    return out;
  }
}

/** Blends a w x h plane with its alpha (0..256) into the plane at `base` (stride `stride`) at (x, y). */
function blend(out: Buffer, base: number, stride: number, x: number, y: number, w: number, h: number, src: Buffer, alpha: Uint16Array): void {
  for (let row = 0; row < h; row++) {
    let o = base + (y + row) * stride + x;
    let s = row * w;
    for (let col = 0; col < w; col++, o++, s++) {
      const a = alpha[s]!;
      if (a !== 0) out[o] = (out[o]! * (256 - a) + src[s]! * a) >> 8;
    }
  }
}

/** Decoded logos shared by a station's producers, by file, size and placement (least recently used goes first). */
export class LogoCache {
  private readonly ready = new Map<string, LogoOverlay>();
  private readonly loading = new Map<string, Promise<LogoOverlay>>();

  constructor(private readonly o: { tools: FfmpegTools; profile: OutputProfile; processes: ProcessGroup }) {}

  private key(spec: LogoSpec): string {
    return JSON.stringify([spec.path, spec.width, spec.height, spec.placement]);
  }

  /** The decoded logo if it is ready now. */
  peek(spec: LogoSpec): LogoOverlay | null {
    const key = this.key(spec);
    const hit = this.ready.get(key);
    if (!hit) return null;
    this.ready.delete(key);
    this.ready.set(key, hit);
    return hit;
  }

  /** The decoded logo, decoding it when it is not cached (a failed decode is not kept: the next asks again). */
  load(spec: LogoSpec): Promise<LogoOverlay> {
    const hit = this.peek(spec);
    if (hit) return Promise.resolve(hit);
    const key = this.key(spec);
    let p = this.loading.get(key);
    if (!p) {
      p = LogoOverlay.decode(this.o.processes, this.o.tools, this.o.profile, spec);
      this.loading.set(key, p);
      void p.then(
        (overlay) => {
          this.loading.delete(key);
          this.ready.set(key, overlay);
          while (this.ready.size > CACHE_LOGOS) this.ready.delete(this.ready.keys().next().value!);
        },
        () => this.loading.delete(key),
      );
    }
    return p;
  }
}
