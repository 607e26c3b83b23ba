// What a playout engine (engine.ts) is given and what it reports: its output and clock, how far
// ahead it writes and opens the next item, the station's switch window, the output monitor, and
// the events its producer turns into as-run rows, alarms and health.
import type { MasterClock } from '../../shared/clock';
import type { LoudnessCondition, LoudnessControl } from './loudness-control';
import type { OutputCondition, OutputMonitor } from './output-monitor';
import type { ProgramOutput } from './program-output';
import type { SlotEvents } from './slot-cursor';
import type { SwitchWindow } from './switch-window';

export interface EngineEvents extends SlotEvents {
  late(behindMs: number | null): void;
  /** A watched condition began (active) or ended at station time atMs; told when that frame is on air. */
  condition(kind: OutputCondition | LoudnessCondition, active: boolean, atMs: number): void;
  failed(error: Error): void;
}

export interface EngineOptions {
  /** The channel's program output this engine feeds: a new one (opened by start) or a carryover. */
  output: ProgramOutput;
  clock: MasterClock;
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
  /** The station's channels writing a switch (prefetch waits for them); a private one when absent. */
  switches?: SwitchWindow;
  /** Watches every frame written (conditions and levels); none: nothing is measured. */
  monitor?: OutputMonitor | null;
  /** Each item's loudness gain, the true-peak limiter and the loudness meter; none: the sound passes as it is. */
  loudness?: LoudnessControl | null;
  events: EngineEvents;
}
