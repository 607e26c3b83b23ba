// Conformed playout (foundation): which channels have their media made ahead into the house format
// (src/media/conform.ts), how far ahead, and how much disk the renditions may take. Off unless the
// station file turns it on, so a station that never asked behaves as before.
import { z } from 'zod'

export interface ConformSettings {
  enabled: boolean
  /** How far ahead of now the planner looks for items to conform. */
  aheadHours: number
  /** The renditions' cache folder may hold this much (GiB); least recently aired go first. */
  budgetGiB: number
  /** The channels (station-file ids) whose schedules are conformed; null: every channel. */
  channels: string[] | null
}

export const DEFAULT_CONFORM: Readonly<ConformSettings> = {
  enabled: false,
  aheadHours: 48,
  budgetGiB: 50,
  channels: null
}

/** The most hours ahead a planner may look (a week). */
export const MAX_CONFORM_AHEAD_HOURS = 168

/**
 * The station file's `conform` section. Its presence turns conforming on (`"enabled": false` keeps
 * the settings but stops it); absent, the stored settings stay.
 */
export const conformSection = z.strictObject(
  {
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    aheadHours: z
      .number({ error: 'must be a number of hours' })
      .int({ error: 'must be a whole number of hours' })
      .min(1, { error: `must be from 1 to ${MAX_CONFORM_AHEAD_HOURS} hours` })
      .max(MAX_CONFORM_AHEAD_HOURS, { error: `must be from 1 to ${MAX_CONFORM_AHEAD_HOURS} hours` })
      .default(DEFAULT_CONFORM.aheadHours),
    budgetGiB: z
      .number({ error: 'must be a number of GiB' })
      .positive({ error: 'must be more than 0 GiB' })
      .max(1_000_000, { error: 'must be at most 1000000 GiB' })
      .default(DEFAULT_CONFORM.budgetGiB),
    channels: z
      .array(z.string({ error: "must be this file's channel ids" }), {
        error: "must be an array of this file's channel ids"
      })
      .nullable()
      .default(null)
  },
  { error: 'must be an object { enabled?, aheadHours?, budgetGiB?, channels? }' }
)
