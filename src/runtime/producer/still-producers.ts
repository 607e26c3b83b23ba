// Producers whose picture is a card rather than the playlog: the emergency takeover, the guide
// channel's listings, and the slate for a channel with nothing scheduled. They share the playout
// engine (one open-ended slot) so their output is as clock-locked as normal programming. The guide
// and the slate are programming: an emergency crawl shows over them, with the alert tone, as it
// does over normal programming.
import { audioBytesPerFrame } from '../../media/profiles';
import { wrap } from '../../media/stills';
import type { PlayoutPlan } from '../../shared/domain';
import type { EmergencyOverlay, GuideListing, ProducerContext, ProducerStartOptions } from './base';
import type { PlayoutEngine, Slot } from './engine';
import { FfmpegProducer, type FfmpegProducerOptions } from './ffmpeg-producer';
import { guideCard } from './guide-card';
import { StillSource } from './sources';
import { blackFrame } from './still-cards';

/** How long a switch onto a carried-over output waits for its card (a render is one short ffmpeg). */
const CARD_WAIT_MS = 1_000;

/** Resolves when `p` settles or after `ms` (real time: the bound is on a real render). */
function firstOf(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

abstract class StillProducer extends FfmpegProducer {
  protected source: StillSource | null = null;

  protected abstract card(): { background: string; lines: string[] };
  /** Whether the card is worth caching (it recurs) or changes all the time. */
  protected readonly cacheCard: boolean = true;

  /** Renders the card and puts it on air when ready (black or the previous card until then). */
  protected refresh(): Promise<void> {
    const { background, lines } = this.card();
    return this.still(background, lines, this.cacheCard).then(
      (frame) => this.source?.setFrame(frame),
      () => undefined,
    );
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    this.plan = plan;
    this.onStartOptions(options);
    const black = blackFrame(this.opts.profile);
    const source = new StillSource(black, Buffer.alloc(audioBytesPerFrame(this.opts.profile)), this.mode === 'slate');
    this.source = source;
    const engine = this.makeEngine(startAtMs, black, options?.carryover);
    const slot: Slot = { key: `${this.mode}:card`, startFrame: 0, endFrame: Infinity, open: () => source };
    engine.setSlots([slot]);
    this.startOverlay(engine, options?.overlay ?? null);
    // After the overlay: the emergency card carries its message.
    const card = this.refresh();
    // A carried-over output lists the switch at once: the card comes first, so that the segment
    // carrying the switch shows it rather than black (the output's lead covers the wait).
    if (engine.carried) await firstOf(card, CARD_WAIT_MS);
    await this.run(engine);
  }

  protected onStartOptions(_options: ProducerStartOptions | undefined): void {}
}

/** Full-screen emergency card with the message, and the alert tone. It airs only during a takeover. */
export class EmergencyProducer extends StillProducer {
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('emergency', context, opts);
  }
  protected card() {
    const message = this.overlay?.message ?? 'Emergency alert';
    return { background: '0x8a0000', lines: ['EMERGENCY ALERT', ...wrap(message, 44).slice(0, 6)] };
  }
  /** Only a takeover: a crawl is shown by programming, and without an emergency there is nothing to air. */
  protected override checkOverlay(overlay: EmergencyOverlay | null): void {
    if (overlay?.scope !== 'takeover') throw new Error(`the emergency producer airs only a takeover, not ${overlay ? 'a crawl' : 'without an emergency'}`);
  }
  protected override startOverlay(engine: PlayoutEngine, overlay: EmergencyOverlay | null): void {
    this.checkOverlay(overlay);
    this.overlay = overlay;
    engine.alertTone();
  }
  override async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    this.checkOverlay(overlay);
    const changed = overlay!.message !== this.overlay?.message;
    this.overlay = overlay;
    if (changed) {
      void this.refresh();
      this.engine?.alertTone();
    }
  }
}

/** The guide channel: now and next on every channel. */
export class GuideProducer extends StillProducer {
  private listings: GuideListing[] = [];
  protected override readonly cacheCard = false;
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('guide', context, opts);
  }
  protected override onStartOptions(options: ProducerStartOptions | undefined): void {
    this.listings = options?.listings ?? [];
  }
  protected card() {
    return guideCard(this.listings, this.context.channelUuid);
  }
  override updateListings(listings: GuideListing[]): void {
    this.listings = listings;
    void this.refresh();
  }
}

/** A channel with nothing scheduled: an upstream failure, shown as such, never filled. */
export class SlateProducer extends StillProducer {
  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('slate', context, opts);
  }
  protected card() {
    return { background: '0x101820', lines: ['Please stand by', this.context.channelName] };
  }
}
