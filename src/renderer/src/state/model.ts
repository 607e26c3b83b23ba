// The console's model: one zustand store fed by the StationApi's event stream, plus the commands
// the UI gives. Components select what they show (a tile selects its own channel), so one channel's
// change re-renders one tile. Fast-changing values stay outside the store: station time is held by
// the StationClock and read on animation frames, audio levels go through the LevelsBus.
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { EmergencyDto, ModeDto, StationEvent } from '../../../shared/api'
import type { EmergencyScope } from '../../../shared/domain'
import { StationApiError, type StationApi } from '../../../shared/station-api'
import { isConnectionAware, type ConnectionState } from '../transport/connection'
import { monotonicNow, StationClock } from './clock'
import { cleanDeskName, loadDesk, saveDesk } from './desk'
import { describeError } from './describe-error'
import { LibraryModel, type LibraryModelOptions } from './library'
import { LevelsBus } from './levels'
import { ProgrammingModel } from './programming'
import { loadPrefs, savePrefs, type Layout, type Prefs, type PrefsStorage } from './prefs'
import {
  applyEvent,
  INITIAL_STATION,
  noteStation,
  sameMode,
  type AlarmEntry,
  type StationState
} from './station-state'

/** What fills the console's body: the multiviewer, the media library, or channel programming. */
export type ConsoleView = 'multiviewer' | 'library' | 'programming'

export interface UiState {
  view: ConsoleView
  /** The channel shown alone (double-click), or null for the grid. */
  solo: string | null
  /** The channel whose detail panel is open. */
  detail: string | null
  /** An emergency drill running in this console only (test mode: nothing goes to air). */
  testEmergency: EmergencyDto | null
  /** The emergency cover is lifted: the control panel is open. */
  emergencyPanel: boolean
}

export interface ConsoleState extends StationState {
  connection: ConnectionState
  /**
   * The station stopped answering (its event stream closed or went silent) after it had been live:
   * the station time it was last heard from, the moment the console's clock stops at. null while live.
   */
  down: number | null
  prefs: Prefs
  ui: UiState
  /** This console desk's name, as its operator gave it (null until asked). */
  desk: string | null
}

export interface ModelOptions {
  /** The desk's preferences (layout, wall mode), shared by the browser's consoles. */
  storage?: PrefsStorage | null
  /** This console window's own (the listened channel, the large tile): never shared. */
  windowStorage?: PrefsStorage | null
  /** Monotonic milliseconds (document timeline by default). */
  monotonic?: () => number
  library?: LibraryModelOptions
}

export class ConsoleModel {
  readonly store: StoreApi<ConsoleState>
  readonly clock = new StationClock()
  readonly levels = new LevelsBus()
  /** The media library's folders, jobs and the asset list (its own store: it changes apart). */
  readonly library: LibraryModel
  /** Channel programming: the lineup, collections and the template being edited (its own store). */
  readonly programming: ProgrammingModel
  private readonly storage: PrefsStorage | null
  private readonly windowStorage: PrefsStorage | null
  private readonly mono: () => number
  private stops: Array<() => void> = []

  constructor(
    readonly api: StationApi,
    options: ModelOptions = {}
  ) {
    this.storage = options.storage ?? null
    this.windowStorage = options.windowStorage ?? null
    this.mono = options.monotonic ?? monotonicNow
    this.library = new LibraryModel(api, options.library)
    this.programming = new ProgrammingModel(api, () => this.stationNow())
    const connection: ConnectionState = isConnectionAware(api)
      ? api.connectionState()
      : { status: 'open', retryInMs: null, resyncs: 0 }
    this.store = createStore<ConsoleState>()(() => ({
      ...INITIAL_STATION,
      connection,
      down: null,
      prefs: loadPrefs(this.storage, this.windowStorage),
      desk: loadDesk(this.storage),
      ui: {
        view: 'multiviewer',
        solo: null,
        detail: null,
        testEmergency: null,
        emergencyPanel: false
      }
    }))
  }

  get state(): ConsoleState {
    return this.store.getState()
  }

  /** Subscribes to the station's events (and connection changes, where the transport has them). */
  start(): void {
    if (this.stops.length > 0) return
    if (isConnectionAware(this.api)) {
      this.stops.push(
        this.api.onConnectionChange((c) => {
          const prev = this.state.connection
          this.store.setState({ connection: c })
          if (prev.status === 'open' && c.status !== 'open') {
            // Nothing on screen may pass for live now: the clock stops where the station was last heard.
            if (this.state.live && this.state.down === null)
              this.store.setState({ down: this.clock.now(this.mono()) })
            this.store.setState(
              noteStation(this.state, 'Connection to the station lost; reconnecting', 'warn')
            )
          }
          if (c.status === 'open' && this.state.down !== null) this.store.setState({ down: null })
          // Back after a loss: the library's folders and jobs may have moved meanwhile.
          if (prev.status !== 'open' && c.status === 'open' && this.state.ui.view === 'library')
            void this.library.reloadFolders()
          if (c.resyncs > prev.resyncs)
            this.store.setState(
              noteStation(this.state, 'Missed an update: took a fresh snapshot', 'warn')
            )
        })
      )
    }
    this.stops.push(this.api.subscribe((event) => this.ingest(event)))
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s()
  }

  ingest(event: StationEvent, atMono = this.mono()): void {
    this.clock.anchor(event.stationTime, atMono)
    if (event.type === 'levels') {
      this.levels.publish(event.channels, atMono)
      return
    }
    if (event.type === 'library') {
      this.library.ingest(event)
      return
    }
    const wasLive = this.state.live
    this.store.setState(applyEvent(this.state, event))
    if (event.type === 'snapshot' && wasLive)
      this.store.setState(noteStation(this.state, `Fresh snapshot (seq ${event.seq})`, 'info'))
  }

  /** Station time now (epoch ms), or null before the first event. */
  /** Station time now; while the station is down, the time it was last heard from (stopped). */
  stationNow(monoMs = this.mono()): number | null {
    return this.state.down ?? this.clock.now(monoMs)
  }

  // ---- preferences and view ------------------------------------------------------------------

  private setPrefs(patch: Partial<Prefs>): void {
    const prefs = { ...this.state.prefs, ...patch }
    this.store.setState({ prefs })
    savePrefs(this.storage, this.windowStorage, prefs)
  }

  setLayout(layout: Layout): void {
    this.setPrefs({ layout })
  }

  /** Wall mode (a screen across the room) on or off. */
  setWall(wall: boolean): void {
    this.setPrefs({ wall })
  }

  /** The channel in the large tile of "1 large + small" (listening never moves it). */
  setLarge(uuid: string | null): void {
    this.setPrefs({ large: uuid })
  }

  /** Listens to one channel (only one at a time); the same channel again mutes it. */
  toggleListen(uuid: string): void {
    this.setPrefs({ listened: this.state.prefs.listened === uuid ? null : uuid })
  }

  /** Shows the multiviewer, the library or programming (the multiviewer's previews stop loading while hidden). */
  setView(view: ConsoleView): void {
    if (this.state.ui.view === view) return
    this.store.setState({ ui: { ...this.state.ui, view } })
    if (view === 'library') this.library.open()
    else this.library.close()
    if (view === 'programming') void this.programming.open()
    else this.programming.close()
  }

  setSolo(uuid: string | null): void {
    this.store.setState({ ui: { ...this.state.ui, solo: uuid } })
  }

  openDetail(uuid: string | null): void {
    this.store.setState({ ui: { ...this.state.ui, detail: uuid } })
  }

  setEmergencyPanel(open: boolean): void {
    if (this.state.ui.emergencyPanel !== open)
      this.store.setState({ ui: { ...this.state.ui, emergencyPanel: open } })
  }

  // ---- commands ------------------------------------------------------------------------------

  private applyMode(mode: ModeDto): void {
    if (!sameMode(this.state.mode, mode)) this.store.setState({ mode })
  }

  async activateEmergency(message: string, scope: EmergencyScope): Promise<ModeDto> {
    this.store.setState(noteStation(this.state, `Emergency requested (${scope})`, 'warn'))
    try {
      const desk = this.state.desk
      const mode = await this.api.activateEmergency(
        desk === null ? { message, scope } : { message, scope, desk }
      )
      this.applyMode(mode)
      return mode
    } catch (err) {
      this.store.setState(
        noteStation(this.state, `Emergency refused: ${describeError(err)}`, 'alarm')
      )
      throw err
    }
  }

  async clearEmergency(): Promise<ModeDto> {
    this.store.setState(noteStation(this.state, 'All-clear requested', 'info'))
    try {
      const mode = await this.api.clearEmergency()
      this.applyMode(mode)
      return mode
    } catch (err) {
      this.store.setState(
        noteStation(this.state, `All-clear refused: ${describeError(err)}`, 'alarm')
      )
      throw err
    }
  }

  startTest(message: string, scope: EmergencyScope): void {
    const now = this.stationNow()
    const since = now === null ? '' : new Date(now).toISOString()
    this.store.setState({ ui: { ...this.state.ui, testEmergency: { message, scope, since } } })
    this.store.setState(
      noteStation(
        this.state,
        `TEST emergency started in this console (${scope}); nothing went to air`,
        'info'
      )
    )
  }

  endTest(): void {
    this.store.setState({ ui: { ...this.state.ui, testEmergency: null } })
    this.store.setState(noteStation(this.state, 'TEST emergency ended', 'info'))
  }

  /** Names this console desk (kept in this console's storage); a name the station would refuse is refused here. */
  setDesk(raw: string): string {
    const name = cleanDeskName(raw)
    if (name === null) throw new Error('a desk name is 1 to 40 characters')
    saveDesk(this.storage, name)
    this.store.setState({ desk: name })
    return name
  }

  /**
   * Acknowledges an alarm at the station, for every desk, naming this desk. `already`: the station
   * no longer holds it (another desk acknowledged it meanwhile): it is done here too, as the
   * station's next event will say. Any other failure is the caller's to show.
   */
  async acknowledge(entry: AlarmEntry): Promise<'acknowledged' | 'already'> {
    const desk = this.state.desk
    const mark = (patch: Partial<AlarmEntry>) => {
      const cur = this.state.alarms[entry.key]
      if (cur)
        this.store.setState({ alarms: { ...this.state.alarms, [entry.key]: { ...cur, ...patch } } })
    }
    try {
      const acked = await this.api.acknowledgeAlarm(
        entry.alarm.id,
        desk === null ? undefined : { desk }
      )
      const cur = this.state.alarms[entry.key]
      if (cur) mark({ alarm: { ...cur.alarm, ...acked, since: cur.alarm.since } })
      return 'acknowledged'
    } catch (err) {
      const code = err instanceof StationApiError ? err.code : ''
      if (code !== 'not_found' || entry.alarm.clearedAt === null) throw err
      mark({ present: false, goneAt: this.stationIso() })
      return 'already'
    }
  }

  resetChannel(uuid: string) {
    return this.api.resetChannel(uuid)
  }

  private stationIso(): string {
    const now = this.stationNow()
    return now === null ? new Date(0).toISOString() : new Date(now).toISOString()
  }
}

export { describeError }
