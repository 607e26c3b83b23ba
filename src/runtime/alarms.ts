// Alarms: conditions an operator must see (a missing asset, a failed channel, the producer budget
// reached, black or silence on an output). Raised and cleared by key; raising an active alarm again
// only updates its message.
//
// Every alarm has an owner: the producer that raised it, the channel's supervision, or the station.
// An owner's alarms go with it (a stopped producer leaves no alarm about output that is not on air).
import type { AlarmDto } from '../shared/api';
import { ALARM_CODES, type AlarmKind, type AlarmSeverity } from '../shared/domain';
import { formatInstant } from '../shared/time';

export interface Alarm {
  key: string;
  kind: AlarmKind;
  severity: AlarmSeverity;
  message: string;
  sinceMs: number;
  channelUuid: string | null;
  /** Who raised it: a producer id, 'channel' or 'station'. */
  owner: string;
}

export type AlarmInput = Omit<Alarm, 'key' | 'sinceMs' | 'owner'> & { owner?: string };

export class AlarmBoard {
  private readonly alarms = new Map<string, Alarm>();

  constructor(
    private readonly onChange: () => void,
    private readonly defaultOwner = 'station',
  ) {}

  /** Returns true when something visible changed. */
  raise(key: string, alarm: AlarmInput, nowMs: number): boolean {
    const existing = this.alarms.get(key);
    const owner = alarm.owner ?? this.defaultOwner;
    if (existing && existing.message === alarm.message && existing.severity === alarm.severity && existing.owner === owner) return false;
    this.alarms.set(key, { ...alarm, owner, key, sinceMs: existing?.sinceMs ?? nowMs });
    this.onChange();
    return true;
  }

  clear(key: string): boolean {
    if (!this.alarms.delete(key)) return false;
    this.onChange();
    return true;
  }

  /** Clears every alarm the owner raised (it stopped, or was replaced). */
  clearOwner(owner: string): void {
    let changed = false;
    for (const [k, a] of this.alarms) if (a.owner === owner) changed = this.alarms.delete(k) || changed;
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
      code: ALARM_CODES[a.kind],
      severity: a.severity,
      message: a.message,
      since: formatInstant(a.sinceMs),
      clearedAt: null,
      acknowledgedAt: null,
      channelUuid: a.channelUuid,
    }));
  }
}
