// Programming a channel from the console or the API: collections, the template's draft, preview,
// publish (a revision, and a re-plan of the playlog that never cuts the item on air), revisions
// and restoring one, and the station's export. The ScheduleService's TemplatePlanner does the
// materializing; this is the bookkeeping around it.
import path from 'node:path'
import type { MasterClock } from '../shared/clock'
import type { ChannelInfo } from '../shared/domain'
import {
  type ChannelTemplate,
  type ChannelTemplateDto,
  channelTemplate,
  type CollectionDefinition,
  type CollectionDto,
  collectionDefinition,
  type CollectionItemDto,
  type PreviewItemDto,
  type StationExportDto,
  type TemplatePreviewDto,
  type TemplatePublishDto,
  type TemplateRevisionDto
} from '../shared/programming'
import { StationApiError } from '../shared/station-api'
import { formatInstant } from '../shared/time'
import { ZoneTimes } from '../shared/zone-times'
import type { Store } from '../store'
import type { RevisionRow } from '../store/programming'
import type { ScheduleService } from './service'
import {
  collectionQuery,
  playable,
  summarize,
  type TemplatePlanner,
  WRITE_AT_ONCE_MS
} from './template-plan'

const DAY_MS = 24 * 3600_000
export const DEFAULT_PREVIEW_MS = 7 * DAY_MS

const kindOf = (def: CollectionDefinition) =>
  'show' in def ? 'show' : 'folder' in def ? 'folder' : 'list' in def ? 'list' : 'filter'

export class ProgrammingService {
  constructor(
    private readonly store: Store,
    private readonly clock: MasterClock,
    private readonly schedule: ScheduleService
  ) {}

  private get planner(): TemplatePlanner {
    return this.schedule.templates
  }

  private channel(uuid: string): ChannelInfo {
    const row = this.store.channels.byUuid(uuid)
    if (!row || !row.isActive) throw new StationApiError('not_found', `no channel ${uuid}`)
    return this.schedule.channelById(row.id)!
  }

  // ---- collections ----

  collections(): CollectionDto[] {
    const used = this.usage()
    return this.store.programming.collections().map((row) => {
      const definition = collectionDefinition.parse(JSON.parse(row.definitionJson))
      return this.collectionDto(row.id, definition, used.get(row.id) ?? [])
    })
  }

  private collectionDto(
    id: string,
    definition: CollectionDefinition,
    usedBy: string[]
  ): CollectionDto {
    const rows = this.store.programming.collectionAssets(collectionQuery(definition))
    const ok = rows.filter(playable)
    return {
      id,
      name: definition.name ?? id,
      kind: kindOf(definition),
      definition,
      assets: rows.length,
      playable: ok.length,
      durationMs: ok.reduce((s, r) => s + (r.durationMs ?? 0), 0),
      usedBy
    }
  }

  /** Where templates (published or draft) name each collection. */
  private usage(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const row of this.store.programming.templates()) {
      const channel = this.store.channels.byId(row.channelId)
      if (!channel?.isActive) continue
      for (const [what, json] of [
        ['published', row.publishedJson],
        ['draft', row.draftJson]
      ] as const) {
        if (!json) continue
        const template = channelTemplate.parse(JSON.parse(json))
        template.slots.forEach((slot, i) => {
          for (const id of [
            slot.collection,
            slot.filler,
            slot.bumpers,
            ...(slot.weights ?? []).map((w) => w.collection)
          ])
            if (id && id !== 'slate') {
              const where = `${channel.name} ${what} slot ${i + 1}`
              const list = out.get(id) ?? []
              if (!list.includes(where)) list.push(where)
              out.set(id, list)
            }
        })
        template.events.forEach((e, i) => {
          if (!e.collection) return
          const list = out.get(e.collection) ?? []
          list.push(`${channel.name} ${what} event ${i + 1}`)
          out.set(e.collection, list)
        })
      }
    }
    return out
  }

  collectionItems(id: string): CollectionItemDto[] {
    const row = this.store.programming.collection(id)
    if (!row) throw new StationApiError('not_found', `no collection "${id}"`)
    const definition = collectionDefinition.parse(JSON.parse(row.definitionJson))
    return this.store.programming.collectionAssets(collectionQuery(definition)).map((r) => ({
      assetId: r.assetId,
      title: r.title,
      show: r.show,
      season: r.season,
      episode: r.episode,
      durationMs: r.durationMs,
      playable: playable(r),
      file: path.basename(r.path)
    }))
  }

  saveCollection(id: string, definition: CollectionDefinition): CollectionDto {
    if ('folder' in definition) {
      const folder = definition.folder.slice(0, definition.folder.indexOf(':'))
      if (!this.store.library.folder(folder))
        throw new StationApiError(
          'invalid_parameter',
          `definition.folder: no library folder "${folder}"`
        )
    }
    this.store.programming.putCollection(id, JSON.stringify(definition), this.clock.now())
    // The channels airing it plan again (those whose plans it changes).
    this.schedule.templatesChanged()
    return this.collectionDto(id, definition, this.usage().get(id) ?? [])
  }

  deleteCollection(id: string): void {
    if (!this.store.programming.collection(id))
      throw new StationApiError('not_found', `no collection "${id}"`)
    const used = this.usage().get(id)
    if (used?.length)
      throw new StationApiError(
        'in_use',
        `collection "${id}" is used by ${used.join('; ')}; take it out of those first`
      )
    this.store.programming.removeCollection(id)
  }

  // ---- templates ----

  channelTemplate(uuid: string): ChannelTemplateDto {
    const channel = this.channel(uuid)
    const row = this.store.programming.template(channel.id)
    const draft = row?.draftJson ? channelTemplate.parse(JSON.parse(row.draftJson)) : null
    return {
      channel: channel.uuid,
      timezone: channel.timezone,
      rolloverMinutes: channel.rolloverMinutes,
      published:
        row?.publishedJson && row.publishedRevision !== null
          ? {
              template: channelTemplate.parse(JSON.parse(row.publishedJson)),
              revision: row.publishedRevision,
              publishedAt: formatInstant(row.publishedAt!, channel.timezone),
              by: row.publishedBy ?? 'import'
            }
          : null,
      draft: draft
        ? {
            template: draft,
            savedAt: formatInstant(row!.draftSavedAt!, channel.timezone),
            by: row!.draftBy ?? 'operator',
            problems: this.planner.problems(draft, channel.rolloverMinutes)
          }
        : null
    }
  }

  saveDraft(uuid: string, template: ChannelTemplate, by: string): ChannelTemplateDto {
    const channel = this.channel(uuid)
    this.store.programming.saveDraft(channel.id, JSON.stringify(template), this.clock.now(), by)
    return this.channelTemplate(uuid)
  }

  discardDraft(uuid: string): ChannelTemplateDto {
    const channel = this.channel(uuid)
    this.store.programming.saveDraft(channel.id, null, null, null)
    return this.channelTemplate(uuid)
  }

  /** The template a preview or publish uses: the one given, else the draft, else the published one. */
  private candidate(channel: ChannelInfo, template?: ChannelTemplate): ChannelTemplate {
    if (template) return template
    const row = this.store.programming.template(channel.id)
    const json = row?.draftJson ?? row?.publishedJson
    if (!json)
      throw new StationApiError('no_template', `${channel.name} has no draft or published template`)
    return channelTemplate.parse(JSON.parse(json))
  }

  /**
   * What would air if the template were published now: the playlog as it stands up to the re-plan
   * point, then the template's items, by the code that writes the playlog.
   */
  preview(
    uuid: string,
    request: { template?: ChannelTemplate; fromMs?: number; toMs?: number }
  ): TemplatePreviewDto {
    const channel = this.channel(uuid)
    const template = this.candidate(channel, request.template)
    const now = this.clock.now()
    const from = request.fromMs ?? now
    const to = request.toMs ?? from + DEFAULT_PREVIEW_MS
    const problems = this.planner.problems(template, channel.rolloverMinutes)
    const zone = channel.timezone
    const times = new ZoneTimes(zone)
    const dto = (items: PreviewItemDto[], warnings: TemplatePreviewDto['warnings']) => {
      const totals = { programMs: 0, fillerMs: 0, slateMs: 0, gapMs: 0, overruns: 0 }
      for (const i of items) {
        if (i.kind === 'program' || i.kind === 'event') totals.programMs += i.durationMs
        else if (i.kind === 'filler' || i.kind === 'bumper') totals.fillerMs += i.durationMs
        else if (i.kind === 'slate') totals.slateMs += i.durationMs
        else totals.gapMs += i.durationMs
        if (i.overrunMs) totals.overruns++
      }
      return {
        channel: channel.uuid,
        timezone: zone,
        rolloverMinutes: channel.rolloverMinutes,
        from: formatInstant(from, zone),
        to: formatInstant(to, zone),
        items,
        problems,
        warnings,
        totals
      }
    }
    if (problems.length > 0) return dto([], [])
    const published = this.planner.published(channel.id)
    const at = this.planner.replanPoint(channel, [published, template], now)
    const before: PreviewItemDto[] = this.schedule
      .itemsBetween(channel.id, from, Math.min(at, to))
      .filter((e) => e.startMs < at)
      .map((e) => ({
        kind: e.type === 'bumper' ? 'bumper' : e.type === 'filler' ? 'filler' : 'program',
        start: times.iso(e.startMs),
        end: times.iso(e.endMs),
        durationMs: e.endMs - e.startMs,
        title: e.title,
        assetId: e.assetId,
        asset: e.assetPath ? path.basename(e.assetPath) : null,
        slot: null,
        collection: null
      }))
    const r = this.planner.plan(channel, template, at, Math.max(to, at))
    const items = r.items
      .filter((i) => i.endMs > from && i.startMs < to)
      .map((i): PreviewItemDto => ({
        kind: i.kind,
        start: times.iso(i.startMs),
        end: times.iso(i.endMs),
        durationMs: i.endMs - i.startMs,
        title: i.title,
        assetId: i.assetId,
        asset: i.file,
        slot: i.slot,
        collection: i.collection,
        ...(i.overrunMs ? { overrunMs: i.overrunMs } : {})
      }))
    return dto([...before, ...items], r.warnings)
  }

  /** Publishes the draft (or `template`) as a new revision and re-plans the playlog. */
  publish(
    uuid: string,
    options: {
      atMs?: number
      note?: string
      by: string
      template?: ChannelTemplate
      restoredFrom?: number
    }
  ): TemplatePublishDto {
    const channel = this.channel(uuid)
    const template = this.candidate(channel, options.template)
    const problems = this.planner.problems(template, channel.rolloverMinutes)
    if (problems.length > 0)
      throw new StationApiError(
        'invalid_template',
        `the template cannot be published: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`
      )
    const now = this.clock.now()
    const result = this.store.transaction(() => {
      const published = this.planner.published(channel.id)
      const at = this.planner.replanPoint(channel, [published, template], now, options.atMs)
      // The next day is written now (the runtime plans from it), the rest just after.
      const { removed, added, until } = this.planner.replan(
        channel,
        template,
        at,
        now,
        WRITE_AT_ONCE_MS
      )
      const summary = summarize(removed, added)
      const revision: Omit<RevisionRow, 'id'> = {
        channelId: channel.id,
        templateJson: JSON.stringify(template),
        at: now,
        by: options.by,
        note: options.note ?? null,
        restoredFrom: options.restoredFrom ?? null,
        ...summary
      }
      const id = this.store.programming.addRevision(revision)
      this.store.programming.setPublished(channel.id, revision.templateJson, id, now, options.by)
      // A publish of the draft consumes it; a restore leaves a draft in progress alone.
      if (options.template === undefined)
        this.store.programming.saveDraft(channel.id, null, null, null)
      return { id, revision, at, until }
    })
    this.schedule.notifyChanged([channel.id])
    const until = result.until ?? now
    return {
      revision: this.revisionDto(channel, { id: result.id, ...result.revision }),
      replannedFrom: formatInstant(result.at, channel.timezone),
      horizon: formatInstant(until, channel.timezone)
    }
  }

  revisions(uuid: string): TemplateRevisionDto[] {
    const channel = this.channel(uuid)
    return this.store.programming.revisions(channel.id).map((r) => this.revisionDto(channel, r))
  }

  restore(
    uuid: string,
    revision: number,
    options: { atMs?: number; note?: string; by: string }
  ): TemplatePublishDto {
    const channel = this.channel(uuid)
    const row = this.store.programming.revision(channel.id, revision)
    if (!row) throw new StationApiError('not_found', `${channel.name} has no revision ${revision}`)
    return this.publish(uuid, {
      ...options,
      template: channelTemplate.parse(JSON.parse(row.templateJson)),
      restoredFrom: revision
    })
  }

  private revisionDto(channel: ChannelInfo, r: RevisionRow): TemplateRevisionDto {
    return {
      id: r.id,
      channel: channel.uuid,
      by: r.by,
      at: formatInstant(r.at, channel.timezone),
      note: r.note,
      restoredFrom: r.restoredFrom,
      summary: { added: r.added, removed: r.removed, moved: r.moved },
      template: channelTemplate.parse(JSON.parse(r.templateJson))
    }
  }

  // ---- export ----

  /**
   * The station as a station file: library folders, collections, and each channel with its
   * published template (or its schedule and loop, with absolute asset paths).
   */
  exportStation(): StationExportDto {
    const folders = this.store.library.folders()
    const refOf = (assetId: number): string | number => {
      const a = this.store.programming.collectionAssets({ ids: [assetId], refs: [] })[0]
      return a?.folderId && a.relPath ? `${a.folderId}:${a.relPath}` : assetId
    }
    const collections = this.store.programming.collections().map((row) => {
      const def = collectionDefinition.parse(JSON.parse(row.definitionJson))
      return {
        id: row.id,
        ...('list' in def
          ? { ...def, list: def.list.map((r) => (typeof r === 'number' ? refOf(r) : r)) }
          : def)
      }
    })
    const channels = this.store.channels.listActive().map((c) => {
      const out: Record<string, unknown> = {
        id: c.slug,
        name: c.name,
        ...(c.number ? { number: c.number } : {}),
        timezone: c.timezone,
        rolloverMinutes: c.rolloverMinutes,
        kind: c.kind
      }
      const template = this.planner.published(c.id)
      if (template)
        out['template'] = {
          ...template,
          events: template.events.map((e) =>
            typeof e.asset === 'number' ? { ...e, asset: refOf(e.asset) } : e
          )
        }
      else if (c.kind === 'normal') {
        const schedule = this.store.playlog
          .startingIn(c.id, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
          .filter((e) => e.source === 'schedule' && e.assetPath)
          .map((e) => ({
            title: e.title,
            asset: e.assetPath!,
            start: formatInstant(e.startMs, c.timezone),
            durationMs: e.endMs - e.startMs,
            inPointMs: e.inPointMs,
            type: e.type
          }))
        if (schedule.length > 0) out['schedule'] = schedule
        const loop = this.store.loops.get(c.id)
        if (loop) {
          const items = JSON.parse(loop.itemsJson) as Array<
            | {
                kind: 'item'
                title: string
                assetId: number
                durationMs: number
                inPointMs: number
                type: string
              }
            | { kind: 'gap'; durationMs: number }
          >
          out['loop'] = {
            epoch: formatInstant(loop.epochMs, c.timezone),
            items: items.map((i) =>
              i.kind === 'gap'
                ? { gapMs: i.durationMs }
                : {
                    title: i.title,
                    asset: this.store.assets.byId(i.assetId)?.path ?? '',
                    durationMs: i.durationMs,
                    inPointMs: i.inPointMs,
                    type: i.type
                  }
            )
          }
        }
      }
      return out
    })
    return {
      version: 1,
      library: folders.map((f) => ({ id: f.id, path: f.path })),
      ...(collections.length > 0 ? { collections } : {}),
      channels
    }
  }
}
