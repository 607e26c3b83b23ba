// Producers whose picture is a card rather than the playlog: the emergency takeover, the guide
// channel's listings, and the slate for a channel with nothing scheduled. They share the playout
// engine (one open-ended slot) so their output is as clock-locked as normal programming. The guide
// and the slate are programming: an emergency crawl shows over them, with the alert tone, as it
// does over normal programming.
import { audioBytesPerFrame } from '../media/profiles'
import type { PlayoutPlan } from '../shared/domain'
import type { EmergencyOverlay, GuideListing, ProducerContext, ProducerStartOptions } from './base'
import type { PlayoutEngine, Slot } from './engine'
import { FfmpegProducer, type FfmpegProducerOptions } from './ffmpeg-producer'
import { guideCard } from './guide-card'
import { StillSource } from './sources'
import { blackFrame } from './still-cards'

/** How long a switch onto a carried-over output waits for its card (a render is one short ffmpeg). */
const CARD_WAIT_MS = 1_000

/** Resolves when `p` settles or after `ms` (real time: the bound is on a real render). */
function firstOf(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    void p.finally(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

abstract class StillProducer extends FfmpegProducer {
  protected source: StillSource | null = null

  /** The card's picture: one frame, or a frame per output frame (pages). */
  protected abstract picture(): Promise<Buffer | (() => Buffer)>

  /** Renders the card and puts it on air when ready (black or the previous card until then). */
  protected refresh(): Promise<void> {
    return this.picture().then(
      (frame) => this.source?.setFrame(frame),
      () => undefined
    )
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    this.plan = plan
    this.onStartOptions(options)
    const strip = await this.prepareOverlay(options?.overlay ?? null)
    const black = blackFrame(this.opts.profile)
    const source = new StillSource(
      black,
      Buffer.alloc(audioBytesPerFrame(this.opts.profile)),
      this.type === 'slate'
    )
    this.source = source
    const engine = this.makeEngine(startAtMs, black, options?.carryover)
    const slot: Slot = {
      key: `${this.type}:card`,
      startFrame: 0,
      endFrame: Infinity,
      open: () => source
    }
    engine.setSlots([slot])
    this.startOverlay(engine, options?.overlay ?? null, strip)
    // After the overlay: the emergency card carries its message.
    const card = this.refresh()
    // A carried-over output lists the switch at once: the card comes first, so that the segment
    // carrying the switch shows it rather than black (the output's lead covers the wait).
    if (engine.carried) await firstOf(card, CARD_WAIT_MS)
    await this.run(engine)
  }

  protected onStartOptions(_options: ProducerStartOptions | undefined): void {}
}

/** Full-screen emergency card with the message, and the alert tone. It airs only during a takeover. */
export class EmergencyProducer extends StillProducer {
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('emergency', context, opts)
  }
  /**
   * The whole message, laid out to fit (text-layout.ts): the same frames the console previewed.
   * Pages cycle in output frames, each for its reading time, so every frame of a page airs.
   */
  protected async picture(): Promise<Buffer | (() => Buffer)> {
    const card = await this.emergencyCard(this.overlay?.message ?? 'Emergency alert')
    if (card.pages.length === 1) return card.pages[0]!.frame
    const fps = this.opts.profile.fps
    const spans = card.pages.map((p) => Math.max(1, Math.round((p.ms * fps) / 1000)))
    const cycle = spans.reduce((a, b) => a + b, 0)
    let n = 0
    return () => {
      let t = n++ % cycle
      let page = 0
      while (t >= spans[page]!) t -= spans[page++]!
      return card.pages[page]!.frame
    }
  }
  /** Only a takeover: a crawl is shown by programming, and without an emergency there is nothing to air. */
  protected override checkOverlay(overlay: EmergencyOverlay | null): void {
    if (overlay?.scope !== 'takeover')
      throw new Error(
        `the emergency producer airs only a takeover, not ${overlay ? 'a crawl' : 'without an emergency'}`
      )
  }
  /** The card is rendered once the output is taken (a switch waits for it only so long: see start). */
  protected override async prepareOverlay(overlay: EmergencyOverlay | null): Promise<null> {
    this.checkOverlay(overlay)
    this.checkFont()
    return null
  }
  protected override startOverlay(engine: PlayoutEngine, overlay: EmergencyOverlay | null): void {
    this.overlay = overlay
    engine.alertTone()
  }
  override async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    this.checkOverlay(overlay)
    this.checkFont()
    const changed = overlay!.message !== this.overlay?.message
    this.overlay = overlay
    if (changed) {
      void this.refresh()
      this.engine?.alertTone()
    }
  }
}

/** The guide channel: now and next on every channel. */
export class GuideProducer extends StillProducer {
  private listings: GuideListing[] = []
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('guide', context, opts)
  }
  protected override onStartOptions(options: ProducerStartOptions | undefined): void {
    this.listings = options?.listings ?? []
  }
  /** Listings change all the time: not cached. */
  protected picture(): Promise<Buffer> {
    const { background, lines } = guideCard(this.listings, this.context.channelUuid)
    return this.still(background, lines, false)
  }
  override updateListings(listings: GuideListing[]): void {
    this.listings = listings
    void this.refresh()
  }
}

/** A channel with nothing scheduled: an upstream failure, shown as such, never filled. */
export class SlateProducer extends StillProducer {
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('slate', context, opts)
  }
  protected picture(): Promise<Buffer> {
    return this.still('0x101820', ['Please stand by', this.context.channelName])
  }
}
