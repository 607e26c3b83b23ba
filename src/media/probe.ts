// ffprobe: what a media file holds (duration, video and audio streams).
import fs from 'node:fs'
import { execa } from 'execa'
import type { FfmpegTools } from './ffmpeg'

export interface ProbeResult {
  durationMs: number
  video: { codec: string; width: number; height: number; frameRate: number } | null
  audio: { codec: string; channels: number; sampleRate: number } | null
  sizeBytes: number
  mtimeMs: number
  /** ffprobe's JSON, kept with the asset for reference. */
  raw: string
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError'
  constructor(
    readonly file: string,
    readonly reason: 'missing' | 'unreadable' | 'not-media',
    message: string
  ) {
    super(message)
  }
}

/** The parts of ffprobe's JSON we read (the media library reads the detail fields). */
export interface FfprobeJson {
  format?: { duration?: string; format_name?: string; start_time?: string }
  streams?: Array<{
    codec_type?: string
    codec_name?: string
    profile?: string
    level?: number
    width?: number
    height?: number
    avg_frame_rate?: string
    r_frame_rate?: string
    field_order?: string
    display_aspect_ratio?: string
    sample_aspect_ratio?: string
    channels?: number
    sample_rate?: string
    duration?: string
    disposition?: { attached_pic?: number }
    tags?: { language?: string }
  }>
}

/** A rational as ffprobe writes it ("30000/1001"); 0 when absent or undefined. */
export function rate(text: string | undefined): number {
  if (!text) return 0
  const [n, d] = text.split('/').map(Number)
  if (!n || !d) return 0
  return n / d
}

/** `signal` ends ffprobe early (a cancelled library job); the probe then rejects saying so. */
export async function probeMedia(
  tools: FfmpegTools,
  file: string,
  options: { signal?: AbortSignal } = {}
): Promise<ProbeResult> {
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new ProbeError(file, 'missing', `file not found: ${file}`)
    throw new ProbeError(file, 'unreadable', `cannot read ${file}: ${(err as Error).message}`)
  }
  if (!stat.isFile()) throw new ProbeError(file, 'unreadable', `${file} is not a regular file`)
  try {
    fs.accessSync(file, fs.constants.R_OK)
  } catch (err) {
    throw new ProbeError(file, 'unreadable', `cannot read ${file}: ${(err as Error).message}`)
  }
  const result = await execa(
    tools.ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
    { reject: false, timeout: 30_000, ...(options.signal ? { cancelSignal: options.signal } : {}) }
  )
  if (result.isCanceled) throw new Error(`the probe of ${file} was cancelled`)
  if (result.exitCode !== 0) {
    const why = (result.stderr || result.stdout || 'ffprobe failed')
      .toString()
      .trim()
      .split('\n')
      .slice(-1)[0]
    throw new ProbeError(file, 'not-media', `${file} is not playable media (ffprobe: ${why})`)
  }
  const parsed = parseProbe(String(result.stdout), stat.size, Math.floor(stat.mtimeMs))
  if (!parsed)
    throw new ProbeError(
      file,
      'not-media',
      `${file} is not playable media (no audio or video stream with a duration)`
    )
  return parsed
}

/** Interprets ffprobe's JSON (as stored with an asset); undefined when it describes no playable media. */
export function parseProbe(
  raw: string,
  sizeBytes: number,
  mtimeMs: number
): ProbeResult | undefined {
  const json = JSON.parse(raw) as FfprobeJson
  const streams = json.streams ?? []
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
  const a = streams.find((s) => s.codec_type === 'audio')
  const seconds = Number(json.format?.duration ?? v?.duration ?? a?.duration ?? NaN)
  if (!Number.isFinite(seconds) || seconds <= 0 || (!v && !a)) return undefined
  return {
    durationMs: Math.round(seconds * 1000),
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          width: v.width ?? 0,
          height: v.height ?? 0,
          frameRate: Math.round((rate(v.avg_frame_rate) || rate(v.r_frame_rate)) * 1000) / 1000
        }
      : null,
    audio: a
      ? {
          codec: a.codec_name ?? 'unknown',
          channels: a.channels ?? 0,
          sampleRate: Number(a.sample_rate ?? 0)
        }
      : null,
    sizeBytes,
    mtimeMs,
    raw
  }
}
