// NormalProducer: normal programming. Plays the playout plan it is given and nothing else, joining
// the item on air at the exact frame, with seamless item boundaries and output locked to the
// MasterClock. A missing or broken asset airs the slate for exactly its slot; a gap airs the slate.
import path from 'node:path';
import type { FfmpegTools } from '../../media/ffmpeg';
import { audioBytesPerFrame, frameBytes, type OutputProfile } from '../../media/profiles';
import { renderStill } from '../../media/stills';
import type { PlayoutPlan, PlayoutSegment } from '../../shared/domain';
import { BaseProducer, type EmergencyOverlay, type ProducerContext, type ProducerMode, type ProducerStartOptions, type StreamEndpoint } from './base';
import { PlayoutEngine, type Slot } from './engine';
import { ItemSource, StillSource } from './sources';

export interface FfmpegProducerOptions {
  tools: FfmpegTools;
  profile: OutputProfile;
  segmentSeconds: number;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A black frame, ready at once, used until a rendered card is. */
export function blackFrame(profile: OutputProfile): Buffer {
  const y = profile.width * profile.height;
  const f = Buffer.alloc(frameBytes(profile), 128);
  f.fill(16, 0, y);
  return f;
}

const stillCache = new Map<string, Promise<Buffer>>();
/** Renders (once per text and profile) a still card; a failed render is retried next time. */
export function cachedStill(o: FfmpegProducerOptions, background: string, lines: string[]): Promise<Buffer> {
  const key = `${o.profile.name}|${background}|${lines.join('\n')}`;
  let p = stillCache.get(key);
  if (!p) {
    p = renderStill(o.tools, o.profile, { background, lines });
    stillCache.set(key, p);
    p.catch(() => stillCache.delete(key));
  }
  return p;
}

/** Shared by every ffmpeg producer: engine lifecycle, endpoint, failure reporting. */
export abstract class FfmpegProducer extends BaseProducer {
  protected engine: PlayoutEngine | null = null;
  protected readonly outDir: string;
  private stopping = false;

  constructor(
    mode: ProducerMode,
    context: ProducerContext,
    protected readonly opts: FfmpegProducerOptions,
  ) {
    super(mode, context);
    this.outDir = path.join(context.outputDir, this.id);
  }

  protected makeEngine(t0Ms: number, gapSlate: Buffer): PlayoutEngine {
    return new PlayoutEngine({
      tools: this.opts.tools,
      profile: this.opts.profile,
      clock: this.context.clock,
      outDir: this.outDir,
      t0Ms,
      segmentSeconds: this.opts.segmentSeconds,
      // 3 to 9 s ahead, spread by channel, so simultaneous item changes do not start every decoder at once.
      prefetchFrames: this.opts.profile.fps * 3 + (hash(this.context.channelUuid) % (this.opts.profile.fps * 6)),
      gapSlate,
      events: {
        began: (slot, atMs, slate) => {
          const segment = (slot as SegmentSlot).segment;
          if (segment) this.emit('segment-began', { segment, atMs, slate: slate || segment.kind === 'gap' });
        },
        ended: (slot, atMs, outcome) => {
          const segment = (slot as SegmentSlot).segment;
          if (segment) this.emit('segment-ended', { segment, atMs, slate: outcome !== 'aired', status: segment.kind === 'gap' ? 'slate' : outcome });
        },
        alarm: (slot, kind, message) => {
          this.emit('alarm', { kind, severity: 'warning', message, segment: (slot as SegmentSlot).segment ?? null });
        },
        late: (behindMs) => this.setHealth(behindMs === null ? 'running' : 'degraded', behindMs === null ? null : `output ${Math.round(behindMs)} ms behind the clock`),
        failed: (error) => {
          if (this.stopping) return;
          this.status = 'failed';
          this.lastError = error.message;
          this.setHealth('stopped', error.message);
          this.emit('failed', { error, atMs: this.context.clock.now() });
        },
      },
    });
  }

  protected async run(engine: PlayoutEngine, startAtMs: number): Promise<void> {
    this.engine = engine;
    this.status = 'starting';
    try {
      await engine.start();
    } catch (err) {
      this.status = 'failed';
      this.lastError = (err as Error).message;
      await engine.stop(0).catch(() => undefined);
      throw err;
    }
    this.status = 'running';
    this.startedAtMs = startAtMs;
    this.setHealth('running');
    this.emit('started', { atMs: startAtMs });
  }

  /** Card renders this producer started; stop() waits for them so no ffmpeg outlives it. */
  protected readonly renders = new Set<Promise<unknown>>();
  /** Renders a card; `cache` for cards that recur (slates, alerts), not for ever-changing ones (listings). */
  protected still(background: string, lines: string[], cache = true): Promise<Buffer> {
    const p = cache ? cachedStill(this.opts, background, lines) : renderStill(this.opts.tools, this.opts.profile, { background, lines });
    const settled = p.catch(() => undefined);
    this.renders.add(settled);
    void settled.finally(() => this.renders.delete(settled));
    return p;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.status = 'stopping';
    await this.engine?.stop();
    await Promise.all(this.renders);
    this.status = 'stopped';
    this.setHealth('stopped');
    this.emit('stopped', { atMs: this.context.clock.now() });
  }

  streamEndpoint(): StreamEndpoint | null {
    return this.engine ? { kind: 'hls', dir: this.outDir, playlist: this.engine.playlist } : null;
  }
}

interface SegmentSlot extends Slot {
  segment: PlayoutSegment;
}

/** A card rendered the first time it is needed; black stands in until it is ready. */
class LazyCard {
  private frame: Buffer | null = null;
  private requested = false;
  constructor(
    private readonly black: Buffer,
    private readonly render: () => Promise<Buffer>,
  ) {}
  get = (): Buffer => {
    if (!this.requested) {
      this.requested = true;
      void this.render().then(
        (f) => (this.frame = f),
        () => undefined,
      );
    }
    return this.frame ?? this.black;
  };
}

export class NormalProducer extends FfmpegProducer {
  private readonly black: Buffer;
  private readonly gapCard: LazyCard;
  private readonly faultCard: LazyCard;
  private gapSource: StillSource | null = null;
  private readonly silence: Buffer;

  constructor(context: ProducerContext, opts: FfmpegProducerOptions) {
    super('normal', context, opts);
    this.silence = Buffer.alloc(audioBytesPerFrame(opts.profile));
    this.black = blackFrame(opts.profile);
    // Slates render only when a gap or a broken asset actually comes up: most starts never need one,
    // and every ffmpeg spawn is CPU on the path of a join.
    this.gapCard = new LazyCard(this.black, () => this.still('0x101820', ['Please stand by', context.channelName]));
    this.faultCard = new LazyCard(this.black, () => this.still('0x301010', ['Technical difficulties', `${context.channelName} will be right back`]));
  }

  private slotsFor(plan: PlayoutPlan, engine: PlayoutEngine): SegmentSlot[] {
    const fps = this.opts.profile.fps;
    const slots: SegmentSlot[] = [];
    for (const seg of plan.segments) {
      const startFrame = Math.max(0, engine.frameAt(seg.startMs));
      const endFrame = engine.frameAt(seg.endMs);
      if (endFrame <= startFrame) continue; // already over, or shorter than a frame
      const key = seg.kind === 'item' ? `item:${seg.eventId}:${seg.startMs}:${seg.endMs}:${seg.inPointMs}:${seg.asset?.path ?? ''}` : `gap:${seg.startMs}:${seg.endMs}`;
      slots.push({
        key,
        segment: seg,
        startFrame,
        endFrame,
        open: (fromFrame) => {
          if (seg.kind === 'gap') return this.gapSource!;
          const fromMs = engine.frameTime(fromFrame);
          return new ItemSource({
            tools: this.opts.tools,
            profile: this.opts.profile,
            asset: seg.asset ?? { path: `(no asset for "${seg.title}")`, durationMs: 0, hasVideo: false, hasAudio: false, width: null, height: null, frameRate: null, sizeBytes: 0, mtimeMs: 0 },
            // Rounding the boundary to a frame can put it a fraction of a frame before the item's start.
            offsetMs: Math.max(0, seg.inPointMs + (fromMs - seg.startMs)),
            durationMs: ((endFrame - fromFrame) * 1000) / fps,
            slate: this.faultCard.get,
            silence: this.silence,
          });
        },
      });
    }
    return slots;
  }

  async start(plan: PlayoutPlan, startAtMs: number, options?: ProducerStartOptions): Promise<void> {
    this.plan = plan;
    const engine = this.makeEngine(startAtMs, this.black);
    this.gapSource = new StillSource(this.gapCard.get, this.silence, true);
    engine.setSlots(this.slotsFor(plan, engine));
    if (options?.overlay?.scope === 'crawl') this.applyCrawl(engine, options.overlay, true);
    await this.run(engine, startAtMs);
  }

  override async updatePlan(plan: PlayoutPlan): Promise<void> {
    this.plan = plan;
    if (this.engine) this.engine.setSlots(this.slotsFor(plan, this.engine));
  }

  private applyCrawl(engine: PlayoutEngine, overlay: EmergencyOverlay | null, fresh: boolean): void {
    engine.setCrawl(overlay ? `${overlay.message}` : null);
    if (overlay && fresh) engine.alertTone();
  }

  override async setOverlay(overlay: EmergencyOverlay | null): Promise<void> {
    if (overlay && overlay.scope !== 'crawl') throw new Error('a normal producer shows only a crawl; takeover needs the emergency producer');
    const fresh = overlay !== null && (this.overlay === null || this.overlay.message !== overlay.message);
    this.overlay = overlay;
    if (this.engine) this.applyCrawl(this.engine, overlay, fresh);
  }
}
