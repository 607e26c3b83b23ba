// NormalProducer: normal programming. Plays the playout plan it is given and nothing else, joining
// the item on air at the exact frame, with seamless item boundaries and output locked to the
// MasterClock. A missing or broken asset airs the slate for exactly its slot; a gap airs the slate.
// An emergency shows as a crawl over the programme (FfmpegProducer).
import { audioBytesPerFrame } from '../media/profiles'
import type { AssetInfo, PlayoutPlan, PlayoutSegment } from '../shared/domain'
import type { ProducerContext, ProducerStartOptions } from './base'
import type { PlayoutEngine } from './engine'
import { FfmpegProducer, type FfmpegProducerOptions, type ProducerSlot } from './ffmpeg-producer'
import { ItemSource, StillSource } from './sources'
import { blackFrame } from './still-cards'
import { prerollFrames } from './preroll'
import type { LogoSpec } from './logo-overlay'

/** A card rendered the first time it is needed; black stands in until it is ready. */
class LazyCard {
  private frame: Buffer | null = null
  private requested = false
  constructor(
    private readonly black: Buffer,
    private readonly render: () => Promise<Buffer>
  ) {}
  get = (): Buffer => {
    if (!this.requested) {
      this.requested = true
      void this.render().then(
        (f) => (this.frame = f),
        () => undefined
      )
    }
    return this.frame ?? this.black
  }
}

/** What an item with no asset plays: nothing, so the fault card airs in its slot. */
const noAsset = (title: string): AssetInfo => ({
  path: `(no asset for "${title}")`,
  durationMs: 0,
  hasVideo: false,
  hasAudio: false,
  width: null,
  height: null,
  frameRate: null,
  sizeBytes: 0,
  mtimeMs: 0
})

export class NormalProducer extends FfmpegProducer {
  private readonly black: Buffer
  private readonly gapCard: LazyCard
  private readonly faultCard: LazyCard
  private gapSource: StillSource | null = null
  private readonly silence: Buffer
  protected override readonly keepsSourcesRolling = true
  /** The channel's logo as last given (shown once decoded); null: none. */
  private logo: LogoSpec | null = null
  /** setLogo was called (while starting, say): it wins over the start options' logo. */
  private logoSet = false

  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('normal', context, opts)
    this.silence = Buffer.alloc(audioBytesPerFrame(opts.profile))
    this.black = blackFrame(opts.profile)
    // Slates render only when a gap or a broken asset actually comes up: most starts never need one,
    // and every ffmpeg spawn is CPU on the path of a join.
    this.gapCard = new LazyCard(this.black, () =>
      this.still('0x101820', ['Please stand by', context.channelName])
    )
    this.faultCard = new LazyCard(this.black, () =>
      this.still('0x301010', [
        'Technical difficulties',
        `${context.channelName} will be right back`
      ])
    )
  }

  private slotsFor(plan: PlayoutPlan, engine: PlayoutEngine): ProducerSlot[] {
    const slots: ProducerSlot[] = []
    for (const seg of plan.segments) {
      const startFrame = Math.max(0, engine.frameAt(seg.startMs))
      const endFrame = engine.frameAt(seg.endMs)
      if (endFrame <= startFrame) continue // already over, or shorter than a frame
      const key =
        seg.kind === 'item'
          ? `item:${seg.eventId}:${seg.startMs}:${seg.endMs}:${seg.inPointMs}:${seg.asset?.path ?? ''}`
          : `gap:${seg.startMs}:${seg.endMs}`
      // Items are media, watched for black, freeze and silence; a gap's slate is silent and still on purpose.
      // The logo airs over items, not a gap's slate nor the types it hides during (asked per frame: it may change on air).
      const logo = () =>
        seg.kind === 'item' &&
        this.logo !== null &&
        !(this.logo.placement.hideDuring as string[]).includes(seg.type)
      // An item carries its loudness gain (null while unmeasured); a gap's slate is silence.
      const gainDb = seg.kind === 'item' ? (seg.gainDb ?? null) : undefined
      slots.push({
        key,
        segment: seg,
        startFrame,
        endFrame,
        watch: seg.kind === 'item',
        gainDb,
        get logo() {
          return logo()
        },
        open: (fromFrame) => this.open(seg, engine, fromFrame, endFrame)
      })
    }
    return slots
  }

  /** The source of a segment's slot, positioned at `fromFrame`. */
  private open(seg: PlayoutSegment, engine: PlayoutEngine, fromFrame: number, endFrame: number) {
    if (seg.kind === 'gap') return this.gapSource!
    const fromMs = engine.frameTime(fromFrame)
    return new ItemSource({
      tools: this.opts.tools,
      processes: this.opts.processes,
      profile: this.opts.profile,
      asset: seg.asset ?? noAsset(seg.title),
      // Rounding the boundary to a frame can put it a fraction of a frame before the item's start.
      offsetMs: Math.max(0, seg.inPointMs + (fromMs - seg.startMs)),
      durationMs: ((endFrame - fromFrame) * 1000) / this.opts.profile.fps,
      slate: this.faultCard.get,
      silence: this.silence
    })
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    this.plan = plan
    const strip = await this.prepareOverlay(options?.overlay ?? null)
    // The first start with a logo decodes it (tens of ms) before anything airs, so that it is on the
    // first frame: the engine writes a lead of frames at once. The station keeps it decoded after that.
    const logo = options?.logo ?? null
    if (logo && this.opts.logos) await this.track(this.opts.logos.load(logo)).catch(() => undefined)
    const engine = this.makeEngine(
      startAtMs,
      this.black,
      options?.carryover,
      options?.cued,
      this.preroll(plan, startAtMs)
    )
    this.gapSource = new StillSource(this.gapCard.get, this.silence, true)
    engine.setSlots(this.slotsFor(plan, engine))
    this.startOverlay(engine, options?.overlay ?? null, strip)
    this.showLogo(engine, logo)
    await this.run(engine)
  }

  /**
   * A new output's pre-roll (preroll.ts): as far back as the plan says what airs (its first item
   * may have begun before it), at most the frames that make three target durations.
   */
  private preroll(plan: PlayoutPlan, startAtMs: number): number {
    const { profile, segmentSeconds } = this.opts
    const known = Math.min(plan.fromMs, plan.segments[0]?.startMs ?? plan.fromMs)
    const frames = Math.floor(((startAtMs - known) * profile.fps) / 1000)
    return Math.max(0, Math.min(prerollFrames(profile, segmentSeconds), frames))
  }

  override setLogo(logo: LogoSpec | null): void {
    this.logoSet = true
    if (this.engine) this.showLogo(this.engine, logo)
    else this.logo = logo
  }

  /**
   * Shows the logo from the next frame: at once when the station has it decoded already, else once
   * it is (the old one stays until then). One that cannot be decoded raises an alarm; programming goes on without it.
   */
  private showLogo(engine: PlayoutEngine, logo: LogoSpec | null): void {
    this.logo = logo
    const logos = this.opts.logos
    if (!logo || !logos) return engine.setLogo(null)
    const ready = logos.peek(logo)
    if (ready) return engine.setLogo(ready)
    this.track(logos.load(logo)).then(
      (overlay) => {
        if (this.logo === logo) engine.setLogo(overlay)
      },
      (err: Error) => {
        if (this.logo === logo)
          this.emit('alarm', {
            kind: 'media-missing',
            severity: 'warning',
            message: `the channel logo cannot be shown: ${err.message}`,
            segment: null
          })
      }
    )
  }

  override async updatePlan(plan: PlayoutPlan): Promise<void> {
    this.plan = plan
    if (this.engine) this.engine.setSlots(this.slotsFor(plan, this.engine))
  }
}
