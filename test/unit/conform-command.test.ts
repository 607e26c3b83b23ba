// The conform command's arguments (src/media/conform.ts): the house format as ffmpeg is told it,
// the GOP that divides the segment, the stand-ins for a missing picture or sound, and the readers
// of what the pass logs.
import { describe, expect, it } from 'vitest'
import {
  conformArgs,
  type ConformOptions,
  conformFrames,
  FindingsReader,
  houseGopFrames,
  progressMs,
  progressSpeed
} from '../../src/media/conform'
import { PROFILES } from '../../src/media/profiles'

const p720 = PROFILES['720p']
const base: ConformOptions = {
  input: '/media/show.mkv',
  output: '/data/conform/720p/7.mp4.partial',
  profile: p720,
  gopFrames: 30,
  durationMs: 10_000,
  hasVideo: true,
  hasAudio: true,
  gainDb: -4.2,
  truePeakDbtp: -1,
  detect: {
    black: { threshold: 0.1, durationMs: 2000 },
    freeze: { threshold: 0.004, durationMs: 10_000 },
    silence: { thresholdDb: -60, durationMs: 10_000 }
  }
}

/** The value after a flag. */
const after = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1]

describe('the house GOP', () => {
  it('is the longest GOP of at most a second that divides the segment', () => {
    const p = PROFILES['360p']
    expect(houseGopFrames(p, 1)).toBe(30)
    expect(houseGopFrames(p, 2)).toBe(30)
    expect(houseGopFrames(p, 6)).toBe(30)
    expect(houseGopFrames(p, 0.5)).toBe(15)
    expect(houseGopFrames(p, 1.5)).toBe(15)
    expect(houseGopFrames({ ...p, fps: 25 }, 2)).toBe(25)
    expect(houseGopFrames({ ...p, fps: 25 }, 0.2)).toBe(5)
  })

  it('refuses a segment that is not a whole number of frames', () => {
    expect(() => houseGopFrames(PROFILES['360p'], 1.01)).toThrow(/not a whole number of frames/)
  })

  it('counts frames of a duration at the profile rate', () => {
    expect(conformFrames(10_000, p720)).toBe(300)
    expect(conformFrames(1_001, p720)).toBe(30)
    expect(conformFrames(10, p720)).toBe(1)
  })
})

describe('the conform command', () => {
  it('makes H.264 Main at the profile, fixed closed GOPs, no B-frames, MP4 moov first', () => {
    const args = conformArgs(base)
    expect(after(args, '-i')).toBe('/media/show.mkv')
    expect(after(args, '-c:v')).toBe('libx264')
    expect(after(args, '-profile:v')).toBe('main')
    expect(after(args, '-level:v')).toBe('3.1')
    expect(after(args, '-g')).toBe('30')
    expect(after(args, '-keyint_min')).toBe('30')
    expect(after(args, '-sc_threshold')).toBe('0')
    expect(after(args, '-bf')).toBe('0')
    expect(after(args, '-flags')).toBe('+cgop')
    expect(after(args, '-force_key_frames')).toBe('expr:eq(mod(n,30),0)')
    expect(after(args, '-x264-params')).toBe('open-gop=0:scenecut=0:repeat-headers=1')
    expect(after(args, '-b:v')).toBe('2800k')
    expect(after(args, '-maxrate')).toBe('2800k')
    expect(after(args, '-bufsize')).toBe('5600k')
    // The graph ends the picture at its 300th frame; -frames:v would end the run there, cutting
    // the sound's last AAC frame.
    expect(args).not.toContain('-frames:v')
    expect(after(args, '-preset')).toBe('veryfast')
    expect(after(args, '-movflags')).toBe('+faststart')
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/data/conform/720p/7.mp4.partial'])
  })

  it('makes AAC 48 kHz stereo at the profile bitrate', () => {
    const args = conformArgs(base)
    expect(after(args, '-c:a')).toBe('aac')
    expect(after(args, '-b:a')).toBe('128k')
    expect(after(args, '-ar')).toBe('48000')
    expect(after(args, '-ac')).toBe('2')
  })

  it('reports progress on stderr and logs the detect filters at info', () => {
    const args = conformArgs(base)
    expect(after(args, '-progress')).toBe('pipe:2')
    expect(after(args, '-loglevel')).toBe('info')
    expect(args).toContain('-nostdin')
  })

  it('scales, pads, sets the rate and watches black and freeze on the picture', () => {
    const graph = after(conformArgs(base), '-filter_complex')!
    const [video, audio] = graph.split(';')
    expect(video).toMatch(/^\[0:v:0\]scale=1280:720:force_original_aspect_ratio=decrease,/)
    expect(video).toContain('pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1')
    expect(video).toContain('fps=30:start_time=0')
    expect(video).toContain('trim=end_frame=300')
    expect(video).toContain('blackdetect=d=2:pix_th=0.1')
    expect(video).toContain('freezedetect=n=0.004:d=10')
    expect(video).toMatch(/\[v\]$/)
    // Brought down 4.2 dB: a gain, no limiter (nothing is raised).
    expect(audio).toMatch(/^\[0:a:0\]aresample=48000:async=1:first_pts=0,/)
    expect(audio).toContain('channel_layouts=stereo')
    expect(audio).toContain('volume=-4.2dB')
    expect(audio).not.toContain('alimiter')
    expect(audio).toContain('silencedetect=n=-60dB:d=10')
    // The picture's length, 300 frames at 30 fps = 480000 samples, up to whole AAC frames (469 x 1024).
    expect(audio).toContain('apad=whole_len=480256,atrim=end_sample=480256')
    expect(audio).toMatch(/\[a\]$/)
    expect(after(conformArgs(base), '-map')).toBe('[v]')
  })

  it('limits at the true-peak ceiling when the gain raises the level, and applies no gain of 0', () => {
    const up = after(conformArgs({ ...base, gainDb: 6, truePeakDbtp: -2 }), '-filter_complex')!
    expect(up).toContain('volume=6dB,alimiter=limit=0.794328:level=0:latency=1,')
    const none = after(conformArgs({ ...base, gainDb: 0 }), '-filter_complex')!
    expect(none).not.toContain('volume=')
  })

  it('stands in black for a missing picture and silence for missing sound', () => {
    const noVideo = conformArgs({ ...base, hasVideo: false })
    expect(noVideo).toContain('color=c=black:s=1280x720:r=30:d=10')
    expect(after(noVideo, '-filter_complex')).toMatch(/^\[1:v\]scale/)
    expect(after(noVideo, '-filter_complex')).toContain(';[0:a:0]aresample')
    const noAudio = conformArgs({ ...base, hasAudio: false })
    expect(noAudio).toContain('anullsrc=r=48000:cl=stereo:d=10')
    expect(after(noAudio, '-filter_complex')).toContain(';[1:a]aresample')
    const neither = conformArgs({ ...base, hasVideo: false, hasAudio: false })
    expect(after(neither, '-filter_complex')).toMatch(/^\[1:v\].*;\[2:a\]aresample/)
  })
})

describe('reading the pass', () => {
  it('reads progress and speed lines', () => {
    expect(progressMs('out_time_us=9984000')).toBe(9984)
    expect(progressMs('out_time_ms=1500000')).toBe(1500)
    expect(progressMs('out_time=00:00:01.5')).toBeNull()
    expect(progressSpeed('speed=5.12x')).toBe(5.12)
    expect(progressSpeed('speed=N/A')).toBeNull()
  })

  it('collects black, freeze and silence stretches, closing open ones at the end', () => {
    const r = new FindingsReader()
    for (const line of [
      '[blackdetect @ 0x1] black_start:2 black_end:4.5 black_duration:2.5',
      '[freezedetect @ 0x2] lavfi.freezedetect.freeze_start: 1',
      '[freezedetect @ 0x2] lavfi.freezedetect.freeze_duration: 3',
      '[freezedetect @ 0x2] lavfi.freezedetect.freeze_end: 4',
      '[silencedetect @ 0x3] silence_start: 6.25',
      '[silencedetect @ 0x3] silence_end: 8 | silence_duration: 1.75',
      '[freezedetect @ 0x2] lavfi.freezedetect.freeze_start: 7',
      'frame=30'
    ])
      r.line(line)
    expect(r.result(10_000)).toEqual({
      black: [{ startMs: 2000, endMs: 4500 }],
      freeze: [
        { startMs: 1000, endMs: 4000 },
        { startMs: 7000, endMs: 10_000 }
      ],
      silence: [{ startMs: 6250, endMs: 8000 }]
    })
  })
})
