// The emergency takeover card made into the house format with real ffmpeg: every page the encode
// path's card renderer draws, held for whole GOPs (a keyframe at each GOP and nowhere else, page
// changes on keyframes), silent AAC 48 kHz stereo, cached by the message's hash under
// <data>/conform/<profile>/cards/ (made once: asked again, or twice at once, it is not made again),
// a damaged card made again.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CARDS_DIR, ConformedCards } from '../../src/library/conform-cards'
import { houseGopFrames } from '../../src/media/conform'
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg'
import { FontMetrics, locateFont } from '../../src/media/font-metrics'
import { ProcessGroup } from '../../src/media/process'
import { PROFILES } from '../../src/media/profiles'
import { renderTextPicture } from '../../src/media/stills'
import { layoutCard, pageMs } from '../../src/media/text-layout'
import { tempDir } from '../helpers/tmp'

const profile = PROFILES['360p']
const gop = houseGopFrames(profile, 1)
const tmp = tempDir('retrovue-conform-card-')
const dir = path.join(tmp.dir, 'conform')
const processes = new ProcessGroup()
let tools: FfmpegTools
let font: FontMetrics
let cards: ConformedCards

// Long enough for two pages of the card (longer than an operator may type, 500 characters: the
// card is made for any text the layout pages).
const WARNING =
  'A severe thunderstorm warning is in effect for the whole listening area until nine this evening. ' +
  'Damaging winds of up to ninety kilometres an hour and hail the size of golf balls are expected. ' +
  'Stay indoors, keep away from windows, and do not travel unless you must. ' +
  'Secure loose objects outside, and listen for further updates on this channel.'
const MESSAGE = `${WARNING} Repeated: ${WARNING} Repeated: ${WARNING}`

/** The picture quality (PSNR, dB) of frame `n` of a file against a raw yuv420p frame. */
async function psnr(file: string, n: number, raw: string): Promise<number> {
  const r = await execa(tools.ffmpeg, [
    '-nostdin',
    '-hide_banner',
    '-i',
    file,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-video_size',
    `${profile.width}x${profile.height}`,
    '-i',
    raw,
    '-filter_complex',
    `[0:v]select=eq(n\\,${n}),setpts=PTS-STARTPTS[a];[a][1:v]psnr`,
    '-f',
    'null',
    '-'
  ])
  const m = /average:([\d.]+|inf)/.exec(r.stderr)
  if (!m) throw new Error(`no PSNR in: ${r.stderr.slice(-500)}`)
  return m[1] === 'inf' ? Infinity : Number(m[1])
}

beforeAll(async () => {
  tools = await locateFfmpeg()
  font = FontMetrics.load(locateFont())
  cards = new ConformedCards({ tools, processes, profile, gopFrames: gop, dir, font })
})

afterAll(async () => {
  await processes.killAll()
  tmp.cleanup()
})

describe('the takeover card in the house format', () => {
  it('holds every page of the encode path card for whole GOPs, keyframes on GOPs only, silent stereo AAC', async () => {
    const layout = layoutCard(MESSAGE, profile.width, profile.height, font)
    expect(layout.pages.length).toBeGreaterThanOrEqual(2)
    const card = await cards.takeoverCard(MESSAGE)
    expect(card.path).toBe(path.join(dir, profile.name, CARDS_DIR, `${card.hash}.mp4`))
    expect(fs.readdirSync(path.join(dir, profile.name, CARDS_DIR))).toEqual([`${card.hash}.mp4`])
    // Each page at least as long as the encode path shows it, rounded up to whole GOPs.
    expect(card.pages).toHaveLength(layout.pages.length)
    let at = 0
    card.pages.forEach((p, i) => {
      expect(p.startFrame).toBe(at)
      expect(p.frames % gop).toBe(0)
      expect(p.frames).toBeGreaterThanOrEqual((pageMs(layout.pages[i]!) * profile.fps) / 1000)
      expect(p.frames - gop).toBeLessThan((pageMs(layout.pages[i]!) * profile.fps) / 1000)
      at += p.frames
    })
    expect(card.frames).toBe(at)
    expect(card.durationMs).toBe(Math.round((at * 1000) / profile.fps))

    // Keyframes (I) at every GOP start and nowhere else, no B-frames: page changes and the loop
    // point are keyframes.
    const frames = (
      await execa(tools.ffprobe, [
        '-v',
        'error',
        '-show_frames',
        '-select_streams',
        'v',
        '-show_entries',
        'frame=key_frame,pict_type',
        '-of',
        'csv=p=0',
        card.path
      ])
    ).stdout
      .trim()
      .split('\n')
      .filter((l) => /^[01],/.test(l))
      .map((l) => ({ key: l.startsWith('1,'), type: l.split(',')[1]! }))
    expect(frames).toHaveLength(card.frames)
    expect(frames.map((f, i) => (f.key ? i : -1)).filter((i) => i >= 0)).toEqual(
      Array.from({ length: card.frames / gop }, (_, k) => k * gop)
    )
    expect(frames.filter((f) => f.key).every((f) => f.type === 'I')).toBe(true)
    expect(frames.some((f) => f.type === 'B')).toBe(false)

    // The sound: AAC 48 kHz stereo, silent, covering the picture.
    const audio = JSON.parse(
      (
        await execa(tools.ffprobe, [
          '-v',
          'error',
          '-select_streams',
          'a',
          '-show_entries',
          'stream=codec_name,sample_rate,channels,duration',
          '-of',
          'json',
          card.path
        ])
      ).stdout
    ) as {
      streams: Array<{
        codec_name: string
        sample_rate: string
        channels: number
        duration: string
      }>
    }
    expect(audio.streams[0]).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 })
    expect(Number(audio.streams[0]!.duration)).toBeGreaterThanOrEqual(card.durationMs / 1000)
    const volume = await execa(tools.ffmpeg, [
      '-nostdin',
      '-hide_banner',
      '-i',
      card.path,
      '-af',
      'volumedetect',
      '-vn',
      '-f',
      'null',
      '-'
    ])
    expect(volume.stderr).toMatch(/max_volume: -9[01]\.\d dB/)

    // Each page's frames are the encode path's page (the same renderer): a good match at its
    // first and last frame, and not the other page.
    const raws = await Promise.all(
      layout.pages.map(async (picture, i) => {
        const file = path.join(tmp.dir, `page-${i}.yuv`)
        fs.writeFileSync(
          file,
          await renderTextPicture(processes, tools, picture, font, profile.fps)
        )
        return file
      })
    )
    for (const [i, p] of card.pages.entries()) {
      expect(await psnr(card.path, p.startFrame, raws[i]!)).toBeGreaterThan(30)
      expect(await psnr(card.path, p.startFrame + p.frames - 1, raws[i]!)).toBeGreaterThan(30)
    }
    expect(await psnr(card.path, card.pages[1]!.startFrame, raws[0]!)).toBeLessThan(25)
  }, 180_000)

  it('is made once per message: asked again, or twice at once, it comes from the cache; a damaged one is made again', async () => {
    const first = await cards.takeoverCard(MESSAGE)
    const encodes = vi.spyOn(processes, 'background')
    const before = fs.statSync(first.path)
    const again = await cards.takeoverCard(MESSAGE)
    expect(again).toEqual(first)
    const after = fs.statSync(again.path)
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])
    expect(encodes).not.toHaveBeenCalled()

    // Another message: another card; asked for twice at once, made once.
    const [a, b] = await Promise.all([
      cards.takeoverCard('Boil water notice for the north district.'),
      cards.takeoverCard('Boil water notice for the north district.')
    ])
    expect(a).toEqual(b)
    expect(encodes).toHaveBeenCalledTimes(1)
    expect(a.hash).not.toBe(first.hash)
    expect(a.pages).toHaveLength(1)
    const files = fs.readdirSync(path.join(dir, profile.name, CARDS_DIR)).sort()
    expect(files).toEqual([`${first.hash}.mp4`, `${a.hash}.mp4`].sort())

    // Damaged (cut short): checked by ffprobe before use, made again.
    fs.truncateSync(a.path, 2000)
    const remade = await cards.takeoverCard('Boil water notice for the north district.')
    expect(remade).toEqual(a)
    expect(fs.statSync(remade.path).size).toBeGreaterThan(2000)
    expect(encodes).toHaveBeenCalledTimes(2)
    encodes.mockRestore()
    expect(processes.live()).toEqual([])
  }, 180_000)
})
