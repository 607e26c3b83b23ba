// One channel in the multiviewer: its live preview inside a tally border, the under-monitor label
// (name, local time), now/next with a countdown, viewers, alarm codes and the audio meter.
// A tile selects only its own channel from the store, so other channels' changes do not touch it.
import { memo, useEffect, useRef, useState } from 'react'
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

function NowNext({ uuid }: { uuid: string }) {
  const now = useConsole((s) => s.channels[uuid]?.nowPlaying ?? null)
  const next = useConsole((s) => s.channels[uuid]?.next ?? null)
  const kind = useConsole((s) => s.channels[uuid]?.kind)
  const zone = useConsole((s) => s.channels[uuid]?.timezone)
  return (
    <div className="nownext">
      <div className="now-line" data-testid="now">
        <span className="nn-label">NOW</span>
        <span className="nn-title">
          {now ? now.title : kind === 'guide' ? 'Listings' : 'Nothing scheduled (slate)'}
        </span>
        {now && <Countdown target={next?.start ?? now.end} label="Next item in" />}
      </div>
      <div className="next-line" data-testid="next">
        <span className="nn-label">NEXT</span>
        <span className="nn-title">{next ? next.title : '—'}</span>
        {next && <span className="nn-at">{formatClock(Date.parse(next.start), zone)}</span>}
      </div>
    </div>
  )
}

export const Tile = memo(function Tile({
  uuid,
  large = false,
  hidden = false
}: {
  uuid: string
  large?: boolean
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
  const classes = [
    'tile',
    `tally-${air}`,
    fault ? `faulted ${fault.acknowledged ? 'fault-acknowledged' : 'fault-unacknowledged'}` : '',
    down !== null ? 'station-down' : '',
    large ? 'large' : '',
    listening ? 'listening' : ''
  ]

  return (
    <section
      className={classes.filter(Boolean).join(' ')}
      data-testid="tile"
      data-channel={uuid}
      data-tally={ch.tally}
      data-air={air}
      aria-label={`${ch.name}: ${tallyText(ch)} (${TALLY_DESCRIPTION[air]})`}
      hidden={hidden}
      onDoubleClick={toggleSolo}
    >
      <div className="tile-top">
        <span className="tally-badge" data-testid="tally" title={TALLY_DESCRIPTION[air]}>
          {down !== null ? 'NO DATA' : TALLY_LABEL[air]}
        </span>
        {fault && (
          <span
            className="fault-badge"
            data-testid="fault-badge"
            title={fault.acknowledged ? 'Fault (acknowledged)' : 'Fault: acknowledge it in Alarms'}
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
      <div
        className="monitor"
        ref={monitorRef}
        onClick={() => model.toggleListen(uuid)}
        title={listening ? 'Listening: click to mute' : 'Click to listen'}
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
        {listening && <span className="listen-badge">LISTEN</span>}
      </div>
      <div className="umd">
        <h2 className="umd-name">{ch.name}</h2>
        <ZoneClock zone={ch.timezone} className="umd-time" testId="channel-time" />
      </div>
      <NowNext uuid={uuid} />
      <div className="tile-actions">
        <button
          type="button"
          aria-pressed={listening}
          onClick={() => model.toggleListen(uuid)}
          aria-label={`Listen to ${ch.name}`}
        >
          {listening ? 'Listening' : 'Listen'}
        </button>
        <button
          type="button"
          aria-pressed={soloed}
          onClick={toggleSolo}
          // The name begins with the visible word, so a voice-control user can say what they see.
          aria-label={soloed ? `Grid: back from ${ch.name}` : `Solo ${ch.name}`}
        >
          {soloed ? 'Grid' : 'Solo'}
        </button>
        <button
          type="button"
          aria-expanded={detailOpen}
          onClick={() => model.openDetail(detailOpen ? null : uuid)}
          aria-label={`Details of ${ch.name}`}
        >
          Details
        </button>
      </div>
    </section>
  )
})
