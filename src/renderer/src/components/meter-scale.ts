// The audio meter's scale: -60..0 dBFS, linear in dB (as broadcast PPMs draw it).
export const FLOOR_DB = -60

/** dBFS to a 0..1 bar height. */
export function meterFraction(db: number): number {
  if (!Number.isFinite(db)) return 0
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB))
}

/** The loudness bar's scale in LU around the station's target: -18..+9 (the EBU +9 scale). */
export const LU_FLOOR = -18
export const LU_TOP = 9

/** LUFS to a 0..1 bar height on the LU scale around `target`. */
export function luFraction(lufs: number, target: number): number {
  if (!Number.isFinite(lufs)) return 0
  return Math.min(1, Math.max(0, (lufs - target - LU_FLOOR) / (LU_TOP - LU_FLOOR)))
}

/** The dBFS marks drawn beside the bars. */
export const METER_TICKS = [0, -6, -12, -18, -24, -36, -48, -60] as const

/** How long the highest peak stays marked before it falls to the current one (as PPMs hold it). */
export const PEAK_HOLD_MS = 2000

export interface PeakHold {
  db: number
  /** When it was reached (ms, any monotonic timeline). */
  atMs: number
}

/** The peak held after a reading of `db` at `nowMs`: a higher one takes over, a held one lasts PEAK_HOLD_MS. */
export function holdPeak(hold: PeakHold | null, db: number, nowMs: number): PeakHold {
  if (!hold || db >= hold.db || nowMs - hold.atMs > PEAK_HOLD_MS) return { db, atMs: nowMs }
  return hold
}
