// One asset in full: what it is, why it cannot air (when it cannot), the probe, loudness, the trims
// at its head and tail, its filmstrip, and where the schedule airs it next.
import { useEffect, useRef } from 'react'
import type { LibraryAssetDetailDto, LibraryImageDto } from '../../../shared/library'
import { useLibrary, useModel } from '../context'
import { formatClock, formatDate, formatDuration } from '../format'
import { useLoad } from '../use-load'
import {
  episodeCode,
  formatBytes,
  formatLevel,
  formatRunTime,
  KIND_LABEL,
  PROBLEM_STATUSES,
  STATUS_DESCRIPTION,
  STATUS_LABEL
} from './library-text'

export function AssetDetail({ id }: { id: number }) {
  const model = useModel()
  // The row as the list has it now: a change of status or analysis reads the detail again.
  const row = useLibrary((s) => s.list.rows.find((r) => r.id === id))
  const stamp = row ? `${row.status}:${row.analysed}:${row.path}` : ''
  const detail = useLoad(() => model.library.api.libraryAsset(id), [model, id, stamp])
  const closeRef = useRef<HTMLButtonElement>(null)
  useEffect(() => closeRef.current?.focus({ preventScroll: true }), [id])
  return (
    <aside className="detail lib-detail" aria-label="Asset detail" data-testid="asset-detail">
      <header className="detail-head">
        <h2>{detail.state === 'ok' ? detail.value.title : (row?.title ?? `Asset ${id}`)}</h2>
        <button
          ref={closeRef}
          type="button"
          onClick={() => model.library.select(null)}
          aria-label="Close asset detail"
        >
          Close
        </button>
      </header>
      {detail.state === 'ok' ? (
        <DetailBody a={detail.value} />
      ) : detail.state === 'loading' ? (
        <p className="muted">Loading…</p>
      ) : (
        <p className="lib-error" role="alert">
          {detail.message}
        </p>
      )}
    </aside>
  )
}

function DetailBody({ a }: { a: LibraryAssetDetailDto }) {
  const problem = PROBLEM_STATUSES.has(a.status)
  const ep = episodeCode(a)
  return (
    <>
      <p className={`detail-status status-${a.status}${problem ? ' has-problem' : ''}`}>
        <span className="status-badge">{STATUS_LABEL[a.status]}</span>{' '}
        {a.reason ?? STATUS_DESCRIPTION[a.status]}
      </p>
      <dl className="facts lib-facts">
        <dt>Kind</dt>
        <dd>{KIND_LABEL[a.kind]}</dd>
        {a.show && (
          <>
            <dt>Show</dt>
            <dd>
              {a.show}
              {ep ? ` · ${ep}` : ''}
              {a.episodeTitle ? ` · ${a.episodeTitle}` : ''}
            </dd>
          </>
        )}
        {a.year !== null && (
          <>
            <dt>Year</dt>
            <dd>{a.year}</dd>
          </>
        )}
        {a.genres.length > 0 && (
          <>
            <dt>Genre</dt>
            <dd>{a.genres.join(', ')}</dd>
          </>
        )}
        <dt>Length</dt>
        <dd>{formatRunTime(a.durationMs)}</dd>
        <dt>File</dt>
        <dd className="break" data-testid="asset-path">
          {a.path}
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(a.sizeBytes)}</dd>
        <dt>Added</dt>
        <dd>
          {formatDate(Date.parse(a.addedAt))} {formatClock(Date.parse(a.addedAt))}
        </dd>
      </dl>
      {a.plot && <p className="lib-plot">{a.plot}</p>}
      <Filmstrip id={a.id} has={a.hasFilmstrip} />
      <Probe a={a} />
      <Analysis a={a} />
      <Scheduled a={a} />
    </>
  )
}

function Filmstrip({ id, has }: { id: number; has: boolean }) {
  const model = useModel()
  const img = useLoad<LibraryImageDto | null>(
    () => (has ? model.library.api.libraryAssetImage(id, 'filmstrip') : Promise.resolve(null)),
    [model, id, has]
  )
  if (!has) return null
  return (
    <section aria-label="Filmstrip">
      <h3>Filmstrip</h3>
      {img.state === 'ok' && img.value ? (
        <img
          className="filmstrip"
          src={img.value.dataUrl}
          width={img.value.width}
          height={img.value.height}
          alt="Frames across the asset"
          data-testid="filmstrip"
        />
      ) : (
        <p className="muted">
          {img.state === 'loading' ? 'Loading…' : img.state === 'error' ? img.message : 'None'}
        </p>
      )}
    </section>
  )
}

function Probe({ a }: { a: LibraryAssetDetailDto }) {
  const p = a.probe
  return (
    <section aria-label="Probe" data-testid="asset-probe">
      <h3>Probe</h3>
      {!p ? (
        <p className="muted">{a.status === 'pending' ? 'Not probed yet.' : 'No media found.'}</p>
      ) : (
        <dl className="facts lib-facts">
          <dt>Container</dt>
          <dd>{p.container}</dd>
          <dt>Video</dt>
          <dd>
            {p.video
              ? [
                  `${p.video.codec}${p.video.profile ? ` ${p.video.profile}` : ''}${p.video.level !== null ? ` @L${p.video.level}` : ''}`,
                  `${p.video.width}×${p.video.height}`,
                  `${Number(p.video.frameRate.toFixed(3))} fps`,
                  p.video.fieldOrder ?? null,
                  p.video.aspect ? `DAR ${p.video.aspect}` : null
                ]
                  .filter(Boolean)
                  .join(' · ')
              : 'none'}
          </dd>
          <dt>Audio</dt>
          <dd>
            {p.audio
              ? `${p.audio.codec} · ${p.audio.channels} ch · ${(p.audio.sampleRate / 1000).toFixed(1)} kHz`
              : 'none'}
          </dd>
          <dt>Subtitles</dt>
          <dd>
            {p.subtitles.length === 0
              ? 'none'
              : p.subtitles
                  .map((s) => `${s.codec}${s.language ? ` (${s.language})` : ''}`)
                  .join(', ')}
          </dd>
        </dl>
      )}
    </section>
  )
}

function Analysis({ a }: { a: LibraryAssetDetailDto }) {
  const x = a.analysis
  return (
    <section aria-label="Loudness and trims" data-testid="asset-analysis">
      <h3>Loudness and trims</h3>
      {!x ? (
        <p className="muted">
          {a.status === 'ok' ? 'Not analysed yet (queued in the background).' : 'Not analysed.'}
        </p>
      ) : (
        <>
          {x.error && <p className="lib-error">Analysis failed: {x.error}</p>}
          <dl className="facts lib-facts">
            <dt>Integrated</dt>
            <dd data-testid="asset-lufs">{formatLevel(x.integratedLufs, 'LUFS')}</dd>
            <dt>Range</dt>
            <dd>{formatLevel(x.rangeLu, 'LU')}</dd>
            <dt>True peak</dt>
            <dd>{formatLevel(x.truePeakDbtp, 'dBTP')}</dd>
            <dt>Head</dt>
            <dd>
              black {formatMs(x.headBlackMs)} · silence {formatMs(x.headSilenceMs)}
            </dd>
            <dt>Tail</dt>
            <dd>
              black {formatMs(x.tailBlackMs)} · silence {formatMs(x.tailSilenceMs)}
            </dd>
            <dt>Airs</dt>
            <dd data-testid="asset-trims">
              {formatTrim(x.trimInMs)} → {formatTrim(x.trimOutMs)}
              {a.durationMs !== null && (
                <span className="muted"> of {formatDuration(a.durationMs)}</span>
              )}
            </dd>
          </dl>
        </>
      )}
    </section>
  )
}

/** Trims need tenths of a second: "00:01.5". */
function formatTrim(ms: number): string {
  return `${formatDuration(ms)}.${Math.floor((ms % 1000) / 100)}`
}
const formatMs = (ms: number): string => (ms === 0 ? 'none' : `${(ms / 1000).toFixed(1)} s`)

function Scheduled({ a }: { a: LibraryAssetDetailDto }) {
  return (
    <section aria-label="Scheduled" data-testid="asset-scheduled">
      <h3>Scheduled</h3>
      {a.scheduled.length === 0 ? (
        <p className="muted">Not in the schedule ahead.</p>
      ) : (
        <table className="plan">
          <tbody>
            {a.scheduled.map((s) => (
              <tr key={`${s.channelUuid}@${s.startsAt}`}>
                <td>{s.channelName}</td>
                <td>
                  {formatDate(Date.parse(s.startsAt))} {formatClock(Date.parse(s.startsAt))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
