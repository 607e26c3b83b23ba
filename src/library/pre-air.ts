// The pre-air check: playlog items of the next 24 hours whose file cannot air (its folder offline,
// the file missing, unplayable, unreadable, empty) raise a WARNING naming the channel, the time and
// the file, hours before air; the alarm clears when the file is back (or the item is gone). Runs on
// library and schedule changes and periodically (a simulated clock in tests).
import type { MasterClock, TimerHandle } from '../shared/clock'
import type { AlarmKind, AlarmSeverity } from '../shared/domain'
import { formatInstant } from '../shared/time'
import { alarmKeys, type AlarmKey } from '../runtime/alarm-keys'
import { TemplatePlanner } from '../schedule/template-plan'
import type { Store } from '../store'

/** How far ahead the check looks. */
export const PRE_AIR_HORIZON_MS = 24 * 3600_000
/** A burst of library changes runs the check once, this long after the first. */
const SOON_MS = 200

/** The station's alarm board, as much of it as the check needs. */
export interface PreAirAlarms {
  raise(
    key: AlarmKey,
    alarm: {
      kind: AlarmKind
      severity: AlarmSeverity
      message: string
      channelUuid: string | null
      owner?: string
    }
  ): boolean
  clear(key: AlarmKey): boolean
  list(): Array<{ key: string }>
}

const STATUS_WORDS: Record<string, string> = {
  offline: 'is offline',
  missing: 'is missing',
  unplayable: 'is not playable',
  unreadable: 'cannot be read',
  empty: 'is empty'
}

export class PreAirCheck {
  private timer: TimerHandle | null = null
  private soonTimer: TimerHandle | null = null

  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    private readonly alarms: PreAirAlarms,
    private readonly periodMs: number
  ) {}

  start(): void {
    this.timer ??= this.clock.every(this.periodMs, () => this.check())
    this.check()
  }

  stop(): void {
    this.timer?.cancel()
    this.soonTimer?.cancel()
    this.timer = this.soonTimer = null
  }

  /** Runs the check shortly (a burst of changes runs it once). */
  soon(): void {
    if (!this.timer) return
    this.soonTimer ??= this.clock.after(SOON_MS, () => {
      this.soonTimer = null
      this.check()
    })
  }

  /** Raises what is at risk now, clears what no longer is. */
  check(): void {
    if (!this.timer || !this.store.db.open) return
    const now = this.clock.now()
    const items = this.store.library.atRisk(now, now + PRE_AIR_HORIZON_MS)
    const wanted = new Map<AlarmKey, (typeof items)[number]>()
    // One alarm per channel and file, naming its first airing.
    for (const it of items) {
      const key = alarmKeys.preAir(it.channelId, it.assetId)
      if (!wanted.has(key)) wanted.set(key, it)
    }
    // Templated channels: a slot whose collection has nothing that can air has no item in the
    // playlog at all (the slate airs there), so it is found from the template.
    const dark = new Map<AlarmKey, { channel: string; uuid: string; at: number; text: string }>()
    const planner = new TemplatePlanner(this.store)
    for (const row of this.store.programming.templates()) {
      const channel = this.store.channels.byId(row.channelId)
      if (!row.publishedJson || !channel?.isActive) continue
      for (const d of planner.darkSlots(channel, now, now + PRE_AIR_HORIZON_MS))
        dark.set(alarmKeys.preAirCollection(channel.id, d.collection), {
          channel: channel.name,
          uuid: channel.uuid,
          at: d.startMs,
          text: `collection "${d.collection}" (slot ${d.slot})`
        })
    }
    for (const a of this.alarms.list())
      if (
        alarmKeys.isPreAir(a.key) &&
        !wanted.has(a.key as AlarmKey) &&
        !dark.has(a.key as AlarmKey)
      )
        this.alarms.clear(a.key as AlarmKey)
    for (const [key, it] of wanted) {
      const when = this.when(it.startMs, now)
      this.alarms.raise(key, {
        kind: 'pre-air',
        severity: 'warning',
        channelUuid: it.channelUuid,
        owner: 'library',
        message: `${it.channelName} airs ${it.path} ${when}, but the file ${STATUS_WORDS[it.status] ?? it.status}${it.reason ? `: ${it.reason}` : ''}`
      })
    }
    for (const [key, d] of dark)
      this.alarms.raise(key, {
        kind: 'pre-air',
        severity: 'warning',
        channelUuid: d.uuid,
        owner: 'library',
        message: `${d.channel} airs ${d.text} ${this.when(d.at, now)}, but nothing in it can air (its files are offline, missing or unplayable): the slate airs instead`
      })
  }

  private when(at: number, now: number): string {
    const hours = Math.max(0, (at - now) / 3600_000)
    return at <= now ? 'now' : `at ${formatInstant(at)} (in ${hours.toFixed(1)} h)`
  }
}
