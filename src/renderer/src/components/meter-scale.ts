// The audio meter's scale: -60..0 dBFS, linear in dB (as broadcast PPMs draw it).
export const FLOOR_DB = -60;

/** dBFS to a 0..1 bar height. */
export function meterFraction(db: number): number {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}
