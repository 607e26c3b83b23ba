// One channel in the multiviewer: its 16:9 live preview inside a tally border, with the tally word,
// faults, alarm codes, viewers and the audio meter over the picture, and below it the under-monitor
// strip (name, local time, now with its countdown, next) at sizes read from a few metres.
// A tile selects only its own channel from the store, so other channels' changes do not touch it.
import { memo, useEffect, useRef, useState, type CSSProperties } from 'react'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { useOnScreen } from '../hooks'
import { PreviewPlayer, type PreviewStatus } from '../preview/player'
import {
  airTally,
  alarmCodes,
  faultOf,
  outputsDown,
  TALLY_DESCRIPTION,
  TALLY_LABEL,
  tallyText
} from '../tally'
import { AudioMeter } from './AudioMeter'
import { Countdown, ZoneClock } from './TimeText'
import type { TileBox } from './wall-plan'

const STATUS_TEXT: Record<PreviewStatus, string> = {
  attaching: 'Connecting preview…',
  loading: 'Loading…',
  playing: '',
  paused: 'Paused (not visible)',
  retrying: 'Preview lost; retrying…',
  unavailable: 'No preview'
}

function PreviewVideo({
  uuid,
  visible,
  listening
}: {
  uuid: string
  visible: boolean
  listening: boolean
}) {
  const model = useModel()
  const videoRef = useRef<HTMLVideoElement>(null)
  const playerRef = useRef<PreviewPlayer | null>(null)
  const [status, setStatus] = useState<{ status: PreviewStatus; detail: string | null }>({
    status: 'attaching',
    detail: null
  })

  useEffect(() => {
    const video = videoRef.current
    if (!video) return
    const player = new PreviewPlayer(model.api, uuid, video, {
      onStatus: (s, detail) => setStatus({ status: s, detail })
    })
    playerRef.current = player
    return () => {
      playerRef.current = null
      player.dispose()
    }
  }, [model, uuid])

  useEffect(() => playerRef.current?.setVisible(visible), [visible])
  useEffect(() => playerRef.current?.setListening(listening), [listening])

  const text = STATUS_TEXT[status.status]
  return (
    <>
      <video ref={videoRef} muted playsInline disablePictureInPicture data-testid="preview" />
      {text && (
        <div className={`monitor-status status-${status.status}`} role="status">
          {text}
          {status.detail && <small>{status.detail}</small>}
        </div>
      )}
    </>
  )
}

/** Over a picture that is not live output: a frozen last frame must never pass for a channel on air. */
function NoOutput({
  failed,
  status,
  code
}: {
  failed: boolean
  status: string
  code: string | null
}) {
  if (failed) {
    return (
      <div className="no-output" data-testid="no-output">
        CHANNEL FAILED{code ? ` · ${code}` : ''}
        <small>no output: reset it from Details</small>
      </div>
    )
  }
  if (status === 'stopped' || status === 'starting' || status === 'stopping') {
    return (
      <div className="no-output" data-testid="no-output">
        {status === 'starting' ? 'STARTING…' : 'NO OUTPUT'}
        <small>
          {status === 'starting' ? 'the producer is starting' : 'producer stopped (standby)'}
        </small>
      </div>
    )
  }
  return null
}

function NowNext({ uuid, compact }: { uuid: string; compact: boolean }) {
  const now = useConsole((s) => s.channels[uuid]?.nowPlaying ?? null)
  const next = useConsole((s) => s.channels[uuid]?.next ?? null)
  const kind = useConsole((s) => s.channels[uuid]?.kind)
  const zone = useConsole((s) => s.channels[uuid]?.timezone)
  return (
    <>
      <div className="now-line" data-testid="now">
        <span className="nn-label">NOW</span>
        <span className="nn-title">
          {now ? now.title : kind === 'guide' ? 'Listings' : 'Nothing scheduled (slate)'}
        </span>
        {now && <Countdown target={next?.start ?? now.end} label="Next item in" />}
      </div>
      {!compact && (
        <div className="next-line" data-testid="next">
          <span className="nn-label">NEXT</span>
          <span className="nn-title">{next ? next.title : '—'}</span>
          {next && <span className="nn-at">{formatClock(Date.parse(next.start), zone)}</span>}
        </div>
      )}
    </>
  )
}

export const Tile = memo(function Tile({
  uuid,
  box,
  largeLayout = false,
  hidden = false
}: {
  uuid: string
  /** Where the wall plan puts the tile (null before the area is measured). */
  box: TileBox | null
  /** The layout has a large tile ("1 large + small"): the tile offers to take it. */
  largeLayout?: boolean
  hidden?: boolean
}) {
  const model = useModel()
  const ch = useConsole((s) => s.channels[uuid])
  const listening = useConsole((s) => s.prefs.listened === uuid)
  const soloed = useConsole((s) => s.ui.solo === uuid)
  const detailOpen = useConsole((s) => s.ui.detail === uuid)
  const down = useConsole((s) => s.down)
  const monitorRef = useRef<HTMLDivElement>(null)
  const onScreen = useOnScreen(monitorRef)
  if (!ch) return null

  const codes = alarmCodes(ch)
  // The station stopped answering: what the tile last knew is not shown as if it were live.
  const air = down !== null ? 'off' : airTally(ch)
  const fault = down === null ? faultOf(ch) : null
  const outDown = outputsDown(ch)
  const toggleSolo = () => model.setSolo(soloed ? null : uuid)
  const large = box?.large === true && largeLayout
  const classes = [
    'tile',
    `tally-${air}`,
    fault ? `faulted ${fault.acknowledged ? 'fault-acknowledged' : 'fault-unacknowledged'}` : '',
    down !== null ? 'station-down' : '',
    large ? 'large' : '',
    box?.compact ? 'compact' : '',
    listening ? 'listening' : ''
  ]
  const place: CSSProperties = box
    ? { left: box.x, top: box.y, width: box.w, height: box.h }
    : { visibility: 'hidden' }

  return (
    <section
      className={classes.filter(Boolean).join(' ')}
      data-testid="tile"
      data-channel={uuid}
      data-tally={ch.tally}
      data-air={air}
      aria-label={`${ch.name}: ${tallyText(ch)} (${TALLY_DESCRIPTION[air]})`}
      hidden={hidden}
      // Selectable (the keyboard shortcuts act on the focused tile), but not a Tab stop of its own.
      tabIndex={-1}
      style={place}
    >
      <div
        className="monitor"
        ref={monitorRef}
        style={box ? { height: box.ph } : undefined}
        // One click listens. The second click of a double-click is not another toggle: solo has its
        // own gesture (a double-click on the name strip), so the two never collide.
        onClick={(e) => {
          if (e.detail <= 1) model.toggleListen(uuid)
        }}
        title={listening ? 'Listening: click to mute' : 'Click to listen'}
        data-testid="monitor"
      >
        <PreviewVideo uuid={uuid} visible={onScreen && !hidden} listening={listening} />
        <AudioMeter uuid={uuid} />
        {down !== null && (
          <div className="no-output station-down-notice" data-testid="tile-down">
            STATION DOWN
            <small>no data since {formatClock(down)}</small>
          </div>
        )}
        {down === null && (
          <NoOutput
            failed={ch.failed || ch.producerStatus === 'failed'}
            status={ch.producerStatus}
            code={codes[0] ?? null}
          />
        )}
        {fault && !ch.failed && ch.producerStatus === 'running' && (
          // On the picture itself, large: the fault is seen where the eye is.
          <div className="fault-code" data-testid="fault-code" aria-hidden="true">
            FAULT {fault.code}
          </div>
        )}
        {air === 'emergency' && (
          <div className="emergency-strip" data-testid="emergency-strip" aria-hidden="true">
            EMERGENCY
          </div>
        )}
        <div className="tile-top">
          <span className="tally-badge" data-testid="tally" title={TALLY_DESCRIPTION[air]}>
            {down !== null ? 'NO DATA' : TALLY_LABEL[air]}
          </span>
          {fault && (
            <span
              className="fault-badge"
              data-testid="fault-badge"
              title={
                fault.acknowledged ? 'Fault (acknowledged)' : 'Fault: acknowledge it in Alarms'
              }
            >
              FAULT {fault.code}
            </span>
          )}
          {outDown > 0 && down === null && (
            <span
              className="out-badge"
              data-testid="out-badge"
              title={`${outDown} push ${outDown === 1 ? 'output delivers' : 'outputs deliver'} nothing: ${
                ch.outputs.find((o) => o.state === 'retrying')?.lastError ?? 'retrying'
              }`}
            >
              OUT
            </span>
          )}
          {codes.length > 0 && (
            <span
              className="alarm-codes"
              data-testid="alarm-codes"
              aria-label={`Alarms: ${codes.join(', ')}`}
            >
              {codes.map((c) => (
                <span key={c} className="alarm-code">
                  {c}
                </span>
              ))}
            </span>
          )}
          {listening && <span className="listen-badge">LISTEN</span>}
          <span
            className="viewers"
            data-testid="viewers"
            title="Viewers (the console's previews are not counted)"
          >
            {ch.viewerCount} {ch.viewerCount === 1 ? 'viewer' : 'viewers'}
          </span>
          {ch.outputCount > 0 && (
            <span
              className="viewers"
              data-testid="output-count"
              title="Push outputs (RTMP/SRT) keeping this channel on air"
            >
              {ch.outputCount} {ch.outputCount === 1 ? 'output' : 'outputs'}
            </span>
          )}
        </div>
        <div className="tile-actions" onClick={(e) => e.stopPropagation()}>
          <button
            type="button"
            aria-pressed={listening}
            aria-keyshortcuts="L"
            onClick={() => model.toggleListen(uuid)}
            aria-label={`${listening ? 'Listening' : 'Listen'} to ${ch.name}`}
          >
            {listening ? 'Listening' : 'Listen'}
          </button>
          <button
            type="button"
            aria-pressed={soloed}
            aria-keyshortcuts="S"
            onClick={toggleSolo}
            // The name begins with the visible word, so a voice-control user can say what they see.
            aria-label={soloed ? `Grid: back from ${ch.name}` : `Solo ${ch.name}`}
          >
            {soloed ? 'Grid' : 'Solo'}
          </button>
          {largeLayout && !large && (
            <button
              type="button"
              aria-keyshortcuts="B"
              onClick={() => model.setLarge(uuid)}
              aria-label={`Large: put ${ch.name} in the large tile`}
            >
              Large
            </button>
          )}
          <button
            type="button"
            aria-expanded={detailOpen}
            aria-keyshortcuts="D"
            onClick={() => model.openDetail(detailOpen ? null : uuid)}
            aria-label={`Details of ${ch.name}`}
          >
            Details
          </button>
        </div>
      </div>
      {/* The under-monitor strip: a double-click here shows the channel alone. */}
      <div className="umd-strip" onDoubleClick={toggleSolo} data-testid="umd">
        <div className="umd">
          <h2 className="umd-name">{ch.name}</h2>
          <ZoneClock zone={ch.timezone} className="umd-time" testId="channel-time" />
        </div>
        <NowNext uuid={uuid} compact={box?.compact ?? false} />
      </div>
    </section>
  )
})
