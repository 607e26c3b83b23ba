// The window's guard rails (Electron's security checklist), applied to every webContents the app
// creates: no navigation away from the console, no new windows, no <webview>, and every permission
// (camera, microphone, notifications, fullscreen requests, devices...) denied: a master-control
// console needs none of them. Plain module: main passes Electron's objects in.

export interface PreventableEvent {
  preventDefault(): void
}

export interface GuardedContents {
  on(
    event: 'will-frame-navigate',
    listener: (details: PreventableEvent & { url: string }) => void
  ): unknown
  on(
    event: 'will-redirect',
    listener: (details: PreventableEvent & { url: string }) => void
  ): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void
    ) => void
  ): void
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void
  setDevicePermissionHandler?(handler: () => boolean): void
}

export type SecurityLog = (message: string) => void

/** Refuses navigation to anything but the console itself, and every new window. */
export function guardContents(
  contents: GuardedContents,
  isConsoleUrl: (url: string) => boolean,
  log: SecurityLog = () => undefined
): void {
  const refuseForeign = (what: string) => (details: PreventableEvent & { url: string }) => {
    if (isConsoleUrl(details.url)) return
    details.preventDefault()
    log(`refused ${what} to ${details.url.slice(0, 200)}`)
  }
  contents.on('will-frame-navigate', refuseForeign('navigation'))
  contents.on('will-redirect', refuseForeign('a redirect'))
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log('refused a <webview>')
  })
  contents.setWindowOpenHandler(({ url }) => {
    log(`refused a new window for ${url.slice(0, 200)}`)
    return { action: 'deny' }
  })
}

/** Denies every permission request and check (the console uses none). */
export function denyPermissions(
  session: PermissionSession,
  log: SecurityLog = () => undefined
): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied a permission request: ${permission}`)
    callback(false)
  })
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler?.(() => false)
}
