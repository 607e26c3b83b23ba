// The playout engine shared by every ffmpeg producer: one encoder per producer fed raw frames from
// a sequence of slots, paced by the MasterClock.
//
// Frame k of the output airs at station time t0 + k / fps. The pump writes frame k only once the
// clock has reached its time minus a fixed lead (enough for the encoder to close a segment), so
// output media time stays locked to the clock however long it runs, and a burst at start makes
// the first segment appear as fast as the encoder can encode it. Slots map the playout plan onto
// frame ranges; every slot delivers exactly its frame count (topped up with the slate where its
// media fails), so the next item always starts on its frame.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { FfmpegTools } from '../../media/ffmpeg';
import { encoderArgs, PLAYLIST_NAME } from '../../media/commands';
import { ManagedProcess } from '../../media/process';
import { audioBytesPerFrame, frameBytes, type OutputProfile } from '../../media/profiles';
import type { MasterClock, TimerHandle } from '../../shared/clock';
import type { Frame, FrameSource, SourceOutcome } from './sources';
import { StillSource } from './sources';

export interface Slot {
  /** Identity for re-plans: the same key means the same content at the same place. */
  key: string;
  startFrame: number;
  /** Exclusive; Infinity for an open-ended slot (a still card). */
  endFrame: number;
  /** Opens the slot's source positioned at `fromFrame`. */
  open(fromFrame: number): FrameSource;
}

export interface EngineEvents {
  began(slot: Slot, atMs: number, slate: boolean): void;
  ended(slot: Slot, atMs: number, outcome: SourceOutcome): void;
  alarm(slot: Slot, kind: 'media-missing' | 'media-corrupt', message: string): void;
  late(behindMs: number | null): void;
  failed(error: Error): void;
}

export interface EngineOptions {
  tools: FfmpegTools;
  profile: OutputProfile;
  clock: MasterClock;
  outDir: string;
  t0Ms: number;
  segmentSeconds: number;
  /**
   * Frames written ahead of the clock: one segment, so the encoder can close it, plus one second
   * of jitter buffer so that a burst of load (every channel changing items on the hour) never
   * reaches viewers as a stall.
   */
  leadFrames?: number;
  /**
   * Open the next slot's source this many frames before it starts. Channels on the same schedule
   * change items at the same instant; producers pass different values so their decoders do not all
   * start (each a burst of CPU) in the same moment.
   */
  prefetchFrames?: number;
  gapSlate: Buffer;
  events: EngineEvents;
}

interface Current {
  slot: Slot;
  source: FrameSource;
  alarmed: boolean;
}

const TONE_FRAMES_DEFAULT = 8 * 30;

export class PlayoutEngine {
  private encoder: ManagedProcess | null = null;
  private written = 0;
  private slots: Slot[] = [];
  private current: Current | null = null;
  private readonly prefetched = new Map<string, FrameSource>();
  private readonly gapSource: StillSource;
  private readonly silence: Buffer;
  private pumpTimer: TimerHandle | undefined;
  private pumping = false;
  private waitingForSource = false;
  private readonly videoBacklog: number;
  private readonly audioBacklog: number;
  private stopped = false;
  private late = false;
  private started = false;
  private toneUntil = 0;
  private tonePhase = 0;
  private readonly stderr: string[] = [];
  private readonly crawlFile: string;
  readonly leadFrames: number;
  private readonly prefetchFrames: number;
  private readonly frameMs: number;

  constructor(private readonly o: EngineOptions) {
    this.silence = Buffer.alloc(audioBytesPerFrame(o.profile));
    this.gapSource = new StillSource(o.gapSlate, this.silence, true);
    this.crawlFile = path.join(o.outDir, 'crawl.txt');
    this.frameMs = 1000 / o.profile.fps;
    this.leadFrames = o.leadFrames ?? Math.round(o.profile.fps * o.segmentSeconds) + o.profile.fps;
    this.prefetchFrames = o.prefetchFrames ?? o.profile.fps * 2;
    this.videoBacklog = frameBytes(o.profile) * 4;
    this.audioBacklog = audioBytesPerFrame(o.profile) * 8;
  }

  get t0Ms(): number {
    return this.o.t0Ms;
  }
  get framesWritten(): number {
    return this.written;
  }
  /** Station time at which frame k airs. */
  frameTime(k: number): number {
    return this.o.t0Ms + k * this.frameMs;
  }
  /** The frame that airs at station time t (nearest). */
  frameAt(t: number): number {
    return Math.round((t - this.o.t0Ms) / this.frameMs);
  }

  get playlist(): string {
    return path.join(this.o.outDir, PLAYLIST_NAME);
  }

  /** Starts the encoder and the pump; resolves once the first segment is on disk. */
  async start(timeoutMs = 20_000): Promise<void> {
    fs.mkdirSync(this.o.outDir, { recursive: true });
    if (!fs.existsSync(this.crawlFile)) fs.writeFileSync(this.crawlFile, '');
    const args = encoderArgs({ profile: this.o.profile, outDir: this.o.outDir, segmentSeconds: this.o.segmentSeconds, crawlFile: this.crawlFile });
    const enc = new ManagedProcess('encoder', this.o.tools.ffmpeg, args, {
      stdin: 'pipe',
      extraInputPipes: 1,
      onStderr: (line) => {
        this.stderr.push(line);
        if (this.stderr.length > 20) this.stderr.shift();
      },
    });
    this.encoder = enc;
    const stdin = enc.child.stdin!;
    const audioPipe = enc.child.stdio[3] as Writable;
    for (const w of [stdin, audioPipe]) {
      w.on('error', () => undefined); // EPIPE when the encoder dies; reported through exit
      w.on('drain', () => this.pump());
    }
    void enc.exited.then(({ code, signal }) => {
      if (this.stopped) return;
      this.stopped = true;
      void this.teardown();
      this.o.events.failed(new Error(`encoder exited (${signal ?? `code ${code}`})${this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : ''}`));
    });
    this.pumpTimer = this.o.clock.every(Math.max(10, Math.floor(this.frameMs)), () => this.pump());
    this.pump();
    await this.firstSegment(timeoutMs);
    this.started = true;
  }

  private async firstSegment(timeoutMs: number): Promise<void> {
    // Woken by the encoder renaming its playlist into place, with a slow poll as a safety net. The
    // bound is on a real process in real time (station time may be simulated): a real timer.
    let timedOut = false;
    const deadline = setTimeout(() => (timedOut = true), timeoutMs);
    const watcher = fs.watch(this.o.outDir);
    let wake: () => void = () => undefined;
    watcher.on('change', () => wake());
    watcher.on('error', () => wake());
    try {
      for (;;) {
        if (this.stopped) throw new Error(`output stopped before its first segment${this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : ''}`);
        try {
          if (/\.ts\s*$/m.test(fs.readFileSync(this.playlist, 'utf8'))) return;
        } catch {
          // not written yet
        }
        if (timedOut) {
          throw new Error(`no output segment within ${timeoutMs / 1000} s${this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : ''}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      clearTimeout(deadline);
      watcher.close();
    }
  }

  /** Replaces the upcoming slots (a re-plan). The slot on air continues if the new plan keeps it. */
  setSlots(slots: Slot[]): void {
    const keep = slots.filter((s) => s.endFrame > this.written);
    const cur = this.current;
    if (cur) {
      const same = keep.findIndex((s) => s.key === cur.slot.key);
      if (same >= 0) keep[same] = cur.slot;
      else {
        // The schedule changed under us: what airs now is no longer in the plan. Cut at this frame.
        this.finishCurrent(this.written, 'partial');
      }
    }
    const keys = new Set(keep.map((s) => s.key));
    for (const [key, source] of this.prefetched) {
      if (!keys.has(key)) {
        this.track(source.close());
        this.prefetched.delete(key);
      }
    }
    this.slots = keep;
    this.pump();
  }

  /** Shows (or with null removes) the crawl; applied from the next frame the encoder reads. */
  setCrawl(text: string | null): void {
    fs.mkdirSync(this.o.outDir, { recursive: true });
    const tmp = `${this.crawlFile}.tmp`;
    // The encoder re-reads the file every frame: replace it atomically so it never sees half a message.
    fs.writeFileSync(tmp, text ? `   ${text.replace(/\s+/g, ' ')}   ` : '');
    fs.renameSync(tmp, this.crawlFile);
  }

  /** Mixes the two-tone alert signal into the next `frames` frames. */
  alertTone(frames = TONE_FRAMES_DEFAULT): void {
    this.toneUntil = this.written + frames;
  }

  private finishCurrent(atFrame: number, outcome?: SourceOutcome): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    this.o.events.ended(cur.slot, this.frameTime(atFrame), outcome ?? cur.source.outcome());
    this.track(cur.source.close());
  }

  /** Closes in flight, so that stop() can wait for every decoder to be gone. */
  private readonly closing = new Set<Promise<void>>();
  private track(p: Promise<void>): void {
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /** The source for frame k: the slot covering it (opened or prefetched), or the gap slate. */
  private sourceFor(k: number): FrameSource {
    if (this.current && k >= this.current.slot.endFrame) this.finishCurrent(this.current.slot.endFrame);
    if (!this.current) {
      while (this.slots.length > 0 && this.slots[0]!.endFrame <= k) this.slots.shift();
      const slot = this.slots[0];
      if (slot && slot.startFrame <= k) {
        const pre = this.prefetched.get(slot.key);
        this.prefetched.delete(slot.key);
        const source = pre ?? slot.open(k);
        this.current = { slot, source, alarmed: false };
        const problem = source.problem();
        this.o.events.began(slot, this.frameTime(k), problem !== null);
        if (problem) {
          this.current.alarmed = true;
          this.o.events.alarm(slot, problem.kind, problem.message);
        }
      }
    }
    const cur = this.current;
    if (!cur) return this.gapSource;
    // Open the next slot's decoders early, so they are ready on its first frame.
    if (cur.slot.endFrame - k <= this.prefetchFrames) {
      const next = this.slots.find((s) => s.startFrame >= cur.slot.endFrame);
      if (next && !this.prefetched.has(next.key) && next.startFrame === cur.slot.endFrame) {
        this.prefetched.set(next.key, next.open(next.startFrame));
      }
    }
    return cur.source;
  }

  private mixTone(audio: Buffer): Buffer {
    if (this.written >= this.toneUntil) return audio;
    const out = Buffer.from(audio); // never modify a shared buffer (silence, decoder chunk)
    const rate = this.o.profile.sampleRate;
    const ch = this.o.profile.audioChannels;
    for (let i = 0; i < out.length / (2 * ch); i++) {
      const t = this.tonePhase++ / rate;
      // The EAS attention signal: 853 Hz and 960 Hz together.
      const s = 0.25 * (Math.sin(2 * Math.PI * 853 * t) + Math.sin(2 * Math.PI * 960 * t));
      for (let c = 0; c < ch; c++) {
        const idx = (i * ch + c) * 2;
        const mixed = out.readInt16LE(idx) * 0.3 + s * 32767;
        out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(mixed))), idx);
      }
    }
    return out;
  }

  private write(frame: Frame): void {
    const enc = this.encoder!;
    const stdin = enc.child.stdin!;
    if (Array.isArray(frame.video)) {
      // One writev for the slices of a frame.
      stdin.cork();
      for (const slice of frame.video) stdin.write(slice);
      stdin.uncork();
    } else {
      stdin.write(frame.video);
    }
    (enc.child.stdio[3] as Writable).write(this.mixTone(frame.audio));
  }

  /** The encoder is keeping up: at most a few frames wait in our pipe buffers (else wait for 'drain'). */
  private canWrite(): boolean {
    const enc = this.encoder!;
    return enc.child.stdin!.writableLength < this.videoBacklog && (enc.child.stdio[3] as Writable).writableLength < this.audioBacklog;
  }

  /** Writes every frame that is due (clock position plus lead) and available. */
  pump(): void {
    if (this.pumping || this.stopped || !this.encoder) return;
    this.pumping = true;
    try {
      const now = this.o.clock.now();
      const due = Math.floor((now - this.o.t0Ms) / this.frameMs) + this.leadFrames;
      while (this.written < due && this.canWrite()) {
        const k = this.written;
        const source = this.sourceFor(k);
        const frame = source.next();
        if (!frame) {
          if (!this.waitingForSource) {
            this.waitingForSource = true;
            source.onReady(() => {
              this.waitingForSource = false;
              this.pump();
            });
          }
          break;
        }
        const cur = this.current;
        if (cur && frame.slate && !cur.alarmed) {
          const problem = cur.source.problem();
          if (problem) {
            cur.alarmed = true;
            this.o.events.alarm(cur.slot, problem.kind, problem.message);
          }
        }
        this.write(frame);
        this.written++;
      }
      // Behind the clock by more than half a second: viewers at the live edge would stall.
      // (Start-up is not lateness: the first frames wait for the decoders by design.)
      const behindMs = now - this.frameTime(this.written);
      const isLate = this.started && behindMs > 500;
      if (isLate !== this.late) {
        this.late = isLate;
        this.o.events.late(isLate ? behindMs : null);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Stops pumping and closes every source (their decoders are killed and waited for). */
  private teardown(): Promise<unknown> {
    this.pumpTimer?.cancel();
    this.pumpTimer = undefined;
    const closing = [...this.closing];
    const cur = this.current;
    this.current = null;
    if (cur) closing.push(cur.source.close());
    for (const s of this.prefetched.values()) closing.push(s.close());
    this.prefetched.clear();
    return Promise.all(closing);
  }

  /** Ends output and every child process; the output folder is removed after `keepMs` (viewers may still fetch the last segments). */
  async stop(keepMs = 20_000): Promise<void> {
    const wasStopped = this.stopped;
    this.stopped = true;
    const cur = this.current;
    if (cur && !wasStopped) this.finishCurrent(this.written);
    const closed = this.teardown();
    const enc = this.encoder;
    if (enc) {
      // Nobody needs the last partial segment: kill at once rather than let it finish.
      await enc.kill();
    }
    await closed;
    const dir = this.o.outDir;
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    if (keepMs <= 0) remove();
    else setTimeout(remove, keepMs).unref();
  }
}
