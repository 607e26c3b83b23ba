// Test logos and where they show: a PNG of one flat colour made by ffmpeg, and, for every frame of
// a decoded output, the mean colour of the rectangles where a logo may sit.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import type { OutputProfile } from '../../src/media/profiles'
import { logoRect, type LogoSpec } from '../../src/playout/logo-overlay'
import {
  DEFAULT_LOGO_PLACEMENT,
  LOGO_CORNERS,
  type LogoCorner,
  type LogoPlacement
} from '../../src/shared/domain'

/** A flat-colour PNG logo (`colour` as ffmpeg names it, e.g. 0x00ff00), fully opaque. */
export async function makeLogo(
  tools: FfmpegTools,
  file: string,
  colour = '0x00ff00',
  width = 96,
  height = 48
): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await execa(tools.ffmpeg, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=${colour}:s=${width}x${height},format=rgba`,
    '-frames:v',
    '1',
    file
  ])
  return file
}

export function logoSpec(
  file: string,
  placement: Partial<LogoPlacement> = {},
  width = 96,
  height = 48
): LogoSpec {
  return {
    path: file,
    width,
    height,
    placement: { ...DEFAULT_LOGO_PLACEMENT, opacity: 1, ...placement }
  }
}

export type Rgb = [number, number, number]

/**
 * For every frame of `file`: the mean colour inside each corner's logo rectangle (for `spec`'s
 * size and margin), 3 px in from its edges (the encoder's chroma smears the border).
 */
export async function cornerColours(
  tools: FfmpegTools,
  file: string,
  profile: OutputProfile,
  spec: LogoSpec
): Promise<Array<Record<LogoCorner, Rgb>>> {
  const { width: W, height: H } = profile
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-vf',
      'format=rgb24',
      '-f',
      'rawvideo',
      'pipe:1'
    ],
    { encoding: 'buffer', maxBuffer: 2 ** 31 - 1 }
  )
  const buf = Buffer.from(stdout)
  const size = W * H * 3
  const rects = LOGO_CORNERS.map(
    (corner) =>
      [corner, logoRect(profile, { ...spec, placement: { ...spec.placement, corner } })] as const
  )
  const frames: Array<Record<LogoCorner, Rgb>> = []
  for (let off = 0; off + size <= buf.length; off += size) {
    const frame = {} as Record<LogoCorner, Rgb>
    for (const [corner, r] of rects) {
      const sum: Rgb = [0, 0, 0]
      let n = 0
      for (let y = r.y + 3; y < r.y + r.h - 3; y++) {
        for (let x = r.x + 3; x < r.x + r.w - 3; x++) {
          const i = off + (y * W + x) * 3
          sum[0] += buf[i]!
          sum[1] += buf[i + 1]!
          sum[2] += buf[i + 2]!
          n++
        }
      }
      frame[corner] = sum.map((s) => s / n) as Rgb
    }
    frames.push(frame)
  }
  return frames
}

/** Whether a mean colour is the test logo's green (not a picture that merely has some green in it). */
export const isLogoGreen = ([r, g, b]: Rgb): boolean => g > 180 && r < 80 && b < 80
