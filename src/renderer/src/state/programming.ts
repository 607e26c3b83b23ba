// The Programming view's state: the channel lineup, the collections, and the chosen channel's
// template as the operator edits it. Every edit is checked at once against the contract's schema
// (the field named at its slot), then saved as the engine's draft (kept across a restart) and
// previewed by the engine's own materializer (what the preview shows is what the playlog will
// hold). Its own store: the week grid re-renders on edits without touching the multiviewer.
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ScheduleItemDto } from '../../../shared/api'
import type { LibraryFolderDto } from '../../../shared/library'
import {
  channelTemplate,
  type ChannelTemplateDto,
  type ChannelTemplateInput,
  type CollectionDefinition,
  type CollectionDto,
  type TemplatePreviewDto,
  type TemplateProblemDto,
  type TemplateRevisionDto
} from '../../../shared/programming'
import type {
  ChannelCreateRequest,
  ChannelLineupDto,
  ChannelUpdateRequest,
  StationApi
} from '../../../shared/station-api'
import { describeError } from './describe-error'

/** How long edits settle before the draft is saved and previewed. */
export const EDIT_SETTLE_MS = 250
/** The published playlog shown: the next week from station time. */
const PLAYLOG_DAYS = 7
const DAY_MS = 24 * 3600_000

export interface ProgrammingState {
  open: boolean
  lineup: ChannelLineupDto[]
  /** The channel being programmed. */
  channel: string | null
  collections: CollectionDto[]
  /** Shows and folders the library has, to make collections of by dragging them in. */
  shows: string[]
  folders: LibraryFolderDto[]
  /** What the engine holds for the channel: the published template and the saved draft. */
  stored: ChannelTemplateDto | null
  /** The template on screen (the draft being edited). */
  edit: ChannelTemplateInput
  /** Edits not yet saved as the engine's draft. */
  unsaved: boolean
  /** The slot being edited. */
  selected: number | null
  /** The schema's problems with the edit (checked in the console, at once). */
  localProblems: TemplateProblemDto[]
  preview: TemplatePreviewDto | null
  previewing: boolean
  revisions: TemplateRevisionDto[]
  /** The published playlog, as the guide lists it. */
  playlog: ScheduleItemDto[]
  busy: string | null
  /** The last command's failure, in the station's words. */
  error: string | null
  /** What just happened (published, restored...). */
  notice: string | null
}

const EMPTY_TEMPLATE: ChannelTemplateInput = { slots: [], events: [] }

const INITIAL: ProgrammingState = {
  open: false,
  lineup: [],
  channel: null,
  collections: [],
  shows: [],
  folders: [],
  stored: null,
  edit: EMPTY_TEMPLATE,
  unsaved: false,
  selected: null,
  localProblems: [],
  preview: null,
  previewing: false,
  revisions: [],
  playlog: [],
  busy: null,
  error: null,
  notice: null
}

/** The schema's issues as problems with the engine's path spelling (`$.slots[2].end`). */
export function schemaProblems(template: ChannelTemplateInput): TemplateProblemDto[] {
  const r = channelTemplate.safeParse(template)
  if (r.success) return []
  return r.error.issues.map((i) => ({
    path: `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`,
    message: i.message
  }))
}

/** A collection id made from a name ("Cartoon Show" is "cartoon-show"), unique among `taken`. */
export function collectionIdFor(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 34) || 'collection'
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`
    if (!taken.has(id)) return id
  }
}

export class ProgrammingModel {
  readonly store: StoreApi<ProgrammingState>
  private settleTimer: ReturnType<typeof setTimeout> | null = null
  /** Answers to an older edit are dropped: only the latest edit's preview is shown. */
  private editSeq = 0
  private slotSeq = 0

  constructor(
    private readonly api: StationApi,
    /** Station time now (epoch ms), null before the first event. */
    private readonly now: () => number | null = () => null
  ) {
    this.store = createStore<ProgrammingState>()(() => INITIAL)
  }

  get state(): ProgrammingState {
    return this.store.getState()
  }
  private set(patch: Partial<ProgrammingState>): void {
    this.store.setState(patch)
  }

  /** A slot id no other slot of the edit has. */
  newSlotId(): string {
    const taken = new Set(this.state.edit.slots.map((s) => s.id))
    for (;;) {
      const id = `s${crypto.randomUUID().slice(0, 8)}${(this.slotSeq++).toString(36)}`
      if (!taken.has(id)) return id
    }
  }

  /** The view opened: the lineup, collections and the library's shows and folders. */
  async open(): Promise<void> {
    this.set({ open: true })
    await Promise.all([this.reloadLineup(), this.reloadCollections(), this.reloadLibrary()])
    const { channel, lineup } = this.state
    if (channel === null || !lineup.some((c) => c.uuid === channel)) {
      if (lineup[0]) await this.selectChannel(lineup[0].uuid)
    }
  }

  close(): void {
    this.set({ open: false })
  }

  private async attempt<T>(what: string | null, fn: () => Promise<T>): Promise<T | undefined> {
    if (what) this.set({ busy: what, error: null, notice: null })
    try {
      return await fn()
    } catch (err) {
      this.set({ error: describeError(err) })
      return undefined
    } finally {
      if (what) this.set({ busy: null })
    }
  }

  async reloadLineup(): Promise<void> {
    await this.attempt(null, async () => this.set({ lineup: await this.api.channelLineup() }))
  }
  async reloadCollections(): Promise<void> {
    await this.attempt(null, async () => this.set({ collections: await this.api.collections() }))
  }
  async reloadLibrary(): Promise<void> {
    await this.attempt(null, async () => {
      const [folders, page] = await Promise.all([
        this.api.libraryFolders(),
        this.api.libraryAssets({ kind: 'episode', limit: 500, sort: 'title' })
      ])
      const shows = [...new Set(page.assets.flatMap((a) => (a.show ? [a.show] : [])))].sort(
        (a, b) => a.localeCompare(b)
      )
      this.set({ folders, shows })
    })
  }

  // ---- the chosen channel --------------------------------------------------------------------

  async selectChannel(uuid: string): Promise<void> {
    this.flushNow()
    this.editSeq++
    this.set({
      channel: uuid,
      stored: null,
      edit: EMPTY_TEMPLATE,
      unsaved: false,
      selected: null,
      localProblems: [],
      preview: null,
      revisions: [],
      playlog: [],
      error: null,
      notice: null
    })
    await this.reloadTemplate()
  }

  /** The engine's template for the channel: the draft if there is one, else what is published. */
  async reloadTemplate(): Promise<void> {
    const uuid = this.state.channel
    if (!uuid) return
    await this.attempt(null, async () => {
      const [stored, revisions] = await Promise.all([
        this.api.channelTemplate(uuid),
        this.api.templateRevisions(uuid)
      ])
      if (this.state.channel !== uuid) return
      const edit = stored.draft?.template ?? stored.published?.template ?? EMPTY_TEMPLATE
      this.set({ stored, revisions, edit, unsaved: false, localProblems: schemaProblems(edit) })
    })
    void this.refreshPreview()
    void this.reloadPlaylog()
  }

  /** An edit of the template: checked at once, saved as the draft and previewed once edits settle. */
  setEdit(edit: ChannelTemplateInput, selected: number | null = this.state.selected): void {
    this.set({
      edit,
      selected,
      unsaved: true,
      localProblems: schemaProblems(edit),
      notice: null,
      error: null
    })
    if (this.settleTimer) clearTimeout(this.settleTimer)
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null
      void this.saveDraft()
    }, EDIT_SETTLE_MS)
  }

  dismissError(): void {
    this.set({ error: null })
  }

  select(index: number | null): void {
    this.set({ selected: index })
  }

  /** Saves a pending edit now (before switching channels, publishing or closing). */
  private flushNow(): Promise<void> | undefined {
    if (!this.settleTimer) return undefined
    clearTimeout(this.settleTimer)
    this.settleTimer = null
    return this.saveDraft()
  }

  private async saveDraft(): Promise<void> {
    const uuid = this.state.channel
    if (!uuid) return
    const edit = this.state.edit
    const seq = ++this.editSeq
    // A template the schema refuses is kept on screen (its problems shown) but not sent.
    if (this.state.localProblems.length > 0) {
      this.set({ preview: null })
      return
    }
    await this.attempt(null, async () => {
      const stored = await this.api.saveTemplateDraft(uuid, edit)
      if (seq !== this.editSeq || this.state.channel !== uuid) return
      this.set({ stored, unsaved: false })
    })
    if (seq === this.editSeq) await this.refreshPreview(seq)
  }

  async refreshPreview(seq = this.editSeq): Promise<void> {
    const uuid = this.state.channel
    if (!uuid || this.state.localProblems.length > 0) return
    this.set({ previewing: true })
    await this.attempt(null, async () => {
      // The engine's window: the next 7 days from station time.
      const preview = await this.api.previewTemplate(uuid, { template: this.state.edit })
      if (seq === this.editSeq && this.state.channel === uuid) this.set({ preview })
    })
    if (seq === this.editSeq) this.set({ previewing: false })
  }

  async reloadPlaylog(): Promise<void> {
    const uuid = this.state.channel
    if (!uuid) return
    await this.attempt(null, async () => {
      const now = this.now()
      const range = await this.api.schedule(
        uuid,
        now === null
          ? {}
          : {
              from: new Date(now).toISOString(),
              to: new Date(now + PLAYLOG_DAYS * DAY_MS).toISOString()
            }
      )
      if (this.state.channel === uuid) this.set({ playlog: range.items })
    })
  }

  async publish(note?: string): Promise<boolean> {
    const uuid = this.state.channel
    if (!uuid) return false
    await this.flushNow()
    const done = await this.attempt('Publishing…', () =>
      this.api.publishTemplate(uuid, note ? { note } : {})
    )
    if (!done) return false
    this.set({ notice: `Published as revision ${done.revision.id}: ${summaryText(done)}` })
    await this.reloadTemplate()
    return true
  }

  async restore(revision: number): Promise<boolean> {
    const uuid = this.state.channel
    if (!uuid) return false
    const done = await this.attempt(`Restoring revision ${revision}…`, () =>
      this.api.restoreTemplateRevision(uuid, revision, {})
    )
    if (!done) return false
    this.set({
      notice: `Revision ${revision} restored as revision ${done.revision.id}: ${summaryText(done)}`
    })
    await this.reloadTemplate()
    return true
  }

  async discardDraft(): Promise<void> {
    const uuid = this.state.channel
    if (!uuid) return
    if (this.settleTimer) clearTimeout(this.settleTimer)
    this.settleTimer = null
    const ok = await this.attempt('Discarding the draft…', () =>
      this.api.discardTemplateDraft(uuid)
    )
    if (ok) await this.reloadTemplate()
  }

  // ---- collections ---------------------------------------------------------------------------

  /** The collection for a show or a folder, made the first time it is used. */
  async collectionFor(
    source: { show: string } | { folder: string } | { collection: string }
  ): Promise<string | undefined> {
    if ('collection' in source) return source.collection
    const existing = this.state.collections.find((c) =>
      'show' in source
        ? 'show' in c.definition && c.definition.show === source.show
        : 'folder' in c.definition && c.definition.folder === `${source.folder}:`
    )
    if (existing) return existing.id
    const name = 'show' in source ? source.show : source.folder
    const id = collectionIdFor(name, new Set(this.state.collections.map((c) => c.id)))
    const definition: CollectionDefinition =
      'show' in source ? { show: source.show, name } : { folder: `${source.folder}:`, name }
    const made = await this.attempt(null, () => this.api.saveCollection(id, definition))
    if (!made) return undefined
    this.set({ collections: [...this.state.collections, made] })
    return made.id
  }

  // ---- the channel lineup ---------------------------------------------------------------------

  async createChannel(request: ChannelCreateRequest): Promise<ChannelLineupDto | undefined> {
    const made = await this.attempt('Creating the channel…', () => this.api.createChannel(request))
    if (!made) return undefined
    await this.reloadLineup()
    this.set({ notice: `Channel “${made.name}” created` })
    await this.selectChannel(made.uuid)
    return made
  }

  async updateChannel(request: ChannelUpdateRequest): Promise<boolean> {
    const uuid = this.state.channel
    if (!uuid) return false
    const done = await this.attempt('Saving the channel…', () =>
      this.api.updateChannel(uuid, request)
    )
    if (!done) return false
    await this.reloadLineup()
    this.set({ notice: `Channel “${done.name}” saved` })
    // A new zone or rollover moves the grid's days: the preview follows.
    void this.refreshPreview()
    return true
  }

  /** Deletes the channel (the caller has asked the operator); throws the station's refusal. */
  async deleteChannel(uuid: string): Promise<void> {
    await this.api.deleteChannel(uuid)
    await this.reloadLineup()
    const next = this.state.lineup[0]
    if (next) await this.selectChannel(next.uuid)
    else this.set({ channel: null, stored: null, edit: EMPTY_TEMPLATE, preview: null })
  }

  /** The station as a station file (the caller saves it). */
  async exportStation(): Promise<string | undefined> {
    const file = await this.attempt('Exporting…', () => this.api.exportStation())
    return file ? `${JSON.stringify(file, null, 2)}\n` : undefined
  }
}

function summaryText(done: { revision: TemplateRevisionDto }): string {
  const s = done.revision.summary
  return `${s.added} added, ${s.removed} removed, ${s.moved} moved`
}
