// The emergency takeover card made once per message into the house format (issue 28 point 4), so a
// copy channel can air it by remuxing: no encoder per channel. The card's pages are drawn by the
// same layout and text renderer as the encode path's card (media/text-layout.ts, media/stills.ts),
// each held for whole house GOPs (a page change and the loop point are keyframes), with silence.
//
// Cached by a hash of what makes the picture (message, profile, GOP, font) in
// `<data>/conform/<profile>/cards/<hash>.mp4`: a message aired again, or previewed first, is ready
// at once; the same message asked for twice at once is made once. Written under a temporary name,
// probed against the house format and only then renamed, so a file there is a whole card. At most
// CARD_CACHE_MAX cards are kept (the oldest made go first).
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cardPageFrames, conformCardArgs } from '../media/conform-card'
import { FontMetrics, locateFont } from '../media/font-metrics'
import type { FfmpegTools } from '../media/ffmpeg'
import type { ProcessGroup } from '../media/process'
import { probeMedia } from '../media/probe'
import type { OutputProfile } from '../media/profiles'
import { renderTextPicture } from '../media/stills'
import { layoutCard, pageMs } from '../media/text-layout'
import { houseFormatProblem, PARTIAL_SUFFIX } from './conform'

/** The cards' folder under a profile's cache folder. */
export const CARDS_DIR = 'cards'
/** Cards kept on disk (a card is about a megabyte a minute at 360p; messages are few). */
export const CARD_CACHE_MAX = 64
/** Bumped when the way a card is made changes, so older cards are not taken for new ones. */
const CARD_FORMAT = 1
/** A card is a few pages of still pictures: this bounds a stuck encode. */
const CARD_TIMEOUT_MS = 120_000

export interface ConformedCard {
  /** The card's file: the house format, looping from its end to its start on a GOP. */
  path: string
  hash: string
  /** Its length in frames (a whole number of GOPs) and ms. */
  frames: number
  durationMs: number
  /** Each page's first frame and length in frames (each a whole number of GOPs). */
  pages: Array<{ startFrame: number; frames: number }>
}

export interface ConformedCardsOptions {
  tools: FfmpegTools
  processes: ProcessGroup
  profile: OutputProfile
  gopFrames: number
  /** The conform cache folder (`<data>/conform`). */
  dir: string
  /** The on-air font (default: the one the card renderer finds). */
  font?: FontMetrics
}

export class ConformedCards {
  private readonly making = new Map<string, Promise<ConformedCard>>()
  private fontMetrics: FontMetrics | undefined

  constructor(private readonly o: ConformedCardsOptions) {
    this.fontMetrics = o.font
    // Half cards a stopped station left: never taken for whole ones, removed.
    try {
      for (const f of fs.readdirSync(this.dir))
        if (f.endsWith(PARTIAL_SUFFIX)) fs.rmSync(path.join(this.dir, f), { force: true })
    } catch {
      // No cards yet.
    }
  }

  private get font(): FontMetrics {
    this.fontMetrics ??= FontMetrics.load(locateFont())
    return this.fontMetrics
  }

  get dir(): string {
    return path.join(this.o.dir, this.o.profile.name, CARDS_DIR)
  }

  /** The takeover card for a message in the house format: from the cache, or made now. */
  takeoverCard(message: string): Promise<ConformedCard> {
    const p = this.o.profile
    const font = this.font
    const layout = layoutCard(message, p.width, p.height, font)
    const hash = createHash('sha256')
      .update(
        JSON.stringify({
          format: CARD_FORMAT,
          message,
          profile: [p.name, p.width, p.height, p.fps, p.videoBitrateK, p.audioBitrateK],
          gop: this.o.gopFrames,
          font: font.file
        })
      )
      .digest('hex')
      .slice(0, 32)
    let startFrame = 0
    const pages = layout.pages.map((page) => {
      const frames = cardPageFrames(pageMs(page), p, this.o.gopFrames)
      const at = { startFrame, frames }
      startFrame += frames
      return at
    })
    const card: ConformedCard = {
      path: path.join(this.dir, `${hash}.mp4`),
      hash,
      frames: startFrame,
      durationMs: Math.round((startFrame * 1000) / p.fps),
      pages
    }
    let making = this.making.get(hash)
    if (!making) {
      making = this.cachedOrMade(card, layout.pages).finally(() => this.making.delete(hash))
      this.making.set(hash, making)
    }
    return making
  }

  private async cachedOrMade(
    card: ConformedCard,
    pictures: ReturnType<typeof layoutCard>['pages']
  ): Promise<ConformedCard> {
    if (fs.existsSync(card.path)) {
      const probe = await probeMedia(this.o.tools, card.path).catch(() => null)
      if (probe && houseFormatProblem(probe.raw, this.o.profile, card.frames) === null) return card
      fs.rmSync(card.path, { force: true }) // damaged: made again
    }
    fs.mkdirSync(this.dir, { recursive: true })
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-card-'))
    const temp = card.path + PARTIAL_SUFFIX
    try {
      const frames = await Promise.all(
        pictures.map((picture) =>
          renderTextPicture(this.o.processes, this.o.tools, picture, this.font, this.o.profile.fps)
        )
      )
      const inputs = frames.map((frame, i) => {
        const file = path.join(work, `page-${i}.yuv`)
        fs.writeFileSync(file, frame)
        return { file, frames: card.pages[i]!.frames }
      })
      await this.o.processes.background(
        'conform of a takeover card',
        this.o.tools.ffmpeg,
        conformCardArgs({
          pages: inputs,
          profile: this.o.profile,
          gopFrames: this.o.gopFrames,
          output: temp
        }),
        { timeoutMs: CARD_TIMEOUT_MS, tailLines: 20 }
      )
      const probe = await probeMedia(this.o.tools, temp)
      const problem = houseFormatProblem(probe.raw, this.o.profile, card.frames)
      if (problem)
        throw new Error(`the conformed takeover card is not the house format: ${problem}`)
      fs.renameSync(temp, card.path)
      this.evict(card.path)
      return card
    } catch (err) {
      fs.rmSync(temp, { force: true })
      throw err
    } finally {
      fs.rmSync(work, { recursive: true, force: true })
    }
  }

  /** Keeps at most CARD_CACHE_MAX cards, the oldest made going first (never `keep`, just made). */
  private evict(keep: string): void {
    const cards = fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.mp4'))
      .map((f) => path.join(this.dir, f))
      .filter((f) => f !== keep)
      .map((f) => ({ f, at: fs.statSync(f).mtimeMs }))
      .sort((a, b) => b.at - a.at)
    for (const { f } of cards.slice(CARD_CACHE_MAX - 1)) fs.rmSync(f, { force: true })
  }
}
