// The playout engine shared by every ffmpeg producer: a pacing pump that moves frames from the slot
// cursor to the encoder, locked to the MasterClock.
//
// Frame k of the output airs at station time t0 + k / fps. The pump writes frame k only once the
// clock has reached its time minus a fixed lead (enough for the encoder to close a segment), so
// output media time stays locked to the clock however long it runs, and a burst at start makes
// the first segment appear as fast as the encoder can encode it. Slots map the playout plan onto
// frame ranges; every slot delivers exactly its frame count (topped up with the slate where its
// media fails), so the next item always starts on its frame.
//
// The engine belongs to one producer; the output it feeds (program-output.ts: encoder, folder,
// frame count) may have been handed over by the producer before it, and may be handed on: at a
// swap the old engine's slot ends at the next frame to be written, and the new engine's first slot
// begins on that same frame. Programming taken off air by an emergency takeover can also be kept
// rolling (cued, see CuedProgramme below): the engine hands the output on but goes on reading its
// sources at the clock's pace, dropping the frames, and the producer that takes the output back
// at the clear adopts the engine, which rejoins the air on the frame the clock says with its
// decoders already running, not after a decoder start and a seek on every channel at once.
//
// Here too: what an engine is given and what it reports (EngineOptions, EngineEvents); its
// lateness (output behind the clock, reported once it has lasted); the station's switch window
// (prefetch waits while any channel writes a switch); and the cued programme, the handle on an
// engine rolling off air that the next normal producer takes back.
import { keyframeAfter } from '../media/commands'
import { audioBytesPerFrame } from '../media/profiles'
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { LoudnessSettings, OutputHealthSettings } from '../shared/domain'
import { AlertTone } from './alert-tone'
import { CrawlOverlay } from './crawl'
import type { CrawlStrip } from './still-cards'
import type { CuedProgramme as Cued, ProducerMeters } from './base'
import { ConditionDetector } from './condition'
import type { AudioLevels, OutputCondition, OutputMonitor } from './output-monitor'
import type { LoudnessCondition, LoudnessControl, LoudnessLevels } from './loudness-control'
import type { OutputFeeder, ProgramOutput } from './program-output'
import { PrerollReports } from './preroll'
import { SlotCursor, type Slot, type SlotEvents } from './slot-cursor'
import { StillSource } from './sources'
import type { LogoOverlay } from './logo-overlay'

export type { Slot } from './slot-cursor'

/** How long a start may wait for the encoder's first segment. */
export const FIRST_SEGMENT_TIMEOUT_MS = 20_000
/** Frames past a closing keyframe that get it written (see segmentEndAfter). */
const MUX_INTERLEAVE_FRAMES = 6
/** The pump runs at least this often (and once a frame at lower frame rates). */
const PUMP_MIN_INTERVAL_MS = 10
/**
 * Rolling off air, the sources are read this many frames behind the output's write position, so
 * that the output (fed by another producer at the same pace) is never behind them when it comes back.
 */
const OFF_AIR_BEHIND_FRAMES = 5
/** A pre-roll that has not caught up with the clock after this long is lateness after all. */
const CATCH_UP_MS = 10_000

export interface EngineEvents extends SlotEvents {
  late(behindMs: number | null): void
  /** A watched condition began (active) or ended at station time atMs; told when that frame is on air. */
  condition(kind: OutputCondition | LoudnessCondition, active: boolean, atMs: number): void
  failed(error: Error): void
}

export interface EngineOptions {
  /** The channel's program output this engine feeds: a new one (opened by start) or a carryover. */
  output: ProgramOutput
  clock: MasterClock
  /**
   * Frames written ahead of the clock: one segment, so the encoder can close it, plus one second
   * of jitter buffer so that a burst of load (every channel changing items on the hour) never
   * reaches viewers as a stall.
   */
  leadFrames?: number
  /**
   * Open the next slot's source this many frames before it starts. Channels on the same schedule
   * change items at the same instant; producers pass different values so their decoders do not all
   * start (each a burst of CPU) in the same moment.
   */
  prefetchFrames?: number
  gapSlate: Buffer
  /** The station's channels writing a switch (prefetch waits for them); a private one when absent. */
  switches?: SwitchWindow
  /** Watches every frame written (conditions and levels); none: nothing is measured. */
  monitor?: OutputMonitor | null
  /** Each item's loudness gain, the true-peak limiter and the loudness meter; none: the sound passes as it is. */
  loudness?: LoudnessControl | null
  events: EngineEvents
}

// Station-wide: the channels writing a switch right now (the rest of a segment written at once
// after a takeover, its clear or a crawl change). In an emergency every channel switches in the
// same moment, and each switch needs its decoder started and its frames encoded at once. The next
// items' decoders (prefetch, opened seconds before they are needed) wait while any channel is
// switching: their start-ups, on a small machine, take the CPU the switches need.

/** A switch that is not written within this long stops holding prefetches back (a stalled source). */
export const SWITCH_HOLD_MAX_MS = 1_500

export class SwitchWindow {
  private readonly holds = new Map<number, number>()
  private nextId = 0

  /** A channel starts writing a switch at station time `nowMs`; the function returned ends it (once). */
  hold(nowMs: number): () => void {
    const id = this.nextId++
    this.holds.set(id, nowMs)
    return () => void this.holds.delete(id)
  }

  /** Some channel is writing a switch at station time `nowMs` (holds older than SWITCH_HOLD_MAX_MS lapse). */
  busy(nowMs: number): boolean {
    for (const [id, since] of this.holds) {
      if (nowMs - since < SWITCH_HOLD_MAX_MS) return true
      this.holds.delete(id)
    }
    return false
  }
}

// Output behind the clock: viewers at the live edge would stall. Reported only once it has lasted,
// and cleared once being on time again has lasted: a hiccup of a few hundred milliseconds (a burst
// of decoder starts) is absorbed by the players' buffers and would only flood the operator with
// alarms that come and go.
/** Output this far behind the clock is late. */
const LATE_MS = 500
const LATE_TRIGGER_MS = 2_000
const LATE_CLEAR_MS = 1_000

class Lateness {
  private readonly detector = new ConditionDetector({ on: LATE_TRIGGER_MS, hold: LATE_CLEAR_MS })

  /**
   * At station time `now` the output is `behindMs` behind (counted only when `counting`: start-up
   * is not lateness). Returns how far behind when it became late, null when it is on time again,
   * undefined when nothing changed.
   */
  update(now: number, behindMs: number, counting: boolean): number | null | undefined {
    const change = this.detector.update(now, counting && behindMs > LATE_MS)
    if (!change) return undefined
    return change.active ? behindMs : null
  }
}

export class PlayoutEngine implements OutputFeeder {
  private readonly output: ProgramOutput
  private readonly cursor: SlotCursor
  private readonly tone: AlertTone
  private crawl: CrawlOverlay | null = null
  private pumpTimer: TimerHandle | undefined
  private pumping = false
  private waitingForSource = false
  private stopped = false
  private readonly lateness = new Lateness()
  private started = false
  /** Why the pump ended the output, when it did (the encoder's own exit explains itself). */
  private pumpFailure: Error | null = null
  readonly leadFrames: number
  private readonly frameMs: number
  private first: number
  /** The output was on air before this engine: a carryover from the previous producer. */
  carried: boolean
  /**
   * Rolling off air (see rollOffAir): the next frame the sources give, read and dropped; null on
   * air. While rejoining, the sources are read up to the output's next frame before anything is written.
   */
  private offAir: number | null = null
  private rejoining = false
  /** The producer the engine reports to (a cued engine is adopted by the producer that takes it back). */
  private events: EngineEvents
  private readonly switches: SwitchWindow
  /** Ends this channel's part in the station's switch window: set while a flush is being written. */
  private switching: (() => void) | null = null
  /** The channel's logo, blended over the slots that show it (not over a slate standing in). */
  private logo: LogoOverlay | null = null
  /** Slot reports, held through a new output's pre-roll (preroll.ts). */
  private readonly reports: PrerollReports
  /** The output has been ahead of the clock (a new output's pre-roll is behind it until it catches up). */
  private caughtUp = false

  constructor(private readonly o: EngineOptions) {
    const profile = o.output.profile
    const fps = profile.fps
    this.output = o.output
    // Nothing writes between the previous engine's hand-over and this one's start.
    this.first = o.output.written
    this.carried = o.output.opened
    this.frameMs = 1000 / fps
    this.leadFrames = o.leadFrames ?? Math.round(fps * o.output.segmentSeconds) + fps
    this.tone = new AlertTone(profile)
    this.switches = o.switches ?? new SwitchWindow()
    this.events = o.events
    this.reports = new PrerollReports(
      this.airFrame > this.first ? this.frameTime(this.airFrame) : null,
      () => this.events
    )
    this.cursor = new SlotCursor({
      gapSource: new StillSource(o.gapSlate, Buffer.alloc(audioBytesPerFrame(profile)), true),
      prefetchFrames: o.prefetchFrames ?? fps * 2,
      fps,
      // Not while a switch is being written, this channel's or another's: its decoders come first.
      mayPrefetch: (k) => k >= this.output.flushThrough && !this.switches.busy(o.clock.now()),
      frameTime: (k) => this.frameTime(k),
      // Off air the slots that begin and end are not reported: nothing of them airs.
      events: {
        began: (...a) => this.offAir === null && this.reports.began(...a),
        ended: (...a) => this.offAir === null && this.reports.ended(...a),
        alarm: (...a) => this.offAir === null && this.reports.alarm(...a)
      }
    })
  }

  get t0Ms(): number {
    return this.output.t0Ms
  }
  get framesWritten(): number {
    return this.output.written
  }
  private get written(): number {
    return this.output.written
  }
  /** Station time at which frame k airs. */
  frameTime(k: number): number {
    return this.output.t0Ms + k * this.frameMs
  }
  /** The frame that airs at station time t (nearest). */
  frameAt(t: number): number {
    return Math.round((t - this.output.t0Ms) / this.frameMs)
  }
  /** The first frame this engine writes: 0 on a new output, the switch frame on a carryover. */
  get firstFrame(): number {
    return this.first
  }
  /** The first frame this engine puts on air: past a new output's pre-roll, else the first it writes. */
  get airFrame(): number {
    return this.carried ? this.first : Math.max(this.first, this.output.airFrame)
  }

  /**
   * Starts feeding the output. A new output: starts its encoder and resolves once the first segment
   * is on disk. A carryover (already on air): takes it over from the next frame, and writes the
   * rest of that segment at once so the switch is listed now, not up to a segment later.
   */
  async start(timeoutMs = FIRST_SEGMENT_TIMEOUT_MS): Promise<void> {
    if (this.stopped) throw new Error('output stopped before it started')
    if (this.offAir !== null) return this.rejoin()
    if (!this.carried) this.output.open()
    this.output.feedFrom(this)
    this.pumpTimer = this.o.clock.every(
      Math.max(PUMP_MIN_INTERVAL_MS, Math.floor(this.frameMs)),
      () => this.pump()
    )
    if (this.carried) {
      this.started = true
      this.flush()
      return
    }
    this.pump()
    await this.output.firstSegment(timeoutMs).catch((err: unknown) => {
      throw this.pumpFailure ?? err
    })
    this.started = true
  }

  drained(): void {
    this.pump()
  }

  failed(error: Error): void {
    this.fail(error)
  }

  /** Replaces the upcoming slots (a re-plan). The slot on air continues if the new plan keeps it. */
  setSlots(slots: Slot[]): void {
    this.cursor.setSlots(slots, this.offAir ?? this.written)
    this.pump()
  }

  /**
   * Shows (or with null removes) the crawl from the next frame written: its first word enters at
   * the right edge on that frame (crawl.ts), `step` pixels a frame. The rest of the segment being
   * encoded is written at once rather than at the clock's pace, so the first segment that carries
   * the change is closed and listed now, not up to a segment later (its frames still air at their
   * own times).
   */
  setCrawl(strip: CrawlStrip | null, step = 1): CrawlOverlay | null {
    this.crawl = strip ? new CrawlOverlay(this.output.profile, strip, this.written, step) : null
    this.flush()
    return this.crawl
  }

  /** Shows (or with null removes) the channel's logo, from the next frame written. */
  setLogo(logo: LogoOverlay | null): void {
    this.logo = logo
  }

  /** Writes the rest of the segment being encoded at once (its frames still air at their own times). */
  private flush(): void {
    this.output.flushThrough = Math.max(
      this.output.flushThrough,
      this.segmentEndAfter(this.written)
    )
    this.switching ??= this.switches.hold(this.o.clock.now())
    this.pump()
  }

  private endSwitch(): void {
    this.switching?.()
    this.switching = null
  }

  /**
   * The frame to write up to so that the segment holding frame k is closed: its closing keyframe
   * and a little more, because the muxer interleaves and writes that keyframe only once the
   * audio encoder (which holds back about two of its frames) has caught up past it.
   */
  private segmentEndAfter(k: number): number {
    return keyframeAfter(k, this.output.profile, this.output.segmentSeconds) + MUX_INTERLEAVE_FRAMES
  }

  /** Sounds the alert tone from the next frame written. */
  alertTone(): void {
    this.tone.start(this.written)
  }

  /** The frame on air at station time t (the one whose time has come). */
  private onAirFrame(t: number): number {
    return Math.floor((t - this.output.t0Ms) / this.frameMs)
  }

  /** Lateness and loudness now (the console's meters keep their reading). */
  meters(): ProducerMeters {
    const now = this.o.clock.now()
    return {
      behindMs: now - this.frameTime(this.written),
      loudness: this.o.loudness?.reading(this.onAirFrame(now)) ?? null
    }
  }

  /** Levels of the sound that aired since the last reading; null when nothing is measured or aired yet. */
  levels(): (AudioLevels & { loudness?: LoudnessLevels }) | null {
    const k = this.onAirFrame(this.o.clock.now())
    const levels = this.o.monitor?.levels(k) ?? null
    const loudness = this.o.loudness?.levels(k) ?? null
    return levels && loudness ? { ...levels, loudness } : levels
  }

  /** A new loudness target, ceiling or alarm, from the next frame written. */
  configureLoudness(settings: LoudnessSettings): void {
    this.o.loudness?.configure(settings)
  }

  /** New thresholds for the watched conditions, from the next frame written. */
  configureHealth(settings: OutputHealthSettings): void {
    this.o.monitor?.configure(settings)
  }

  /** Writes every frame that is due (clock position plus lead) and available. */
  pump(): void {
    const output = this.output
    if (this.pumping || this.stopped || !this.pumpTimer) return
    this.pumping = true
    try {
      const now = this.o.clock.now()
      if (this.offAir !== null) {
        // Off air: keep the sources at the pace of the output, never past it (an output still
        // catching up with the clock after its pre-roll is behind it); rejoining, catch up with it first.
        const to = this.rejoining
          ? output.written
          : Math.min(this.onAirFrame(now) + this.leadFrames, output.written) - OFF_AIR_BEHIND_FRAMES
        if (!this.readOffAir(to) || !this.rejoining) return
        this.onAirAgain()
      }
      this.writeDue(output, Math.max(this.onAirFrame(now) + this.leadFrames, output.flushThrough))
      if (this.written >= output.flushThrough) this.endSwitch()
      this.tellConditions(this.onAirFrame(now))
      // Behind the clock. Start-up is not lateness: the first frames wait for the decoders by design,
      // and a pre-roll is written faster than real time until it catches up with the clock.
      const behind = now - this.frameTime(this.written)
      this.caughtUp ||= behind <= 0 || now - this.frameTime(this.airFrame) > CATCH_UP_MS
      const late = this.lateness.update(now, behind, this.started && this.caughtUp)
      if (late !== undefined) this.events.late(late)
    } catch (err) {
      // The pump runs on timers and pipe events: whatever fails here (a decoder that cannot be
      // spawned, a file operation) ends this output as a failure, never the process. Off air the
      // output is another producer's: only this engine ends.
      this.pumpFailure = err instanceof Error ? err : new Error(String(err))
      const feeding = this.offAir === null
      this.fail(this.pumpFailure)
      if (feeding) void output.kill()
    } finally {
      this.pumping = false
    }
  }

  /** Reads (and drops) the sources' frames up to frame `to`; false when one is not decoded yet. */
  private readOffAir(to: number): boolean {
    const { next, waiting } = this.cursor.drop(this.offAir!, to)
    this.offAir = next
    if (waiting) this.waitFor(waiting)
    return !waiting
  }

  /** Caught up with the output after rolling off air: on air again from its next frame. */
  private onAirAgain(): void {
    const k = this.output.written
    this.rejoining = false
    this.offAir = null
    this.o.monitor?.resumeAt(k)
    this.o.loudness?.resumeAt(k)
    this.cursor.rejoinAir(k)
  }

  private waitFor(source: { onReady(fn: () => void): void }): void {
    if (this.waitingForSource) return
    this.waitingForSource = true
    source.onReady(() => {
      this.waitingForSource = false
      this.pump()
    })
  }

  private writeDue(output: ProgramOutput, due: number): void {
    while (this.written < due && output.canWrite()) {
      const k = this.written
      const source = this.cursor.sourceFor(k)
      const frame = source.next()
      if (!frame) {
        this.waitFor(source)
        return
      }
      this.cursor.delivered(frame)
      const loudness = this.o.loudness
      const audio = this.tone.mix(
        k,
        loudness ? loudness.apply(frame.audio, this.cursor.onAir()) : frame.audio
      )
      loudness?.measure(k, audio, this.cursor.watching() && !frame.slate)
      this.o.monitor?.frame(k, frame, audio, this.cursor.watching())
      const picture = this.crawl ? this.crawl.apply(k, frame.video) : frame.video
      // Last, over the finished picture with its crawl (the monitor judges the programme without either).
      output.write(
        this.logo && !frame.slate && this.cursor.showsLogo() ? this.logo.apply(picture) : picture,
        audio
      )
      if (k === this.airFrame) this.reports.onAir()
    }
  }

  /** Resolves once the output caught up with the clock after its pre-roll (or stopped, or CATCH_UP_MS passed). */
  async untilCaughtUp(): Promise<void> {
    // Bounded by waits, not by the clock: a simulated clock may stand still.
    for (let i = 0; i < CATCH_UP_MS / PUMP_MIN_INTERVAL_MS; i++) {
      if (this.caughtUp || this.stopped || !this.started) return
      await new Promise((resolve) => setTimeout(resolve, PUMP_MIN_INTERVAL_MS))
    }
  }

  /** Conditions found in frames written ahead are told once their frame is on air. */
  private tellConditions(onAir: number): void {
    // A condition found in the pre-roll is told as of the air time.
    const at = (k: number) => this.frameTime(Math.max(k, this.airFrame))
    for (const c of this.o.monitor?.due(onAir) ?? [])
      this.events.condition(c.kind, c.active, at(c.atFrame))
    for (const c of this.o.loudness?.due(onAir) ?? [])
      this.events.condition(c.kind, c.active, at(c.atFrame))
  }

  /** The output died on its own (or, off air, this engine's pump did): stop pumping, close the sources, tell the producer. */
  private fail(error: Error): void {
    if (this.stopped) return
    this.stopped = true
    this.output.endFeed(this)
    void this.teardown()
    this.events.failed(error)
  }

  /** Stops pumping and closes every source (their decoders are killed and waited for). */
  private teardown(): Promise<unknown> {
    this.endSwitch()
    this.pumpTimer?.cancel()
    this.pumpTimer = undefined
    return this.cursor.close()
  }

  /**
   * Ends output and every child process. The output folder stays: its owner removes it. Off air
   * the output is another producer's and goes on: only the sources close.
   */
  async stop(): Promise<void> {
    const wasStopped = this.stopped
    this.stopped = true
    if (this.offAir !== null) {
      this.output.endFeed(this) // feeding it already if it was rejoining
      return void (await this.teardown())
    }
    if (!wasStopped) this.cursor.finish(this.written)
    this.output.endFeed(this)
    const closed = this.teardown()
    await this.output.kill()
    await closed
  }

  /** Whether `output` is the one this engine feeds, or handed on and rolls off air for. */
  feeds(output: ProgramOutput): boolean {
    return output === this.output
  }

  /** Rolling off air, ready to be adopted (see rollOffAir). */
  get rollingOffAir(): boolean {
    return this.offAir !== null && !this.rejoining && !this.stopped
  }

  /**
   * Hands the output on like handOver, but keeps the sources: they go on being read off air at
   * the clock's pace (and the next items' decoders start as their time comes), so that the engine,
   * adopted by the producer that takes the output back, rejoins the air with no decoder start. The
   * slot on air is reported as ended at the switch frame. Resolves with the output, or null when
   * there is none to hand on (as handOver: this engine stopped).
   */
  async rollOffAir(): Promise<ProgramOutput | null> {
    if (this.stopped || !this.started || !this.output.live || this.offAir !== null)
      return this.handOver()
    const k = this.written
    this.cursor.leaveAir(k)
    this.offAir = k
    this.output.endFeed(this)
    this.endSwitch()
    this.pump()
    return this.output
  }

  /**
   * A producer takes this engine (rolling off air) over: from now on it reports to `events`, and
   * starts it (start() then rejoins the air) once its slots are set.
   */
  adopt(events: EngineEvents): void {
    if (!this.rollingOffAir) throw new Error('the engine is not rolling off air')
    this.events = events
  }

  /**
   * Back on air with the output it handed on (carried on by others meanwhile) from that output's
   * next frame: the sources are read up to it, dropping what aired meanwhile, and the rest of that
   * segment is written at once, as at a carried-over start. Throws when the output cannot be fed.
   */
  private rejoin(): void {
    this.output.feedFrom(this)
    this.first = this.output.written
    this.carried = true
    this.rejoining = true
    this.started = true
    this.flush()
  }

  /**
   * Ends this engine's part and leaves the output running for the next producer: the slot on air
   * ends at the next frame to be written (the switch frame), its sources are closed. Resolves with
   * the output, or null when it cannot be handed over (failed, or this engine stopped already);
   * the encoder is then gone as after stop().
   */
  async handOver(): Promise<ProgramOutput | null> {
    if (this.stopped || !this.started || !this.output.live || this.offAir !== null) {
      await this.stop()
      return null
    }
    this.stopped = true
    this.cursor.finish(this.written)
    this.output.endFeed(this)
    await this.teardown()
    // The encoder may have died while the sources closed: then there is nothing to hand over.
    if (this.output.live) return this.output
    await this.output.kill()
    return null
  }
}

// Programming kept rolling off air under an emergency takeover: the handle on an engine that
// rolled off air (rollOffAir), which the normal producer at the clear takes back with the output.
// It is not a producer (it airs nothing and reports nothing); its holder (the channel's
// supervisor) closes it, which stops the engine and its decoders unless a producer took it.
export class CuedProgramme implements Cued {
  constructor(private engine: PlayoutEngine | null) {}

  /** The engine, for the producer taking `output` back on air: once, and only if it still rolls for that output. */
  take(output: ProgramOutput): PlayoutEngine | null {
    const e = this.engine
    if (!e || !e.rollingOffAir || !e.feeds(output) || !output.live) return null
    this.engine = null
    return e
  }

  async close(): Promise<void> {
    const e = this.engine
    this.engine = null
    await e?.stop()
  }
}
