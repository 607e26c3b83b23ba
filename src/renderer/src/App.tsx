// The operator console: station header, alarms, the multiviewer, a channel's detail, and the
// guarded emergency control. It talks to the station only through the StationApi it is given.
import { ModelContext } from './context'
import { AlarmList } from './components/Alarms'
import { ChannelDetail } from './components/ChannelDetail'
import { EmergencyPanel } from './components/Emergency'
import { EmergencyBanner } from './components/EmergencyBanner'
import { ConnectionNotice, Header } from './components/Header'
import { Multiviewer, MultiviewerBar } from './components/Multiviewer'
import type { ConsoleModel } from './state/model'

export function App({ model }: { model: ConsoleModel }) {
  return (
    <ModelContext.Provider value={model}>
      <div className="console">
        <EmergencyBanner />
        <Header />
        <ConnectionNotice />
        <AlarmList />
        <main className="console-body">
          <div className="mv-column">
            <MultiviewerBar />
            <Multiviewer />
          </div>
          <ChannelDetail />
        </main>
        <EmergencyPanel />
      </div>
    </ModelContext.Provider>
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
