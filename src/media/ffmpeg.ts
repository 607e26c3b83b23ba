// Finding ffmpeg and checking it can do what playout needs.
//
// Order: a configured path, then RETROVUE_FFMPEG / RETROVUE_FFPROBE, then PATH, then a copy bundled
// with the app (resources/ffmpeg/<platform>-<arch>/). The first candidate that exists is checked;
// a candidate that is too old or lacks a filter or encoder is an error that says which, rather
// than a silent fall-through to something else.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'

export const MIN_FFMPEG_MAJOR = 5
/** Filters and encoders the producers and still cards rely on (output health is watched in the engine, not by filters). */
export const REQUIRED_FILTERS = [
  'scale',
  'pad',
  'setsar',
  'fps',
  'trim',
  'setpts',
  'format',
  'atrim',
  'asetpts',
  'aresample',
  'aformat',
  'drawtext',
  'color'
] as const
export const REQUIRED_ENCODERS = ['libx264', 'aac'] as const

export interface FfmpegTools {
  ffmpeg: string
  ffprobe: string
  version: string
  /** How it was found: configured, env, path or bundled. */
  source: 'configured' | 'env' | 'path' | 'bundled'
}

export class FfmpegUnavailableError extends Error {
  override readonly name = 'FfmpegUnavailableError'
}

export interface LocateOptions {
  /** An explicitly configured ffmpeg binary (ffprobe is looked for beside it). */
  ffmpegPath?: string
  ffprobePath?: string
  /** Folder of a bundled fallback, e.g. the app's resources/ffmpeg. */
  bundledDir?: string
  env?: NodeJS.ProcessEnv
}

const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name)

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, exe(name))
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

interface Candidate {
  ffmpeg: string
  ffprobe: string | undefined
  source: FfmpegTools['source']
}

function candidates(options: LocateOptions): Candidate[] {
  const env = options.env ?? process.env
  const list: Candidate[] = []
  const beside = (ffmpeg: string) => {
    const probe = path.join(path.dirname(ffmpeg), exe('ffprobe'))
    return isExecutable(probe) ? probe : undefined
  }
  if (options.ffmpegPath) {
    list.push({
      ffmpeg: options.ffmpegPath,
      ffprobe: options.ffprobePath ?? beside(options.ffmpegPath),
      source: 'configured'
    })
  }
  const envFfmpeg = env['RETROVUE_FFMPEG']
  if (envFfmpeg)
    list.push({
      ffmpeg: envFfmpeg,
      ffprobe: env['RETROVUE_FFPROBE'] ?? beside(envFfmpeg),
      source: 'env'
    })
  const pathFfmpeg = onPath('ffmpeg', env)
  if (pathFfmpeg) list.push({ ffmpeg: pathFfmpeg, ffprobe: onPath('ffprobe', env), source: 'path' })
  if (options.bundledDir) {
    const dir = path.join(options.bundledDir, `${process.platform}-${process.arch}`)
    list.push({
      ffmpeg: path.join(dir, exe('ffmpeg')),
      ffprobe: path.join(dir, exe('ffprobe')),
      source: 'bundled'
    })
  }
  return list
}

async function check(c: Candidate): Promise<FfmpegTools> {
  if (!isExecutable(c.ffmpeg))
    throw new FfmpegUnavailableError(
      `ffmpeg (${c.source}) at ${c.ffmpeg} does not exist or is not executable`
    )
  if (!c.ffprobe || !isExecutable(c.ffprobe)) {
    throw new FfmpegUnavailableError(
      `ffprobe was not found next to ffmpeg (${c.ffmpeg}); RetroVue needs both`
    )
  }
  const [version, filters, encoders] = await Promise.all([
    execa(c.ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000 }),
    execa(c.ffmpeg, ['-hide_banner', '-filters'], { timeout: 10_000 }),
    execa(c.ffmpeg, ['-hide_banner', '-encoders'], { timeout: 10_000 })
  ]).catch((err: unknown) => {
    throw new FfmpegUnavailableError(
      `ffmpeg at ${c.ffmpeg} could not be run: ${(err as Error).message.split('\n')[0]}`
    )
  })
  const m = /ffmpeg version (?:n)?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.stdout)
  const versionText = /ffmpeg version (\S+)/.exec(version.stdout)?.[1] ?? 'unknown'
  // Builds from git report e.g. "N-112345-g..." with no release number: accept those as current.
  if (m && Number(m[1]) < MIN_FFMPEG_MAJOR) {
    throw new FfmpegUnavailableError(
      `ffmpeg at ${c.ffmpeg} is version ${versionText}; RetroVue needs ${MIN_FFMPEG_MAJOR}.0 or newer`
    )
  }
  const has = (listing: string, name: string) =>
    new RegExp(`^\\s*\\S+\\s+${name}\\s`, 'm').test(listing)
  const missingFilters = REQUIRED_FILTERS.filter((f) => !has(filters.stdout, f))
  const missingEncoders = REQUIRED_ENCODERS.filter((e) => !has(encoders.stdout, e))
  if (missingFilters.length > 0 || missingEncoders.length > 0) {
    const parts = [
      missingFilters.length > 0 ? `filters ${missingFilters.join(', ')}` : '',
      missingEncoders.length > 0 ? `encoders ${missingEncoders.join(', ')}` : ''
    ].filter(Boolean)
    throw new FfmpegUnavailableError(
      `ffmpeg at ${c.ffmpeg} (${versionText}) lacks ${parts.join(' and ')}; install a full build (e.g. Debian's ffmpeg package)`
    )
  }
  return { ffmpeg: c.ffmpeg, ffprobe: c.ffprobe, version: versionText, source: c.source }
}

/** Finds and checks ffmpeg/ffprobe, or throws FfmpegUnavailableError explaining what is wrong. */
export async function locateFfmpeg(options: LocateOptions = {}): Promise<FfmpegTools> {
  const list = candidates(options)
  const first = list[0]
  if (!first) {
    throw new FfmpegUnavailableError(
      'ffmpeg was not found: set its path in the station settings or RETROVUE_FFMPEG, or install it (e.g. `apt-get install ffmpeg`) so that it is on PATH'
    )
  }
  // Configured and env choices are explicit: a broken one is reported, not skipped.
  if (first.source === 'configured' || first.source === 'env') return check(first)
  const errors: string[] = []
  for (const c of list) {
    try {
      return await check(c)
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  throw new FfmpegUnavailableError(errors.join('; '))
}
