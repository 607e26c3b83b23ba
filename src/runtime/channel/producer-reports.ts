// What a producer reports becomes the channel's alarms and as-run rows. The alarms belong to the
// producer that raised them: when it stops or is replaced they go, so a channel never shows an
// alarm about output that is not on air. A report that cannot be recorded (the database refused a
// write) is itself an alarm; it never reaches back into the producer's playout.
import type { MasterClock } from '../../shared/clock'
import { type AlarmKey, alarmKeys, MEDIA_ALARM_KINDS } from '../alarm-keys'
import type { AlarmBoard } from '../alarms'
import type { AsRunLogger } from '../as-run'
import type { Producer, ProducerEvents } from '../../playout'
import type { AsRunProducer } from '../../shared/domain'

type Listeners = { [E in keyof ProducerEvents]: (...args: ProducerEvents[E]) => void }

/** Why a producer left the air, and what follows: another producer at once, off air, or nothing (the station stops). */
export interface OffAir {
  cause: string
  next: 'producer' | 'off-air' | 'nothing'
}

export interface ReportsDeps {
  clock: MasterClock
  alarms: AlarmBoard
  asRun: AsRunLogger
  channelUuid: string
  /** The producer died on its own. */
  onFailed: (p: Producer, error: Error) => void
  /** Recording a report failed. */
  onError: (what: string, err: unknown) => void
  /** The producer airs by copy or through the encode path (what it counts in the budget). */
  onPath: (p: Producer, path: 'copy' | 'encode') => void
}

export class ProducerReports {
  /** The producer on air, and the listeners this holds on it. */
  private following: { producer: Producer; listeners: Listeners } | null = null

  constructor(private readonly d: ReportsDeps) {}

  /** Guards a handler: whatever fails in recording stays here. */
  private safe<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args)
      } catch (err) {
        this.d.onError(what, err)
      }
    }
  }

  private listeners(p: Producer, title: string): Listeners {
    const { alarms, asRun, channelUuid } = this.d
    const raise = (
      key: AlarmKey,
      alarm: Parameters<AlarmBoard['raise']>[1],
      at = this.d.clock.now()
    ) => alarms.raise(key, { ...alarm, owner: p.id }, at)
    return {
      started: this.safe('as-run', ({ atMs }) => asRun.onAir(atMs, title)),
      'segment-began': this.safe('as-run', (r) => {
        if (r.slate && r.segment.kind === 'item') {
          const message = `"${r.segment.title}" could not be played; a slate airs in its slot`
          raise(
            alarmKeys.segment('media-missing', r.segment.startMs),
            { kind: 'media-missing', severity: 'warning', message, channelUuid },
            r.atMs
          )
        } else if (r.segment.kind === 'gap' && !r.segment.deliberate) {
          // Raised once while the hole lasts (however many segments it airs as), cleared when programming returns.
          raise(
            alarmKeys.scheduleGap,
            {
              kind: 'schedule-gap',
              severity: 'warning',
              message: 'nothing is scheduled: the channel airs its slate',
              channelUuid
            },
            r.atMs
          )
        }
        // A loop's deliberate gap is programming, never an alarm: it ends a hole as an item does.
        if (r.segment.kind === 'item' || r.segment.deliberate)
          alarms.clear(alarmKeys.scheduleGap, r.atMs)
        asRun.segmentBegan(r)
      }),
      'segment-ended': this.safe('as-run', (r) => {
        if (r.segment.kind === 'item')
          for (const kind of MEDIA_ALARM_KINDS)
            alarms.clear(alarmKeys.segment(kind, r.segment.startMs))
        asRun.segmentEnded(r)
      }),
      'health-changed': ({ health, reason }) => {
        if (health !== 'degraded') alarms.clear(alarmKeys.degraded)
        else
          raise(alarmKeys.degraded, {
            kind: 'late',
            severity: 'warning',
            message: `output degraded: ${reason ?? 'unknown'}`,
            channelUuid
          })
      },
      alarm: (a) => {
        // About a segment when it names one (a slot's MEDIA alarm, cleared when the slot ends), else about the output.
        raise(alarmKeys.segment(a.kind, a.segment?.startMs ?? null), {
          kind: a.kind,
          severity: a.severity,
          message: a.message,
          channelUuid
        })
      },
      // Raised at the time the condition began on air, cleared at the time it ended.
      'output-condition': (c) => {
        if (c.active)
          raise(
            alarmKeys.outputCondition(c.kind),
            { kind: c.kind, severity: c.severity, message: c.message, channelUuid },
            c.atMs
          )
        else alarms.clear(alarmKeys.outputCondition(c.kind), c.atMs)
      },
      failed: ({ error }) => this.d.onFailed(p, error),
      stopped: () => undefined,
      path: ({ path }) => this.d.onPath(p, path)
    }
  }

  /** A producer is about to go on air: `label` and `title` are what the as-run log calls its output. */
  onAir(p: Producer, label: AsRunProducer, title: string): void {
    this.stopListening()
    this.safe('as-run', () => this.d.asRun.expect(label))()
    const listeners = this.listeners(p, title)
    for (const [event, fn] of Object.entries(listeners))
      p.on(event as keyof ProducerEvents, fn as never)
    this.following = { producer: p, listeners }
  }

  /** The producer goes off air: its open as-run row closes now, or at `atMs` (saying why), its alarms clear. */
  offAir(p: Producer, why: OffAir, atMs?: number): void {
    if (this.following?.producer !== p) return
    this.stopListening()
    this.d.alarms.clearOwner(p.id)
    this.safe('as-run', () =>
      this.d.asRun.offAir(atMs ?? this.d.clock.now(), why.cause, why.next)
    )()
  }

  private stopListening(): void {
    const a = this.following
    if (!a) return
    for (const [event, fn] of Object.entries(a.listeners))
      a.producer.off(event as keyof ProducerEvents, fn as never)
    this.following = null
  }
}
