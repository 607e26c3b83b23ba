// The media library in the console: folders and jobs on the left, the searchable asset list in the
// middle (virtualized: only the rows on screen exist, pages load as the operator scrolls, posters
// load for rows on screen), an asset's detail on the right. Escape closes the detail, then returns
// to the multiviewer.
import { useVirtualizer } from '@tanstack/react-virtual'
import {
  memo,
  useCallback,
  useEffect,
  useRef,
  useSyncExternalStore,
  type KeyboardEvent
} from 'react'
import {
  ASSET_KINDS,
  ASSET_STATUSES,
  type LibraryAssetDto,
  type LibraryFolderDto
} from '../../../shared/library'
import { useLibrary, useModel } from '../context'
import { EMPTY_FILTER } from '../state/library'
import { AssetDetail } from './AssetDetail'
import { FolderPanel, JobPanel } from './LibraryFolders'
import {
  episodeCode,
  formatCount,
  formatRunTime,
  KIND_LABEL,
  PROBLEM_STATUSES,
  STATUS_DESCRIPTION,
  STATUS_LABEL
} from './library-text'
import { ViewTabs } from './ViewTabs'

export const ROW_HEIGHT = 58

export function LibraryView() {
  const model = useModel()
  const selected = useLibrary((s) => s.selected)
  // Escape: the detail first, then back to the multiviewer (a dialog handles its own).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      if (document.querySelector('[role="dialog"]')) return
      const t = e.target as HTMLElement | null
      if (t instanceof HTMLInputElement && t.value !== '' && t.type !== 'checkbox') return
      if (model.library.state.selected !== null) model.library.select(null)
      else model.setView('multiviewer')
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [model])
  return (
    <div className="library" data-testid="library">
      <div className="lib-bar">
        <ViewTabs />
        <span className="mv-hint">Esc returns to the multiviewer</span>
      </div>
      <div className="lib-body">
        <aside className="lib-side">
          <FolderPanel />
          <JobPanel />
        </aside>
        <section className="lib-main" aria-label="Assets">
          <FilterBar />
          <AssetList />
        </section>
        {selected !== null && <AssetDetail id={selected} />}
      </div>
    </div>
  )
}

function FilterBar() {
  const model = useModel()
  const filter = useLibrary((s) => s.filter)
  const folders = useLibrary((s) => s.folders)
  const problem = useLibrary((s) => s.filterProblem)
  const searchRef = useRef<HTMLInputElement>(null)
  useEffect(() => searchRef.current?.focus(), [])
  const set = model.library.setFilter.bind(model.library)
  return (
    <div className="lib-filter" role="search" aria-label="Search the library">
      <input
        ref={searchRef}
        type="search"
        className="lib-search"
        placeholder="Search titles, shows, files…"
        aria-label="Search"
        data-testid="lib-search"
        value={filter.q}
        onChange={(e) => set({ q: e.target.value })}
        onKeyDown={(e) => {
          // Escape in a filled box clears it (the browser does); an empty one leaves the view.
          if (e.key === 'Enter') model.library.search()
        }}
      />
      <select
        aria-label="Kind"
        data-testid="lib-kind"
        value={filter.kind}
        onChange={(e) => set({ kind: e.target.value as typeof filter.kind }, true)}
      >
        <option value="">All kinds</option>
        {ASSET_KINDS.map((k) => (
          <option key={k} value={k}>
            {KIND_LABEL[k]}
          </option>
        ))}
      </select>
      <select
        aria-label="Status"
        data-testid="lib-status"
        value={filter.status}
        onChange={(e) => set({ status: e.target.value as typeof filter.status }, true)}
      >
        <option value="">Any status</option>
        {ASSET_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABEL[s]}
          </option>
        ))}
      </select>
      <FolderSelect
        folders={folders}
        value={filter.folder}
        onChange={(v) => set({ folder: v }, true)}
      />
      <input
        className="lib-show"
        placeholder="Show"
        aria-label="Show"
        data-testid="lib-show"
        value={filter.show}
        onChange={(e) => set({ show: e.target.value })}
      />
      <label className="lib-duration">
        <span>Length</span>
        <input
          inputMode="decimal"
          aria-label="Shortest, minutes"
          placeholder="min"
          value={filter.minMinutes}
          onChange={(e) => set({ minMinutes: e.target.value })}
        />
        <span>–</span>
        <input
          inputMode="decimal"
          aria-label="Longest, minutes"
          placeholder="max"
          value={filter.maxMinutes}
          onChange={(e) => set({ maxMinutes: e.target.value })}
        />
        <span>min</span>
      </label>
      <button type="button" onClick={() => set(EMPTY_FILTER, true)}>
        Clear
      </button>
      <ResultCount />
      {problem && (
        <p className="lib-error lib-filter-problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  )
}

function FolderSelect({
  folders,
  value,
  onChange
}: {
  folders: LibraryFolderDto[]
  value: string
  onChange: (v: string) => void
}) {
  return (
    <select
      aria-label="Folder"
      data-testid="lib-folder-filter"
      value={value}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">All folders</option>
      {folders.map((f) => (
        <option key={f.id} value={f.id}>
          {f.id}
        </option>
      ))}
    </select>
  )
}

function ResultCount() {
  const total = useLibrary((s) => s.list.total)
  const loading = useLibrary((s) => s.list.loading)
  const tookMs = useLibrary((s) => s.list.tookMs)
  return (
    <span className="lib-count" data-testid="lib-count" aria-live="polite">
      {total === null
        ? loading
          ? 'Searching…'
          : ''
        : `${formatCount(total)} ${total === 1 ? 'asset' : 'assets'}`}
      {tookMs !== null && total !== null && <small> · {tookMs} ms</small>}
      {loading && total !== null && <small> · updating…</small>}
    </span>
  )
}

function AssetList() {
  const model = useModel()
  const rows = useLibrary((s) => s.list.rows)
  const total = useLibrary((s) => s.list.total)
  const error = useLibrary((s) => s.list.error)
  const generation = useLibrary((s) => s.list.generation)
  const searchId = useLibrary((s) => s.list.searchId)
  const selected = useLibrary((s) => s.selected)
  const folderCount = useLibrary((s) => s.folders.length)
  const scrollRef = useRef<HTMLDivElement>(null)
  const count = total ?? rows.length
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6
  })
  const items = virtualizer.getVirtualItems()
  const last = items.length > 0 ? items[items.length - 1]!.index : 0
  // Pages load as the operator scrolls toward rows not loaded yet.
  useEffect(() => model.library.want(last), [model, last, generation])
  // A new search starts at the top (a refresh of the same one keeps the place).
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 })
  }, [searchId])

  // Up and down move between rows; Enter or Space opens one.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    const cur = Number((document.activeElement as HTMLElement | null)?.dataset['index'] ?? -1)
    const next = Math.max(0, Math.min(count - 1, cur + (e.key === 'ArrowDown' ? 1 : -1)))
    e.preventDefault()
    virtualizer.scrollToIndex(next)
    requestAnimationFrame(() =>
      scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus()
    )
  }

  return (
    <div className="asset-table" role="table" aria-label="Library assets" aria-rowcount={count}>
      <div className="asset-head" role="row">
        <span role="columnheader" className="c-poster-head" />
        <span role="columnheader">Title</span>
        <span role="columnheader">Show</span>
        <span role="columnheader" className="c-kind">
          Kind
        </span>
        <span role="columnheader" className="c-dur">
          Length
        </span>
        <span role="columnheader">Status</span>
      </div>
      {error && (
        <p className="lib-error" role="alert">
          The station could not search the library: {error}
        </p>
      )}
      {count === 0 && total !== null && (
        <p className="muted lib-empty">
          {folderCount === 0
            ? 'The library is empty: add a folder on the left.'
            : 'No asset matches this search.'}
        </p>
      )}
      <div
        ref={scrollRef}
        className="asset-scroll"
        data-testid="asset-scroll"
        onKeyDown={onKeyDown}
      >
        <div className="asset-space" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((v) => {
            const a = rows[v.index]
            return a ? (
              <AssetRow
                key={a.id}
                asset={a}
                index={v.index}
                top={v.start}
                selected={a.id === selected}
              />
            ) : (
              <div
                key={`pending-${v.index}`}
                className="asset-row placeholder"
                style={{ transform: `translateY(${v.start}px)` }}
                aria-hidden="true"
              >
                <span className="c-poster poster-none" />
                <span className="muted">Loading…</span>
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}

function Poster({ id, hasPoster, title }: { id: number; hasPoster: boolean; title: string }) {
  const posters = useModel().library.posters
  // Stable per row, so a re-render does not release and want the picture again.
  const subscribe = useCallback(
    (onChange: () => void) => (hasPoster ? posters.want(id, onChange) : () => undefined),
    [posters, id, hasPoster]
  )
  const img = useSyncExternalStore(subscribe, () => (hasPoster ? posters.get(id) : null))
  if (!img)
    return (
      <span className={`c-poster poster-none${img === undefined && hasPoster ? ' loading' : ''}`} />
    )
  return <img className="c-poster" src={img.dataUrl} alt={`Poster of ${title}`} />
}

const AssetRow = memo(function AssetRow({
  asset: a,
  index,
  top,
  selected
}: {
  asset: LibraryAssetDto
  index: number
  top: number
  selected: boolean
}) {
  const model = useModel()
  const problem = PROBLEM_STATUSES.has(a.status)
  const ep = episodeCode(a)
  return (
    <button
      type="button"
      role="row"
      className={`asset-row status-${a.status}${problem ? ' has-problem' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      data-index={index}
      data-testid="asset-row"
      data-status={a.status}
      aria-selected={selected}
      onClick={() => model.library.select(selected ? null : a.id)}
    >
      <Poster id={a.id} hasPoster={a.hasPoster} title={a.title} />
      <span className="c-title" role="cell">
        <span className="asset-title">{a.title}</span>
        <span className="asset-file" title={a.path}>
          {a.relPath}
        </span>
      </span>
      <span className="c-show" role="cell">
        <span className="asset-show">{a.show ?? ''}</span>
        {ep && <span className="ep-code">{ep}</span>}
        {a.year !== null && a.kind === 'movie' && <span className="ep-code">{a.year}</span>}
      </span>
      <span className="c-kind" role="cell">
        {KIND_LABEL[a.kind]}
      </span>
      <span className="c-dur" role="cell">
        {formatRunTime(a.durationMs)}
      </span>
      <span className="c-status" role="cell" data-testid="asset-status">
        <span className="status-badge" title={STATUS_DESCRIPTION[a.status]}>
          {STATUS_LABEL[a.status]}
        </span>
        {a.reason && (
          <span className="asset-reason" title={a.reason} data-testid="asset-reason">
            {a.reason}
          </span>
        )}
      </span>
    </button>
  )
})
