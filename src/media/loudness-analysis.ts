// Measures a file's programme loudness with ffmpeg's ebur128 filter (BS.1770-4: integrated
// loudness, loudness range, true peak), on its first audio stream as the engine airs it (stereo).
// One pass over the file's sound, decoding only that stream; the caller runs it in the background
// at low priority, one at a time, never on the playout path.
import type { FfmpegTools } from './ffmpeg'
import type { ProcessGroup } from './process'

export interface FileLoudness {
  /** LUFS; null when nothing is audible (every block below the -70 LUFS gate). */
  integratedLufs: number | null
  truePeakDbtp: number | null
  rangeLu: number | null
}

/** The arguments of one analysis pass (stereo, as the outputs carry sound). */
export function loudnessAnalysisArgs(file: string): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-vn',
    '-sn',
    '-dn',
    '-af',
    'aformat=channel_layouts=stereo,ebur128=peak=true:framelog=verbose',
    '-f',
    'null',
    '-'
  ]
}

/** Reads ebur128's summary (the last one in the log); throws when there is none. */
export function parseEbur128Summary(log: string): FileLoudness {
  const at = log.lastIndexOf('Summary:')
  if (at < 0) throw new Error('ffmpeg printed no loudness summary')
  const summary = log.slice(at)
  const value = (re: RegExp): number | null => {
    const m = re.exec(summary)
    if (!m) return null
    const v = Number(m[1])
    return Number.isFinite(v) ? v : null
  }
  const integrated = value(/\bI:\s+(-?[\d.]+|-inf|nan) LUFS/)
  const threshold = value(/Integrated loudness:[\s\S]*?Threshold:\s+(-?[\d.]+) LUFS/)
  // Below the absolute gate ebur128 reports -70.0 with a threshold of -70.0: nothing audible.
  const audible =
    integrated !== null && integrated > -70 && !(threshold !== null && threshold <= -70)
  return {
    integratedLufs: audible ? integrated : null,
    rangeLu: value(/LRA:\s+(-?[\d.]+) LU/),
    truePeakDbtp: value(/True peak:\s+Peak:\s+(-?[\d.]+) dBFS/)
  }
}

/**
 * Runs the analysis in `processes` at the lowest CPU priority; rejects when ffmpeg fails, outlives
 * `timeoutMs` or `signal` aborts (it is killed then).
 */
export async function measureFileLoudness(
  tools: FfmpegTools,
  processes: ProcessGroup,
  file: string,
  timeoutMs: number,
  signal?: AbortSignal
): Promise<FileLoudness> {
  const tail = await processes.background(
    'loudness analysis',
    tools.ffmpeg,
    loudnessAnalysisArgs(file),
    { timeoutMs, signal }
  )
  return parseEbur128Summary(tail.join('\n'))
}
