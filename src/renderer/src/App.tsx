// The operator console: station header, alarms, the multiviewer, a channel's detail, the media
// library, and the guarded emergency control. It talks to the station only through the StationApi it is given.
import { ModelContext, useConsole } from './context'
import { AlarmList } from './components/Alarms'
import { ChannelDetail } from './components/ChannelDetail'
import { EmergencyPanel } from './components/Emergency'
import { EmergencyBanner } from './components/EmergencyBanner'
import { ConnectionNotice, Header } from './components/Header'
import { LibraryView } from './components/LibraryView'
import { Multiviewer, MultiviewerBar } from './components/Multiviewer'
import { ProgrammingView } from './components/ProgrammingView'
import type { ConsoleModel } from './state/model'

export function App({ model }: { model: ConsoleModel }) {
  return (
    <ModelContext.Provider value={model}>
      <div className="console">
        <EmergencyBanner />
        <Header />
        <ConnectionNotice />
        <AlarmList />
        <ConsoleBody />
        <EmergencyPanel />
      </div>
    </ModelContext.Provider>
  )
}

/**
 * The multiviewer, or the library or programming over it. The multiviewer stays mounted while hidden (its tiles keep
 * their places and sessions for a quick return) but its previews stop loading.
 */
function ConsoleBody() {
  const view = useConsole((s) => s.ui.view)
  return (
    <main className="console-body">
      <div className="mv-column" hidden={view !== 'multiviewer'}>
        <MultiviewerBar />
        <Multiviewer />
      </div>
      {view === 'multiviewer' && <ChannelDetail />}
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
