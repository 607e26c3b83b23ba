// The operator console: station header, the multiviewer with its dock (emergency banner, alarms,
// a channel's detail), the media library, programming, and the guarded emergency control. It
// talks to the station only through the StationApi it is given.
import { useCallback, useState } from 'react'
import { ModelContext, useConsole, useModel } from './context'
import { AlarmList } from './components/Alarms'
import { ChannelDetail } from './components/ChannelDetail'
import { EmergencyPanel } from './components/Emergency'
import { EmergencyBanner } from './components/EmergencyBanner'
import { ConnectionNotice, Header } from './components/Header'
import { LibraryView } from './components/LibraryView'
import { Multiviewer, MultiviewerBar } from './components/Multiviewer'
import { ProgrammingView } from './components/ProgrammingView'
import { ShortcutHelp } from './components/ShortcutHelp'
import { useShortcuts } from './keyboard-shortcuts'
import type { ConsoleModel } from './state/model'

export function App({ model }: { model: ConsoleModel }) {
  return (
    <ModelContext.Provider value={model}>
      <Console />
    </ModelContext.Provider>
  )
}

function Console() {
  const model = useModel()
  const wall = useConsole((s) => s.prefs.wall)
  const view = useConsole((s) => s.ui.view)
  const [help, setHelp] = useState(false)
  const openHelp = useCallback(() => setHelp(true), [])
  useShortcuts(model, openHelp)
  const multiviewer = view === 'multiviewer'
  return (
    <div className={`console${wall && multiviewer ? ' wall' : ''}`}>
      <Header />
      {/* Outside the multiviewer nothing is measured against the picture: notices stack on top. */}
      {!multiviewer && <Notices />}
      <ConsoleBody onHelp={openHelp} />
      <EmergencyPanel />
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  )
}

/** The emergency banner, the STATION DOWN notice and the alarms. */
function Notices() {
  return (
    <>
      <EmergencyBanner />
      <ConnectionNotice />
      <AlarmList />
    </>
  )
}

/**
 * The multiviewer and its dock, or the library or programming over it. The multiviewer stays
 * mounted while hidden (its tiles keep their places and sessions for a quick return) but its
 * previews stop loading. The dock has a fixed width whatever it holds, so a banner, six alarms or a
 * channel's detail never change the size of a picture.
 */
function ConsoleBody({ onHelp }: { onHelp: () => void }) {
  const view = useConsole((s) => s.ui.view)
  const detail = useConsole((s) => s.ui.detail !== null)
  const multiviewer = view === 'multiviewer'
  return (
    <main className="console-body">
      <div className="mv-column" hidden={!multiviewer}>
        <MultiviewerBar onHelp={onHelp} />
        <Multiviewer />
      </div>
      {multiviewer && (
        <div className={`dock${detail ? ' with-detail' : ''}`} data-testid="dock">
          <Notices />
          <ChannelDetail />
        </div>
      )}
      {view === 'library' && <LibraryView />}
      {view === 'programming' && <ProgrammingView />}
    </main>
  )
}

/** What the console shows when it cannot reach a station at all. */
export function Problem({ message }: { message: string }) {
  return (
    <main className="problem">
      <h1>RetroVue Master Control</h1>
      <p role="alert">{message}</p>
    </main>
  )
}
