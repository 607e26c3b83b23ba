// The window's remembered size and position: a damaged file means defaults, a position on a screen
// that is gone is brought back onto one that exists, and saving is atomic.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  MIN_HEIGHT,
  MIN_WIDTH,
  placeWindow,
  readWindowState,
  trackWindowState,
  writeWindowState,
  type Rect,
  type WindowState
} from '../../src/main/window-state'
import { tempDir } from '../helpers/tmp'

const PRIMARY: Rect = { x: 0, y: 0, width: 1920, height: 1050 }
const RIGHT: Rect = { x: 1920, y: 0, width: 2560, height: 1400 }
const state = (bounds: Rect, maximized = false): WindowState => ({ bounds, maximized })

describe('window state file', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))
  const file = () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    return path.join(t.dir, 'window-state.json')
  }

  it('round-trips what it wrote', () => {
    const f = file()
    writeWindowState(f, state({ x: 10, y: 20, width: 1200, height: 800 }, true))
    expect(readWindowState(f)).toEqual(state({ x: 10, y: 20, width: 1200, height: 800 }, true))
    expect(fs.readdirSync(path.dirname(f))).toEqual(['window-state.json']) // no temporary file left
  })

  it.each([
    ['a missing file', null],
    ['bad JSON', '{ "version": 1, "bounds": '],
    ['JSON null', 'null'],
    [
      'another version',
      JSON.stringify({
        version: 2,
        bounds: { x: 0, y: 0, width: 800, height: 600 },
        maximized: false
      })
    ],
    [
      'strings for numbers',
      JSON.stringify({
        version: 1,
        bounds: { x: '0', y: 0, width: 800, height: 600 },
        maximized: false
      })
    ],
    [
      'a zero width',
      JSON.stringify({
        version: 1,
        bounds: { x: 0, y: 0, width: 0, height: 600 },
        maximized: false
      })
    ],
    [
      'absurd coordinates',
      JSON.stringify({
        version: 1,
        bounds: { x: 1e12, y: 0, width: 800, height: 600 },
        maximized: false
      })
    ],
    [
      'fractions',
      JSON.stringify({
        version: 1,
        bounds: { x: 0.5, y: 0, width: 800, height: 600 },
        maximized: false
      })
    ],
    [
      'a missing field',
      JSON.stringify({ version: 1, bounds: { x: 0, y: 0, width: 800 }, maximized: false })
    ]
  ])('reads %s as no saved state', (_what, content) => {
    const f = file()
    if (content !== null) fs.writeFileSync(f, content)
    expect(readWindowState(f)).toBeNull()
  })

  it('saves on move (debounced) and on close, with the normal bounds', async () => {
    const f = file()
    const win = Object.assign(new EventEmitter(), {
      bounds: { x: 100.4, y: 50, width: 1400, height: 900 } as Rect,
      maximized: false,
      getNormalBounds() {
        return this.bounds
      },
      isMaximized() {
        return this.maximized
      },
      isDestroyed: () => false
    })
    trackWindowState(
      win,
      f,
      (err) => {
        throw err
      },
      20
    )
    win.emit('move')
    expect(fs.existsSync(f)).toBe(false)
    await vi.waitFor(
      () => expect(readWindowState(f)).toEqual(state({ x: 100, y: 50, width: 1400, height: 900 })),
      { timeout: 2_000, interval: 5 }
    )
    win.maximized = true
    win.emit('close')
    expect(readWindowState(f)?.maximized).toBe(true)
  })
})

describe('window placement', () => {
  it('uses a default size, centred, when nothing was saved', () => {
    expect(placeWindow(null, [PRIMARY])).toEqual({ width: 1600, height: 960, maximized: false })
    expect(placeWindow(null, [{ x: 0, y: 0, width: 1280, height: 700 }])).toEqual({
      width: 1280,
      height: 700,
      maximized: false
    })
  })

  it('keeps a saved position that is on a screen', () => {
    expect(
      placeWindow(state({ x: 2000, y: 100, width: 1600, height: 900 }, true), [PRIMARY, RIGHT])
    ).toEqual({ x: 2000, y: 100, width: 1600, height: 900, maximized: true })
  })

  it('centres a window whose screen is gone (an unplugged monitor)', () => {
    const place = placeWindow(state({ x: 2000, y: 100, width: 1600, height: 900 }), [PRIMARY])
    expect(place).toEqual({ width: 1600, height: 900, maximized: false })
  })

  it('centres a window far off every screen, or barely on one', () => {
    expect(
      placeWindow(state({ x: -5000, y: -5000, width: 1200, height: 800 }), [PRIMARY])
    ).not.toHaveProperty('x')
    // Only a 50 px sliver on screen: not enough to grab it.
    expect(
      placeWindow(state({ x: 1870, y: 100, width: 1200, height: 800 }), [PRIMARY])
    ).not.toHaveProperty('x')
  })

  it('pulls a partly off-screen window fully onto its screen', () => {
    expect(placeWindow(state({ x: 1500, y: -40, width: 1200, height: 800 }), [PRIMARY])).toEqual({
      x: 720,
      y: 0,
      width: 1200,
      height: 800,
      maximized: false
    })
    expect(placeWindow(state({ x: -300, y: 600, width: 1200, height: 800 }), [PRIMARY])).toEqual({
      x: 0,
      y: 250,
      width: 1200,
      height: 800,
      maximized: false
    })
  })

  it('shrinks a window larger than its screen, and never below the minimum the console needs', () => {
    const place = placeWindow(state({ x: 0, y: 0, width: 5000, height: 3000 }), [PRIMARY])
    expect(place).toEqual({ x: 0, y: 0, width: 1920, height: 1050, maximized: false })
    expect(placeWindow(state({ x: 10, y: 10, width: 300, height: 200 }), [PRIMARY])).toMatchObject({
      width: MIN_WIDTH,
      height: MIN_HEIGHT
    })
  })

  it('picks the screen holding most of the window', () => {
    const place = placeWindow(state({ x: 1700, y: 100, width: 1400, height: 900 }), [
      PRIMARY,
      RIGHT
    ])
    expect(place).toMatchObject({ x: 1920, y: 100 })
  })
})
