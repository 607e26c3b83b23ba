// The library's per-file work with real ffmpeg: the detailed probe, loudness as ffmpeg's ebur128
// measures it by hand, black and silence at the head and tail, poster and filmstrip, bad files,
// and a cancelled analysis leaving no ffmpeg behind.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseMedia, probeDetail, trimsOf } from '../../src/library/analysis'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { ProbeError } from '../../src/media/probe'
import { ProcessGroup } from '../../src/media/process'
import { tempDir } from '../helpers/tmp'

let tools: FfmpegTools
const tmp = tempDir('retrovue-library-analysis-')
const file = (name: string): string => path.join(tmp.dir, name)
const processes = new ProcessGroup()

async function ffmpeg(args: string[]): Promise<void> {
  await execa(tools.ffmpeg, ['-v', 'error', '-y', ...args])
}

/** ffmpeg's own ebur128 summary, run by hand the plain way (no downmix, nothing else). */
async function ebur128ByHand(f: string): Promise<{ i: number; lra: number; tp: number }> {
  const r = await execa(tools.ffmpeg, [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-i',
    f,
    '-af',
    'ebur128=peak=true',
    '-f',
    'null',
    '-'
  ])
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'))
  const num = (re: RegExp): number => Number(re.exec(summary)![1])
  return {
    i: num(/I:\s+(-?[\d.]+) LUFS/),
    lra: num(/LRA:\s+(-?[\d.]+) LU/),
    tp: num(/True peak:\s+Peak:\s+(-?[\d.]+) dBFS/)
  }
}

async function ffprobeSize(f: string): Promise<{ width: number; height: number }> {
  const r = await execa(tools.ffprobe, [
    '-v',
    'error',
    '-show_entries',
    'stream=width,height',
    '-of',
    'json',
    f
  ])
  const s = (JSON.parse(r.stdout) as { streams: Array<{ width: number; height: number }> })
    .streams[0]!
  return { width: s.width, height: s.height }
}

beforeAll(async () => {
  tools = await locateFfmpeg()
  fs.writeFileSync(file('subs.srt'), '1\n00:00:01,000 --> 00:00:03,000\nHello\n')
  // 10 s, PAL anamorphic 16:9, interlaced: 2 s black then test picture; 7 s of tone then 3 s silent.
  const main = [
    '-f',
    'lavfi',
    '-i',
    'color=black:s=720x576:r=25:d=2',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=720x576:r=25:d=8',
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:d=7:sample_rate=48000',
    '-filter_complex',
    '[0:v][1:v]concat=n=2:v=1:a=0,setsar=64/45[v];' +
      '[2:a]volume=-12dB,aformat=channel_layouts=stereo[s];' +
      'anullsrc=r=48000:cl=stereo,atrim=duration=3[z];[s][z]concat=n=2:v=0:a=1[a]',
    '-map',
    '[v]',
    '-map',
    '[a]',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'main',
    '-level',
    '3.1',
    '-flags',
    '+ildct+ilme',
    '-top',
    '1',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac'
  ]
  await ffmpeg([
    ...main.slice(0, 12),
    '-i',
    file('subs.srt'),
    ...main.slice(12),
    '-map',
    '3:s',
    '-c:s',
    'srt',
    '-metadata:s:s:0',
    'language=eng',
    file('Show - S01E02 - Pilot.mkv')
  ])
  await ffmpeg([...main, file('main.mp4')])
  // Sound only: 6 s of tone after 1.5 s of silence.
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'anullsrc=r=48000:cl=stereo:d=1.5',
    '-f',
    'lavfi',
    '-i',
    'sine=f=1000:d=6:sample_rate=48000',
    '-filter_complex',
    '[1:a]volume=-6dB,aformat=channel_layouts=stereo[t];[0:a][t]concat=n=2:v=0:a=1[a]',
    '-map',
    '[a]',
    '-c:a',
    'aac',
    file('tone.m4a')
  ])
  // Longer than two edge windows: black 2 s at the head and 4 s at the tail, found in windows.
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=black:s=160x120:r=5:d=2',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=160x120:r=5:d=126',
    '-f',
    'lavfi',
    '-i',
    'color=black:s=160x120:r=5:d=4',
    '-f',
    'lavfi',
    '-i',
    'sine=f=220:d=132:sample_rate=48000',
    '-filter_complex',
    '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
    '-map',
    '[v]',
    '-map',
    '3:a',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    file('long.mp4')
  ])
  const whole = fs.readFileSync(file('main.mp4'))
  fs.writeFileSync(file('truncated.mp4'), whole.subarray(0, Math.floor(whole.length / 2)))
  fs.writeFileSync(file('notes.mp4'), 'These are my notes, not a video.\n')
}, 120_000)

afterAll(async () => {
  await processes.killAll()
  tmp.cleanup()
})

describe('library probe detail', () => {
  it('reads container, video, audio and subtitles', async () => {
    const { probe, detail } = await probeDetail(tools, file('Show - S01E02 - Pilot.mkv'))
    expect(probe.durationMs).toBeGreaterThanOrEqual(10_000)
    expect(probe.durationMs).toBeLessThan(10_100)
    expect(probe.video).toMatchObject({ codec: 'h264', width: 720, height: 576, frameRate: 25 })
    expect(detail).toEqual({
      container: 'matroska,webm',
      video: {
        codec: 'h264',
        profile: 'Main',
        level: 31,
        width: 720,
        height: 576,
        frameRate: 25,
        fieldOrder: 'tt',
        aspect: '16:9'
      },
      audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
      subtitles: [{ codec: 'subrip', language: 'eng' }]
    })
    const audio = await probeDetail(tools, file('tone.m4a'))
    expect(audio.detail.video).toBeNull()
    expect(audio.detail.subtitles).toEqual([])
    expect(audio.detail.container).toMatch(/mp4/)
  })

  it('gives clear errors for a truncated file and a text file named .mp4', async () => {
    for (const name of ['truncated.mp4', 'notes.mp4']) {
      const err = await probeDetail(tools, file(name)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProbeError)
      expect((err as ProbeError).reason).toBe('not-media')
      expect((err as Error).message).toContain(file(name))
      expect((err as Error).message).toMatch(/is not playable media \(ffprobe: .+\)/)
    }
    const gone = await probeDetail(tools, file('nothing-here.mp4')).catch((e: unknown) => e)
    expect((gone as ProbeError).reason).toBe('missing')
  })
})

describe('library analysis', () => {
  it('measures loudness as ebur128 does by hand, head/tail black and silence, pictures', async () => {
    const f = file('main.mp4')
    const { probe } = await probeDetail(tools, f)
    const out = file('pictures/main')
    const r = await analyseMedia(tools, processes, f, {
      durationMs: probe.durationMs,
      hasVideo: true,
      hasAudio: true,
      outDir: out
    })
    const hand = await ebur128ByHand(f)
    expect(Math.abs(r.integratedLufs! - hand.i)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.rangeLu! - hand.lra)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.truePeakDbtp! - hand.tp)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.headBlackMs - 2000)).toBeLessThanOrEqual(100)
    expect(r.tailBlackMs).toBe(0)
    expect(r.headSilenceMs).toBe(0)
    expect(Math.abs(r.tailSilenceMs - 3000)).toBeLessThanOrEqual(100)
    expect(trimsOf(r, probe.durationMs)).toEqual({
      trimInMs: r.headBlackMs,
      trimOutMs: probe.durationMs - r.tailSilenceMs
    })
    // Anamorphic 16:9: the pictures keep the display aspect.
    expect(r.poster).toEqual({ file: path.join(out, 'poster.jpg'), width: 320, height: 180 })
    expect(r.filmstrip).toEqual({ file: path.join(out, 'filmstrip.jpg'), width: 1600, height: 90 })
    expect(await ffprobeSize(r.poster!.file)).toEqual({ width: 320, height: 180 })
    expect(await ffprobeSize(r.filmstrip!.file)).toEqual({ width: 1600, height: 90 })
    // The poster is past the black head: not a black frame.
    const stats = await execa(tools.ffmpeg, [
      '-hide_banner',
      '-i',
      r.poster!.file,
      '-vf',
      'signalstats,metadata=print:key=lavfi.signalstats.YAVG',
      '-f',
      'null',
      '-'
    ])
    const yavg = Number(/YAVG=([\d.]+)/.exec(stats.stderr)![1])
    expect(yavg).toBeGreaterThan(40)
    expect(processes.live()).toEqual([])
  })

  it('finds head and tail black in windows of a longer file', async () => {
    const f = file('long.mp4')
    const { probe } = await probeDetail(tools, f)
    expect(probe.durationMs).toBeGreaterThan(130_000)
    const r = await analyseMedia(tools, processes, f, {
      durationMs: probe.durationMs,
      hasVideo: true,
      hasAudio: true,
      outDir: file('pictures/long')
    })
    expect(Math.abs(r.headBlackMs - 2000)).toBeLessThanOrEqual(100)
    expect(Math.abs(r.tailBlackMs - 4000)).toBeLessThanOrEqual(100)
    expect(r.headSilenceMs).toBe(0)
    expect(r.tailSilenceMs).toBe(0)
    expect(r.poster).toMatchObject({ width: 320, height: 240 })
    expect(r.filmstrip).toMatchObject({ width: 1600, height: 120 })
  })

  it('analyses a sound-only file without pictures', async () => {
    const f = file('tone.m4a')
    const { probe } = await probeDetail(tools, f)
    const r = await analyseMedia(tools, processes, f, {
      durationMs: probe.durationMs,
      hasVideo: false,
      hasAudio: true,
      outDir: file('pictures/tone')
    })
    const hand = await ebur128ByHand(f)
    expect(Math.abs(r.integratedLufs! - hand.i)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.truePeakDbtp! - hand.tp)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.headSilenceMs - 1500)).toBeLessThanOrEqual(100)
    expect(r.tailSilenceMs).toBe(0)
    expect(r.poster).toBeNull()
    expect(r.filmstrip).toBeNull()
    expect(fs.existsSync(file('pictures/tone'))).toBe(false)
  })

  it('gives clear errors for a truncated file and a text file named .mp4', async () => {
    for (const name of ['truncated.mp4', 'notes.mp4']) {
      const err = await analyseMedia(tools, processes, file(name), {
        durationMs: 10_000,
        hasVideo: true,
        hasAudio: true,
        outDir: file(`pictures/${name}`)
      }).catch((e: unknown) => e as Error)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).message).toContain(`sound analysis of ${file(name)} failed`)
    }
    expect(processes.live()).toEqual([])
  })

  it('an aborted analysis kills its ffmpeg and leaves none behind', async () => {
    // ffmpeg blocks opening a FIFO nobody writes: it runs until it is killed.
    const fifo = file('stuck.mp4')
    execFileSync('mkfifo', [fifo])
    const controller = new AbortController()
    const running = analyseMedia(tools, processes, fifo, {
      durationMs: 60_000,
      hasVideo: true,
      hasAudio: true,
      outDir: file('pictures/stuck'),
      signal: controller.signal
    }).catch((e: unknown) => e as Error)
    await expect.poll(() => processes.live().length).toBe(1)
    const pid = processes.live()[0]!.pid!
    // At the lowest CPU priority (nice, the 19th field of /proc/PID/stat).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])).toBe(19)
    controller.abort()
    const err = (await running) as Error
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('AbortError')
    expect(err.message).toBe(`sound analysis of ${fifo} was cancelled`)
    expect(processes.live()).toEqual([])
    // Reaped, not a zombie: the pid is gone.
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false)
  })
})
