// The per-file media work of the library: a detailed probe, and an analysis (programme loudness,
// black and silence at the head and tail to trim, a poster frame and a filmstrip for the console).
//
// Cost is kept low so a feature film is cheap: the sound is decoded once, whole (ebur128 needs all
// of it; silencedetect rides on the same pass); the picture is decoded only in a window at the head
// and one at the tail for blackdetect; the pictures seek straight to their frames. Every ffmpeg
// runs in the station's ProcessGroup at the lowest CPU priority, with one decoding thread, and is
// killed when the job's signal aborts.
import fs from 'node:fs'
import path from 'node:path'
import type { FfmpegTools } from '../media/ffmpeg'
import { loudnessAnalysisArgs, parseEbur128Summary } from '../media/loudness-analysis'
import type { ProcessGroup } from '../media/process'
import { type FfprobeJson, type ProbeResult, probeMedia, rate } from '../media/probe'
import type { LibraryProbeDto } from '../shared/library'

/** The head and tail windows decoded for black detection. */
export const EDGE_WINDOW_MS = 60_000
/** One ffmpeg pass may run this long (a feature film's sound decodes in well under a minute). */
export const PASS_TIMEOUT_MS = 10 * 60_000
export const POSTER_WIDTH = 320
export const FILMSTRIP_FRAME_WIDTH = 160
export const FILMSTRIP_FRAMES = 10
/** A stretch "touches" the head or the tail when it starts or ends this close to it. */
const EDGE_TOLERANCE_S = 0.5
const BLACK_FILTER = 'blackdetect=d=0.1:pix_th=0.10'
const SILENCE_FILTER = 'silencedetect=n=-50dB:d=0.1'

export interface AnalysisPicture {
  file: string
  width: number
  height: number
}

export interface AnalysisResult {
  /** LUFS; null when there is no sound or nothing audible. */
  integratedLufs: number | null
  rangeLu: number | null
  truePeakDbtp: number | null
  headBlackMs: number
  headSilenceMs: number
  tailBlackMs: number
  tailSilenceMs: number
  poster: AnalysisPicture | null
  filmstrip: AnalysisPicture | null
}

export interface AnalyseOptions {
  durationMs: number
  hasVideo: boolean
  hasAudio: boolean
  /** This asset's picture folder (created). */
  outDir: string
  signal?: AbortSignal
}

/** ffprobe's findings in the library's terms (container, streams, subtitles). */
export function probeDetailOf(raw: string): LibraryProbeDto {
  const json = JSON.parse(raw) as FfprobeJson
  const streams = json.streams ?? []
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
  const a = streams.find((s) => s.codec_type === 'audio')
  const known = (text: string | undefined): string | null =>
    text && text !== 'unknown' && text !== 'N/A' ? text : null
  const aspect = (): string | null => {
    const dar = v?.display_aspect_ratio
    if (dar && /^[1-9]\d*:[1-9]\d*$/.test(dar)) return dar
    return null
  }
  return {
    container: json.format?.format_name ?? 'unknown',
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          profile: known(v.profile),
          // ffprobe writes an unknown level as -99.
          level: typeof v.level === 'number' && v.level > 0 ? v.level : null,
          width: v.width ?? 0,
          height: v.height ?? 0,
          frameRate: Math.round((rate(v.avg_frame_rate) || rate(v.r_frame_rate)) * 1000) / 1000,
          fieldOrder: known(v.field_order),
          aspect: aspect()
        }
      : null,
    audio: a
      ? {
          codec: a.codec_name ?? 'unknown',
          channels: a.channels ?? 0,
          sampleRate: Number(a.sample_rate ?? 0)
        }
      : null,
    subtitles: streams
      .filter((s) => s.codec_type === 'subtitle')
      .map((s) => ({ codec: s.codec_name ?? 'unknown', language: known(s.tags?.language) }))
  }
}

/**
 * Probes a file: the ProbeResult the schedule uses (probe.ts, as station import stores it) and the
 * library's detail. Rejects with probe.ts's ProbeError (missing, unreadable, not media).
 */
export async function probeDetail(
  tools: FfmpegTools,
  file: string,
  signal?: AbortSignal
): Promise<{ probe: ProbeResult; detail: LibraryProbeDto }> {
  const probe = await probeMedia(tools, file, signal ? { signal } : {})
  return { probe, detail: probeDetailOf(probe.raw) }
}

/**
 * What airs when trimmed (the contract's LibraryAnalysisDto): in at the later of head black and
 * head silence, out at the earlier start of tail black and tail silence.
 */
export function trimsOf(
  result: Pick<AnalysisResult, 'headBlackMs' | 'headSilenceMs' | 'tailBlackMs' | 'tailSilenceMs'>,
  durationMs: number
): { trimInMs: number; trimOutMs: number } {
  const trimInMs = Math.max(result.headBlackMs, result.headSilenceMs)
  const trimOutMs = durationMs - Math.max(result.tailBlackMs, result.tailSilenceMs)
  // A file that is dead throughout is not trimmed to nothing.
  return trimOutMs > trimInMs ? { trimInMs, trimOutMs } : { trimInMs: 0, trimOutMs: durationMs }
}

interface Stretch {
  start: number
  end: number | null
}

/** Runs one ffmpeg in the group at the lowest priority; resolves with the lines it logged. */
function runPass(
  tools: FfmpegTools,
  processes: ProcessGroup,
  name: string,
  file: string,
  args: string[],
  signal: AbortSignal | undefined,
  onLine?: (line: string) => void
): Promise<string[]> {
  return processes.background(`${name} of ${file}`, tools.ffmpeg, args, {
    timeoutMs: PASS_TIMEOUT_MS,
    tailLines: 60,
    ...(signal ? { signal } : {}),
    ...(onLine ? { onLine } : {})
  })
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3)

/** Loudness and silence in one decode of the whole sound. */
async function soundPass(
  tools: FfmpegTools,
  processes: ProcessGroup,
  file: string,
  durationMs: number,
  signal: AbortSignal | undefined
): Promise<
  Pick<
    AnalysisResult,
    'integratedLufs' | 'rangeLu' | 'truePeakDbtp' | 'headSilenceMs' | 'tailSilenceMs'
  >
> {
  const args = loudnessAnalysisArgs(file)
  const af = args.indexOf('-af') + 1
  args[af] = `${args[af]},${SILENCE_FILTER}`
  args.splice(args.indexOf('-i'), 0, '-threads', '1')
  args.splice(args.indexOf('-af'), 0, '-filter_threads', '1')
  // Only the first silence (the head) and the last (the tail) matter; a film may have hundreds.
  let first: Stretch | null = null
  let last: Stretch | null = null
  let endOfSound = 0
  const tail = await runPass(tools, processes, 'sound analysis', file, args, signal, (line) => {
    const start = /silence_start: (-?[\d.]+)/.exec(line)
    if (start) {
      last = { start: Number(start[1]), end: null }
      first ??= last
      return
    }
    const end = /silence_end: (-?[\d.]+)/.exec(line)
    if (end && last) {
      last.end = Number(end[1])
      endOfSound = Math.max(endOfSound, last.end)
    }
  })
  const loudness = parseEbur128Summary(tail.join('\n'))
  const edges = edgesOf(first, last, Math.max(durationMs / 1000, endOfSound))
  return {
    ...loudness,
    // Below the gate there is nothing to measure a peak of either.
    truePeakDbtp: loudness.integratedLufs === null ? null : loudness.truePeakDbtp,
    headSilenceMs: edges.head,
    tailSilenceMs: edges.tail
  }
}

/** The head stretch's length and the tail stretch's, in ms, of a window `lengthS` long. */
function edgesOf(
  first: Stretch | null,
  last: Stretch | null,
  lengthS: number
): { head: number; tail: number } {
  const end = (s: Stretch): number => s.end ?? lengthS
  const head = first && first.start <= EDGE_TOLERANCE_S ? Math.round(end(first) * 1000) : 0
  // A stretch that reaches the end runs to it: blackdetect ends it at the last frame's start.
  const tail =
    last && end(last) >= lengthS - EDGE_TOLERANCE_S
      ? Math.round((lengthS - Math.max(0, last.start)) * 1000)
      : 0
  return { head, tail }
}

/** Black stretches of a window of the picture: from `fromMs`, `lengthMs` long. */
async function blackPass(
  tools: FfmpegTools,
  processes: ProcessGroup,
  file: string,
  fromMs: number,
  lengthMs: number,
  signal: AbortSignal | undefined
): Promise<{ first: Stretch | null; last: Stretch | null }> {
  let first: Stretch | null = null
  let last: Stretch | null = null
  const args = [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-threads',
    '1',
    ...(fromMs > 0 ? ['-ss', seconds(fromMs)] : []),
    '-t',
    seconds(lengthMs),
    '-i',
    file,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-filter_threads',
    '1',
    '-vf',
    BLACK_FILTER,
    '-f',
    'null',
    '-'
  ]
  await runPass(tools, processes, 'black detection', file, args, signal, (line) => {
    const m = /black_start:\s*(-?[\d.]+)\s+black_end:\s*(-?[\d.]+)/.exec(line)
    if (!m) return
    last = { start: Number(m[1]), end: Number(m[2]) }
    first ??= last
  })
  return { first, last }
}

/** Width and height of a JPEG, from its frame header. */
export function jpegSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file)
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) {
      i++
      continue
    }
    const marker = b[i + 1]!
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) }
    i += 2 + b.readUInt16BE(i + 2)
  }
  throw new Error(`${file} is not a JPEG with a frame header`)
}

/** The poster and the filmstrip in one ffmpeg: each frame is a seek, nothing else is decoded. */
async function picturesPass(
  tools: FfmpegTools,
  processes: ProcessGroup,
  file: string,
  at: { posterMs: number; stripMs: number[] },
  outDir: string,
  signal: AbortSignal | undefined
): Promise<{ poster: AnalysisPicture; filmstrip: AnalysisPicture }> {
  const poster = path.join(outDir, 'poster.jpg')
  const filmstrip = path.join(outDir, 'filmstrip.jpg')
  // Width fixed, height from the display aspect ratio (anamorphic pictures come out right).
  const scale = (w: number): string => `scale=w=${w}:h=trunc(ow/dar/2)*2,setsar=1`
  // Input options apply to the next input only: each decoder gets its one thread.
  const inputs = [at.posterMs, ...at.stripMs].flatMap((ms) => [
    '-threads',
    '1',
    '-ss',
    seconds(ms),
    '-i',
    file
  ])
  const frames = at.stripMs.map(
    (_, i) => `[${i + 1}:v:0]trim=end_frame=1,${scale(FILMSTRIP_FRAME_WIDTH)}[f${i}]`
  )
  const graph = [
    `[0:v:0]trim=end_frame=1,${scale(POSTER_WIDTH)}[poster]`,
    ...frames,
    `${at.stripMs.map((_, i) => `[f${i}]`).join('')}hstack=inputs=${at.stripMs.length}[strip]`
  ].join(';')
  const jpeg = (out: string): string[] => ['-frames:v', '1', '-q:v', '4', '-update', '1', out]
  await runPass(
    tools,
    processes,
    'pictures',
    file,
    [
      '-nostdin',
      '-hide_banner',
      '-nostats',
      '-y',
      ...inputs,
      '-filter_complex_threads',
      '1',
      '-filter_complex',
      graph,
      '-map',
      '[poster]',
      ...jpeg(poster),
      '-map',
      '[strip]',
      ...jpeg(filmstrip)
    ],
    signal
  )
  return {
    poster: { file: poster, ...jpegSize(poster) },
    filmstrip: { file: filmstrip, ...jpegSize(filmstrip) }
  }
}

/**
 * Analyses one file (see the top of this file). Rejects with a clear error when ffmpeg cannot
 * read it, and with an AbortError when `signal` aborts (its ffmpeg is killed first).
 */
export async function analyseMedia(
  tools: FfmpegTools,
  processes: ProcessGroup,
  file: string,
  opts: AnalyseOptions
): Promise<AnalysisResult> {
  const { durationMs, signal } = opts
  if (!(durationMs > 0)) throw new Error(`cannot analyse ${file}: its duration is unknown`)
  if (!opts.hasVideo && !opts.hasAudio)
    throw new Error(`cannot analyse ${file}: it has neither picture nor sound`)
  const result: AnalysisResult = {
    integratedLufs: null,
    rangeLu: null,
    truePeakDbtp: null,
    headBlackMs: 0,
    headSilenceMs: 0,
    tailBlackMs: 0,
    tailSilenceMs: 0,
    poster: null,
    filmstrip: null
  }
  if (opts.hasAudio)
    Object.assign(result, await soundPass(tools, processes, file, durationMs, signal))
  if (!opts.hasVideo) return result

  // Black at the head and at the tail: one window when they would overlap, else one each.
  if (durationMs <= 2 * EDGE_WINDOW_MS) {
    const { first, last } = await blackPass(tools, processes, file, 0, durationMs, signal)
    const edges = edgesOf(first, last, durationMs / 1000)
    result.headBlackMs = edges.head
    result.tailBlackMs = edges.tail
  } else {
    const head = await blackPass(tools, processes, file, 0, EDGE_WINDOW_MS, signal)
    result.headBlackMs = edgesOf(head.first, null, EDGE_WINDOW_MS / 1000).head
    const from = durationMs - EDGE_WINDOW_MS
    const tail = await blackPass(tools, processes, file, from, EDGE_WINDOW_MS, signal)
    result.tailBlackMs = edgesOf(null, tail.last, EDGE_WINDOW_MS / 1000).tail
  }
  // An all-black file still gets pictures (of black): better than none for the console.
  const headBlack = result.headBlackMs < durationMs ? result.headBlackMs : 0
  const tailBlack = result.tailBlackMs < durationMs - headBlack ? result.tailBlackMs : 0
  const from = headBlack
  // Keep clear of the very end: a seek past the last frame yields no picture.
  const to = Math.max(from + 1, durationMs - tailBlack - Math.min(500, durationMs / 10))
  const posterMs = Math.min(Math.max(durationMs * 0.1, from + 500), (from + to) / 2)
  const stripMs = Array.from(
    { length: FILMSTRIP_FRAMES },
    (_, i) => from + ((i + 0.5) * (to - from)) / FILMSTRIP_FRAMES
  )
  fs.mkdirSync(opts.outDir, { recursive: true })
  Object.assign(
    result,
    await picturesPass(tools, processes, file, { posterMs, stripMs }, opts.outDir, signal)
  )
  return result
}
