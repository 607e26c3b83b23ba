// Media that says where it is: every frame carries its own frame number (and a source id) as a
// strip of black and white blocks, every 30th frame flashes a white box, and a 1 kHz beep sounds
// for the first 1/30 s of every second. Decoding the output tells which source frame aired at
// which output frame, and how far sound and picture are apart.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'

/** In the 640x360 output: the strip is 32 px tall, 32 blocks of 20 px. Sources scale with their size. */
export const STRIP_H = 32
const BLOCK_W = 20

export interface NumberedSpec {
  file: string
  id: number
  durationS: number
  width?: number
  height?: number
  fps?: number
  audio?: boolean
}

/** Renders numbered media; width must be 640 for the 32-block strip. */
export async function renderNumbered(tools: FfmpegTools, spec: NumberedSpec): Promise<void> {
  const fps = spec.fps ?? 30
  const w = spec.width ?? 640
  const h = spec.height ?? 360
  const flashEvery = fps // once a second
  const strip = Math.round((h * STRIP_H) / 360)
  const block = w / 32
  const pic = h - strip
  const video =
    `color=c=black:s=${w}x${strip}:r=${fps},geq=lum='if(mod(floor((N+${spec.id}*16777216)/pow(2\\,floor(X/${block})))\\,2)\\,235\\,16)':cb=128:cr=128[strip];` +
    `testsrc2=s=${w}x${pic}:r=${fps},drawbox=x=0:y=${Math.round(pic - h / 3)}:w=${Math.round(w / 4)}:h=${Math.round(h / 3)}:color=white:t=fill:enable='eq(mod(n\\,${flashEvery})\\,0)'[pic];` +
    `[strip][pic]vstack,format=yuv420p`
  fs.mkdirSync(path.dirname(spec.file), { recursive: true })
  const tmp = `${spec.file}.${process.pid}.partial.mp4`
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', video]
  if (spec.audio !== false) {
    args.push(
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=exprs='if(lt(mod(t\\,1)\\,1/${fps})\\,0.6*sin(2*PI*1000*t)\\,0)|if(lt(mod(t\\,1)\\,1/${fps})\\,0.6*sin(2*PI*1000*t)\\,0)':s=48000`
    )
  }
  args.push(
    '-t',
    String(spec.durationS),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(fps),
    '-pix_fmt',
    'yuv420p'
  )
  if (spec.audio !== false) args.push('-c:a', 'aac', '-b:a', '128k')
  args.push('-f', 'mp4', tmp)
  await execa(tools.ffmpeg, args, { timeout: 300_000 })
  fs.renameSync(tmp, spec.file)
}

export interface FrameMark {
  /** Source id, or -1 when the strip is not readable (slate, other media). */
  id: number
  n: number
  flash: boolean
  /** Mean luma of the whole frame below the strip (slate detection). */
  meanLuma: number
}

/** Reads the strip of every frame of a media file or URL (decoded, as a viewer would). */
export async function decodeMarks(
  tools: FfmpegTools,
  input: string,
  opts: { maxSeconds?: number; fps?: number } = {}
): Promise<FrameMark[]> {
  const w = 640
  const h = 360
  const args = ['-hide_banner', '-loglevel', 'error', '-i', input]
  if (opts.maxSeconds) args.push('-t', String(opts.maxSeconds))
  // Output of the producers is already 640x360; sources are brought there the same way.
  const rate = opts.fps ? `,fps=${opts.fps}` : ''
  args.push(
    '-map',
    '0:v:0',
    '-vf',
    `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2${rate},format=gray`,
    '-f',
    'rawvideo',
    'pipe:1'
  )
  const { stdout } = await execa(tools.ffmpeg, args, {
    encoding: 'buffer',
    maxBuffer: 2 ** 31 - 1,
    timeout: 600_000
  })
  const buf = Buffer.from(stdout)
  const size = w * h
  const marks: FrameMark[] = []
  for (let off = 0; off + size <= buf.length; off += size) {
    let value = 0
    let readable = true
    for (let k = 0; k < 32; k++) {
      let sum = 0
      let count = 0
      for (let y = 8; y < STRIP_H - 8; y += 2) {
        for (let x = k * BLOCK_W + 5; x < k * BLOCK_W + BLOCK_W - 5; x += 2) {
          sum += buf[off + y * w + x]!
          count++
        }
      }
      const mean = sum / count
      if (mean > 60 && mean < 190) readable = false // neither black nor white: not our strip
      if (mean >= 128) value += 2 ** k
    }
    // The flash box: lower-left 160x120 of the picture area.
    let flashSum = 0
    let flashCount = 0
    for (let y = h - 110; y < h - 10; y += 4) {
      for (let x = 10; x < 150; x += 4) {
        flashSum += buf[off + y * w + x]!
        flashCount++
      }
    }
    let lumaSum = 0
    let lumaCount = 0
    for (let y = STRIP_H; y < h; y += 8) {
      for (let x = 0; x < w; x += 8) {
        lumaSum += buf[off + y * w + x]!
        lumaCount++
      }
    }
    marks.push({
      id: readable ? Math.floor(value / 16777216) : -1,
      n: readable ? value % 16777216 : -1,
      flash: flashSum / flashCount > 220,
      meanLuma: lumaSum / lumaCount
    })
  }
  return marks
}

/** Onset times (seconds from the start of the input) of beeps in the first audio stream. */
export async function decodeBeeps(tools: FfmpegTools, input: string): Promise<number[]> {
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      input,
      '-map',
      '0:a:0',
      '-ac',
      '1',
      '-ar',
      '48000',
      '-f',
      's16le',
      'pipe:1'
    ],
    {
      encoding: 'buffer',
      maxBuffer: 2 ** 31 - 1,
      timeout: 600_000
    }
  )
  const buf = Buffer.from(stdout)
  const onsets: number[] = []
  let quietSince = -Infinity
  for (let i = 0; i + 1 < buf.length; i += 2) {
    const v = Math.abs(buf.readInt16LE(i))
    const idx = i / 2
    if (v > 6000) {
      if (idx - quietSince > 48000 / 4) onsets.push(idx / 48000)
      quietSince = idx
    }
  }
  return onsets
}

/**
 * Per frame of a media file: whether a band of the picture is red (the emergency card's top, the
 * crawl's band at the bottom), as a share of its pixels. The band is a fifth of the height, read
 * at 64x8; a pixel is red when R > 120 and G, B < 60.
 */
export async function redFrames(
  tools: FfmpegTools,
  file: string,
  band: 'top' | 'bottom',
  minShare: number
): Promise<boolean[]> {
  const crop = band === 'top' ? 'crop=iw:ih/5:0:0' : 'crop=iw:ih/5:0:ih*4/5'
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `${crop},scale=64:8`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1'
    ],
    { encoding: 'buffer', reject: false }
  )
  const px = Buffer.from(stdout)
  const frameBytes = 64 * 8 * 3
  const frames: boolean[] = []
  for (let f = 0; (f + 1) * frameBytes <= px.length; f++) {
    let red = 0
    for (let i = f * frameBytes; i < (f + 1) * frameBytes; i += 3)
      if (px[i]! > 120 && px[i + 1]! < 60 && px[i + 2]! < 60) red++
    frames.push(red >= minShare * 64 * 8)
  }
  return frames
}
