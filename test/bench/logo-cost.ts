// The channel logo's cost (part of `npm run bench -- health`, RETROVUE_BENCH_HEALTH=logo): blending
// a decoded logo onto real decoded frames in process, as the engine does before the encoder, per
// frame and as a share of a core per 30 fps channel; a default bug (12 % wide) and a large one
// (30 % wide), at 360p and at 1080p. The cost is the copy and blend of the rows the logo covers (the
// rest of the frame goes to the encoder as views of the source, untouched).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import type { FfmpegTools } from '../../src/media/ffmpeg'
import { ProcessGroup } from '../../src/media/process'
import { frameBytes, PROFILES, type OutputProfile } from '../../src/media/profiles'
import { LogoOverlay } from '../../src/playout/logo-overlay'
import { DEFAULT_LOGO_PLACEMENT } from '../../src/shared/domain'
import { fixture } from '../helpers/fixtures'
import { type Figure } from './stats'

async function frames(
  tools: FfmpegTools,
  profile: OutputProfile,
  count: number
): Promise<Buffer[]> {
  const { stdout } = await execa(
    tools.ffmpeg,
    [
      '-v',
      'error',
      '-i',
      fixture('a.mp4'),
      '-frames:v',
      String(count),
      '-vf',
      `scale=${profile.width}:${profile.height}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      'pipe:1'
    ],
    {
      encoding: 'buffer',
      maxBuffer: 2 ** 31 - 1
    }
  )
  const buf = Buffer.from(stdout)
  const size = frameBytes(profile)
  return Array.from({ length: Math.floor(buf.length / size) }, (_, i) =>
    buf.subarray(i * size, (i + 1) * size)
  )
}

export async function logoCost(tools: FfmpegTools): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-logo-'))
  const processes = new ProcessGroup()
  const figures: Figure[] = []
  try {
    const png = path.join(dir, 'logo.png')
    // A logo with soft edges and partial alpha (every pixel goes through the blend, none skipped).
    await execa(tools.ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=400x200,format=rgba,geq=r=r(X\\,Y):g=g(X\\,Y):b=b(X\\,Y):a=128+127*sin(X/20)',
      '-frames:v',
      '1',
      png
    ])
    for (const name of ['360p', '1080p'] as const) {
      const profile = PROFILES[name]
      const video = await frames(tools, profile, 60)
      for (const widthPercent of [DEFAULT_LOGO_PLACEMENT.widthPercent, 30]) {
        const overlay = await LogoOverlay.decode(processes, tools, profile, {
          path: png,
          width: 400,
          height: 200,
          placement: { ...DEFAULT_LOGO_PLACEMENT, widthPercent }
        })
        const run = (n: number) => {
          for (let k = 0; k < n; k++) overlay.apply(video[k % video.length]!)
        }
        run(300) // warm-up
        const n = name === '360p' ? 6_000 : 1_500
        // CPU time, not wall time: the machine is shared, and what a channel costs is the CPU it takes.
        const cpu0 = process.cpuUsage()
        run(n)
        const cpu = process.cpuUsage(cpu0)
        const us = (cpu.user + cpu.system) / n
        // The floor: copying the whole frame (what compositing into a fresh frame would cost before any blend).
        const copy0 = process.cpuUsage()
        for (let k = 0; k < n; k++) Buffer.from(video[k % video.length]!)
        const copy = process.cpuUsage(copy0)
        figures.push(
          {
            name: `logo: blend per ${name} frame, ${widthPercent} % wide`,
            value: us,
            unit: 'us',
            floor: (copy.user + copy.system) / n,
            note: `CPU time, ${n} frames of a.mp4; floor: copying the whole frame, which slicing avoids`
          },
          {
            name: `logo: share of a core per ${name}30 channel, ${widthPercent} % wide`,
            value: (us * profile.fps) / 1e4,
            unit: '%',
            note: 'in the station process (the engine), per channel showing a logo'
          }
        )
      }
    }
  } finally {
    await processes.killAll()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
