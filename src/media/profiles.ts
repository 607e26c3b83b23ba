// Output profiles: every channel is normalised to one of these (H.264 + AAC, 30 fps, 48 kHz stereo),
// whatever its sources look like. 360p is the default: multiviewer previews and small-station
// budgets are dominated by encode cost.

export interface OutputProfile {
  name: '360p' | '720p' | '1080p'
  width: number
  height: number
  fps: number
  videoBitrateK: number
  audioBitrateK: number
  sampleRate: number
  audioChannels: number
  /** x264 threads: one per small encode packs the most channels onto a core. */
  x264Threads: number
  /**
   * x264 speed preset. 360p is the preview-cost profile: ultrafast there takes 2.3% of a core for
   * 360p30 against 3.6% for superfast and 5.4% for veryfast (measured on the reference two-core
   * machine), at 0.7 dB PSNR below superfast on worst-case noise content at 900 kbit/s. That is
   * what lets a small station run every channel at once. The larger profiles are for viewers and
   * keep veryfast.
   */
  x264Preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster'
}

export const PROFILES: Record<OutputProfile['name'], OutputProfile> = {
  '360p': {
    name: '360p',
    width: 640,
    height: 360,
    fps: 30,
    videoBitrateK: 900,
    audioBitrateK: 96,
    sampleRate: 48_000,
    audioChannels: 2,
    x264Threads: 1,
    x264Preset: 'ultrafast'
  },
  '720p': {
    name: '720p',
    width: 1280,
    height: 720,
    fps: 30,
    videoBitrateK: 2_800,
    audioBitrateK: 128,
    sampleRate: 48_000,
    audioChannels: 2,
    x264Threads: 2,
    x264Preset: 'veryfast'
  },
  '1080p': {
    name: '1080p',
    width: 1920,
    height: 1080,
    fps: 30,
    videoBitrateK: 5_500,
    audioBitrateK: 160,
    sampleRate: 48_000,
    audioChannels: 2,
    x264Threads: 0,
    x264Preset: 'veryfast'
  }
}

/** Bytes of one raw yuv420p frame. */
export const frameBytes = (p: OutputProfile): number => (p.width * p.height * 3) / 2
/** Audio samples (per channel) that belong to one video frame. */
export const samplesPerFrame = (p: OutputProfile): number => p.sampleRate / p.fps
/** Bytes of s16le audio that belong to one video frame. */
export const audioBytesPerFrame = (p: OutputProfile): number =>
  samplesPerFrame(p) * p.audioChannels * 2
