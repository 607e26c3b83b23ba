// Conformed playout (foundation): which channels have their media made ahead into the house format
// (src/media/conform.ts), how far ahead, and how much disk the renditions may take. Off unless the
// station file turns it on, so a station that never asked behaves as before.
import { z } from 'zod'
import type { LibraryJobDto } from './library'

export interface ConformSettings {
  enabled: boolean
  /** How far ahead of now the planner looks for items to conform. */
  aheadHours: number
  /** The renditions' cache folder may hold this much (GiB); least recently aired go first. */
  budgetGiB: number
  /** The channels (station-file ids) whose schedules are conformed; null: every channel. */
  channels: string[] | null
  /**
   * What a channel airing by copy counts against the producer budget, as a share of an encode
   * channel: 1/8 by default (measured: 1.6 % of a core a copy channel against 14.7 % an encode
   * channel at 360p30, rounded up for the remux starts of short items).
   */
  copyShare: number
}

export const DEFAULT_CONFORM: Readonly<ConformSettings> = {
  enabled: false,
  aheadHours: 48,
  budgetGiB: 50,
  channels: null,
  copyShare: 0.125
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
      .default(null),
    copyShare: z
      .number({ error: 'must be a share of an encode channel, from 0.01 to 1' })
      .min(0.01, { error: 'must be a share of an encode channel, from 0.01 to 1' })
      .max(1, { error: 'must be a share of an encode channel, from 0.01 to 1' })
      .default(DEFAULT_CONFORM.copyShare)
  },
  {
    // An unknown field is named (the API has no station-file formatter to do it).
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`
        : 'must be an object { enabled?, aheadHours?, budgetGiB?, channels?, copyShare? }'
  }
)

/**
 * The console's and the API's setting (PUT /api/conform): the station file's section, with the
 * same defaults (what a request leaves out takes its default, as a file's section does).
 */
export const conformRequest = conformSection
export type ConformRequest = z.input<typeof conformRequest>

/** The conform settings and what they have made: the cache's use and the conform jobs. */
export interface ConformDto extends ConformSettings {
  /** False when the station has no ffmpeg: the settings are kept, nothing is conformed. */
  available: boolean
  /** The output profile whose house format renditions are made in (e.g. "360p"); null: none. */
  profile: string | null
  /** What the renditions in the cache take, bytes. */
  cacheBytes: number
  /** The budget in bytes (budgetGiB). */
  budgetBytes: number
  /** Renditions in the cache. */
  renditions: number
  /** Conform jobs queued or running, running first (the library queue's jobs of kind conform). */
  jobs: LibraryJobDto[]
}
