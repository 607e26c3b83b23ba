// The house format and the conform command: an asset made once into what a channel of a profile
// airs, so a copy producer can later play it out by remuxing (no decoder, no encoder). Command
// building only (Tunarr-style); the library's conform job runs it (src/library/conform.ts).
//
// The house format of a profile:
// - H.264 Main at the profile's size and frame rate, square pixels, no B-frames (decode order is
//   presentation order, as the playout encoder makes it, so copied and encoded GOPs join), constant
//   bitrate envelope of the profile (VBV), one SPS/PPS set per keyframe.
// - Closed GOPs of a fixed length that divides the output's segment length (houseGopFrames): GOP k
//   starts at frame k * gop exactly, so a copy producer finds any GOP by arithmetic and cuts every
//   segment on a GOP boundary.
// - AAC-LC 48 kHz stereo at the profile's bitrate, already brought to the station's loudness target
//   (a linear gain from the measured programme loudness, a limiter at the true-peak ceiling only when
//   the gain raises it), padded or cut to cover the picture exactly, rounded up to whole AAC frames
//   (at most 1023 samples, 21 ms, past the last picture: a copy producer drops that overlap).
// - MP4, moov first (faststart): the copy producer seeks by the index, the probe before use is cheap.
//
// The conform pass also watches the decoded frames: blackdetect, freezedetect and silencedetect on
// what the rendition holds, so black, freeze and silence are known before air (pre-air warnings).
import type { OutputProfile } from './profiles'

export interface DetectThresholds {
  black: { threshold: number; durationMs: number }
  freeze: { threshold: number; durationMs: number }
  silence: { thresholdDb: number; durationMs: number }
}

export interface ConformOptions {
  input: string
  /** Where the rendition is written (a temporary name: the job renames it once probed). */
  output: string
  profile: OutputProfile
  /** Frames per GOP (houseGopFrames). */
  gopFrames: number
  /** The asset's duration: the rendition holds exactly round(duration * fps) frames. */
  durationMs: number
  hasVideo: boolean
  hasAudio: boolean
  /** Linear gain to the station's loudness target, dB (0: none). */
  gainDb: number
  /** The station's true-peak ceiling, dBTP (the limiter's ceiling when the gain raises the level). */
  truePeakDbtp: number
  detect: DetectThresholds
  /** x264 preset: the house format is made once and aired many times, so it may cost more. */
  preset?: OutputProfile['x264Preset'] | 'fast' | 'medium'
}

/** Samples in one AAC-LC frame. */
export const AAC_FRAME_SAMPLES = 1024

/** The house GOP is at most this long: a join lands at most one GOP early. */
export const MAX_HOUSE_GOP_SECONDS = 1

/**
 * Frames per house GOP: the longest GOP of at most MAX_HOUSE_GOP_SECONDS that divides the output's
 * segment length in frames (30 at 30 fps with 1 s or 2 s segments, 15 with 0.5 s segments).
 */
export function houseGopFrames(profile: OutputProfile, segmentSeconds: number): number {
  const segFrames = Math.round(profile.fps * segmentSeconds)
  if (!(segFrames >= 1) || Math.abs(segFrames - profile.fps * segmentSeconds) > 1e-6)
    throw new Error(
      `a segment of ${segmentSeconds} s is not a whole number of frames at ${profile.fps} fps`
    )
  const most = Math.max(1, Math.floor(profile.fps * MAX_HOUSE_GOP_SECONDS))
  for (let g = Math.min(most, segFrames); g > 1; g--) if (segFrames % g === 0) return g
  return 1
}

/** Frames a rendition of an asset this long holds. */
export const conformFrames = (durationMs: number, profile: OutputProfile): number =>
  Math.max(1, Math.round((durationMs * profile.fps) / 1000))

/** H.264 level by picture size (what the profile's bitrate and 30 fps need). */
function h264Level(p: OutputProfile): string {
  if (p.height <= 360) return '3.0'
  if (p.height <= 720) return '3.1'
  return '4.0'
}

const num = (n: number, digits = 6): string => String(Number(n.toFixed(digits)))

/** The filter graph: picture to the profile with black/freeze watched, sound to the target with silence watched. */
function filterGraph(o: ConformOptions, frames: number): string {
  const p = o.profile
  const d = o.detect
  const picture = o.hasVideo ? '[0:v:0]' : '[1:v]'
  const soundIn = o.hasAudio ? '[0:a:0]' : o.hasVideo ? '[1:a]' : '[2:a]'
  // Whole AAC frames (1024 samples) covering the picture: the encoder drops a partial last frame,
  // which would leave the sound up to 21 ms short of the picture; this way it is at most that long.
  const samples = Math.ceil((frames * p.sampleRate) / p.fps / AAC_FRAME_SAMPLES) * AAC_FRAME_SAMPLES
  const video =
    `${picture}scale=${p.width}:${p.height}:force_original_aspect_ratio=decrease,` +
    `pad=${p.width}:${p.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,` +
    `fps=${p.fps}:start_time=0,trim=end_frame=${frames},setpts=PTS-STARTPTS,format=yuv420p,` +
    // tpad: a picture that ends early holds its last frame to the rendition's length.
    `tpad=stop_mode=clone:stop=-1,trim=end_frame=${frames},` +
    `blackdetect=d=${num(d.black.durationMs / 1000, 3)}:pix_th=${num(d.black.threshold)},` +
    `freezedetect=n=${num(d.freeze.threshold)}:d=${num(d.freeze.durationMs / 1000, 3)}[v]`
  const gain = Math.abs(o.gainDb) >= 0.05 ? `volume=${num(o.gainDb, 2)}dB,` : ''
  // Raised above where it was measured, a peak may pass the ceiling: a limiter (delay compensated) holds it.
  const limit =
    o.gainDb > 0
      ? `alimiter=limit=${num(Math.min(1, Math.max(0.0625, 10 ** (o.truePeakDbtp / 20))))}:level=0:latency=1,`
      : ''
  const audio =
    `${soundIn}aresample=${p.sampleRate}:async=1:first_pts=0,` +
    `aformat=sample_fmts=fltp:sample_rates=${p.sampleRate}:channel_layouts=stereo,${gain}${limit}` +
    `silencedetect=n=${num(d.silence.thresholdDb, 2)}dB:d=${num(d.silence.durationMs / 1000, 3)},` +
    `apad=whole_len=${samples},atrim=end_sample=${samples},asetpts=N/SR/TB[a]`
  return `${video};${audio}`
}

/**
 * The conform command: one ffmpeg from the asset to the rendition, progress on stderr (-progress
 * pipe:2, key=value lines) beside the detect filters' log lines.
 */
export function conformArgs(o: ConformOptions): string[] {
  const p = o.profile
  const frames = conformFrames(o.durationMs, p)
  const seconds = num(frames / p.fps, 6)
  const gop = o.gopFrames
  // Stand-ins for what the asset lacks: black picture, silent sound, as long as the rendition.
  const standIns: string[] = []
  if (!o.hasVideo)
    standIns.push(
      '-f',
      'lavfi',
      '-i',
      `color=c=black:s=${p.width}x${p.height}:r=${p.fps}:d=${seconds}`
    )
  if (!o.hasAudio)
    standIns.push('-f', 'lavfi', '-i', `anullsrc=r=${p.sampleRate}:cl=stereo:d=${seconds}`)
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    // info: the detect filters log their findings at this level.
    '-loglevel',
    'info',
    '-progress',
    'pipe:2',
    '-stats_period',
    '1',
    '-y',
    '-i',
    o.input,
    ...standIns,
    '-filter_complex',
    filterGraph(o, frames),
    '-map',
    '[v]',
    '-map',
    '[a]',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    ...houseEncoderArgs(p, gop, o.preset),
    o.output
  ]
}

/**
 * The house format's encoder and container: H.264 Main with fixed closed GOPs of `gop` frames (a
 * keyframe every `gop` frames and nowhere else), AAC-LC 48 kHz stereo, MP4 with its index first.
 * Everything made into the house format (conformed assets, conformed cards) is encoded by these.
 */
export function houseEncoderArgs(
  p: OutputProfile,
  gop: number,
  preset: ConformOptions['preset'] = 'veryfast'
): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-profile:v',
    'main',
    '-level:v',
    h264Level(p),
    '-pix_fmt',
    'yuv420p',
    // Fixed, closed GOPs: a keyframe every `gop` frames and nowhere else.
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-bf',
    '0',
    '-flags',
    '+cgop',
    '-force_key_frames',
    `expr:eq(mod(n,${gop}),0)`,
    '-x264-params',
    'open-gop=0:scenecut=0:repeat-headers=1',
    '-b:v',
    `${p.videoBitrateK}k`,
    '-maxrate',
    `${p.videoBitrateK}k`,
    '-bufsize',
    `${p.videoBitrateK * 2}k`,
    '-c:a',
    'aac',
    '-b:a',
    `${p.audioBitrateK}k`,
    '-ar',
    String(p.sampleRate),
    '-ac',
    '2',
    '-movflags',
    '+faststart',
    '-f',
    'mp4'
  ]
}

/** A stretch of black, freeze or silence in a rendition, ms from its start. */
export interface DetectedStretch {
  startMs: number
  endMs: number
}

export interface ConformFindings {
  black: DetectedStretch[]
  freeze: DetectedStretch[]
  silence: DetectedStretch[]
}

/**
 * Collects the detect filters' findings from ffmpeg's log lines, one line at a time. A stretch still
 * open at the end (freezedetect never closes one at end of file) runs to the rendition's end.
 */
export class FindingsReader {
  private readonly found: ConformFindings = { black: [], freeze: [], silence: [] }
  private freezeStart: number | null = null
  private silenceStart: number | null = null

  line(line: string): void {
    const black = /black_start:\s*(-?[\d.]+)\s+black_end:\s*(-?[\d.]+)/.exec(line)
    if (black) return this.push('black', Number(black[1]), Number(black[2]))
    const fs = /freezedetect\.freeze_start:\s*(-?[\d.]+)/.exec(line)
    if (fs) {
      this.freezeStart = Number(fs[1])
      return
    }
    const fe = /freezedetect\.freeze_end:\s*(-?[\d.]+)/.exec(line)
    if (fe && this.freezeStart !== null) {
      this.push('freeze', this.freezeStart, Number(fe[1]))
      this.freezeStart = null
      return
    }
    const ss = /silence_start:\s*(-?[\d.]+)/.exec(line)
    if (ss) {
      this.silenceStart = Number(ss[1])
      return
    }
    const se = /silence_end:\s*(-?[\d.]+)/.exec(line)
    if (se && this.silenceStart !== null) {
      this.push('silence', this.silenceStart, Number(se[1]))
      this.silenceStart = null
    }
  }

  /** What was found; open stretches closed at `endMs`. */
  result(endMs: number): ConformFindings {
    const out: ConformFindings = {
      black: [...this.found.black],
      freeze: [...this.found.freeze],
      silence: [...this.found.silence]
    }
    if (this.freezeStart !== null)
      out.freeze.push({ startMs: Math.round(this.freezeStart * 1000), endMs })
    if (this.silenceStart !== null)
      out.silence.push({ startMs: Math.round(this.silenceStart * 1000), endMs })
    return out
  }

  private push(kind: keyof ConformFindings, startS: number, endS: number): void {
    this.found[kind].push({
      startMs: Math.max(0, Math.round(startS * 1000)),
      endMs: Math.round(endS * 1000)
    })
  }
}

/** ffmpeg's speed (media time per wall time) from a `-progress` line, or null. */
export function progressSpeed(line: string): number | null {
  const m = /^speed=\s*([\d.]+)x$/.exec(line.trim())
  return m ? Number(m[1]) : null
}

/** The media time a `-progress` line reports (out_time_us / out_time_ms are both microseconds), or null. */
export function progressMs(line: string): number | null {
  const m = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim())
  return m ? Math.floor(Number(m[1]) / 1000) : null
}
