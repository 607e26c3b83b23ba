// The command that makes a still card's pages (raw yuv420p frames, as the station's card renderer
// draws them) into the house format: each page held for a whole number of house GOPs, so every page
// change and the card's loop point fall on a keyframe, with silent stereo sound as long as the
// picture. Command building only; the library's card cache runs it (src/library/conform-cards.ts).
import { AAC_FRAME_SAMPLES, houseEncoderArgs } from './conform'
import type { OutputProfile } from './profiles'

export interface CardPageInput {
  /** One raw yuv420p frame of the profile's size. */
  file: string
  /** Frames it is held for (a multiple of the GOP). */
  frames: number
}

/** Frames a page shown for `ms` is held for: whole GOPs, at least one. */
export function cardPageFrames(ms: number, profile: OutputProfile, gopFrames: number): number {
  return Math.max(1, Math.ceil((ms * profile.fps) / 1000 / gopFrames)) * gopFrames
}

export function conformCardArgs(o: {
  pages: CardPageInput[]
  profile: OutputProfile
  gopFrames: number
  output: string
  preset?: Parameters<typeof houseEncoderArgs>[2]
}): string[] {
  const p = o.profile
  const frames = o.pages.reduce((n, page) => n + page.frames, 0)
  const samples = Math.ceil((frames * p.sampleRate) / p.fps / AAC_FRAME_SAMPLES) * AAC_FRAME_SAMPLES
  const inputs = o.pages.flatMap((page) => [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-video_size',
    `${p.width}x${p.height}`,
    '-framerate',
    String(p.fps),
    '-i',
    page.file
  ])
  // Each page's one frame repeated to its length, the pages one after another.
  const pages = o.pages
    .map(
      (page, i) =>
        `[${i}:v]loop=loop=${page.frames - 1}:size=1:start=0,setpts=N/(${p.fps}*TB),setsar=1[p${i}]`
    )
    .join(';')
  const joined = `${o.pages.map((_, i) => `[p${i}]`).join('')}concat=n=${o.pages.length}:v=1:a=0,format=yuv420p[v]`
  const silence = `[${o.pages.length}:a]atrim=end_sample=${samples},asetpts=N/SR/TB[a]`
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'error',
    '-y',
    ...inputs,
    '-f',
    'lavfi',
    '-i',
    `anullsrc=r=${p.sampleRate}:cl=stereo`,
    '-filter_complex',
    `${pages};${joined};${silence}`,
    '-map',
    '[v]',
    '-map',
    '[a]',
    '-map_metadata',
    '-1',
    ...houseEncoderArgs(p, o.gopFrames, o.preset),
    o.output
  ]
}
