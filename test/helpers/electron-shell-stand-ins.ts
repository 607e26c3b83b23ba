// Stand-ins for the Electron objects the app's lifecycle uses (app, Tray, Menu, BrowserWindow,
// dialog), behaving as Electron documents them where it matters:
// - app.quit() emits before-quit; a listener's preventDefault() cancels the quit;
// - closing the last window emits window-all-closed, and the app quits by itself only when nobody
//   listens to that event;
// - Menu.buildFromTemplate copies the template (a later change to it does not show).
import { EventEmitter } from 'node:events'
import type {
  AppLike,
  MessageBox,
  TrayLike,
  TrayMenuItem,
  WindowLike
} from '../../src/main/lifecycle'

export class FakeApp extends EventEmitter implements AppLike {
  quitCount = 0
  /** Set once a quit was not cancelled: the app is gone. */
  exited = false
  loginItem: { openAtLogin: boolean } | undefined
  readonly windows = new Set<FakeBrowserWindow>()

  quit(): void {
    this.quitCount++
    let cancelled = false
    this.emit('before-quit', { preventDefault: () => (cancelled = true) })
    if (!cancelled) this.exited = true
  }

  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    this.loginItem = { ...settings }
  }

  /** A window closed: Electron's default with no window-all-closed listener is to quit. */
  windowClosed(win: FakeBrowserWindow): void {
    this.windows.delete(win)
    if (this.windows.size > 0) return
    if (this.listenerCount('window-all-closed') > 0) this.emit('window-all-closed')
    else this.quit()
  }

  /** Another launch of the app: it got no single-instance lock, so the first one is told. */
  secondLaunch(): void {
    this.emit('second-instance')
  }
}

export class FakeBrowserWindow extends EventEmitter implements WindowLike {
  destroyed = false
  minimized = false
  visible = true
  focused = false
  constructor(private readonly app: FakeApp) {
    super()
    app.windows.add(this)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  isMinimized(): boolean {
    return this.minimized
  }
  restore(): void {
    this.minimized = false
  }
  show(): void {
    this.visible = true
  }
  focus(): void {
    this.focused = true
  }
  minimize(): void {
    this.minimized = true
    this.focused = false
  }
  /** The user closed it (the window's close button). */
  close(): void {
    this.destroyed = true
    this.emit('closed')
    this.app.windowClosed(this)
  }
}

export class FakeTray implements TrayLike {
  tooltip = ''
  menu: TrayMenuItem[] = []
  setToolTip(text: string): void {
    this.tooltip = text
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu as TrayMenuItem[]
  }
  /** Clicks the menu item with this label (or the first that starts with it). */
  click(label: string): void {
    const item = this.menu.find((i) => i.label === label || i.label?.startsWith(label))
    if (!item?.click) throw new Error(`no tray menu item "${label}" (${this.labels().join(' | ')})`)
    item.click()
  }
  labels(): string[] {
    return this.menu.filter((i) => i.type !== 'separator').map((i) => i.label ?? '')
  }
}

export const FakeMenu = {
  buildFromTemplate: (template: TrayMenuItem[]): TrayMenuItem[] =>
    template.map((item) => ({ ...item }))
}

/** dialog.showMessageBox: records each box and answers with the next queued response. */
export class FakeDialog {
  readonly shown: MessageBox[] = []
  readonly answers: number[] = []
  async showMessageBox(box: MessageBox): Promise<{ response: number }> {
    this.shown.push(box)
    const response = this.answers.shift()
    if (response === undefined) throw new Error(`no answer queued for "${box.message}"`)
    return { response }
  }
}
