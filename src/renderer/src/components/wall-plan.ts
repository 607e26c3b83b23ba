// Where each tile of the multiviewer goes: pictures exactly 16:9 and as large as the area allows,
// with the under-monitor strip (name, clock, now/next) below each picture at a fixed height. The
// plan depends only on the area, the channel count and the layout, never on alarms or banners
// (they live in the dock beside the grid), so a picture keeps its size when they come and go.
import type { Layout } from '../state/prefs'

/** Fixed sizes of a tile's parts, in px: the CSS reads them from the grid (one source of truth). */
export interface TileMetrics {
  /** Tally border on each side. */
  border: number
  /** Under-monitor strip: name and local time. */
  umd: number
  /** NOW line with the countdown. */
  now: number
  /** NEXT line (dropped on compact tiles). */
  next: number
  /** Gap between tiles. */
  gap: number
  /** A picture narrower than this drops its NEXT line (compact). */
  compactBelow: number
}

export const DESK_METRICS: TileMetrics = {
  border: 6,
  umd: 32,
  now: 28,
  next: 24,
  gap: 6,
  compactBelow: 420
}

/** A TV across the room: thick tally borders, big names and countdowns, no NEXT line. */
export const WALL_METRICS: TileMetrics = {
  border: 10,
  umd: 48,
  now: 40,
  next: 0,
  gap: 8,
  compactBelow: Number.POSITIVE_INFINITY
}

export interface TileBox {
  x: number
  y: number
  /** Outer size of the tile, border included. */
  w: number
  h: number
  /** The picture: 16:9 exactly. */
  pw: number
  ph: number
  compact: boolean
  large: boolean
}

export interface WallPlan {
  /** Whole arrangement (its height can exceed the area: the grid scrolls). */
  width: number
  height: number
  cols: number
  rows: number
  boxes: TileBox[]
}

const ASPECT = 9 / 16

function strip(m: TileMetrics, compact: boolean): number {
  return m.umd + m.now + (compact ? 0 : m.next)
}

/** A tile whose picture is `pw` wide. */
function boxOf(m: TileMetrics, pw: number, x: number, y: number, large = false): TileBox {
  const w = Math.floor(pw)
  const ph = Math.round(w * ASPECT)
  const compact = w < m.compactBelow
  return {
    x,
    y,
    w: w + 2 * m.border,
    h: ph + strip(m, compact) + 2 * m.border,
    pw: w,
    ph,
    compact,
    large
  }
}

/** The widest picture for `cols` x `rows` tiles in width x height (at least 16 px). */
function fitPicture(m: TileMetrics, width: number, height: number, cols: number, rows: number) {
  const byWidth = (width - (cols - 1) * m.gap) / cols - 2 * m.border
  const fit = (compact: boolean) =>
    Math.min(
      byWidth,
      ((height - (rows - 1) * m.gap) / rows - 2 * m.border - strip(m, compact)) / ASPECT
    )
  let pw = fit(false)
  // Too small for the NEXT line: without it, but a picture that gains the line back is not taken.
  if (pw < m.compactBelow) pw = Math.max(pw, Math.min(fit(true), m.compactBelow - 1))
  return Math.max(16, Math.floor(pw))
}

function gridOf(m: TileMetrics, width: number, cols: number, n: number, pw: number) {
  const first = boxOf(m, pw, 0, 0)
  const total = cols * first.w + (cols - 1) * m.gap
  const x0 = Math.max(0, Math.floor((width - total) / 2))
  const boxes = Array.from({ length: n }, (_, i) =>
    boxOf(m, pw, x0 + (i % cols) * (first.w + m.gap), Math.floor(i / cols) * (first.h + m.gap))
  )
  const allRows = Math.ceil(n / cols)
  return {
    width: total,
    height: allRows * first.h + (allRows - 1) * m.gap,
    cols,
    rows: allRows,
    boxes
  }
}

/** The columns and visible rows a layout gives `n` channels: never more cells than channels need. */
export function cellsFor(
  layout: Exclude<Layout, '1+n'>,
  n: number,
  width: number,
  height: number,
  m: TileMetrics
): { cols: number; rows: number } {
  if (layout === 'auto') {
    // The column count that gives the largest pictures with every channel on screen.
    let best = { cols: 1, rows: n, pw: 0 }
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols)
      const pw = fitPicture(m, width, height, cols, rows)
      if (pw > best.pw) best = { cols, rows, pw }
    }
    return { cols: best.cols, rows: best.rows }
  }
  // A fixed layout is a most: 3x3 with four channels is two by two, with no empty cells.
  const most = layout === '2x2' ? 2 : layout === '3x3' ? 3 : 4
  const cols = Math.min(most, Math.max(1, Math.ceil(Math.sqrt(n))))
  return { cols, rows: Math.min(most, Math.ceil(n / cols)) }
}

/**
 * One large picture on the left, the others small in columns on its right (each 16:9). The split
 * is the one giving the most picture, with the large counting double, among those whose small
 * pictures stay at least a quarter of the large (or 200 px) wide when any does.
 */
function largePlusSmall(
  m: TileMetrics,
  width: number,
  height: number,
  n: number,
  largeIndex: number
): WallPlan {
  const smalls = n - 1
  let best: { score: number; readable: boolean; plan: WallPlan } | null = null
  for (let share = 0.5; share <= 0.82; share += 0.02) {
    const largeArea = Math.floor(width * share)
    const large = boxOf(m, fitPicture(m, largeArea, height, 1, 1), 0, 0, true)
    const rightX = large.w + m.gap
    const rightW = width - rightX
    if (rightW < 60) continue
    let cols = 1
    let bestSmall = 0
    for (let c = 1; c <= smalls; c++) {
      const pw = fitPicture(m, rightW, height, c, Math.ceil(smalls / c))
      if (pw > bestSmall) {
        bestSmall = pw
        cols = c
      }
    }
    const grid = gridOf(m, rightW, cols, smalls, bestSmall)
    const small = grid.boxes[0]!
    const score = 2 * large.pw * large.ph + smalls * small.pw * small.ph
    const readable = small.pw >= Math.min(200, large.pw / 4)
    if (best && best.readable && !readable) continue
    if (best && best.readable === readable && score <= best.score) continue
    const boxes: TileBox[] = []
    let s = 0
    for (let i = 0; i < n; i++) {
      if (i === largeIndex) boxes.push(large)
      else {
        const b = grid.boxes[s++]!
        boxes.push({ ...b, x: rightX + (b.x - grid.boxes[0]!.x) })
      }
    }
    const usedW = rightX + grid.width
    const x0 = Math.max(0, Math.floor((width - usedW) / 2))
    best = {
      score,
      readable,
      plan: {
        width: usedW,
        height: Math.max(large.h, grid.height),
        cols: 1 + cols,
        rows: grid.rows,
        boxes: boxes.map((b) => ({ ...b, x: b.x + x0 }))
      }
    }
  }
  return best?.plan ?? planWall({ width, height, n, layout: 'auto', metrics: m })
}

export interface WallRequest {
  width: number
  height: number
  n: number
  layout: Layout
  metrics: TileMetrics
  /** The channel index shown alone (solo), or null. */
  solo?: number | null
  /** In 1+n, the channel index in the large tile. */
  large?: number
}

/** Every tile's box, in channel order. A soloed channel gets the whole area; the others a zero box. */
export function planWall(r: WallRequest): WallPlan {
  const { width, height, n, metrics: m } = r
  if (n === 0 || width <= 0 || height <= 0)
    return { width: 0, height: 0, cols: 0, rows: 0, boxes: [] }
  if (r.solo !== null && r.solo !== undefined && r.solo >= 0 && r.solo < n) {
    const one = gridOf(m, width, 1, 1, fitPicture(m, width, height, 1, 1))
    const box = { ...one.boxes[0]!, large: true }
    const none: TileBox = { ...box, w: 0, h: 0, pw: 0, ph: 0 }
    return { ...one, boxes: Array.from({ length: n }, (_, i) => (i === r.solo ? box : none)) }
  }
  if (r.layout === '1+n' && n > 1) return largePlusSmall(m, width, height, n, r.large ?? 0)
  const layout = r.layout === '1+n' ? 'auto' : r.layout
  const { cols, rows } = cellsFor(layout, n, width, height, m)
  return gridOf(m, width, cols, n, fitPicture(m, width, height, cols, rows))
}
