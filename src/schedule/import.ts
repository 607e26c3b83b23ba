// Station-file import: validate everything first (schema, zones, overlaps, probing every asset),
// then write it all in one transaction. A failure anywhere changes nothing.
//
// Channels are keyed by their id (slug): re-importing keeps each channel's uuid, replaces its
// absolute schedule and loop with the file's, and is idempotent. Channels the file does not
// mention are left as they are.
import crypto from 'node:crypto'
import path from 'node:path'
import type { MasterClock } from '../shared/clock'
import type { Store } from '../store'
import type { FfmpegTools } from '../media/ffmpeg'
import { parseProbe, type ProbeResult } from '../media/probe'
import type { LoopItem } from './horizon'
import type { ScheduleService } from './service'
import {
  StationFileError,
  type StationFileProblem,
  validateStationFile,
  type ValidatedStation
} from './station-file'
import { cycleLength } from './horizon'
import type { ChannelTemplate } from '../shared/programming'
import { summarize } from './template-plan'
import { redactOutputUrl } from '../shared/output-url'

export interface ImportResult {
  file: string
  channels: Array<{ slug: string; uuid: string; created: boolean; items: number }>
}

export interface ImportDeps {
  store: Store
  schedule: ScheduleService
  clock: MasterClock
  tools: FfmpegTools
}

/** Reuses a stored probe when the file's size and mtime are unchanged, so re-imports do not re-run ffprobe. */
function knownProbe(store: Store) {
  return (absPath: string, sizeBytes: number, mtimeMs: number): ProbeResult | undefined => {
    const row = store.assets.probeOf(absPath)
    if (!row || row.sizeBytes !== sizeBytes || row.mtimeMs !== mtimeMs) return undefined
    return parseProbe(row.probeJson, sizeBytes, mtimeMs)
  }
}

/**
 * Channel numbers are unique across the station: a number the file gives must not belong to a
 * channel the file leaves alone. (Numbers moving between channels of the file are fine.)
 */
function numberConflicts(station: ValidatedStation, store: Store): StationFileProblem[] {
  const inFile = new Set(station.channels.map((c) => c.slug))
  const held = new Map(
    store.channels
      .list()
      .filter((c) => c.number && !inFile.has(c.slug))
      .map((c) => [c.number!, c.slug])
  )
  return station.channels.flatMap((c, i) => {
    const holder = c.number === null ? undefined : held.get(c.number)
    return holder === undefined
      ? []
      : [
          {
            path: `$.channels[${i}].number`,
            message: `channel number "${c.number}" already belongs to channel "${holder}", which this file does not list`
          }
        ]
  })
}

/** A library folder the file lists that another stored folder holds (its path, or its id elsewhere). */
function libraryConflicts(station: ValidatedStation, store: Store): StationFileProblem[] {
  const stored = store.library.folders()
  const within = (a: string, b: string) => a === b || a.startsWith(b + path.sep)
  return (station.library ?? []).flatMap((f, i) => {
    const same = stored.find((s) => s.id === f.id)
    if (same && same.path !== f.path)
      return [
        {
          path: `$.library[${i}].path`,
          message: `folder "${f.id}" is already at ${same.path}; remove it first to move it`
        }
      ]
    const other = stored.find(
      (s) => s.id !== f.id && (within(s.path, f.path) || within(f.path, s.path))
    )
    return other
      ? [
          {
            path: `$.library[${i}].path`,
            message: `overlaps the library folder "${other.id}" (${other.path})`
          }
        ]
      : []
  })
}

/** Writes a validated station in one transaction. */
export function applyStation(
  station: ValidatedStation,
  deps: Omit<ImportDeps, 'tools'>,
  actor: 'import' | 'operator' | 'system' = 'import'
): ImportResult {
  const { store, schedule, clock } = deps
  const conflicts = [...numberConflicts(station, store), ...libraryConflicts(station, store)]
  if (conflicts.length > 0) throw new StationFileError(station.file, conflicts)
  const now = clock.now()
  const result: ImportResult = { file: station.file, channels: [] }
  const touched: number[] = []
  // Logo PNGs go into the data folder first (named by content, so an import that fails leaves only
  // an unused file, swept at the next logo change).
  const logoFiles = store.logos
  const logoNames = new Map(
    station.channels.flatMap((c) => (c.logo ? [[c.slug, logoFiles.put(c.logo.png)] as const] : []))
  )
  const templated: Array<{
    id: number
    template: ChannelTemplate | null
    timezone: string
    rolloverMinutes: number
  }> = []
  store.transaction(() => {
    const assetIds = new Map<string, number>()
    for (const [p, probe] of station.assets) {
      assetIds.set(
        p,
        store.assets.upsert({
          path: p,
          durationMs: probe.durationMs,
          hasVideo: probe.video !== null,
          hasAudio: probe.audio !== null,
          width: probe.video?.width ?? null,
          height: probe.video?.height ?? null,
          frameRate: probe.video?.frameRate ?? null,
          audioChannels: probe.audio?.channels ?? null,
          sizeBytes: probe.sizeBytes,
          mtimeMs: probe.mtimeMs,
          probeJson: probe.raw,
          probedAt: now
        })
      )
    }
    const assetId = (p: string): number => {
      const id = assetIds.get(p)
      if (id === undefined) throw new Error(`internal: asset ${p} was validated but not recorded`)
      return id
    }

    // Numbers are set afresh: two channels of the file swapping numbers must not collide midway.
    store.channels.clearNumbers(
      station.channels.flatMap((c) => store.channels.bySlug(c.slug)?.id ?? [])
    )
    for (const c of station.channels) {
      const existing = store.channels.bySlug(c.slug)
      const meta = {
        name: c.name,
        timezone: c.timezone,
        rolloverMinutes: c.rolloverMinutes,
        kind: c.kind,
        number: c.number
      }
      let id: number
      let uuid: string
      if (existing) {
        id = existing.id
        uuid = existing.uuid
        store.channels.updateMeta(id, meta, now)
      } else {
        uuid = crypto.randomUUID()
        id = store.channels.insert({ uuid, slug: c.slug, ...meta }, now)
      }
      store.playlog.deleteSource(id, 'schedule')
      for (const it of c.schedule) {
        store.playlog.insert(id, {
          startMs: it.startMs,
          endMs: it.startMs + it.durationMs,
          title: it.title,
          type: it.type,
          assetId: assetId(it.assetPath),
          inPointMs: it.inPointMs,
          source: 'schedule'
        })
      }
      if (c.loop) {
        const items: LoopItem[] = c.loop.items.map((it) =>
          it.kind === 'gap'
            ? { kind: 'gap', durationMs: it.durationMs }
            : {
                kind: 'item',
                title: it.title,
                assetId: assetId(it.assetPath),
                durationMs: it.durationMs,
                inPointMs: it.inPointMs,
                type: it.type
              }
        )
        store.loops.put(
          id,
          c.loop.epochMs,
          JSON.stringify(items),
          cycleLength({ epochMs: c.loop.epochMs, items })
        )
      } else {
        store.loops.remove(id)
      }
      // Each output the file adds, switches or drops is audited on its own (the key hidden).
      for (const change of c.outputs
        ? store.outputs.replaceForChannel(id, c.outputs, now, () => crypto.randomUUID())
        : []) {
        store.audit.append(
          now,
          actor,
          change.action,
          { output: change.outputId, url: redactOutputUrl(change.url), via: 'station file' },
          id
        )
      }
      if (c.logo !== undefined) {
        const file = logoNames.get(c.slug)
        store.channels.setLogo(
          id,
          c.logo && file
            ? { file, width: c.logo.width, height: c.logo.height, ...c.logo.placement }
            : null,
          now
        )
      }
      schedule.rebuildLoop(id, now)
      templated.push({
        id,
        template: c.template,
        timezone: c.timezone,
        rolloverMinutes: c.rolloverMinutes
      })
      touched.push(id)
      result.channels.push({
        slug: c.slug,
        uuid,
        created: !existing,
        items: store.playlog.count(id)
      })
    }
    // Collections, then each channel's template published (a revision by the import) and
    // materialized from now, after the item on air; the same template again changes nothing.
    for (const col of station.collections ?? [])
      store.programming.putCollection(col.id, JSON.stringify(col.definition), now)
    for (const f of station.library ?? [])
      if (!store.library.folder(f.id)) store.library.addFolder(f.id, f.path, now)
    for (const t of templated) publishImported(deps, t, now, actor)
    // A file without a health section leaves the station's settings as they are (like the channels it does not list).
    if (station.health) store.settings.setOutputHealth(station.health, now)
    if (station.loudness) store.settings.setLoudness(station.loudness, now)
    if (station.conform) store.renditions.setSettings(station.conform, now)
    // Library folders the file lists and the station does not know yet; known ones stay as they are.
    for (const f of station.library ?? [])
      if (!store.library.folder(f.id)) store.library.addFolder(f.id, f.path, now)
    // Webhooks the file lists are added or replaced (channels by the uuid of the slug); others stay.
    for (const w of station.webhooks ?? [])
      store.webhooks.put(
        {
          ...w,
          channels: w.channels?.map((slug) => store.channels.bySlug(slug)!.uuid) ?? null
        },
        now
      )
    store.audit.append(now, actor, 'station-import', {
      file: station.file,
      channels: station.channels.map((c) => c.slug),
      ...(station.health ? { health: station.health } : {}),
      ...(station.loudness ? { loudness: station.loudness } : {}),
      ...(station.library ? { library: station.library } : {}),
      ...(station.conform ? { conform: station.conform } : {}),
      ...(station.webhooks ? { webhooks: station.webhooks.map((w) => w.id) } : {})
    })
  })
  if (station.channels.some((c) => c.logo !== undefined))
    logoFiles.sweep(store.channels.list().flatMap((c) => (c.logo ? [c.logo.file] : [])))
  schedule.invalidateAssets()
  if (station.loudness) schedule.loudnessChanged()
  schedule.notifyChanged(touched)
  return result
}

/** A channel's template as the file gives it: published and materialized when it changed; none clears a stored one. */
function publishImported(
  deps: Omit<ImportDeps, 'tools'>,
  t: { id: number; template: ChannelTemplate | null; timezone: string; rolloverMinutes: number },
  now: number,
  actor: string
): void {
  const { store, schedule } = deps
  const row = store.programming.template(t.id)
  const json = t.template ? JSON.stringify(t.template) : null
  if ((row?.publishedJson ?? null) === json) return
  const planner = schedule.templates
  const at = planner.replanPoint(t, [], now, now)
  const { removed, added } = planner.replan(t, t.template, at, now)
  if (!json) {
    store.programming.setPublished(t.id, null, null, null, null)
    return
  }
  const revision = store.programming.addRevision({
    channelId: t.id,
    templateJson: json,
    at: now,
    by: actor,
    note: 'station file',
    restoredFrom: null,
    ...summarize(removed, added)
  })
  store.programming.setPublished(t.id, json, revision, now, actor)
}

/** Validates and imports a station file, all or nothing. Throws StationFileError on bad input. */
export async function importStationFile(file: string, deps: ImportDeps): Promise<ImportResult> {
  const validated = await validateStationFile(file, {
    tools: deps.tools,
    knownProbe: knownProbe(deps.store)
  })
  return applyStation(validated, deps)
}
