// What a channel's ProducerSupervisor is given: the station's services, and the ChannelManager's
// answers (what to air now, whether anyone wants it) and hooks (a producer on or off air, status
// to mirror in the store).
import type { Logger } from 'pino';
import type { MasterClock } from '../../shared/clock';
import type { LoudnessSettings, OutputHealthSettings, PlayoutPlan, ProducerStatus, ProducerType } from '../../shared/domain';
import type { AlarmBoard } from '../alarms';
import type { ProducerBudget } from '../budget';
import type { RuntimePolicy } from '../policy';
import type { Producer, ProducerFactory, ProducerStartOptions } from '../producer';
import type { OffAir } from './producer-reports';

/** What the channel should air now: the producer type, its plan from the clock's position, options. */
export interface ProducerSpec {
  type: ProducerType;
  plan: PlayoutPlan;
  startAtMs: number;
  options: ProducerStartOptions;
}

export interface SupervisorDeps {
  clock: MasterClock;
  factory: ProducerFactory;
  budget: ProducerBudget;
  policy: RuntimePolicy;
  log: Logger;
  alarms: AlarmBoard;
  channel: () => { uuid: string; name: string };
  outputDir: string;
  /** How outputs are watched (the station's settings), handed to each producer it starts. */
  health: () => OutputHealthSettings;
  loudness?: () => LoudnessSettings;
  /** What to run now (for the current mode unless told otherwise). */
  spec: () => ProducerSpec;
  /** Whether anyone wants output (sessions attached). */
  wanted: () => boolean;
  /** A producer is about to go on air / has gone off air. */
  producerOnAir: (p: Producer) => void;
  /** `atMs`: when its picture leaves the air, if not now (a hand-over switches at the next frame it had not written). */
  producerOffAir: (p: Producer, why: OffAir, atMs?: number) => void;
  /** Mirror of the producer status in the store (may throw; reported, never fatal). */
  persist: (status: ProducerStatus, p: Producer | null) => void;
  onChange: () => void;
}
