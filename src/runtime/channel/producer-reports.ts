// What a producer reports becomes the channel's alarms and as-run rows. The alarms belong to the
// producer that raised them: when it stops or is replaced they go, so a channel never shows an
// alarm about output that is not on air. A report that cannot be recorded (the database refused a
// write) is itself an alarm; it never reaches back into the producer's playout.
import type { MasterClock } from '../../shared/clock';
import type { AlarmBoard } from '../alarms';
import type { AsRunLogger } from '../as-run';
import type { Producer, ProducerEvents } from '../../playout';
import type { AsRunProducer } from '../../store';

type Listeners = { [E in keyof ProducerEvents]: (...args: ProducerEvents[E]) => void };

/** The MEDIA alarm kinds: a slot's media could not be played (missing, or failed to decode). */
const MEDIA_KINDS = ['media-missing', 'media-corrupt'] as const;

/**
 * The key of a slot's MEDIA alarm of one kind. Raise and clear both build it here, so the alarm a
 * slot raised is the one its end clears.
 */
export function mediaAlarmKey(kind: (typeof MEDIA_KINDS)[number], segmentStartMs: number): string {
  return `${kind}:${segmentStartMs}`;
}

/** Why a producer left the air, and what follows: another producer at once, off air, or nothing (the station stops). */
export interface OffAir {
  cause: string;
  next: 'producer' | 'off-air' | 'nothing';
}

export interface ReportsDeps {
  clock: MasterClock;
  alarms: AlarmBoard;
  asRun: AsRunLogger;
  channelUuid: string;
  /** The producer died on its own. */
  onFailed: (p: Producer, error: Error) => void;
  /** Recording a report failed. */
  onError: (what: string, err: unknown) => void;
}

export class ProducerReports {
  /** The producer on air, and the listeners this holds on it. */
  private following: { producer: Producer; listeners: Listeners } | null = null;

  constructor(private readonly d: ReportsDeps) {}

  /** Guards a handler: whatever fails in recording stays here. */
  private safe<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (err) {
        this.d.onError(what, err);
      }
    };
  }

  private listeners(p: Producer, title: string): Listeners {
    const { alarms, asRun, channelUuid } = this.d;
    const raise = (key: string, alarm: Parameters<AlarmBoard['raise']>[1], at = this.d.clock.now()) => alarms.raise(key, { ...alarm, owner: p.id }, at);
    return {
      started: this.safe('as-run', ({ atMs }) => asRun.onAir(atMs, title)),
      'segment-began': this.safe('as-run', (r) => {
        if (r.slate && r.segment.kind === 'item') {
          const message = `"${r.segment.title}" could not be played; a slate airs in its slot`;
          raise(mediaAlarmKey('media-missing', r.segment.startMs), { kind: 'media-missing', severity: 'warning', message, channelUuid }, r.atMs);
        } else if (r.segment.kind === 'gap' && !r.segment.deliberate) {
          // Raised once while the hole lasts (however many segments it airs as), cleared when programming returns.
          raise('gap', { kind: 'schedule-gap', severity: 'warning', message: 'nothing is scheduled: the channel airs its slate', channelUuid }, r.atMs);
        }
        // A loop's deliberate gap is programming, never an alarm: it ends a hole as an item does.
        if (r.segment.kind === 'item' || r.segment.deliberate) alarms.clear('gap', r.atMs);
        asRun.segmentBegan(r);
      }),
      'segment-ended': this.safe('as-run', (r) => {
        if (r.segment.kind === 'item') for (const kind of MEDIA_KINDS) alarms.clear(mediaAlarmKey(kind, r.segment.startMs));
        asRun.segmentEnded(r);
      }),
      'health-changed': ({ health, reason }) => {
        if (health !== 'degraded') alarms.clear('degraded');
        else raise('degraded', { kind: 'late', severity: 'warning', message: `output degraded: ${reason ?? 'unknown'}`, channelUuid });
      },
      alarm: (a) => {
        const media = MEDIA_KINDS.find((k) => k === a.kind);
        const key = media && a.segment ? mediaAlarmKey(media, a.segment.startMs) : `${a.kind}:${a.segment?.startMs ?? 'output'}`;
        raise(key, { kind: a.kind, severity: a.severity, message: a.message, channelUuid });
      },
      // Raised at the time the condition began on air, cleared at the time it ended.
      'output-condition': (c) => {
        if (c.active) raise(`output:${c.kind}`, { kind: c.kind, severity: c.severity, message: c.message, channelUuid }, c.atMs);
        else alarms.clear(`output:${c.kind}`, c.atMs);
      },
      failed: ({ error }) => this.d.onFailed(p, error),
      stopped: () => undefined,
    };
  }

  /** A producer is about to go on air: `label` and `title` are what the as-run log calls its output. */
  onAir(p: Producer, label: AsRunProducer, title: string): void {
    this.stopListening();
    this.safe('as-run', () => this.d.asRun.expect(label))();
    const listeners = this.listeners(p, title);
    for (const [event, fn] of Object.entries(listeners)) p.on(event as keyof ProducerEvents, fn as never);
    this.following = { producer: p, listeners };
  }

  /** The producer goes off air: its open as-run row closes now, or at `atMs` (saying why), its alarms clear. */
  offAir(p: Producer, why: OffAir, atMs?: number): void {
    if (this.following?.producer !== p) return;
    this.stopListening();
    this.d.alarms.clearOwner(p.id);
    this.safe('as-run', () => this.d.asRun.offAir(atMs ?? this.d.clock.now(), why.cause, why.next))();
  }

  private stopListening(): void {
    const a = this.following;
    if (!a) return;
    for (const [event, fn] of Object.entries(a.listeners)) a.producer.off(event as keyof ProducerEvents, fn as never);
    this.following = null;
  }
}
