import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FfmpegUnavailableError, locateFfmpeg } from '../../src/media/ffmpeg'
import { tempDir } from '../helpers/tmp'

const t = tempDir()
afterAll(() => t.cleanup())

/** A stand-in ffmpeg that reports a version and a list of filters, and its ffprobe. */
function fake(dir: string, version: string, filters: string[]): string {
  fs.mkdirSync(dir, { recursive: true })
  const listing = filters.map((f) => ` ... ${f}  V->V  stand-in`).join('\\n')
  fs.writeFileSync(
    path.join(dir, 'ffmpeg'),
    `#!/bin/sh\ncase "$*" in\n*-version*) echo "ffmpeg version ${version} Copyright";;\n*-filters*) printf "Filters:\\n${listing}\\n";;\n*-encoders*) printf " V....D libx264  H.264\\n A..... aac  AAC\\n";;\nesac\n`,
    { mode: 0o755 }
  )
  fs.writeFileSync(path.join(dir, 'ffprobe'), '#!/bin/sh\necho ffprobe\n', { mode: 0o755 })
  return path.join(dir, 'ffmpeg')
}

const ALL = [
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
]
const noPath = { PATH: path.join(t.dir, 'empty-path') }

describe('ffmpeg discovery', () => {
  it('finds the real ffmpeg on PATH and checks it', async () => {
    const tools = await locateFfmpeg()
    expect(tools.source).toBe('path')
    expect(tools.version).toMatch(/^\d+\.\d+/)
    expect(fs.existsSync(tools.ffprobe)).toBe(true)
  })

  it('prefers a configured path, then the environment, then PATH, then the bundled copy', async () => {
    const configured = fake(path.join(t.dir, 'configured'), '6.1', ALL)
    const env = fake(path.join(t.dir, 'env'), '6.0', ALL)
    const onPath = fake(path.join(t.dir, 'onpath'), '5.1.4', ALL)
    const bundledRoot = path.join(t.dir, 'bundled')
    fake(path.join(bundledRoot, `${process.platform}-${process.arch}`), '7.0', ALL)
    const pathEnv = { PATH: path.dirname(onPath) }
    expect(
      (
        await locateFfmpeg({
          ffmpegPath: configured,
          env: { ...pathEnv, RETROVUE_FFMPEG: env },
          bundledDir: bundledRoot
        })
      ).source
    ).toBe('configured')
    expect(
      (await locateFfmpeg({ env: { ...pathEnv, RETROVUE_FFMPEG: env }, bundledDir: bundledRoot }))
        .ffmpeg
    ).toBe(env)
    expect((await locateFfmpeg({ env: pathEnv, bundledDir: bundledRoot })).ffmpeg).toBe(onPath)
    const bundled = await locateFfmpeg({ env: noPath, bundledDir: bundledRoot })
    expect(bundled).toMatchObject({ source: 'bundled', version: '7.0' })
  })

  it('says clearly when ffmpeg is missing', async () => {
    await expect(locateFfmpeg({ env: noPath })).rejects.toThrow(FfmpegUnavailableError)
    await expect(locateFfmpeg({ env: noPath })).rejects.toThrow(
      /ffmpeg was not found.*RETROVUE_FFMPEG.*apt-get install ffmpeg/
    )
    await expect(locateFfmpeg({ ffmpegPath: '/nowhere/ffmpeg', env: noPath })).rejects.toThrow(
      /\/nowhere\/ffmpeg does not exist or is not executable/
    )
  })

  it('refuses an ffmpeg that is too old or lacks what playout needs, naming what is missing', async () => {
    const old = fake(path.join(t.dir, 'old'), '4.4.2', ALL)
    await expect(locateFfmpeg({ ffmpegPath: old, env: noPath })).rejects.toThrow(
      /version 4\.4\.2; RetroVue needs 5\.0 or newer/
    )
    const thin = fake(
      path.join(t.dir, 'thin'),
      '6.0',
      ALL.filter((f) => f !== 'drawtext' && f !== 'fps')
    )
    await expect(locateFfmpeg({ ffmpegPath: thin, env: noPath })).rejects.toThrow(
      /lacks filters fps, drawtext/
    )
    const lonely = path.join(t.dir, 'lonely')
    fs.mkdirSync(lonely)
    fs.copyFileSync(old, path.join(lonely, 'ffmpeg'))
    fs.chmodSync(path.join(lonely, 'ffmpeg'), 0o755)
    await expect(
      locateFfmpeg({ ffmpegPath: path.join(lonely, 'ffmpeg'), env: noPath })
    ).rejects.toThrow(/ffprobe was not found next to ffmpeg/)
  })
})
