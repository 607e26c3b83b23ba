// Station files (JSON, "version": 1): parsing and validation, all before anything is written.
//
// Every problem is reported with the file, the JSON path and what is wrong, e.g.
//   station.json: $.channels[0].schedule[3].start: "2026-11-25T11:00:00" is not an ISO 8601 instant with a zone
// Validation collects every problem it can find rather than stopping at the first.
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import {
  CHANNEL_KINDS,
  DEFAULT_LOGO_PLACEMENT,
  describeChoices,
  DEFAULT_OUTPUT_HEALTH,
  LOGO_CORNERS,
  LOGO_MARGIN_PERCENT,
  LOGO_WIDTH_PERCENT,
  type LogoPlacement,
  type LoudnessSettings,
  type OutputHealthSettings,
  PLAYLOG_ITEM_TYPES
} from '../shared/domain'
import { checkLogoPng } from '../shared/logo'
import { loudnessRequest } from '../shared/station-api'
import { libraryFolderId } from '../shared/library'
import { conformSection, type ConformSettings } from '../shared/conform'
import {
  MAX_WEBHOOKS,
  webhookId,
  webhookSecret,
  webhookSeverities,
  webhookUrl
} from '../shared/webhooks'
import { formatInstant, isValidZone, parseInstant } from '../shared/time'
import { MAX_OUTPUTS_PER_CHANNEL, outputUrl, sameDestination } from '../shared/output-url'
import type { FfmpegTools } from '../media/ffmpeg'
import { ProbeError, probeMedia, type ProbeResult } from '../media/probe'
import { DEFAULT_ROLLOVER_MINUTES } from './broadcast-day'
import { jsonPath, MAX_STATION_FILE_BYTES, parseStrictJson } from './strict-json'
import {
  type ChannelTemplate,
  channelTemplate,
  type CollectionDefinition,
  collectionDefinition,
  collectionId
} from '../shared/programming'
import { checkTemplate } from './template'

export const STATION_FILE_VERSION = 1
/** The most library folders one file may list. */
export const MAX_LIBRARY_FOLDERS = 64
/** An item may end this much past its asset's probed end (container durations are rounded, audio primed). */
export const ASSET_END_TOLERANCE_MS = 100

export interface StationFileProblem {
  path: string
  message: string
}

export class StationFileError extends Error {
  override readonly name = 'StationFileError'
  constructor(
    readonly file: string,
    readonly problems: StationFileProblem[]
  ) {
    super(problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'))
  }
}

const slug = z.string({ error: 'must be a string' }).regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  error: 'must be a slug: lowercase letters, digits and "-", 1-63 characters'
})
const title = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
const positiveMs = z
  .number({ error: 'must be a number of milliseconds' })
  .int({ error: 'must be a whole number of milliseconds' })
  .positive({ error: 'must be positive' })
  .max(31 * 24 * 3600 * 1000, { error: 'must be at most 31 days' })
const nonNegativeMs = z
  .number({ error: 'must be a number of milliseconds' })
  .int({ error: 'must be a whole number of milliseconds' })
  .min(0, { error: 'must not be negative' })
const instant = z
  .string({ error: 'must be an ISO 8601 instant string' })
  .superRefine((text, ctx) => {
    try {
      parseInstant(text, 'instant')
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^instant: /, '') })
    }
  })
const itemType = z.enum(PLAYLOG_ITEM_TYPES, {
  error: `must be one of ${PLAYLOG_ITEM_TYPES.join(', ')}`
})
const asset = z
  .string({ error: 'must be a path to a media file' })
  .min(1, { error: 'must not be empty' })

const scheduleItem = z.strictObject({
  title,
  asset,
  start: instant,
  durationMs: positiveMs,
  inPointMs: nonNegativeMs.default(0),
  type: itemType.default('program')
})

const loopItem = z.union(
  [
    z.strictObject({
      title,
      asset,
      durationMs: positiveMs,
      inPointMs: nonNegativeMs.default(0),
      type: itemType.default('program')
    }),
    // A deliberate hole in the rotation: nothing is scheduled, the channel airs its slate.
    z.strictObject({ gapMs: positiveMs })
  ],
  { error: 'must be an item { title, asset, durationMs, inPointMs?, type? } or a gap { gapMs }' }
)

// A channel's logo: the PNG (relative to the file) and its placement, each field defaulted.
const L = DEFAULT_LOGO_PLACEMENT
const percent = (range: { min: number; max: number }) =>
  z
    .number({ error: 'must be a percentage' })
    .min(range.min, { error: `must be from ${range.min} to ${range.max} (percent)` })
    .max(range.max, { error: `must be from ${range.min} to ${range.max} (percent)` })
const logo = z.strictObject(
  {
    path: z
      .string({ error: 'must be a path to a PNG file' })
      .min(1, { error: 'must not be empty' }),
    corner: z
      .enum(LOGO_CORNERS, { error: `must be one of ${LOGO_CORNERS.join(', ')}` })
      .default(L.corner),
    marginPercent: percent(LOGO_MARGIN_PERCENT).default(L.marginPercent),
    widthPercent: percent(LOGO_WIDTH_PERCENT).default(L.widthPercent),
    opacity: z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, { error: 'must be from 0 to 1' })
      .max(1, { error: 'must be from 0 to 1' })
      .default(L.opacity),
    hideDuring: z
      .array(itemType, { error: 'must be an array of item types' })
      .default([...L.hideDuring])
  },
  {
    error:
      'must be an object { path, corner?, marginPercent?, widthPercent?, opacity?, hideDuring? }, or null for no logo'
  }
)

/**
 * A channel number as viewers' software shows it: a major number, optionally with a minor one
 * ("7", "7.1"), no leading zeros (so "7" and "07" cannot both exist). A JSON whole number is taken too.
 */
const CHANNEL_NUMBER = /^[1-9]\d{0,4}(\.[1-9]\d{0,2})?$/
const channelNumber = z
  .union([z.string(), z.number()], { error: 'must be a channel number such as "7" or "7.1"' })
  .transform((n) => (typeof n === 'number' && Number.isInteger(n) ? String(n) : n))
  .refine((n) => typeof n === 'string' && CHANNEL_NUMBER.test(n), {
    error:
      'must be a channel number such as "7" or "7.1" (1 to 99999, optionally a dot and 1 to 999, no leading zeros; a decimal like 7.1 must be a string)'
  })
  .transform((n) => n as string)

const channel = z.strictObject({
  id: slug,
  name: title,
  number: channelNumber.optional(),
  timezone: z.string({ error: 'must be an IANA time zone name' }).refine(isValidZone, {
    error: (issue) => `"${String(issue.input)}" is not a known IANA time zone`
  }),
  rolloverMinutes: z
    .number({ error: 'must be a number of minutes after local midnight' })
    .int({ error: 'must be a whole number of minutes' })
    .min(0, { error: 'must be from 0 to 1439' })
    .max(1439, { error: 'must be from 0 to 1439' })
    .default(DEFAULT_ROLLOVER_MINUTES),
  kind: z
    .enum(CHANNEL_KINDS, { error: `must be ${describeChoices(CHANNEL_KINDS)}` })
    .default('normal'),
  schedule: z.array(scheduleItem, { error: 'must be an array of items' }).optional(),
  loop: z
    .strictObject({
      epoch: instant,
      items: z
        .array(loopItem, { error: 'must be an array' })
        .min(1, { error: 'must have at least one item' })
    })
    .optional(),
  // The weekly template (src/shared/programming.ts): materialized into the playlog a horizon ahead.
  template: channelTemplate.optional(),
  // Push destinations; absent leaves the channel's stored outputs as they are, [] removes them.
  outputs: z
    .array(
      z.strictObject({
        url: outputUrl,
        enabled: z.boolean({ error: 'must be true or false' }).default(true)
      }),
      { error: 'must be an array of { "url": "rtmp://..." }' }
    )
    .max(MAX_OUTPUTS_PER_CHANNEL, { error: `must list at most ${MAX_OUTPUTS_PER_CHANNEL} outputs` })
    .optional(),
  // The channel's bug; absent leaves the stored logo as it is, null removes it.
  logo: logo.nullable().optional()
})

// How outputs are watched while media airs; every field defaults to the field's convention.
const H = DEFAULT_OUTPUT_HEALTH
const enabled = z.boolean({ error: 'must be true or false' })
const conditionMs = z
  .number({ error: 'must be a number of milliseconds' })
  .int({ error: 'must be a whole number of milliseconds' })
  .min(100, { error: 'must be at least 100 ms' })
  .max(3_600_000, { error: 'must be at most 1 hour' })
const fraction = z
  .number({ error: 'must be a number from 0 to 1' })
  .min(0, { error: 'must be from 0 to 1' })
  .max(1, { error: 'must be from 0 to 1' })
const health = z.strictObject(
  {
    black: z
      .strictObject({
        enabled: enabled.default(H.black.enabled),
        threshold: fraction.default(H.black.threshold),
        durationMs: conditionMs.default(H.black.durationMs)
      })
      .optional(),
    freeze: z
      .strictObject({
        enabled: enabled.default(H.freeze.enabled),
        threshold: fraction.default(H.freeze.threshold),
        durationMs: conditionMs.default(H.freeze.durationMs)
      })
      .optional(),
    silence: z
      .strictObject({
        enabled: enabled.default(H.silence.enabled),
        thresholdDb: z
          .number({ error: 'must be a level in dBFS' })
          .min(-120, { error: 'must be from -120 to 0 dBFS' })
          .max(0, { error: 'must be from -120 to 0 dBFS' })
          .default(H.silence.thresholdDb),
        durationMs: conditionMs.default(H.silence.durationMs)
      })
      .optional()
  },
  { error: 'must be an object { black?, freeze?, silence? }' }
)

const stationFileSchema = z.strictObject({
  version: z.literal(STATION_FILE_VERSION, {
    error: `unknown version: this build reads station files of version ${STATION_FILE_VERSION}`
  }),
  health: health.optional(),
  // The loudness target (the same rules as the console's setting); absent leaves the stored one.
  loudness: loudnessRequest.optional(),
  // Media library folders (paths relative to the file); absent or unlisted folders stay as stored.
  library: z
    .array(
      z.strictObject(
        {
          id: libraryFolderId,
          path: z
            .string({ error: 'is required and must be a string' })
            .min(1, { error: 'must not be empty' })
            .max(4096, { error: 'must be at most 4096 characters' })
        },
        { error: 'must be an object { id, path }' }
      ),
      { error: 'must be an array of folders { id, path }' }
    )
    .max(MAX_LIBRARY_FOLDERS, { error: `must list at most ${MAX_LIBRARY_FOLDERS} folders` })
    .optional(),
  // Conformed playout: which channels have their media made ahead into the house format; its
  // presence turns it on, absent leaves the stored settings (off unless a file turned it on).
  conform: conformSection.optional(),
  // Collections templates draw from; absent or unlisted ones stay as stored.
  collections: z
    .array(
      z.looseObject(
        { id: collectionId },
        { error: 'must be a collection { id, show | folder | list | filter }' }
      ),
      { error: 'must be an array of collections' }
    )
    .max(1000, { error: 'must list at most 1000 collections' })
    .optional(),
  channels: z
    .array(channel, { error: 'must be an array of channels' })
    .min(1, { error: 'must list at least one channel' }),
  // Alarm webhooks (channels by this file's channel ids); absent or unlisted webhooks stay as stored.
  webhooks: z
    .array(
      z.strictObject(
        {
          id: webhookId,
          url: webhookUrl,
          secret: webhookSecret,
          severities: webhookSeverities.default(['warning', 'critical']),
          channels: z
            .array(slug, { error: "must be an array of this file's channel ids" })
            .nullable()
            .default(null),
          enabled: z.boolean({ error: 'must be true or false' }).default(true)
        },
        { error: 'must be an object { id, url, secret, severities?, channels?, enabled? }' }
      ),
      { error: 'must be an array of webhooks' }
    )
    .max(MAX_WEBHOOKS, { error: `must list at most ${MAX_WEBHOOKS} webhooks` })
    .optional()
})

export type StationFileJson = z.output<typeof stationFileSchema>

/** A validated channel, asset paths resolved and probed, ready for the importer. */
export interface ValidatedChannel {
  slug: string
  name: string
  /** The channel number, or null when the file gives none. */
  number: string | null
  timezone: string
  rolloverMinutes: number
  kind: 'normal' | 'guide'
  schedule: Array<{
    title: string
    assetPath: string
    startMs: number
    durationMs: number
    inPointMs: number
    type: string
  }>
  loop: {
    epochMs: number
    items: Array<
      | {
          kind: 'item'
          title: string
          assetPath: string
          durationMs: number
          inPointMs: number
          type: string
        }
      | { kind: 'gap'; durationMs: number }
    >
  } | null
  /** The weekly template; null when the file gives none (the channel is not templated). */
  template: ChannelTemplate | null
  /** Push destinations, or null when the file gives none (the stored ones stay). */
  outputs: Array<{ url: string; enabled: boolean }> | null
  /** The logo PNG read and checked, with its placement; null removes the stored one; undefined leaves it. */
  logo?: { png: Buffer; width: number; height: number; placement: LogoPlacement } | null
}

export interface ValidatedStation {
  file: string
  /** The `health` section with defaults filled in; null when the file has none (the stored settings stay). */
  health: OutputHealthSettings | null
  /** The `loudness` section with defaults filled in; null when the file has none (the stored settings stay). */
  loudness: LoudnessSettings | null
  /** The `library` folders, paths resolved; null when the file has none (the stored folders stay). */
  library: Array<{ id: string; path: string }> | null
  /** The `conform` section with defaults filled in; null when the file has none (the stored settings stay). */
  conform: ConformSettings | null
  /** The `webhooks`, channels by slug; null when the file has none (the stored webhooks stay). */
  webhooks: StationFileJson['webhooks'] | null
  /** The `collections`, each defined; null when the file has none (the stored ones stay). */
  collections: Array<{ id: string; definition: CollectionDefinition }> | null
  channels: ValidatedChannel[]
  /** Probe results by absolute asset path. */
  assets: Map<string, ProbeResult>
}

export interface ValidateOptions {
  tools: FfmpegTools
  /** Probe results already known (same path, size and mtime): skips running ffprobe again. */
  knownProbe?: (absPath: string, sizeBytes: number, mtimeMs: number) => ProbeResult | undefined
}

/** A JSON path's parts ("$.a[0].b" → ['a', 0, 'b']). */
function jsonPathParts(p: string): Array<string | number> {
  return [...p.matchAll(/\.(\w+)|\[(\d+)\]/g)].map((m) =>
    m[1] !== undefined ? m[1] : Number(m[2])
  )
}

function fmtMs(ms: number): string {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(3)} s`
}

/** The file's bytes: a regular file within the size limit (checked before reading: a FIFO or a disk image is refused). */
function readStationFile(abs: string): Buffer {
  let fd: number
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
  } catch (err) {
    throw new StationFileError(abs, [
      { path: '$', message: `cannot read the station file: ${(err as Error).message}` }
    ])
  }
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile())
      throw new StationFileError(abs, [
        { path: '$', message: 'cannot read the station file: not a regular file' }
      ])
    if (st.size > MAX_STATION_FILE_BYTES) {
      throw new StationFileError(abs, [
        {
          path: '$',
          message: `the station file is ${st.size} bytes; at most ${MAX_STATION_FILE_BYTES} are accepted`
        }
      ])
    }
    return fs.readFileSync(fd)
  } catch (err) {
    if (err instanceof StationFileError) throw err
    throw new StationFileError(abs, [
      { path: '$', message: `cannot read the station file: ${(err as Error).message}` }
    ])
  } finally {
    fs.closeSync(fd)
  }
}

/** Reads, parses and validates a station file. Throws StationFileError listing every problem. */
export async function validateStationFile(
  file: string,
  options: ValidateOptions
): Promise<ValidatedStation> {
  const abs = path.resolve(file)
  const parsedJson = parseStrictJson(readStationFile(abs))
  if ('problems' in parsedJson) throw new StationFileError(abs, parsedJson.problems)
  const json = parsedJson.value
  if (
    json &&
    typeof json === 'object' &&
    'version' in json &&
    (json as { version: unknown }).version !== STATION_FILE_VERSION
  ) {
    // Do not report a newer file's shape as a hundred errors: the version says it all.
    throw new StationFileError(abs, [
      {
        path: '$.version',
        message: `unknown version ${JSON.stringify((json as { version: unknown }).version)}: this build reads station files of version ${STATION_FILE_VERSION}`
      }
    ])
  }
  const parsed = stationFileSchema.safeParse(json)
  if (!parsed.success) {
    throw new StationFileError(
      abs,
      parsed.error.issues.map((i) => ({
        path: jsonPath(i.path),
        message:
          i.code === 'unrecognized_keys'
            ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`
            : i.message
      }))
    )
  }

  const problems: StationFileProblem[] = []
  const baseDir = path.dirname(abs)
  const collections: Array<{ id: string; definition: CollectionDefinition }> = []
  ;(parsed.data.collections ?? []).forEach((entry, i) => {
    const at = `$.collections[${i}]`
    const { id, ...rest } = entry
    const first = collections.findIndex((c) => c.id === id)
    if (first >= 0)
      problems.push({ path: `${at}.id`, message: `the same id as $.collections[${first}]` })
    const def = collectionDefinition.safeParse(rest)
    if (!def.success) {
      for (const issue of def.error.issues)
        problems.push({
          path: jsonPath([...jsonPathParts(at), ...issue.path]),
          message:
            issue.code === 'unrecognized_keys'
              ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
              : issue.message
        })
      return
    }
    if ('folder' in def.data) {
      const folder = def.data.folder.slice(0, def.data.folder.indexOf(':'))
      if (parsed.data.library && !parsed.data.library.some((f) => f.id === folder))
        problems.push({
          path: `${at}.folder`,
          message: `no library folder "${folder}" in $.library`
        })
    }
    collections.push({ id, definition: def.data })
  })
  const knownCollections = parsed.data.collections ? new Set(collections.map((c) => c.id)) : null
  const resolveAsset = (p: string) => path.resolve(baseDir, p)

  // Probe every distinct asset once.
  const assets = new Map<string, ProbeResult>()
  const assetErrors = new Map<string, string>()
  const allAssets = new Set<string>()
  for (const c of parsed.data.channels) {
    for (const it of c.schedule ?? []) allAssets.add(resolveAsset(it.asset))
    for (const it of c.loop?.items ?? []) if ('asset' in it) allAssets.add(resolveAsset(it.asset))
  }
  await Promise.all(
    [...allAssets].map(async (p) => {
      try {
        const st = fs.statSync(p)
        const known = st.isFile()
          ? options.knownProbe?.(p, st.size, Math.floor(st.mtimeMs))
          : undefined
        assets.set(p, known ?? (await probeMedia(options.tools, p)))
      } catch (err) {
        if (err instanceof ProbeError) {
          assetErrors.set(
            p,
            err.reason === 'missing'
              ? `asset not found: ${p}`
              : err.reason === 'unreadable'
                ? `asset unreadable: ${err.message}`
                : `asset ${err.message}`
          )
        } else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          assetErrors.set(p, `asset not found: ${p}`)
        } else {
          assetErrors.set(p, `asset unreadable: ${(err as Error).message}`)
        }
      }
    })
  )

  const checkAsset = (
    where: string,
    assetText: string,
    inPointMs: number,
    durationMs: number
  ): string => {
    const p = resolveAsset(assetText)
    const assetError = assetErrors.get(p)
    if (assetError) {
      problems.push({ path: `${where}.asset`, message: assetError })
      return p
    }
    const probe = assets.get(p)
    if (!probe) return p
    if (inPointMs >= probe.durationMs) {
      problems.push({
        path: `${where}.inPointMs`,
        message: `in point ${fmtMs(inPointMs)} is past the end of the asset (${fmtMs(probe.durationMs)} long)`
      })
    } else if (inPointMs + durationMs > probe.durationMs + ASSET_END_TOLERANCE_MS) {
      problems.push({
        path: `${where}.durationMs`,
        message: `the item runs ${fmtMs(inPointMs + durationMs - probe.durationMs)} past the end of its asset (${fmtMs(probe.durationMs)} long, in point ${fmtMs(inPointMs)})`
      })
    }
    return p
  }

  const seen = new Map<string, number>()
  const numbers = new Map<string, number>()
  const channels: ValidatedChannel[] = []
  parsed.data.channels.forEach((c, ci) => {
    const at = `$.channels[${ci}]`
    const dup = seen.get(c.id)
    if (dup !== undefined)
      problems.push({
        path: `${at}.id`,
        message: `duplicate channel id "${c.id}" (also $.channels[${dup}].id)`
      })
    seen.set(c.id, ci)
    if (c.number !== undefined) {
      const other = numbers.get(c.number)
      if (other !== undefined)
        problems.push({
          path: `${at}.number`,
          message: `duplicate channel number "${c.number}" (also $.channels[${other}].number)`
        })
      else numbers.set(c.number, ci)
    }
    ;(c.outputs ?? []).forEach((o, oi) => {
      const first = c.outputs!.findIndex((other) => sameDestination(other.url, o.url))
      if (first !== oi)
        problems.push({
          path: `${at}.outputs[${oi}].url`,
          message: `the same destination as ${at}.outputs[${first}]`
        })
    })

    if (c.template) {
      if (c.kind === 'guide')
        problems.push({ path: `${at}.template`, message: 'a guide channel takes no template' })
      else if (c.schedule?.length || c.loop)
        problems.push({
          path: `${at}.template`,
          message:
            'a templated channel takes no "schedule" or "loop" (one-offs go in the template\'s "events")'
        })
      for (const p of checkTemplate(c.template, c.rolloverMinutes, knownCollections))
        problems.push({
          path: `${at}.template${p.path.slice(1)}`,
          message: p.message.replaceAll('$.slots', `${at}.template.slots`)
        })
    } else if (c.kind === 'guide') {
      if (c.schedule?.length || c.loop) {
        problems.push({
          path: at,
          message:
            'a guide channel airs listings of the other channels; it takes no schedule or loop'
        })
      }
    } else if (!c.schedule?.length && !c.loop) {
      problems.push({
        path: at,
        message: 'a normal channel needs a "schedule", a "loop", or both, or a "template"'
      })
    }

    const schedule = (c.schedule ?? []).map((it, ii) => {
      const where = `${at}.schedule[${ii}]`
      const assetPath = checkAsset(where, it.asset, it.inPointMs, it.durationMs)
      return {
        index: ii,
        title: it.title,
        assetPath,
        startMs: parseInstant(it.start),
        durationMs: it.durationMs,
        inPointMs: it.inPointMs,
        type: it.type
      }
    })
    const byStart = [...schedule].sort((a, b) => a.startMs - b.startMs || a.index - b.index)
    for (let i = 1; i < byStart.length; i++) {
      const prev = byStart[i - 1]!
      const cur = byStart[i]!
      if (cur.startMs < prev.startMs + prev.durationMs) {
        problems.push({
          path: `${at}.schedule[${cur.index}].start`,
          message: `items overlap: "${cur.title}" starts at ${formatInstant(cur.startMs)}, before "${prev.title}" ($.channels[${ci}].schedule[${prev.index}]) ends at ${formatInstant(prev.startMs + prev.durationMs)}`
        })
      }
    }

    let loop: ValidatedChannel['loop'] = null
    if (c.loop) {
      const items = c.loop.items.map((it, ii) => {
        if ('gapMs' in it) return { kind: 'gap' as const, durationMs: it.gapMs }
        const assetPath = checkAsset(
          `${at}.loop.items[${ii}]`,
          it.asset,
          it.inPointMs,
          it.durationMs
        )
        return {
          kind: 'item' as const,
          title: it.title,
          assetPath,
          durationMs: it.durationMs,
          inPointMs: it.inPointMs,
          type: it.type
        }
      })
      if (!items.some((i) => i.kind === 'item')) {
        problems.push({
          path: `${at}.loop.items`,
          message: 'a loop needs at least one item that is not a gap'
        })
      }
      loop = { epochMs: parseInstant(c.loop.epoch), items }
    }

    let logoOf: ValidatedChannel['logo']
    if (c.logo) {
      const { path: logoPath, ...placement } = c.logo
      const abs = resolveAsset(logoPath)
      let png: Buffer | null = null
      try {
        png = fs.readFileSync(abs)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        problems.push({
          path: `${at}.logo.path`,
          message:
            code === 'ENOENT'
              ? `logo not found: ${abs}`
              : `logo unreadable: ${(err as Error).message}`
        })
      }
      const checked = png ? checkLogoPng(png) : null
      if (checked && 'problem' in checked)
        problems.push({ path: `${at}.logo.path`, message: `${abs} ${checked.problem}` })
      else if (png && checked)
        logoOf = {
          png,
          width: checked.width,
          height: checked.height,
          placement: placement as LogoPlacement
        }
    } else if (c.logo === null) logoOf = null

    channels.push({
      slug: c.id,
      name: c.name,
      number: c.number ?? null,
      timezone: c.timezone,
      rolloverMinutes: c.rolloverMinutes,
      kind: c.kind,
      schedule: byStart.map(({ index: _index, ...rest }) => rest),
      loop,
      template: c.template ?? null,
      outputs: c.outputs ?? null,
      ...(logoOf !== undefined ? { logo: logoOf } : {})
    })
  })

  const library = (parsed.data.library ?? []).map((f) => ({ id: f.id, path: resolveAsset(f.path) }))
  library.forEach((f, i) => {
    const at = `$.library[${i}]`
    const first = library.findIndex((o) => o.id === f.id)
    if (first !== i)
      problems.push({ path: `${at}.id`, message: `the same id as $.library[${first}]` })
    let dir: boolean
    try {
      dir = fs.statSync(f.path).isDirectory()
    } catch {
      problems.push({ path: `${at}.path`, message: `folder not found: ${f.path}` })
      return
    }
    if (!dir) problems.push({ path: `${at}.path`, message: `${f.path} is not a folder` })
    else if (path.dirname(f.path) === f.path)
      problems.push({
        path: `${at}.path`,
        message: `${f.path} is the root of the file system; choose a media folder`
      })
    const within = (a: string, b: string) => a === b || a.startsWith(b + path.sep)
    const other = library.findIndex(
      (o, j) => j < i && (within(o.path, f.path) || within(f.path, o.path))
    )
    if (other >= 0)
      problems.push({
        path: `${at}.path`,
        message: `overlaps $.library[${other}] (${library[other]!.path})`
      })
  })

  const slugs = new Set(parsed.data.channels.map((c) => c.id))
  ;(parsed.data.webhooks ?? []).forEach((w, i) => {
    const first = parsed.data.webhooks!.findIndex((o) => o.id === w.id)
    if (first !== i)
      problems.push({ path: `$.webhooks[${i}].id`, message: `the same id as $.webhooks[${first}]` })
    ;(w.channels ?? []).forEach((c, ci) => {
      if (!slugs.has(c))
        problems.push({
          path: `$.webhooks[${i}].channels[${ci}]`,
          message: `no channel "${c}" in this file`
        })
    })
  })

  const conform = parsed.data.conform
  ;(conform?.channels ?? []).forEach((c, i) => {
    if (!slugs.has(c))
      problems.push({ path: `$.conform.channels[${i}]`, message: `no channel "${c}" in this file` })
    else if (conform!.channels!.indexOf(c) !== i)
      problems.push({
        path: `$.conform.channels[${i}]`,
        message: `"${c}" is listed twice (first at $.conform.channels[${conform!.channels!.indexOf(c)}])`
      })
  })

  if (problems.length > 0) throw new StationFileError(abs, problems)
  const h = parsed.data.health
  const healthSettings = h
    ? {
        black: h.black ?? { ...H.black },
        freeze: h.freeze ?? { ...H.freeze },
        silence: h.silence ?? { ...H.silence }
      }
    : null
  return {
    file: abs,
    health: healthSettings,
    loudness: parsed.data.loudness ?? null,
    library: parsed.data.library ? library : null,
    conform: conform ?? null,
    webhooks: parsed.data.webhooks ?? null,
    collections: parsed.data.collections ? collections : null,
    channels,
    assets
  }
}
