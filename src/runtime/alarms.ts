// Alarms: conditions an operator must see (a missing asset, a failed channel, the producer budget
// reached, black or silence on an output). Raised and cleared by key; raising an active alarm again
// only updates its message.
import type { AlarmDto } from '../shared/api';
import type { AlarmKind, AlarmSeverity } from '../shared/domain';
import { formatInstant } from '../shared/time';

export interface Alarm {
  key: string;
  kind: AlarmKind;
  severity: AlarmSeverity;
  message: string;
  sinceMs: number;
  channelUuid: string | null;
}

export class AlarmBoard {
  private readonly alarms = new Map<string, Alarm>();

  constructor(private readonly onChange: () => void) {}

  /** Returns true when something visible changed. */
  raise(key: string, alarm: Omit<Alarm, 'key' | 'sinceMs'>, nowMs: number): boolean {
    const existing = this.alarms.get(key);
    if (existing && existing.message === alarm.message && existing.severity === alarm.severity) return false;
    this.alarms.set(key, { ...alarm, key, sinceMs: existing?.sinceMs ?? nowMs });
    this.onChange();
    return true;
  }

  clear(key: string): boolean {
    if (!this.alarms.delete(key)) return false;
    this.onChange();
    return true;
  }

  clearWhere(pred: (a: Alarm) => boolean): void {
    let changed = false;
    for (const [k, a] of this.alarms) if (pred(a)) changed = this.alarms.delete(k) || changed;
    if (changed) this.onChange();
  }

  has(key: string): boolean {
    return this.alarms.has(key);
  }

  list(): Alarm[] {
    return [...this.alarms.values()];
  }

  dtos(): AlarmDto[] {
    return this.list().map((a) => ({
      id: a.key,
      kind: a.kind,
      severity: a.severity,
      message: a.message,
      since: formatInstant(a.sinceMs),
      channelUuid: a.channelUuid,
    }));
  }
}
