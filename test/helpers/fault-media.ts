// Media with faults at known instants, for the output-health tests and benchmark: a moving test
// picture over a steady tone that goes black, freezes and falls silent in given windows. 640x360 at
// 30 fps, stereo 48 kHz (the channel profile), so what the producer airs is exactly the source.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { fixtureDir } from './fixtures'

/** A window [from, to) in seconds. */
export type Window = [number, number]

/**
 * The picture under the faults: `moving` a moving test picture; `still-clock` a still card with a
 * small seconds counter that ticks once a second (the demo's kind of card, at its hardest); and a
 * still test picture (`still-region`) or black (`black-region`) with one 64x36 region (1 % of the
 * picture) moving in its corner.
 */
export type FaultPicture = 'moving' | 'still-clock' | 'still-region' | 'black-region'

export interface FaultMediaSpec {
  durationS: number
  picture?: FaultPicture
  black?: Window
  freeze?: Window
  silence?: Window
  /** RMS level of the 1 kHz tone per channel, dBFS [left, right] (its peak is 3 dB higher). */
  toneDb: [number, number]
}

const FPS = 30

/** The media the health tests air, with the instants of their faults. */
export const FAULT_SPECS = {
  // Each fault lasts 2-3 s, with normal picture and sound between them.
  faults: {
    durationS: 15,
    black: [2, 4],
    freeze: [6, 9],
    silence: [10.5, 12.5],
    toneDb: [-20, -30]
  },
  // A steady tone: L at -20 dBFS RMS, R at -30, no fault.
  tone: { durationS: 6, toneDb: [-20, -30] },
  // The benchmark's: long enough for the field defaults (black 2 s, freeze and silence 10 s).
  'bench-faults': {
    durationS: 60,
    black: [5, 10],
    freeze: [15, 30],
    silence: [35, 50],
    toneDb: [-20, -20]
  },
  // Small motion on a still picture is not a freeze; a whole still picture is; black is black whatever
  // moves on it. Long enough for the default 10 s freeze.
  'still-clock': { durationS: 14, picture: 'still-clock', toneDb: [-20, -20] },
  'still-region': { durationS: 14, picture: 'still-region', toneDb: [-20, -20] },
  'all-frozen': { durationS: 14, freeze: [0, 14], toneDb: [-20, -20] },
  'black-region': { durationS: 14, picture: 'black-region', toneDb: [-20, -20] }
} satisfies Record<string, FaultMediaSpec>

export type FaultMediaName = keyof typeof FAULT_SPECS

const hash = crypto
  .createHash('sha1')
  .update(JSON.stringify(FAULT_SPECS))
  .update(renderFaultMedia.toString())
  .digest('hex')
  .slice(0, 8)

/** The fixture's file name inside the fixture folder (linked as media/ in station fixtures). */
export const faultMediaName = (name: FaultMediaName): string => `${name}-${hash}.mp4`
export const faultMedia = (name: FaultMediaName): string =>
  path.join(fixtureDir, faultMediaName(name))

const within = ([from, to]: Window) => `gte(t\\,${from})*lt(t\\,${to})`

/** A 64x36 moving test picture (1 % of 640x360) laid over `[bg]` in the bottom right corner. */
const movingRegion = `testsrc2=s=64x36:r=${FPS}[region];[bg][region]overlay=x=560:y=310:shortest=1`

function picture(kind: FaultPicture): string {
  switch (kind) {
    case 'moving':
      return `testsrc2=s=640x360:r=${FPS}`
    case 'still-clock':
      // A navy card with a title and, small in its corner, whole seconds: one change a second on 0.2 % of the picture.
      return (
        `color=c=0x0b2545:s=640x360:r=${FPS},drawtext=font=Sans:text='Still card':fontcolor=white:fontsize=40:x=(w-tw)/2:y=h*0.4,` +
        `drawtext=font=Mono:text='%{eif\\:t\\:d}':fontcolor=yellow:fontsize=18:x=w-tw-24:y=h-th-20`
      )
    case 'still-region':
      return `testsrc2=s=640x360:r=${FPS},split[a][b];[a][b]freezeframes=first=0:last=100000:replace=0[bg];${movingRegion}`
    case 'black-region':
      return `color=c=black:s=640x360:r=${FPS}[bg];${movingRegion}`
  }
}

export async function renderFaultMedia(
  tools: FfmpegTools,
  spec: FaultMediaSpec,
  file: string
): Promise<void> {
  let video = picture(spec.picture ?? 'moving')
  if (spec.black)
    video += `,drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='${within(spec.black)}'`
  if (spec.freeze) {
    const [from, to] = spec.freeze.map((s) => Math.round(s * FPS))
    video += `,split[a][b];[a][b]freezeframes=first=${from}:last=${to! - 1}:replace=${from}`
  }
  video += ',format=yuv420p'
  const amp = (db: number) => (Math.SQRT2 * 10 ** (db / 20)).toFixed(6)
  let audio = `aevalsrc=exprs='${amp(spec.toneDb[0])}*sin(2*PI*1000*t)|${amp(spec.toneDb[1])}*sin(2*PI*1000*t)':s=48000:c=stereo`
  if (spec.silence) audio += `,volume=volume=0:enable='${within(spec.silence)}'`
  const tmp = `${file}.${process.pid}.partial.mp4`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  try {
    await execa(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        video,
        '-f',
        'lavfi',
        '-i',
        audio,
        '-t',
        String(spec.durationS),
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        String(FPS * 2),
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '128k',
        '-f',
        'mp4',
        tmp
      ],
      { timeout: 300_000 }
    )
    fs.renameSync(tmp, file)
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}

/** Generates any fault media that is missing. */
export async function ensureFaultMedia(tools: FfmpegTools): Promise<void> {
  for (const [name, spec] of Object.entries(FAULT_SPECS) as Array<
    [FaultMediaName, FaultMediaSpec]
  >) {
    if (!fs.existsSync(faultMedia(name))) await renderFaultMedia(tools, spec, faultMedia(name))
  }
}
