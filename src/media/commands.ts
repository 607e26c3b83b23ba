// ffmpeg command building, separate from running processes. Each builder returns an argument list.
//
// Playout uses one long-lived encoder per producer fed with raw frames (yuv420p video on stdin, s16le
// audio on fd 3), and short-lived decoders per item that normalise a source to the profile and
// write raw frames. Raw input carries no timestamps, so the encoder's output timeline is exactly
// frames counted: item boundaries are seamless, audio and video cannot drift apart.
import type { OutputProfile } from './profiles'

/** A file path as a filter option value: escape what the filtergraph parser treats specially. */
export function filterPath(p: string): string {
  return p.replace(/\\/g, '/').replace(/([:',;[\]\\ ])/g, '\\\\$1')
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3)

export interface EncoderOptions {
  profile: OutputProfile
  /** Folder for segments and the playlist. */
  outDir: string
  segmentSeconds: number
}

export const PLAYLIST_NAME = 'index.m3u8'
export const SEGMENT_PATTERN = /^seg-(\d+)\.ts$/

/**
 * Segments the encoder lists in its own playlist (`-hls_list_size`). The stream server serves
 * viewers a window of the latest of these, two fewer (server/streams.ts derives it from this), so
 * that a segment a slow client was just handed is still on disk.
 */
export const ENCODER_PLAYLIST_SEGMENTS = 8
/** Segments kept on disk past the playlist before ffmpeg deletes them (`-hls_delete_threshold`). */
export const ENCODER_DELETE_THRESHOLD = 2

/** Frames from one keyframe to the next: a segment is cut at every keyframe, so one segment each. */
const gopFrames = (profile: OutputProfile, segmentSeconds: number): number =>
  Math.round(profile.fps * segmentSeconds)

/**
 * The first keyframe comes after a third of a segment: a new output (a first viewer, a restart) is
 * listed as soon as that much is encoded, not a whole segment. The
 * keyframes after it keep the segment length.
 */
const firstKeyframe = (gop: number): number => Math.max(1, Math.round(gop / 3))

/** The next keyframe after frame k: where the segment holding frame k ends. */
export function keyframeAfter(k: number, profile: OutputProfile, segmentSeconds: number): number {
  const gop = gopFrames(profile, segmentSeconds)
  const first = firstKeyframe(gop)
  return k < first ? first : first + (Math.floor((k - first) / gop) + 1) * gop
}

/**
 * The first frame of the encoder's segment `seg-<n>.ts`: the hls muxer cuts at every keyframe, so
 * segment 0 starts at frame 0 and segment n at the n-th keyframe.
 */
export function segmentStartFrame(
  n: number,
  profile: OutputProfile,
  segmentSeconds: number
): number {
  const gop = gopFrames(profile, segmentSeconds)
  return n === 0 ? 0 : firstKeyframe(gop) + (n - 1) * gop
}

export function encoderArgs(o: EncoderOptions): string[] {
  const p = o.profile
  const gop = gopFrames(p, o.segmentSeconds)
  const first = firstKeyframe(gop)
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    // Raw inputs need no probing; probing one pipe while the other waits would deadlock start-up.
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-video_size',
    `${p.width}x${p.height}`,
    '-framerate',
    String(p.fps),
    '-thread_queue_size',
    '16',
    '-i',
    'pipe:0',
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-f',
    's16le',
    '-ar',
    String(p.sampleRate),
    '-ac',
    String(p.audioChannels),
    '-thread_queue_size',
    '64',
    '-i',
    'pipe:3',
    // The picture arrives finished (the emergency crawl is composited in the engine): no filters.
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-preset',
    p.x264Preset,
    '-tune',
    'zerolatency',
    '-profile:v',
    'main',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-bf',
    '0',
    '-force_key_frames',
    `expr:eq(n,${first})`,
    '-b:v',
    `${p.videoBitrateK}k`,
    '-maxrate',
    `${p.videoBitrateK}k`,
    '-bufsize',
    `${p.videoBitrateK * 2}k`,
    '-threads',
    String(p.x264Threads),
    // The fast AAC coder costs half the default's CPU; at these bitrates the difference is not audible on air.
    '-c:a',
    'aac',
    '-aac_coder',
    'fast',
    '-b:a',
    `${p.audioBitrateK}k`,
    '-ar',
    String(p.sampleRate),
    '-ac',
    String(p.audioChannels),
    // About ten segments stay on disk: the playlist plus the delete threshold.
    // The first segments are cut at the first keyframe past hls_init_time: the short one, then whole ones.
    '-f',
    'hls',
    '-hls_time',
    String(o.segmentSeconds),
    '-hls_init_time',
    ((first - 0.5) / p.fps).toFixed(3),
    '-hls_list_size',
    String(ENCODER_PLAYLIST_SEGMENTS),
    '-hls_delete_threshold',
    String(ENCODER_DELETE_THRESHOLD),
    '-hls_flags',
    'delete_segments+independent_segments+temp_file',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    `${o.outDir}/seg-%d.ts`,
    `${o.outDir}/${PLAYLIST_NAME}`
  ]
}

export interface DecodeOptions {
  asset: string
  /** Position in the asset to start at. */
  offsetMs: number
  /** The source's frame rate, when known (sets how far back the decoder starts; see below). */
  sourceFps?: number | null
  /** How much to decode (the decoder may stop early if the asset is shorter). */
  durationMs: number
  profile: OutputProfile
}

/**
 * One decoder per item: video (scaled and padded to the profile, at its frame rate, raw yuv420p)
 * on stdout and audio (resampled, raw s16le) on fd 3. One process, not two: a spawn of ffmpeg costs
 * tens of milliseconds of library loading, and that is on the path of every join.
 *
 * Frame-accurate start: the picture on screen at offset X is the last source frame that began at
 * or before X. Accurate input seeking keeps only frames at or after the seek point, so the decoder
 * seeks a little earlier (one source frame, rounded up to whole output frames), lays the output
 * frame grid from the seek point and trims those lead-in frames off; the audio is trimmed to X
 * exactly, to the sample.
 */
export function decoderArgs(o: DecodeOptions & { video: boolean; audio: boolean }): string[] {
  const p = o.profile
  const frames = Math.ceil((o.durationMs / 1000) * p.fps) + 2
  const sourceFrameMs = 1000 / (o.sourceFps && o.sourceFps > 0 ? o.sourceFps : 23.976)
  const leadIn = o.video
    ? Math.min(Math.ceil((sourceFrameMs * p.fps) / 1000), Math.round((o.offsetMs * p.fps) / 1000))
    : 0
  const seekMs = Math.max(0, o.offsetMs - (leadIn * 1000) / p.fps)
  // One decoding thread: at these sizes frame threading costs more in overhead than it saves.
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-threads',
    '1',
    '-ss',
    seconds(seekMs),
    '-i',
    o.asset
  ]
  if (o.video) {
    args.push(
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      `scale=${p.width}:${p.height}:force_original_aspect_ratio=decrease,pad=${p.width}:${p.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,` +
        `fps=${p.fps}:start_time=0,trim=start_frame=${leadIn},setpts=PTS-STARTPTS,format=yuv420p`,
      '-frames:v',
      String(frames),
      '-f',
      'rawvideo',
      'pipe:1'
    )
  }
  if (o.audio) {
    const trimmed = o.offsetMs - seekMs
    args.push(
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-af',
      `${trimmed > 0 ? `atrim=start=${(trimmed / 1000).toFixed(6)},asetpts=PTS-STARTPTS,` : ''}aresample=${p.sampleRate}:async=1:first_pts=0,` +
        `aformat=sample_fmts=s16:channel_layouts=${p.audioChannels === 2 ? 'stereo' : 'mono'}`,
      '-t',
      seconds(o.durationMs + 100),
      '-f',
      's16le',
      '-ar',
      String(p.sampleRate),
      '-ac',
      String(p.audioChannels),
      o.video ? 'pipe:3' : 'pipe:1'
    )
  }
  return args
}

export interface StillOptions {
  profile: OutputProfile
  /** Background colour (ffmpeg colour syntax). */
  background: string
  /** Lines of text, centred; the first is large. */
  lines: string[]
  /** Text files written by the caller (no escaping needed), one per line. */
  lineFiles: string[]
  fontFile?: string
}

/** One raw yuv420p frame of a still card (slate, emergency, listings) on stdout. */
export function stillFrameArgs(o: StillOptions): string[] {
  const p = o.profile
  const font = o.fontFile ? `fontfile=${filterPath(o.fontFile)}` : 'font=Sans'
  const big = Math.round(p.height / 10)
  const small = Math.round(p.height / 20)
  const draws = o.lineFiles.map((file, i) => {
    const size = i === 0 ? big : small
    const y = i === 0 ? `h*0.30` : `h*0.30+${big * 1.6}+${(i - 1) * small * 1.5}`
    return `drawtext=${font}:textfile=${filterPath(file)}:expansion=none:fontsize=${size}:fontcolor=white:x=(w-tw)/2:y=${y}`
  })
  const chain = [
    `color=c=${o.background}:s=${p.width}x${p.height}:r=${p.fps}`,
    ...draws,
    'format=yuv420p'
  ].join(',')
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    chain,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    'pipe:1'
  ]
}

export interface TextPictureOptions {
  width: number
  height: number
  background: string
  /** Each word: its text file (written by the caller: no escaping needed), size, pen position and baseline. */
  words: Array<{ file: string; size: number; x: number; baseline: number }>
  fontFile: string
  /** Frame rate of the one frame (the profile's; it does not change the picture). */
  fps: number
}

/**
 * One raw yuv420p frame of laid-out text (emergency card, crawl strip) on stdout: each word drawn
 * at its own position, its baseline placed exactly (drawtext's `ascent` is the word's own tallest
 * glyph, so y = baseline - ascent puts every word on the same line).
 */
export function textPictureArgs(o: TextPictureOptions): string[] {
  const font = `fontfile=${filterPath(o.fontFile)}`
  const draws = o.words.map(
    (w) =>
      `drawtext=${font}:textfile=${filterPath(w.file)}:expansion=none:fontsize=${w.size}:fontcolor=white:x=${w.x}:y=${w.baseline}-ascent`
  )
  const chain = [
    `color=c=${o.background}:s=${o.width}x${o.height}:r=${o.fps}`,
    ...draws,
    'format=yuv420p'
  ].join(',')
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    chain,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    'pipe:1'
  ]
}

/** A raw yuv420p frame (in a file) as PNG on stdout, for the console's preview. */
export function framePngArgs(o: { file: string; width: number; height: number }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-video_size',
    `${o.width}x${o.height}`,
    '-i',
    o.file,
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-f',
    'image2pipe',
    'pipe:1'
  ]
}

export interface PushOptions {
  /** The destination (rtmp://, rtmps:// or srt://). */
  url: string
  /** The container the destination takes: FLV for RTMP, MPEG-TS for SRT. */
  format: 'flv' | 'mpegts'
  /** A write blocked this long fails (a destination gone without closing the connection). */
  writeTimeoutMs: number
}

/**
 * Pushing a channel to a media server: the channel's MPEG-TS output on stdin, remuxed (never
 * encoded again) to the destination, progress on stdout. Where the input jumps (every new output
 * starts its timeline at the same point, so a restart jumps back; a swap hands the output over and
 * does not jump) ffmpeg's discontinuity correction re-bases it and the pushed timeline runs on, one
 * connection across restarts: a jump back is always
 * corrected, a jump forward past the threshold (1 s, above any gap within one producer's output).
 */
/** Timestamps that only move forward, by at least a packet's duration (the bsf keeps whatever is later). */
const MONOTONIC_TS = 'setts=ts=max(PTS\\,PREV_OUTPTS+DURATION)'

export function pushArgs(o: PushOptions): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-dts_delta_threshold',
    '1',
    '-analyzeduration',
    '2000000',
    '-f',
    'mpegts',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-map',
    '0:a:0',
    '-c',
    'copy',
    // Re-based at a restart, one stream may still begin a few milliseconds inside the other's last
    // packet (a producer killed mid-segment): each packet starts no earlier than the one before it ended.
    '-bsf:v',
    MONOTONIC_TS,
    '-bsf:a',
    MONOTONIC_TS,
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.5',
    ...(o.format === 'flv' ? ['-flvflags', 'no_duration_filesize'] : []),
    '-rw_timeout',
    String(o.writeTimeoutMs * 1000),
    // The destination, secrets and all, can only be an argument: ffmpeg reads it from nowhere else
    // (README, "Pushing channels": what protects it from other local users).
    '-f',
    o.format,
    o.url
  ]
}
