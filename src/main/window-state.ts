// The console window's size and position across restarts: a small JSON file in userData, checked
// on read (a damaged or hand-edited file means defaults, never a crash) and placed back on a screen
// that exists now (a monitor unplugged since last time must not leave the window out of sight).
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

export const WINDOW_STATE_FILE = 'window-state.json'
export const MIN_WIDTH = 960
export const MIN_HEIGHT = 600
const DEFAULT_SIZE = { width: 1600, height: 960 }
/** How much of the window must lie on a screen for its saved position to be kept. */
const MIN_VISIBLE = { width: 200, height: 100 }

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  bounds: Rect
  maximized: boolean
}

/** Where the window opens: x and y absent means "centre it" (Electron's default). */
export interface Placement {
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
}

const coordinate = z.number().int().min(-100_000).max(100_000)
const extent = z.number().int().min(1).max(100_000)
const stateSchema = z.object({
  version: z.literal(1),
  bounds: z.object({ x: coordinate, y: coordinate, width: extent, height: extent }),
  maximized: z.boolean()
})

/** The saved state, or null when the file is missing, not JSON, or not the shape we write. */
export function readWindowState(file: string): WindowState | null {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  const r = stateSchema.safeParse(raw)
  return r.success ? { bounds: r.data.bounds, maximized: r.data.maximized } : null
}

/** Writes atomically (temporary file, then rename): a crash mid-write leaves the old file. */
export function writeWindowState(file: string, state: WindowState): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  fs.writeFileSync(tmp, `${JSON.stringify({ version: 1, ...state })}\n`)
  fs.renameSync(tmp, file)
}

const overlap = (a: Rect, b: Rect) => ({
  width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
  height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y))
})

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi))

/**
 * Where to open the window given the saved state and the screens' work areas (the first is the
 * primary). A saved window that is still sufficiently on a screen keeps its place, pulled fully onto
 * that screen and shrunk to fit it; otherwise it is centred on the primary screen.
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[]): Placement {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE }
  const fit = (size: { width: number; height: number }, area: Rect) => ({
    width: clamp(size.width, Math.min(MIN_WIDTH, area.width), area.width),
    height: clamp(size.height, Math.min(MIN_HEIGHT, area.height), area.height)
  })
  if (!saved) return { ...fit(DEFAULT_SIZE, primary), maximized: false }

  let best: Rect | undefined
  let bestArea = 0
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area)
    if (
      o.width >= Math.min(MIN_VISIBLE.width, saved.bounds.width) &&
      o.height >= Math.min(MIN_VISIBLE.height, saved.bounds.height) &&
      o.width * o.height > bestArea
    ) {
      best = area
      bestArea = o.width * o.height
    }
  }
  if (!best) return { ...fit(saved.bounds, primary), maximized: saved.maximized }
  const size = fit(saved.bounds, best)
  return {
    x: clamp(saved.bounds.x, best.x, best.x + best.width - size.width),
    y: clamp(saved.bounds.y, best.y, best.y + best.height - size.height),
    ...size,
    maximized: saved.maximized
  }
}

/** The part of a BrowserWindow the tracker uses. */
export interface TrackedWindow {
  getNormalBounds(): Rect
  isMaximized(): boolean
  isDestroyed(): boolean
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown
}

/** Saves the window's state shortly after it moves or resizes, and when it closes. */
export function trackWindowState(
  win: TrackedWindow,
  file: string,
  log: (err: unknown) => void = () => undefined,
  delayMs = 500
): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const save = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (win.isDestroyed()) return
    try {
      const b = win.getNormalBounds()
      const bounds = {
        x: Math.round(b.x),
        y: Math.round(b.y),
        width: Math.round(b.width),
        height: Math.round(b.height)
      }
      writeWindowState(file, { bounds, maximized: win.isMaximized() })
    } catch (err) {
      log(err)
    }
  }
  const later = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(save, delayMs)
  }
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event, later)
  win.on('close', save)
}
