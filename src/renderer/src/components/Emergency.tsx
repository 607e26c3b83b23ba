// The emergency control, guarded the way control rooms guard dangerous switches:
// - a cover: one action lifts it and opens the panel; nothing else happens;
// - in the panel: the message (templates, among them a ready correction), the scope, and the
//   station's own rendering of it (the card's pages or the crawl's strip, with how long a pass
//   takes); then a ~3 s hold with a filling bar (release cancels);
// - pending until the engine confirms; a refusal names the channel that refused and stays on screen;
// - while on air: an EMERGENCY ON AIR banner and a frame around the whole window; the all-clear
//   uses the same cover and hold;
// - a test mode that looks different (blue, hatched, "TEST") runs the same flow in this console
//   only, without any call to the station.
// - what the operator typed is kept as a draft until fired or discarded: closing the panel (Esc,
//   Close, or left alone) keeps it for the next opening. Left alone a minute, the panel shows a
//   countdown with "Keep open" before it closes itself; it changes nothing either way;
// - a template that changes the scope says so (old → new);
// - a panel closed because another desk fired (or gave the all-clear) says so, with the desk and time.
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent
} from 'react'
import type { EmergencyDto, EmergencyPreviewDto } from '../../../shared/api'
import { EMERGENCY_MESSAGE_MAX, type EmergencyScope } from '../../../shared/domain'
import { StationApiError } from '../../../shared/station-api'
import { useConsole, useModel } from '../context'
import { formatClock } from '../format'
import { describeError } from '../state/model'
import { HoldButton } from './HoldButton'
import { closedElsewhereText, refusingChannel, scopeChange, TEMPLATES } from './emergency-templates'
import './emergency-desks.css'

/** Without input this long, the panel starts counting down to closing itself. */
export const IDLE_WARN_MS = 60_000
/** How long the countdown runs (with "Keep open") before the panel closes, its text kept. */
export const IDLE_COUNTDOWN_MS = 60_000
/** A command the station accepted should show in its events well within this. */
const CONFIRM_TIMEOUT_MS = 20_000

export function EmergencyCover() {
  const model = useModel()
  const mode = useConsole((s) => s.mode.mode)
  const test = useConsole((s) => s.ui.testEmergency)
  const open = useConsole((s) => s.ui.emergencyPanel)
  const onAir = mode === 'emergency'
  return (
    <button
      type="button"
      className={`emergency-cover${onAir ? ' on-air' : ''}${test ? ' test' : ''}`}
      data-testid="emergency-cover"
      aria-haspopup="dialog"
      aria-expanded={open}
      onClick={() => model.setEmergencyPanel(true)}
    >
      <span className="cover-caption">{onAir || test ? 'lift cover for' : 'lift cover'}</span>
      <span className="cover-label">{onAir ? 'ALL CLEAR…' : test ? 'END TEST…' : 'EMERGENCY'}</span>
    </button>
  )
}

/** How long the preview waits for typing to pause before asking the station to render. */
const PREVIEW_DEBOUNCE_MS = 300

type PreviewState = { key: string; dto: EmergencyPreviewDto | null; error: unknown }

/**
 * The station's rendering of the message (StationApi.previewEmergency): the frames that air, by the
 * code that airs them. Only an answer for the text and scope shown now is ever displayed.
 */
function useStationPreview(
  text: string,
  scope: EmergencyScope
): { dto: EmergencyPreviewDto | null; error: unknown; pending: boolean } {
  const model = useModel()
  const key = `${scope}\n${text}`
  const [state, setState] = useState<PreviewState>({ key: '', dto: null, error: null })
  useEffect(() => {
    if (!text) return
    let live = true
    const t = setTimeout(() => {
      model.api.previewEmergency({ message: text, scope }).then(
        (dto) => live && setState({ key, dto, error: null }),
        (error: unknown) => live && setState({ key, dto: null, error })
      )
    }, PREVIEW_DEBOUNCE_MS)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [model, key, text, scope])
  const current = state.key === key
  return {
    dto: current ? state.dto : null,
    error: current ? state.error : null,
    pending: !!text && !current
  }
}

const seconds = (s: number) => `${Math.round(s)} s`

/** The message as it will air: the takeover card's pages or the crawl's strip, as the station renders them. */
function OnAirPreview({
  message,
  scope,
  test
}: {
  message: string
  scope: EmergencyScope
  test: boolean
}) {
  const text = message.trim()
  const { dto, error, pending } = useStationPreview(text, scope)
  const pages = dto?.pictures.length ?? 0
  const timing = !dto
    ? ''
    : dto.scope === 'crawl'
      ? ` · one pass takes ${seconds(dto.passSeconds ?? 0)} (${dto.crawlSpeed} characters a second), then it starts again`
      : pages > 1
        ? ` · ${pages} pages, cycling: ${dto.pageSeconds!.map(seconds).join(', ')} each`
        : ' · fits on one card'
  return (
    <figure
      className={`onair-preview scope-${scope}${test ? ' test' : ''}`}
      aria-label="Preview of the on-air picture"
      aria-busy={pending}
    >
      <div
        className={`screen${dto?.scope === 'crawl' ? ' strip' : ''}`}
        data-testid="onair-preview"
      >
        {dto ? (
          dto.pictures.map((p, i) => (
            <img
              key={i}
              src={p.png}
              width={p.width}
              height={p.height}
              data-testid="preview-picture"
              alt={
                dto.scope === 'crawl'
                  ? `Crawl: ${text}`
                  : `Takeover card${pages > 1 ? `, page ${i + 1} of ${pages}` : ''}`
              }
            />
          ))
        ) : (
          <p className="preview-state" role={error ? 'alert' : undefined}>
            {!text
              ? '(no message)'
              : error
                ? `No preview: ${describeError(error)}`
                : 'Rendering the on-air picture…'}
          </p>
        )}
      </div>
      <figcaption>
        {scope === 'crawl'
          ? 'Crawl over programming, with alert tone'
          : 'Full-screen takeover replacing programming, with alert tone'}
        {timing} · exactly this text (<span data-testid="preview-count">{text.length}</span>/
        {EMERGENCY_MESSAGE_MAX} characters)
      </figcaption>
      <p className="preview-words" data-testid="preview-text">
        {text}
      </p>
    </figure>
  )
}

type Phase =
  | { kind: 'edit' }
  | { kind: 'pending' }
  | { kind: 'refused'; error: unknown; channel: string | null }

/** The message being prepared, kept while the panel is closed until it is fired or discarded. */
export interface Draft {
  message: string
  scope: EmergencyScope
}
const EMPTY_DRAFT: Draft = { message: '', scope: 'crawl' }

export function EmergencyPanel() {
  const model = useModel()
  const open = useConsole((s) => s.ui.emergencyPanel)
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT)
  const [notice, setNotice] = useState<string | null>(null)
  const close = useCallback(() => model.setEmergencyPanel(false), [model])
  const closeWith = useCallback(
    (why: string) => {
      setNotice(why)
      model.setEmergencyPanel(false)
    },
    [model]
  )
  useEffect(() => {
    if (open) setNotice(null)
  }, [open])
  if (!open)
    return notice ? (
      <div className="emergency-closed-notice" role="alert" data-testid="emergency-closed-notice">
        <span>{notice}</span>
        <button type="button" onClick={() => setNotice(null)}>
          OK
        </button>
      </div>
    ) : null
  return <PanelBody draft={draft} onDraft={setDraft} onClose={close} onClosedBecause={closeWith} />
}

/**
 * Shown after a minute without input: how long until the panel closes, and "Keep open". Mounted
 * afresh (by key) at every input, so its timers start over.
 */
function IdleCountdown({
  paused,
  onKeepOpen,
  onExpire
}: {
  paused: boolean
  onKeepOpen: () => void
  onExpire: () => void
}) {
  /** Seconds left before closing; null until the minute without input has passed. */
  const [left, setLeft] = useState<number | null>(null)
  const expire = useRef(onExpire)
  useEffect(() => {
    expire.current = onExpire
  }, [onExpire])
  useEffect(() => {
    if (paused) return
    let tick: ReturnType<typeof setInterval> | undefined
    let close: ReturnType<typeof setTimeout> | undefined
    const warn = setTimeout(() => {
      setLeft(IDLE_COUNTDOWN_MS / 1000)
      tick = setInterval(() => setLeft((l) => (l === null ? null : Math.max(0, l - 1))), 1000)
      close = setTimeout(() => expire.current(), IDLE_COUNTDOWN_MS)
    }, IDLE_WARN_MS)
    return () => {
      clearTimeout(warn)
      clearInterval(tick)
      clearTimeout(close)
    }
  }, [paused])
  if (paused || left === null) return null
  return (
    <div className="panel-idle" role="alert" data-testid="idle-countdown">
      <span>
        No input for a minute: this panel closes in{' '}
        <strong data-testid="idle-seconds">{left} s</strong>. The message is kept as a draft.
      </span>
      <button type="button" onClick={onKeepOpen}>
        Keep open
      </button>
    </div>
  )
}

function PanelBody({
  draft,
  onDraft,
  onClose,
  onClosedBecause
}: {
  draft: Draft
  onDraft: (d: Draft) => void
  onClose: () => void
  onClosedBecause: (why: string) => void
}) {
  const model = useModel()
  const mode = useConsole((s) => s.mode)
  const test = useConsole((s) => s.ui.testEmergency)
  const [drill, setDrill] = useState(false)
  const [message, setMessageText] = useState(draft.message)
  const [scope, setScopeValue] = useState<EmergencyScope>(draft.scope)
  const [restored] = useState(draft.message.length > 0)
  /** A template changed the scope: said until the scope is chosen again. */
  const [scopeNotice, setScopeNotice] = useState<string | null>(null)
  const [phase, setPhase] = useState<Phase>({ kind: 'edit' })
  const [note, setNote] = useState<string | null>(null)
  const dialogRef = useRef<HTMLDivElement>(null)
  const messageRef = useRef<HTMLTextAreaElement>(null)
  const titleId = useId()
  /** Inputs so far: each one starts the idle countdown over. */
  const [touches, setTouches] = useState(0)
  const setMessage = (m: string) => {
    setMessageText(m)
    onDraft({ message: m, scope })
  }
  const setScope = (s: EmergencyScope) => {
    setScopeValue(s)
    onDraft({ message, scope: s })
  }
  const discard = () => {
    setMessageText('')
    setScopeValue(EMPTY_DRAFT.scope)
    setScopeNotice(null)
    onDraft(EMPTY_DRAFT)
    setNote('Draft discarded.')
    // The button goes with the text: focus stays in the panel (Esc and Tab keep working).
    messageRef.current?.focus()
  }

  // What this panel does, decided when it opens and kept while it is open.
  const [action] = useState<'activate' | 'clear' | 'end-test'>(() =>
    mode.mode === 'emergency' ? 'clear' : test ? 'end-test' : 'activate'
  )
  const isTest = action === 'end-test' || (action === 'activate' && drill)
  const pending = phase.kind === 'pending'

  // Confirmed by the engine (the mode it reports): close, the draft done with. While editing, a
  // mode change made elsewhere (another desk, automation) makes this panel's action stale: close
  // it too, saying why (the draft stays).
  const [openedIn] = useState(mode.mode)
  useEffect(() => {
    if (phase.kind !== 'pending') {
      if (mode.mode !== openedIn)
        onClosedBecause(closedElsewhereText(mode.emergency, model.stationNow()))
    } else if (
      !isTest &&
      ((action === 'activate' && mode.mode === 'emergency') ||
        (action === 'clear' && mode.mode === 'normal'))
    ) {
      if (action === 'activate') onDraft(EMPTY_DRAFT)
      onClose()
    }
  }, [phase, mode, action, isTest, onClose, onClosedBecause, onDraft, openedIn, model])

  // The station answered but never confirmed: say so rather than wait forever.
  useEffect(() => {
    if (phase.kind !== 'pending' || isTest) return
    const t = setTimeout(
      () =>
        setPhase({
          kind: 'refused',
          error: new Error(
            `no confirmation from the station within ${CONFIRM_TIMEOUT_MS / 1000} s; check the station`
          ),
          channel: null
        }),
      CONFIRM_TIMEOUT_MS
    )
    return () => clearTimeout(t)
  }, [phase, isTest])

  // Left alone, an armed panel counts down, then closes itself with its text kept (never while
  // waiting for the engine).
  const touch = () => setTouches((n) => n + 1)
  const idleClose = () =>
    onClosedBecause(
      message.trim()
        ? 'The emergency panel closed after two minutes without input. Your message is kept as a draft: lift the cover to go on.'
        : 'The emergency panel closed after two minutes without input.'
    )

  // Focus moves into the panel and back to the cover when it closes.
  useEffect(() => {
    const first = dialogRef.current?.querySelector<HTMLElement>('[data-autofocus]')
    first?.focus()
    return () => document.querySelector<HTMLElement>('[data-testid="emergency-cover"]')?.focus()
  }, [])

  const fire = async () => {
    setNote(null)
    setPhase({ kind: 'pending' })
    if (isTest) {
      // A drill: the same steps, no call to the station.
      setTimeout(() => {
        if (action === 'end-test') model.endTest()
        else {
          model.startTest(message.trim(), scope)
          onDraft(EMPTY_DRAFT)
        }
        onClose()
      }, 600)
      return
    }
    try {
      if (action === 'activate') await model.activateEmergency(message.trim(), scope)
      else await model.clearEmergency()
    } catch (err) {
      const byUuid = Object.fromEntries(
        Object.values(model.state.channels).map((c) => [c.uuid, c.name])
      )
      setPhase({ kind: 'refused', error: err, channel: refusingChannel(err, byUuid) })
    }
  }

  const onKeyDown = (e: ReactKeyboardEvent) => {
    touch()
    if (e.key === 'Escape' && !pending) {
      e.stopPropagation()
      onClose()
    }
    // Keep Tab inside the dialog.
    if (e.key === 'Tab' && dialogRef.current) {
      const focusables = [
        ...dialogRef.current.querySelectorAll<HTMLElement>(
          'button:not([disabled]), textarea, input:not([disabled]), [tabindex="0"]'
        )
      ]
      const first = focusables[0]
      const last = focusables[focusables.length - 1]
      if (!first || !last) return
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault()
        last.focus()
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault()
        first.focus()
      }
    }
  }

  const messageOk = message.trim().length > 0 && message.trim().length <= EMERGENCY_MESSAGE_MAX
  const title =
    action === 'clear'
      ? 'All clear: end the emergency'
      : action === 'end-test'
        ? 'End the TEST emergency'
        : isTest
          ? 'TEST emergency (drill: nothing goes to air)'
          : 'EMERGENCY: goes to air on every channel'

  return (
    <div className="dialog-backdrop">
      <div
        ref={dialogRef}
        className={`emergency-panel action-${action}${isTest ? ' test' : ' live'}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="emergency-panel"
        data-test-mode={isTest ? 'true' : 'false'}
        onKeyDown={onKeyDown}
        onPointerDown={touch}
        onInput={touch}
      >
        <header className="panel-head">
          <h2 id={titleId}>{title}</h2>
          {isTest && <span className="test-stamp">TEST · NOT ON AIR</span>}
        </header>

        {action === 'activate' && (
          <>
            <div className="panel-row" role="radiogroup" aria-label="Live or test">
              <button
                type="button"
                role="radio"
                aria-checked={!drill}
                className={!drill ? 'on live' : ''}
                onClick={() => setDrill(false)}
                disabled={pending}
              >
                LIVE (on air)
              </button>
              <button
                type="button"
                role="radio"
                aria-checked={drill}
                className={drill ? 'on test' : ''}
                onClick={() => setDrill(true)}
                disabled={pending}
              >
                TEST (drill, this console only)
              </button>
            </div>
            <div className="panel-row templates" role="group" aria-label="Message templates">
              {TEMPLATES.map((t, i) => (
                <button
                  key={t.id}
                  type="button"
                  data-autofocus={i === 0 ? '' : undefined}
                  disabled={pending}
                  className={t.id === 'correction' ? 'correction' : ''}
                  aria-pressed={message === t.message && scope === t.scope}
                  onClick={() => {
                    setMessageText(t.message)
                    setScopeValue(t.scope)
                    onDraft({ message: t.message, scope: t.scope })
                    setScopeNotice(scopeChange(scope, t))
                  }}
                >
                  {t.name}
                </button>
              ))}
            </div>
            <label className="panel-field">
              <span>Message</span>
              <textarea
                ref={messageRef}
                value={message}
                maxLength={EMERGENCY_MESSAGE_MAX}
                rows={3}
                disabled={pending}
                onChange={(e) => setMessage(e.target.value)}
                aria-label="Emergency message"
                placeholder="Type the message, or pick a template above"
              />
            </label>
            <div className="panel-row" role="radiogroup" aria-label="Scope">
              {(['crawl', 'takeover'] as const).map((s) => (
                <label key={s} className={`scope-option${scope === s ? ' on' : ''}`}>
                  <input
                    type="radio"
                    name="scope"
                    value={s}
                    checked={scope === s}
                    disabled={pending}
                    onChange={() => {
                      setScope(s)
                      setScopeNotice(null)
                    }}
                  />
                  {s === 'crawl' ? 'Crawl (programming stays on)' : 'Takeover (full screen)'}
                </label>
              ))}
            </div>
            {scopeNotice && (
              <p className="panel-scope-notice" role="status" data-testid="scope-notice">
                {scopeNotice}
              </p>
            )}
            <OnAirPreview message={message} scope={scope} test={isTest} />
          </>
        )}

        {action === 'clear' && mode.emergency && <OnAirSummary emergency={mode.emergency} />}
        {action === 'end-test' && test && <OnAirSummary emergency={test} test />}

        {phase.kind === 'pending' && (
          <p className="panel-pending" role="status" data-testid="emergency-pending">
            {isTest
              ? 'TEST: simulating the station… (nothing is sent)'
              : 'Sent. Waiting for the station to confirm every channel…'}
          </p>
        )}
        {phase.kind === 'refused' && (
          <div className="panel-refused" role="alert" data-testid="emergency-error">
            <strong>
              {phase.channel
                ? `REFUSED by channel “${phase.channel}”.`
                : action === 'clear'
                  ? 'The all-clear failed.'
                  : 'The emergency did not go to air.'}
            </strong>{' '}
            {phase.error instanceof StationApiError && phase.error.code === 'switch_refused'
              ? 'No channel was switched: the station put every channel back as it was.'
              : 'Nothing was confirmed: check the station and the mode shown above.'}
            <small>Station said: {describeError(phase.error)}</small>
          </div>
        )}
        {note && (
          <p className="panel-note" role="status">
            {note}
          </p>
        )}
        <IdleCountdown key={touches} paused={pending} onKeepOpen={touch} onExpire={idleClose} />

        <div className="panel-actions">
          <HoldButton
            variant={isTest ? 'test' : action === 'activate' ? 'live' : 'clear'}
            testId="hold-to-fire"
            disabled={pending || (action === 'activate' && !messageOk)}
            label={
              action === 'activate'
                ? isTest
                  ? 'HOLD to run the TEST'
                  : `HOLD to put EMERGENCY on air (${scope})`
                : action === 'clear'
                  ? 'HOLD for ALL CLEAR'
                  : 'HOLD to end the TEST'
            }
            onComplete={() => void fire()}
            onCancel={() => setNote('Released early: nothing was sent.')}
          />
          <button
            type="button"
            className="panel-cancel"
            onClick={onClose}
            disabled={pending}
            data-autofocus={action !== 'activate' ? '' : undefined}
          >
            Close (Esc)
          </button>
          {action === 'activate' && message.length > 0 && (
            <button
              type="button"
              className="panel-discard"
              onClick={discard}
              disabled={pending}
              data-testid="discard-draft"
            >
              Discard message
            </button>
          )}
        </div>
        {action === 'activate' && restored && message.length > 0 && (
          <p className="panel-note" data-testid="draft-restored">
            Your message from before is kept as a draft: fire it, edit it or discard it.
          </p>
        )}
        {action === 'activate' && !messageOk && (
          <p className="panel-note">Pick a template or type a message to arm the hold.</p>
        )}
      </div>
    </div>
  )
}

function OnAirSummary({ emergency, test = false }: { emergency: EmergencyDto; test?: boolean }) {
  return (
    <div className="onair-summary">
      <p>
        {test ? 'TEST running since ' : 'On air since '}
        {emergency.since ? formatClock(Date.parse(emergency.since)) : '—'} ·{' '}
        {emergency.scope.toUpperCase()}
      </p>
      <blockquote>{emergency.message}</blockquote>
    </div>
  )
}
