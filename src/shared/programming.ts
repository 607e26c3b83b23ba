// Programming a channel: collections of library assets, a weekly template of slots that draw from
// them, one-off events that override it, and the preview / publish / revision cycle. The template
// is materialized into the playlog by the ScheduleService (the same code serves the preview), so
// what the console previews and the guide lists is what airs.
//
// Times of day are wall-clock "HH:MM" in the channel's zone. A slot's `days` name broadcast days:
// a time earlier than the channel's rollover lies on the next calendar date (with the default
// 06:00 rollover, a Monday slot at 02:00 airs early Tuesday). A slot may not cross the rollover.
import { z } from 'zod'
import { describeChoices, PLAYLOG_ITEM_TYPES } from './domain'
import { ASSET_KINDS, libraryFolderId } from './library'

// ---- collections -------------------------------------------------------------------------------

/** A collection id: short, lowercase, as the station file names it (`{ "id": "toons", ... }`). */
export const collectionId = z
  .string({ error: 'must be a collection id' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
    error:
      'must be a collection id: 1 to 40 lowercase letters, digits, - or _, starting with a letter or digit'
  })

/**
 * An asset as a collection or a one-off names it: the library's asset id (the console), or
 * `"<folder id>:<path inside the folder>"` (the station file; an export writes this spelling so the
 * file works in another data folder with the same media).
 */
export const assetRef = z.union(
  [z.number().int().positive(), z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}:.+$/)],
  { error: 'must be an asset id or "<folder>:<path in the folder>"' }
)
export type AssetRef = z.infer<typeof assetRef>

const name = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })

/** A saved filter: every field given narrows it (as the library's search does). */
export const collectionFilter = z.strictObject(
  {
    kind: z.enum(ASSET_KINDS, { error: `must be ${describeChoices(ASSET_KINDS)}` }).optional(),
    genre: name.optional(),
    show: name.optional(),
    /** Words in the title, show or path. */
    text: name.optional(),
    folder: libraryFolderId.optional(),
    minDurationMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(0, { error: 'must not be negative' })
      .optional(),
    maxDurationMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(0, { error: 'must not be negative' })
      .optional()
  },
  {
    error:
      'must be an object { kind?, genre?, show?, text?, folder?, minDurationMs?, maxDurationMs? }'
  }
)
export type CollectionFilter = z.infer<typeof collectionFilter>

const COLLECTION_SHAPES =
  'must be one of { show }, { folder: "<folder id>:<path>" }, { list: [assets] }, { filter: {...} }, each with an optional name'

/**
 * What a collection holds, in its airing order: a show's episodes (season, episode, then title), a
 * folder's files (by path; `"bumps:"` is the whole folder, `"tv:Cartoons/"` a folder inside it),
 * a hand-made list (in its order), or a saved filter (by title).
 */
export const collectionDefinition = z.union(
  [
    z.strictObject({ name: name.optional(), show: name }),
    z.strictObject({
      name: name.optional(),
      folder: z
        .string({ error: 'must be "<folder id>:" or "<folder id>:<path in the folder>"' })
        .regex(/^[a-z0-9][a-z0-9_-]{0,39}:/, {
          error: 'must be "<folder id>:" or "<folder id>:<path in the folder>"'
        })
        .max(4096)
    }),
    z.strictObject({
      name: name.optional(),
      list: z
        .array(assetRef, { error: 'must be an array of assets' })
        .max(10_000, { error: 'must have at most 10000 assets' })
    }),
    z.strictObject({ name: name.optional(), filter: collectionFilter })
  ],
  { error: COLLECTION_SHAPES }
)
export type CollectionDefinition = z.infer<typeof collectionDefinition>

export const COLLECTION_KINDS = ['show', 'folder', 'list', 'filter'] as const
export type CollectionKind = (typeof COLLECTION_KINDS)[number]

export interface CollectionDto {
  id: string
  /** The given name, else the id. */
  name: string
  kind: CollectionKind
  definition: CollectionDefinition
  /** Assets it holds now, and how many of them can air (the rest offline, missing, unplayable...). */
  assets: number
  playable: number
  /** Total duration of the playable assets. */
  durationMs: number
  /** Where templates use it: `<channel name> slot <n>` (a used collection cannot be deleted). */
  usedBy: string[]
}

/** One asset of a collection, in the collection's order. */
export interface CollectionItemDto {
  assetId: number
  title: string
  show: string | null
  season: number | null
  episode: number | null
  durationMs: number | null
  /** Can air now (status ok). */
  playable: boolean
  /** The asset's file name (not its path). */
  file: string
}

// ---- the weekly template -----------------------------------------------------------------------

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]
export const SLOT_ORDERS = ['sequential', 'shuffle', 'random'] as const
export type SlotOrder = (typeof SLOT_ORDERS)[number]
export const SLOT_FILLS = ['once', 'count', 'fill'] as const
export type SlotFill = (typeof SLOT_FILLS)[number]
export const PAD_MINUTES = [5, 15, 30, 60] as const
export type PadMinutes = (typeof PAD_MINUTES)[number]
/** shift: the item airs whole and what follows moves later; skip: an item that would run past the slot's end is not aired. */
export const SLOT_OVERRUNS = ['shift', 'skip'] as const
export type SlotOverrun = (typeof SLOT_OVERRUNS)[number]
/** Where a slot's padding comes from when no filler collection is named. */
export const SLATE = 'slate'

export const MAX_TEMPLATE_SLOTS = 500
export const MAX_TEMPLATE_EVENTS = 500

/** A wall-clock time of day, "HH:MM" (00:00 to 23:59; "24:00" as an end means midnight). */
export const timeOfDay = z
  .string({ error: 'must be a time of day "HH:MM"' })
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'must be a time of day "HH:MM"' })

/** A broadcast day by its label (the local date on which it starts). */
export const dateLabel = z
  .string({ error: 'must be a date, YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date, YYYY-MM-DD' })

const itemType = z.enum(PLAYLOG_ITEM_TYPES, {
  error: `must be one of ${PLAYLOG_ITEM_TYPES.join(', ')}`
})
const seed = z
  .number({ error: 'must be a whole number' })
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must be from 0 to 4294967295' })
  .max(0xffff_ffff, { error: 'must be from 0 to 4294967295' })

/** A collection's share in a `random` slot. */
export const weightedCollection = z.strictObject(
  {
    collection: collectionId,
    weight: z
      .number({ error: 'must be a positive number' })
      .positive({ error: 'must be a positive number' })
      .max(1000, { error: 'must be at most 1000' })
  },
  { error: 'must be an object { collection, weight }' }
)

/** The id a slot or an event keeps across edits (revisions tell moves from removals by it). */
export const slotId = z
  .string({ error: 'must be a slot id' })
  .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'must be 1 to 40 letters, digits, - or _' })

/**
 * One slot of the week. `collection` for sequential and shuffle; `weights` (instead) for random.
 * `count` with fill "count". Padding (padToMinutes) starts the next item on the boundary, filled
 * from `filler` (a collection) or the slate. `bumpers`: one item of that collection between items.
 */
export const templateSlot = z
  .strictObject(
    {
      id: slotId.optional(),
      days: z
        .array(z.enum(WEEKDAYS, { error: `must be ${describeChoices(WEEKDAYS)}` }), {
          error: 'must be an array of days: mon, tue, wed, thu, fri, sat, sun'
        })
        .min(1, { error: 'must name at least one day' })
        .max(7),
      start: timeOfDay,
      end: timeOfDay,
      title: name.optional(),
      collection: collectionId.optional(),
      order: z
        .enum(SLOT_ORDERS, { error: `must be ${describeChoices(SLOT_ORDERS)}` })
        .default('sequential'),
      weights: z
        .array(weightedCollection, { error: 'must be an array of { collection, weight }' })
        .min(1)
        .max(20)
        .optional(),
      seed: seed.optional(),
      fill: z.enum(SLOT_FILLS, { error: `must be ${describeChoices(SLOT_FILLS)}` }).default('fill'),
      count: z
        .number({ error: 'must be a whole number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be from 1 to 500' })
        .max(500, { error: 'must be from 1 to 500' })
        .optional(),
      padToMinutes: z
        .union(
          PAD_MINUTES.map((m) => z.literal(m)),
          { error: 'must be 5, 15, 30 or 60' }
        )
        .optional(),
      filler: z
        .union([z.literal(SLATE), collectionId], {
          error: 'must be a collection id or "slate"'
        })
        .optional(),
      overrun: z
        .enum(SLOT_OVERRUNS, { error: `must be ${describeChoices(SLOT_OVERRUNS)}` })
        .default('shift'),
      bumpers: collectionId.optional(),
      type: itemType.default('program')
    },
    {
      error:
        'must be a slot { days, start, end, collection | weights, order?, fill?, count?, padToMinutes?, filler?, overrun?, bumpers? }'
    }
  )
  .superRefine((slot, ctx) => {
    if (slot.order === 'random') {
      if (!slot.weights)
        ctx.addIssue({
          code: 'custom',
          path: ['weights'],
          message: 'is required when order is "random"'
        })
      if (slot.collection !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['collection'],
          message: 'must be absent when order is "random" (name the collections in weights)'
        })
    } else {
      if (slot.collection === undefined)
        ctx.addIssue({ code: 'custom', path: ['collection'], message: 'is required' })
      if (slot.weights !== undefined)
        ctx.addIssue({ code: 'custom', path: ['weights'], message: 'is only for order "random"' })
    }
    if (slot.fill === 'count' && slot.count === undefined)
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'is required when fill is "count"' })
    if (slot.fill !== 'count' && slot.count !== undefined)
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'is only for fill "count"' })
    if (new Set(slot.days).size !== slot.days.length)
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'names a day twice' })
  })
export type TemplateSlot = z.output<typeof templateSlot>
export type TemplateSlotInput = z.input<typeof templateSlot>

/**
 * A one-off on a broadcast day (a special at 20:00 on Saturday): overrides the template from
 * `start` to `end` (absent: until its items end); the template resumes after it, within the slot
 * it interrupted. Airs `asset`, or `count` items of `collection` (in its order, from its start).
 */
export const templateEvent = z
  .strictObject(
    {
      id: slotId.optional(),
      date: dateLabel,
      start: timeOfDay,
      end: timeOfDay.optional(),
      title: name.optional(),
      asset: assetRef.optional(),
      collection: collectionId.optional(),
      count: z
        .number({ error: 'must be a whole number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be from 1 to 100' })
        .max(100, { error: 'must be from 1 to 100' })
        .default(1),
      type: itemType.default('program')
    },
    {
      error: 'must be an event { date, start, end?, asset | collection, count?, title?, type? }'
    }
  )
  .superRefine((event, ctx) => {
    if ((event.asset === undefined) === (event.collection === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['asset'],
        message: 'give exactly one of asset or collection'
      })
  })
export type TemplateEvent = z.output<typeof templateEvent>

/** A channel's weekly template with its one-off events. */
export const channelTemplate = z.strictObject(
  {
    slots: z
      .array(templateSlot, { error: 'must be an array of slots' })
      .max(MAX_TEMPLATE_SLOTS, { error: `must have at most ${MAX_TEMPLATE_SLOTS} slots` }),
    events: z
      .array(templateEvent, { error: 'must be an array of events' })
      .max(MAX_TEMPLATE_EVENTS, { error: `must have at most ${MAX_TEMPLATE_EVENTS} events` })
      .default([])
  },
  { error: 'must be a template { slots, events? }' }
)
export type ChannelTemplate = z.output<typeof channelTemplate>
export type ChannelTemplateInput = z.input<typeof channelTemplate>

/** A problem with a template as the engine judges it (overlapping slots, an unknown collection...). */
export interface TemplateProblemDto {
  /** JSON path in the template, e.g. `$.slots[2].collection`. */
  path: string
  message: string
}

// ---- preview, draft, publish, revisions --------------------------------------------------------

/** The longest window one preview covers. */
export const MAX_PREVIEW_DAYS = 31

const instantText = z.string({ error: 'must be an ISO 8601 instant' }).max(64)

/** A preview of the draft (or of `template`, unsaved) over [from, to); absent: the next 7 days. */
export const templatePreviewRequest = z.strictObject({
  template: channelTemplate.optional(),
  from: instantText.optional(),
  to: instantText.optional()
})
export type TemplatePreviewRequest = z.input<typeof templatePreviewRequest>

/** Publishes the draft: re-plans from `at` (absent: the next slot boundary); the item on air is never cut. */
export const templatePublishRequest = z.strictObject({
  at: instantText.optional(),
  /** A note for the revision. */
  note: z.string({ error: 'must be text' }).trim().max(500).optional()
})
export type TemplatePublishRequest = z.input<typeof templatePublishRequest>

export const revisionId = z.coerce
  .number({ error: 'must be a revision id' })
  .int({ error: 'must be a revision id' })
  .positive({ error: 'must be a revision id' })

/**
 * What a preview or the playlog holds at an instant: `program` (a slot's item), `event` (a
 * one-off's), `bumper`, `filler` (padding from a collection), `slate` (padding with the slate, or a
 * collection with nothing that can air), `gap` (no slot covers it).
 */
export const PREVIEW_KINDS = ['program', 'event', 'bumper', 'filler', 'slate', 'gap'] as const
export type PreviewKind = (typeof PREVIEW_KINDS)[number]

export interface PreviewItemDto {
  kind: PreviewKind
  /** ISO instants in the channel's zone. */
  start: string
  end: string
  durationMs: number
  title: string
  /** The asset's id and file name; null for slate and gaps. */
  assetId: number | null
  asset: string | null
  /** The slot (its id, else `#<index>`) or event it comes from; null for a gap. */
  slot: string | null
  collection: string | null
  /** How far it runs past its slot's end (shifting what follows); absent when it does not. */
  overrunMs?: number
}

export interface TemplatePreviewDto {
  channel: string
  timezone: string
  rolloverMinutes: number
  from: string
  to: string
  items: PreviewItemDto[]
  /** Problems that stop it being published (overlapping slots...); the items are empty when there are any. */
  problems: TemplateProblemDto[]
  /** Warnings that do not stop it: a collection with nothing playable airs the slate, items skipped to fit. */
  warnings: TemplateProblemDto[]
  totals: { programMs: number; fillerMs: number; slateMs: number; gapMs: number; overruns: number }
}

export interface TemplateDraftDto {
  template: ChannelTemplate
  savedAt: string
  by: string
  problems: TemplateProblemDto[]
}

export interface TemplatePublishedDto {
  template: ChannelTemplate
  revision: number
  publishedAt: string
  by: string
}

/** A channel's programming: what is published (null: the channel is not templated) and the unpublished draft. */
export interface ChannelTemplateDto {
  channel: string
  timezone: string
  rolloverMinutes: number
  published: TemplatePublishedDto | null
  draft: TemplateDraftDto | null
}

/** What a publish changed in the playlog from the re-plan instant to the horizon. */
export interface RevisionSummaryDto {
  added: number
  removed: number
  moved: number
}

export interface TemplateRevisionDto {
  id: number
  channel: string
  /** Who published it (operator, api, import). */
  by: string
  at: string
  note: string | null
  /** The revision it restored; null for an ordinary publish. */
  restoredFrom: number | null
  summary: RevisionSummaryDto
  template: ChannelTemplate
}

export interface TemplatePublishDto {
  revision: TemplateRevisionDto
  /** The instant the playlog was re-planned from (after the item on air). */
  replannedFrom: string
  /** The end of the materialized horizon. */
  horizon: string
}

/** A station file as an export writes it (the station file's own spelling, version 1). */
export type StationExportDto = { version: 1 } & Record<string, unknown>
