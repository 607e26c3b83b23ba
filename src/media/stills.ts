// Still cards rendered once by ffmpeg into a raw frame: the slate, the emergency card, listings.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FfmpegTools } from './ffmpeg'
import { framePngArgs, stillFrameArgs, textPictureArgs } from './commands'
import type { FontMetrics } from './font-metrics'
import type { PlacedWord, TextPicture } from './text-layout'
import type { ProcessGroup } from './process'
import { frameBytes, type OutputProfile } from './profiles'

export interface StillSpec {
  background: string
  lines: string[]
}

/** A render is one frame of a lavfi graph: this bounds a stuck one. */
const RENDER_TIMEOUT_MS = 20_000

/** Renders a still card to one raw yuv420p frame of the profile's size (ffmpeg runs in `processes`). */
export async function renderStill(
  processes: ProcessGroup,
  tools: FfmpegTools,
  profile: OutputProfile,
  spec: StillSpec
): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-still-'))
  try {
    // Text goes through files so no character needs filtergraph escaping.
    const lineFiles = spec.lines.map((line, i) => {
      const f = path.join(dir, `line-${i}.txt`)
      fs.writeFileSync(f, line)
      return f
    })
    const args = stillFrameArgs({
      profile,
      background: spec.background,
      lines: spec.lines,
      lineFiles
    })
    const frame = await processes.output('still', tools.ffmpeg, args, RENDER_TIMEOUT_MS)
    if (frame.length !== frameBytes(profile))
      throw new Error(`still card came out ${frame.length} bytes, expected ${frameBytes(profile)}`)
    return frame
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Bytes of one raw yuv420p picture of this size (even sizes). */
const yuvBytes = (width: number, height: number): number => (width * height * 3) / 2

/**
 * Words drawn with one drawtext each: those that follow one another on a line at one space's
 * advance are joined into one run (drawtext advances its pen exactly as the layout measured, with
 * no kerning: a line in one filter lands every word on its box, at a fraction of the cost of a
 * filter per word; the card's test checks every word's box for ink).
 */
export function textRuns(picture: TextPicture, spaceWidth: (size: number) => number): PlacedWord[] {
  const runs: PlacedWord[] = []
  for (const w of picture.words) {
    const last = runs[runs.length - 1]
    if (
      last &&
      last.baseline === w.baseline &&
      last.size === w.size &&
      last.x + last.width + spaceWidth(w.size) === w.x
    ) {
      last.text += ` ${w.text}`
      last.width = w.x + w.width - last.x
    } else runs.push({ ...w })
  }
  return runs
}

/**
 * Renders laid-out text (text-layout.ts) to one raw yuv420p frame of the picture's size, every word
 * at its place, in the font the layout was measured with.
 */
export async function renderTextPicture(
  processes: ProcessGroup,
  tools: FfmpegTools,
  picture: TextPicture,
  font: FontMetrics,
  fps = 30
): Promise<Buffer> {
  const fontFile = font.file
  const spaceWidth = (size: number) => font.width(' ', size)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-text-'))
  try {
    const words = textRuns(picture, spaceWidth).map((w, i) => {
      const file = path.join(dir, `run-${i}.txt`)
      fs.writeFileSync(file, w.text)
      return { file, size: w.size, x: w.x, baseline: w.baseline }
    })
    const args = textPictureArgs({
      width: picture.width,
      height: picture.height,
      background: picture.background,
      words,
      fontFile,
      fps
    })
    const frame = await processes.output('text', tools.ffmpeg, args, RENDER_TIMEOUT_MS)
    const expected = yuvBytes(picture.width, picture.height)
    if (frame.length !== expected)
      throw new Error(`text picture came out ${frame.length} bytes, expected ${expected}`)
    return frame
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A raw yuv420p frame as a PNG (the console's preview of exactly that frame). */
export async function framePng(
  processes: ProcessGroup,
  tools: FfmpegTools,
  frame: Buffer,
  width: number,
  height: number
): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-png-'))
  try {
    const file = path.join(dir, 'frame.yuv')
    fs.writeFileSync(file, frame)
    return await processes.output(
      'png',
      tools.ffmpeg,
      framePngArgs({ file, width, height }),
      RENDER_TIMEOUT_MS
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
