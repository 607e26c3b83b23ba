// Alarms: conditions an operator must see (a missing asset, a failed channel, the producer budget
// reached, black or silence on an output). Raised and cleared by key; raising an active alarm again
// only updates its message.
//
// Every alarm has an owner (the producer that raised it, the channel's supervision, the station):
// an owner's alarms clear when it goes, so nothing stays active about output that is not on air.
// A cleared alarm stays listed, latched, until an operator acknowledges it (the broadcast
// convention: a fault that came and went is still seen). Every occurrence is kept in the store as
// history, with the audit log, and what is active or latched survives a restart.
import type { AlarmDto } from '../shared/api'
import type { MasterClock } from '../shared/clock'
import { ALARM_CODES, type AlarmKind, type AlarmSeverity } from '../shared/domain'
import { formatInstant } from '../shared/time'
import type { AlarmRow, AuditActor, NewAlarm, Store } from '../store'
import type { AlarmKey } from './alarm-keys'

export interface Alarm {
  key: AlarmKey
  kind: AlarmKind
  severity: AlarmSeverity
  message: string
  sinceMs: number
  channelUuid: string | null
  /** Who raised it: a producer id, 'channel' or 'station'. */
  owner: string
}

interface Occurrence extends Alarm {
  id: number
  clearedAtMs: number | null
  acknowledgedAtMs: number | null
  /** The desk that acknowledged it, else the audit actor. */
  acknowledgedBy: string | null
}

/** Who acknowledges: the audit actor (how the request came), and the console desk as its operator named it. */
export interface Acknowledger {
  actor: AuditActor
  desk?: string | null
}

export type AlarmInput = Omit<Alarm, 'key' | 'sinceMs' | 'owner'> & { owner?: string }

/** Where occurrences are recorded (the store, with an audit entry per change). */
export interface AlarmLog {
  insert(a: NewAlarm): number
  update(id: number, severity: AlarmSeverity, message: string): void
  clear(id: number, at: number): void
  acknowledge(id: number, at: number, by: Acknowledger): boolean
}

/** Records alarms in the store, each change with its audit entry in the same transaction. */
export function storeAlarmLog(store: Store): AlarmLog {
  return {
    insert: (a) =>
      store.transaction(() => {
        const id = store.alarms.insert(a)
        store.audit.append(
          a.raisedAt,
          'system',
          'alarm-raised',
          { alarm: id, kind: a.kind, severity: a.severity, message: a.message },
          a.channelId
        )
        return id
      }),
    update: (id, severity, message) => store.alarms.update(id, severity, message),
    clear: (id, at) =>
      store.transaction(() => {
        store.alarms.clear(id, at)
        store.audit.append(at, 'system', 'alarm-cleared', { alarm: id })
      }),
    acknowledge: (id, at, by) =>
      store.transaction(() => {
        const desk = by.desk ?? null
        const done = store.alarms.acknowledge(id, at, by.actor, desk)
        if (done)
          store.audit.append(at, by.actor, 'alarm-acknowledged', {
            alarm: id,
            ...(desk === null ? {} : { desk })
          })
        return done
      })
  }
}

/** An occurrence (live or from history) as the API shows it. */
export function alarmDto(
  a: Pick<
    Occurrence,
    | 'id'
    | 'kind'
    | 'severity'
    | 'message'
    | 'sinceMs'
    | 'clearedAtMs'
    | 'acknowledgedAtMs'
    | 'acknowledgedBy'
    | 'channelUuid'
  >
): AlarmDto {
  return {
    id: String(a.id),
    kind: a.kind,
    code: ALARM_CODES[a.kind] ?? 'ALARM',
    severity: a.severity,
    message: a.message,
    since: formatInstant(a.sinceMs),
    clearedAt: a.clearedAtMs === null ? null : formatInstant(a.clearedAtMs),
    acknowledgedAt: a.acknowledgedAtMs === null ? null : formatInstant(a.acknowledgedAtMs),
    acknowledgedBy: a.acknowledgedAtMs === null ? null : a.acknowledgedBy,
    channelUuid: a.channelUuid
  }
}

export function alarmRowDto(r: AlarmRow, channelUuid: string | null): AlarmDto {
  return alarmDto({
    ...r,
    sinceMs: r.raisedAt,
    clearedAtMs: r.clearedAt,
    acknowledgedAtMs: r.acknowledgedAt,
    acknowledgedBy: r.acknowledgedDesk ?? r.acknowledgedBy,
    channelUuid
  })
}

/** An alarm's change as it happened, for whoever notifies about it (ops/webhooks.ts). */
export interface AlarmTransition {
  state: 'raised' | 'cleared' | 'acknowledged'
  alarm: AlarmDto
  atMs: number
}

export interface AlarmBoardOptions {
  clock: MasterClock
  log: AlarmLog
  /** The channel this board belongs to (null for the station's own alarms). */
  channel: { id: number; uuid: string } | null
  defaultOwner: string
  onChange: () => void
  /** Recording failed: the alarm still shows, history misses it. */
  onError: (err: unknown) => void
  /** Told of every occurrence raised, cleared or acknowledged (not of a message update). */
  onTransition?: (t: AlarmTransition) => void
}

export class AlarmBoard {
  private readonly active = new Map<string, Occurrence>()
  private readonly latched = new Map<number, Occurrence>()
  /** Ids for occurrences the store refused (shown, not in history). */
  private unrecorded = 0

  constructor(private readonly o: AlarmBoardOptions) {}

  private record<T>(write: () => T, fallback: T): T {
    try {
      return write()
    } catch (err) {
      this.o.onError(err)
      return fallback
    }
  }

  private transition(state: AlarmTransition['state'], a: Occurrence, atMs: number): void {
    if (!this.o.onTransition) return
    try {
      this.o.onTransition({ state, alarm: alarmDto(a), atMs })
    } catch (err) {
      this.o.onError(err)
    }
  }

  /** Returns true when something visible changed. */
  raise(key: AlarmKey, alarm: AlarmInput, atMs = this.o.clock.now()): boolean {
    const owner = alarm.owner ?? this.o.defaultOwner
    const existing = this.active.get(key)
    if (existing) {
      if (
        existing.message === alarm.message &&
        existing.severity === alarm.severity &&
        existing.owner === owner
      )
        return false
      Object.assign(existing, { message: alarm.message, severity: alarm.severity, owner })
      if (existing.id > 0)
        this.record(() => this.o.log.update(existing.id, alarm.severity, alarm.message), undefined)
    } else {
      const row = {
        channelId: this.o.channel?.id ?? null,
        key,
        kind: alarm.kind,
        severity: alarm.severity,
        message: alarm.message,
        raisedAt: atMs
      }
      const id = this.record(() => this.o.log.insert(row), -++this.unrecorded)
      const occurrence: Occurrence = {
        ...alarm,
        owner,
        key,
        sinceMs: atMs,
        id,
        clearedAtMs: null,
        acknowledgedAtMs: null,
        acknowledgedBy: null
      }
      this.active.set(key, occurrence)
      this.transition('raised', occurrence, atMs)
    }
    this.o.onChange()
    return true
  }

  clear(key: AlarmKey, atMs = this.o.clock.now()): boolean {
    const a = this.active.get(key)
    if (!a) return false
    this.active.delete(key)
    a.clearedAtMs = Math.max(atMs, a.sinceMs)
    if (a.id > 0) this.record(() => this.o.log.clear(a.id, a.clearedAtMs!), undefined)
    if (a.acknowledgedAtMs === null) this.latched.set(a.id, a)
    this.transition('cleared', a, a.clearedAtMs)
    this.o.onChange()
    return true
  }

  /** Clears every alarm the owner raised (it stopped, or was replaced). */
  clearOwner(owner: string): void {
    for (const a of [...this.active.values()]) if (a.owner === owner) this.clear(a.key)
  }

  /** An operator saw it: an active alarm stays until its condition goes; a latched one goes now. */
  acknowledge(id: number, by: Acknowledger): AlarmDto | undefined {
    const a = [...this.active.values()].find((x) => x.id === id) ?? this.latched.get(id)
    if (!a) return undefined
    if (a.acknowledgedAtMs === null) {
      a.acknowledgedAtMs = this.o.clock.now()
      a.acknowledgedBy = by.desk ?? by.actor
      if (a.id > 0) this.record(() => this.o.log.acknowledge(a.id, a.acknowledgedAtMs!, by), false)
      this.latched.delete(id)
      this.transition('acknowledged', a, a.acknowledgedAtMs)
      this.o.onChange()
    }
    return alarmDto(a)
  }

  /** Latched alarms of the previous run (cleared at restart, not yet acknowledged). */
  restore(rows: AlarmRow[]): void {
    for (const r of rows) {
      if (r.clearedAt === null || r.acknowledgedAt !== null) continue
      const channelUuid = this.o.channel?.uuid ?? null
      // The key as it was built when raised (alarmKeys), read back from history.
      this.latched.set(r.id, {
        ...r,
        key: r.key as AlarmKey,
        owner: 'previous run',
        sinceMs: r.raisedAt,
        clearedAtMs: r.clearedAt,
        acknowledgedAtMs: null,
        acknowledgedBy: null,
        channelUuid
      })
    }
    if (rows.length > 0) this.o.onChange()
  }

  has(key: AlarmKey): boolean {
    return this.active.has(key)
  }

  /** The alarms whose condition is present now. */
  list(): Alarm[] {
    return [...this.active.values()]
  }

  /** Active and latched, oldest first. */
  dtos(): AlarmDto[] {
    return [...this.active.values(), ...this.latched.values()]
      .sort((a, b) => a.sinceMs - b.sinceMs || a.id - b.id)
      .map(alarmDto)
  }
}

/**
 * The station's latest acknowledgements, newest first: an acknowledged latched alarm leaves the
 * status lists, and this is how every desk still learns it was acknowledged, by whom and when
 * (carried by every status event).
 */
export class RecentAcknowledgements {
  private list: AlarmDto[] = []

  constructor(readonly limit = 50) {}

  /** Notes an acknowledgement; other transitions are ignored. */
  note(t: AlarmTransition): void {
    if (t.state !== 'acknowledged') return
    const same = (x: AlarmDto) =>
      x.id === t.alarm.id && x.channelUuid === t.alarm.channelUuid && x.since === t.alarm.since
    this.list = [t.alarm, ...this.list.filter((x) => !same(x))].slice(0, this.limit)
  }

  dtos(): AlarmDto[] {
    return this.list
  }
}
