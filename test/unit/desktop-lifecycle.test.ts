// The desktop app's lifecycle against stand-ins for Electron's app, Tray, Menu, BrowserWindow and
// dialog: closing the window keeps the engine on air, the tray shows the station's state, quitting
// says what goes off air and asks, a second launch shows the running window, and the app opens at
// login by default.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChannelStatusDto, StationSnapshotDto } from '../../src/shared/api'
import {
  DESKTOP_SETTINGS_FILE,
  DesktopShell,
  desktopSettings,
  xdgAutostart
} from '../../src/main/lifecycle'
import {
  FakeApp,
  FakeBrowserWindow,
  FakeDialog,
  FakeMenu,
  FakeTray
} from '../helpers/electron-shell-stand-ins'
import { tempDir } from '../helpers/tmp'
import { until } from '../helpers/until'

const channel = (name: string, viewers: number, outputs: boolean[]): ChannelStatusDto =>
  ({
    name,
    viewerCount: viewers,
    outputs: outputs.map((enabled, i) => ({ id: `${name}-${i}`, enabled, state: 'live' }))
  }) as unknown as ChannelStatusDto

const snapshotOf = (o: {
  channels: ChannelStatusDto[]
  emergency?: { message: string; scope: 'crawl' | 'takeover' }
  alarms?: Array<{ code: string; clearedAt: string | null }>
}): StationSnapshotDto =>
  ({
    type: 'snapshot',
    mode: {
      mode: o.emergency ? 'emergency' : 'normal',
      emergency: o.emergency ? { ...o.emergency, since: '2026-12-07T03:00:00Z' } : null
    },
    alarms: o.alarms ?? [],
    channels: o.channels
  }) as unknown as StationSnapshotDto

describe('the desktop shell', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  function shell(snapshot: StationSnapshotDto | null) {
    const t = tempDir('retrovue-shell-')
    cleanups.push(t.cleanup)
    const app = new FakeApp()
    const tray = new FakeTray()
    const dialog = new FakeDialog()
    const windows: FakeBrowserWindow[] = []
    const engine = { running: true, stops: 0 }
    const autostart: boolean[] = []
    let current = snapshot
    const s = new DesktopShell({
      app,
      tray,
      buildMenu: FakeMenu.buildFromTemplate,
      createWindow: () => {
        const w = new FakeBrowserWindow(app)
        windows.push(w)
        return w
      },
      ask: async (box) => (await dialog.showMessageBox(box)).response,
      snapshot: async () => (engine.running ? current : null),
      stopEngine: async () => {
        engine.stops++
        engine.running = false
      },
      settings: desktopSettings(t.dir),
      autostart: (enabled) => autostart.push(enabled)
    })
    return {
      s,
      app,
      tray,
      dialog,
      windows,
      engine,
      autostart,
      dir: t.dir,
      set: (next: StationSnapshotDto) => (current = next)
    }
  }

  it('closing the window leaves the app, the engine and its channels running; the tray brings the console back', async () => {
    const h = shell(snapshotOf({ channels: [channel('News', 0, [true])] }))
    const first = h.s.showConsole()
    expect(h.windows).toHaveLength(1)
    h.windows[0]!.close()
    expect(h.app.exited).toBe(false)
    expect(h.app.quitCount).toBe(0)
    expect(h.engine).toMatchObject({ running: true, stops: 0 })
    h.tray.click('Show console')
    expect(h.windows).toHaveLength(2)
    expect(h.windows[1]).not.toBe(first)
  })

  it('a second launch focuses the running window (restored if minimized), opening one if it was closed', () => {
    const h = shell(null)
    h.s.showConsole()
    const w = h.windows[0]!
    w.minimize()
    h.app.secondLaunch()
    expect(h.windows).toHaveLength(1)
    expect(w).toMatchObject({ minimized: false, visible: true, focused: true })
    w.close()
    h.app.secondLaunch()
    expect(h.windows).toHaveLength(2)
  })

  it("the tray shows the mode and the alarms, in its tooltip and its menu, and follows the station's state", async () => {
    const h = shell(snapshotOf({ channels: [channel('News', 2, []), channel('Sport', 0, [])] }))
    await h.s.refresh()
    expect(h.tray.tooltip).toBe('RetroVue Master Control: Normal · no alarms · 1 channel on air')
    expect(h.tray.labels()).toEqual([
      'Show console',
      'Normal programming',
      'No alarms',
      'Open at login',
      'Quit RetroVue…'
    ])
    h.set(
      snapshotOf({
        channels: [channel('News', 2, [true]), channel('Sport', 0, [true])],
        emergency: { message: 'Storm warning', scope: 'takeover' },
        alarms: [
          { code: 'BLACK', clearedAt: null },
          { code: 'SIL', clearedAt: null },
          { code: 'FRZ', clearedAt: '2026-12-07T03:00:00Z' }
        ]
      })
    )
    await h.s.refresh()
    expect(h.tray.tooltip).toBe('RetroVue Master Control: EMERGENCY · 2 alarms · 2 channels on air')
    expect(h.tray.labels().slice(1, 3)).toEqual([
      'EMERGENCY (takeover) in force: "Storm warning"',
      '2 alarms: BLACK, SIL'
    ])
    // The state lines open the console, where the emergency and the alarms are handled.
    h.tray.click('EMERGENCY')
    expect(h.windows).toHaveLength(1)
  })

  it('quitting says what goes off air and asks; "Keep on air" keeps everything running', async () => {
    const h = shell(
      snapshotOf({
        channels: [
          channel('News', 3, [true, true]),
          channel('Sport', 1, [false]),
          channel('Kids', 0, [])
        ]
      })
    )
    h.dialog.answers.push(0)
    h.tray.click('Quit RetroVue')
    await until('the question is answered', 5_000, () =>
      h.dialog.shown.length === 1 ? true : undefined
    )
    const box = h.dialog.shown[0]!
    expect(box.message).toBe('Quit RetroVue and take 1 pushed channel and 4 viewers off air?')
    expect(box.detail).toContain('Pushed to media servers: News (2 outputs).')
    expect(box.detail).toContain('Watching now: 4 viewers on 2 channels.')
    expect(box.buttons[box.cancelId]).toBe('Keep on air')
    expect(box.defaultId).toBe(box.cancelId)
    await until('the quit is dropped', 5_000, () => (h.s.quitting ? undefined : true))
    expect(h.app.exited).toBe(false)
    expect(h.engine).toMatchObject({ running: true, stops: 0 })

    // Asked again, and this time confirmed: the engine is stopped first, then the app goes.
    h.dialog.answers.push(1)
    h.app.quit()
    await until('the app quits', 5_000, () => (h.app.exited ? true : undefined))
    expect(h.dialog.shown).toHaveLength(2)
    expect(h.engine).toMatchObject({ running: false, stops: 1 })
  })

  it('a quit asked twice while the question is open asks once', async () => {
    const h = shell(snapshotOf({ channels: [] }))
    h.dialog.answers.push(1)
    h.app.quit()
    h.app.quit()
    await until('the app quits', 5_000, () => (h.app.exited ? true : undefined))
    expect(h.dialog.shown).toHaveLength(1)
    expect(h.dialog.shown[0]!.message).toBe('Quit RetroVue and stop the station?')
    expect(h.engine.stops).toBe(1)
  })

  it('a session ending (logout, shutdown) stops the engine and quits without asking, once', async () => {
    const h = shell(snapshotOf({ channels: [channel('News', 1, [true])] }))
    h.s.quitWithoutAsking()
    h.s.quitWithoutAsking()
    await until('the app quits', 5_000, () => (h.app.exited ? true : undefined))
    expect(h.dialog.shown).toEqual([])
    expect(h.engine).toMatchObject({ running: false, stops: 1 })
  })

  it('with the engine gone (crashed or refused to start) the app quits without asking', () => {
    const h = shell(null)
    h.s.engineGone()
    h.app.quit()
    expect(h.app.exited).toBe(true)
    expect(h.dialog.shown).toEqual([])
  })

  it('opens at login by default for a new station; the tray turns it off and on, and it is kept', () => {
    const h = shell(null)
    expect(h.app.loginItem).toEqual({ openAtLogin: true })
    expect(h.autostart).toEqual([true])
    expect(JSON.parse(fs.readFileSync(path.join(h.dir, DESKTOP_SETTINGS_FILE), 'utf8'))).toEqual({
      openAtLogin: true
    })
    expect(h.tray.menu.find((i) => i.label === 'Open at login')?.checked).toBe(true)
    h.tray.click('Open at login')
    expect(h.app.loginItem).toEqual({ openAtLogin: false })
    expect(h.autostart).toEqual([true, false])
    expect(h.tray.menu.find((i) => i.label === 'Open at login')?.checked).toBe(false)
    // The next start keeps the operator's choice.
    expect(desktopSettings(h.dir).read()).toEqual({ openAtLogin: false })
  })

  it('on Linux, open at login is an XDG autostart entry, written and removed', () => {
    const t = tempDir('retrovue-xdg-')
    cleanups.push(t.cleanup)
    const apply = xdgAutostart({
      configDir: t.dir,
      name: 'retrovue-master-control',
      exec: '/opt/RetroVue Master Control/retrovue-master-control'
    })
    const file = path.join(t.dir, 'autostart', 'retrovue-master-control.desktop')
    apply(true)
    const entry = fs.readFileSync(file, 'utf8')
    expect(entry).toContain('[Desktop Entry]\nType=Application\n')
    expect(entry).toContain('Exec="/opt/RetroVue Master Control/retrovue-master-control"\n')
    apply(false)
    expect(fs.existsSync(file)).toBe(false)
  })
})
