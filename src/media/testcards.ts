// Generated media: test cards with a burnt-in title, a running timecode and a moving marker over a
// tone at programme loudness, so that no card looks frozen, black or silent to the output monitor.
// Used for the demo station and by tests and benchmarks that need real, recognizable media.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from './ffmpeg'
import { filterPath } from './commands'

export interface TestCardSpec {
  file: string
  title: string
  durationS: number
  /** A lavfi video source expression without size/rate, e.g. "testsrc2", "smptehdbars", "color=c=navy". */
  source?: string
  width?: number
  height?: number
  fps?: number
  toneHz?: number
  /** 0 for no audio track. */
  audioChannels?: number
  sampleRate?: number
}

/**
 * The tone's gain: ffmpeg's sine source peaks at 1/8 of full scale, which measures -21.8 LUFS (and
 * so does the stereo pair made of it, each side 3 dB down); 1.3 dB under it sits at EBU R128's
 * -23 LUFS target, a level no loudness or silence alarm objects to.
 */
const TONE = (hz: number, rate: number) => `sine=frequency=${hz}:sample_rate=${rate},volume=-1.3dB`

function sourceWith(source: string, width: number, height: number, fps: number): string {
  const sized = `size=${width}x${height}:rate=${fps}`
  return source.includes('=') ? `${source}:${sized}` : `${source}=${sized}`
}

/**
 * A failed render as a plain sentence: a full disk said first, with the folder; otherwise what ffmpeg
 * said. The command line (hundreds of characters of filtergraph) is left out; it is not the news.
 */
export function renderFailure(file: string, err: unknown): Error {
  const e = err as { stderr?: unknown; code?: unknown; message?: unknown }
  const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : ''
  if (e.code === 'ENOSPC' || /No space left on device/i.test(stderr)) {
    return new Error(
      `No space left on device: the disk holding ${path.dirname(file)} is full, so ${path.basename(file)} could not be written. Free space there, or use another data folder.`
    )
  }
  if (stderr)
    return new Error(`ffmpeg could not render ${file}: ${stderr.split('\n').slice(-3).join(' | ')}`)
  return new Error(
    `could not render ${file}: ${e.code === undefined ? '' : `${String(e.code)} `}${typeof e.message === 'string' ? e.message.split('\n')[0] : String(err)}`
  )
}

/** Renders a test card; long low-rate cards loop a short tone by stream copy so they are quick to make. */
export async function renderTestCard(tools: FfmpegTools, spec: TestCardSpec): Promise<void> {
  try {
    await render(tools, spec)
  } catch (err) {
    throw renderFailure(spec.file, err)
  }
}

async function render(tools: FfmpegTools, spec: TestCardSpec): Promise<void> {
  const width = spec.width ?? 640
  const height = spec.height ?? 360
  const fps = spec.fps ?? 30
  const channels = spec.audioChannels ?? 2
  const rate = spec.sampleRate ?? 48_000
  const big = Math.round(height / 9)
  const small = Math.round(height / 16)
  fs.mkdirSync(path.dirname(spec.file), { recursive: true })
  // The title goes through a file so that no character of it needs filtergraph escaping.
  const titleFile = `${spec.file}.${process.pid}.title.txt`
  fs.writeFileSync(titleFile, spec.title)
  const video =
    `${sourceWith(spec.source ?? 'testsrc2', width, height, fps)},` +
    `drawtext=font=Sans:expansion=none:textfile=${filterPath(titleFile)}:fontcolor=white:fontsize=${big}:box=1:boxcolor=black@0.6:boxborderw=${Math.round(big / 4)}:x=(w-tw)/2:y=h*0.32,` +
    `drawtext=font=Mono:text='%{pts\\:hms}':fontcolor=yellow:fontsize=${small}:box=1:boxcolor=black@0.6:boxborderw=${Math.round(small / 4)}:x=(w-tw)/2:y=h*0.62,` +
    // A marker gliding across the upper middle (never the corners, where a logo sits, nor the
    // bottom, where a crawl runs): even a plain colour card moves, as programming does.
    `drawtext=font=Sans:text='RetroVue':fontcolor=black:fontsize=${small}:box=1:boxcolor=0x40c8e0:boxborderw=${Math.round(small / 3)}:x='w*0.2+(w*0.6-tw)*(0.5+0.5*sin(t*1.3))':y=h*0.1,` +
    `format=yuv420p`
  const tmp = `${spec.file}.${process.pid}.partial.mp4`
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', video]
  let toneFile: string | undefined
  if (channels > 0) {
    if (spec.durationS > 60) {
      // Encoding hours of AAC is the slow part: encode 10 s once and loop it by stream copy.
      toneFile = `${spec.file}.${process.pid}.tone.m4a`
      await execa(tools.ffmpeg, [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `${TONE(spec.toneHz ?? 440, rate)},atrim=duration=10`,
        '-ac',
        String(channels),
        '-c:a',
        'aac',
        '-b:a',
        '32k',
        toneFile
      ])
      args.push('-stream_loop', '-1', '-i', toneFile)
    } else {
      args.push('-f', 'lavfi', '-i', TONE(spec.toneHz ?? 440, rate))
    }
  }
  args.push('-t', String(spec.durationS), '-map', '0:v')
  if (channels > 0) args.push('-map', '1:a')
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(Math.max(1, Math.round(fps * 2))),
    '-pix_fmt',
    'yuv420p'
  )
  if (channels > 0) {
    if (toneFile) args.push('-c:a', 'copy')
    else args.push('-ac', String(channels), '-c:a', 'aac', '-b:a', '96k')
  }
  args.push('-movflags', '+faststart', '-f', 'mp4', tmp)
  try {
    await execa(tools.ffmpeg, args, { timeout: 300_000 })
    fs.renameSync(tmp, spec.file)
  } finally {
    fs.rmSync(tmp, { force: true })
    fs.rmSync(titleFile, { force: true })
    if (toneFile) fs.rmSync(toneFile, { force: true })
  }
}
