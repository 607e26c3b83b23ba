// Station-wide settings from the station file, one JSON value per key, kept so that a restarted
// station runs with what was imported. Read back over the defaults: a value stored by an older
// build (fewer fields) still reads whole.
import type { Db } from './database'
import {
  DEFAULT_LOUDNESS,
  DEFAULT_OUTPUT_HEALTH,
  LOUDNESS_STANDARDS,
  type LoudnessSettings,
  type OutputHealthSettings
} from '../shared/domain'

const OUTPUT_HEALTH = 'output-health'
const LOUDNESS = 'loudness'

function overDefaults<T extends object>(defaults: T, stored: unknown): T {
  if (!stored || typeof stored !== 'object') return { ...defaults }
  const out = { ...defaults } as Record<string, unknown>
  for (const [k, v] of Object.entries(defaults)) {
    const s = (stored as Record<string, unknown>)[k]
    if (typeof s === typeof v) out[k] = s
  }
  return out as T
}

export class SettingsRepo {
  private readonly getStmt
  private readonly putStmt
  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>(
      'SELECT value_json AS value FROM station_settings WHERE key = ?'
    )
    this.putStmt = db.prepare(
      `INSERT INTO station_settings (key, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`
    )
  }

  private get(key: string): unknown {
    const row = this.getStmt.get(key)
    if (!row) return undefined
    try {
      return JSON.parse(row.value) as unknown
    } catch {
      return undefined
    }
  }

  /** How outputs are watched: what the station file set, the field defaults for the rest. */
  outputHealth(): OutputHealthSettings {
    const stored = this.get(OUTPUT_HEALTH) as
      Partial<Record<keyof OutputHealthSettings, unknown>> | undefined
    return {
      black: overDefaults(DEFAULT_OUTPUT_HEALTH.black, stored?.black),
      freeze: overDefaults(DEFAULT_OUTPUT_HEALTH.freeze, stored?.freeze),
      silence: overDefaults(DEFAULT_OUTPUT_HEALTH.silence, stored?.silence)
    }
  }

  setOutputHealth(settings: OutputHealthSettings, atMs: number): void {
    this.putStmt.run(OUTPUT_HEALTH, JSON.stringify(settings), atMs)
  }

  /** The loudness target: what the station file or the console set, EBU R128 for the rest. */
  loudness(): LoudnessSettings {
    const stored = this.get(LOUDNESS) as
      Partial<Record<keyof LoudnessSettings, unknown>> | undefined
    const base = overDefaults(
      {
        standard: DEFAULT_LOUDNESS.standard,
        targetLufs: DEFAULT_LOUDNESS.targetLufs,
        truePeakDbtp: DEFAULT_LOUDNESS.truePeakDbtp
      },
      stored
    )
    return {
      ...base,
      standard: LOUDNESS_STANDARDS.includes(base.standard)
        ? base.standard
        : DEFAULT_LOUDNESS.standard,
      alarm: overDefaults(DEFAULT_LOUDNESS.alarm, stored?.alarm)
    }
  }

  setLoudness(settings: LoudnessSettings, atMs: number): void {
    this.putStmt.run(LOUDNESS, JSON.stringify(settings), atMs)
  }
}
