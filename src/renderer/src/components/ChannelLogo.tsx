// A channel's logo (its bug) in the channel detail: the PNG and its placement (corner, size,
// margin, opacity, the item types it hides during), previewed on a 16:9 mock frame exactly where
// the engine will blend it (the same arithmetic, shared/logo.ts), and applied (on air from the next
// frame, no restart) or removed. Nothing airs until Apply.
import { useEffect, useRef, useState } from 'react'
import {
  DEFAULT_LOGO_PLACEMENT,
  LOGO_CORNERS,
  LOGO_MARGIN_PERCENT,
  LOGO_MAX_BYTES,
  LOGO_WIDTH_PERCENT,
  PLAYLOG_ITEM_TYPES,
  type LogoPlacement
} from '../../../shared/domain'
import { checkLogoPng, logoRect } from '../../../shared/logo'
import type { ChannelLogoDto } from '../../../shared/station-api'
import { useModel } from '../context'
import { describeError } from '../state/model'

/** The preview's picture: 16:9 at the 360p profile's size (placement is in percent, so any size shows the same). */
const FRAME = { width: 640, height: 360 }
const LOAD_TRIES = 4
const LOAD_RETRY_MS = 1_000

interface Draft {
  /** The PNG as base64, its size, and an image of it for drawing; null: none chosen and none stored. */
  png: { base64: string; width: number; height: number; image: HTMLImageElement } | null
  /** A new PNG was chosen (it is uploaded at Apply); false: the stored one stays. */
  fresh: boolean
  placement: LogoPlacement
}

type Status =
  { state: 'idle' | 'busy' } | { state: 'done'; text: string } | { state: 'error'; text: string }

function loadImage(base64: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => resolve(img)
    img.onerror = () => reject(new Error('the browser could not draw this PNG'))
    img.src = `data:image/png;base64,${base64}`
  })
}

function toBase64(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}

/** A still of "programming" to judge the logo against: bars of colour, a lower third, the channel's name. */
function drawMockFrame(ctx: CanvasRenderingContext2D, name: string): void {
  const { width: W, height: H } = FRAME
  const sky = ctx.createLinearGradient(0, 0, 0, H)
  sky.addColorStop(0, '#3b6ea5')
  sky.addColorStop(1, '#c9a66b')
  ctx.fillStyle = sky
  ctx.fillRect(0, 0, W, H)
  ctx.fillStyle = '#2f4f2f'
  ctx.fillRect(0, H * 0.7, W, H * 0.3)
  ctx.fillStyle = 'rgba(0, 0, 0, 0.55)'
  ctx.fillRect(W * 0.08, H * 0.74, W * 0.5, H * 0.12)
  ctx.fillStyle = '#ffffff'
  ctx.font = `${Math.round(H * 0.06)}px sans-serif`
  ctx.fillText(name, W * 0.1, H * 0.82)
}

export function ChannelLogo({ uuid, name }: { uuid: string; name: string }) {
  const model = useModel()
  const [draft, setDraft] = useState<Draft>({
    png: null,
    fresh: false,
    placement: { ...DEFAULT_LOGO_PLACEMENT, hideDuring: [...DEFAULT_LOGO_PLACEMENT.hideDuring] }
  })
  const [stored, setStored] = useState<ChannelLogoDto | null | undefined>(undefined)
  const [status, setStatus] = useState<Status>({ state: 'idle' })
  const canvas = useRef<HTMLCanvasElement>(null)

  const adopt = async (logo: ChannelLogoDto | null) => {
    setStored(logo)
    if (!logo) return setDraft((d) => ({ ...d, png: null, fresh: false }))
    const { png, width, height, file: _file, ...placement } = logo
    const image = await loadImage(png)
    setDraft({ png: { base64: png, width, height, image }, fresh: false, placement })
  }

  useEffect(() => {
    let cancelled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    // A busy station or link may drop a request: the panel asks again a few times before it says so.
    const load = (triesLeft: number) =>
      model.api.channelLogo(uuid).then(
        (logo) => {
          if (cancelled) return
          setStatus({ state: 'idle' })
          void adopt(logo)
        },
        (err: unknown) => {
          if (cancelled) return
          if (triesLeft > 0) timer = setTimeout(() => void load(triesLeft - 1), LOAD_RETRY_MS)
          else
            setStatus({ state: 'error', text: `The logo could not be read: ${describeError(err)}` })
        }
      )
    void load(LOAD_TRIES - 1)
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [uuid])

  // The preview: the mock frame with the logo where the engine will put it.
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d')
    if (!ctx) return
    drawMockFrame(ctx, name)
    const png = draft.png
    if (!png) return
    const r = logoRect(FRAME, { width: png.width, height: png.height, placement: draft.placement })
    ctx.globalAlpha = draft.placement.opacity
    ctx.drawImage(png.image, r.x, r.y, r.w, r.h)
    ctx.globalAlpha = 1
  }, [draft, name])

  const choose = async (file: File | undefined) => {
    if (!file) return
    setStatus({ state: 'idle' })
    const bytes = new Uint8Array(await file.arrayBuffer())
    const checked = checkLogoPng(bytes)
    if ('problem' in checked)
      return setStatus({ state: 'error', text: `${file.name} ${checked.problem}.` })
    try {
      const base64 = toBase64(bytes)
      const image = await loadImage(base64)
      setDraft((d) => ({
        ...d,
        png: { base64, width: checked.width, height: checked.height, image },
        fresh: true
      }))
    } catch (err) {
      setStatus({ state: 'error', text: `${file.name}: ${describeError(err)}` })
    }
  }

  const place = (change: Partial<LogoPlacement>) =>
    setDraft((d) => ({ ...d, placement: { ...d.placement, ...change } }))

  const apply = async () => {
    if (!draft.png) return
    setStatus({ state: 'busy' })
    try {
      const logo = await model.api.setChannelLogo(uuid, {
        ...(draft.fresh ? { png: draft.png.base64 } : {}),
        ...draft.placement
      })
      await adopt(logo)
      setStatus({ state: 'done', text: 'Applied: the logo is on air from the next frame.' })
    } catch (err) {
      setStatus({ state: 'error', text: `Refused: ${describeError(err)}` })
    }
  }

  const remove = async () => {
    setStatus({ state: 'busy' })
    try {
      await model.api.removeChannelLogo(uuid)
      await adopt(null)
      setStatus({
        state: 'done',
        text: 'Removed: the channel airs without a logo from the next frame.'
      })
    } catch (err) {
      setStatus({ state: 'error', text: `Refused: ${describeError(err)}` })
    }
  }

  const p = draft.placement
  // Apply is offered for something new: a PNG chosen, or a placement other than the stored one.
  const changed = draft.fresh || !stored || JSON.stringify(p) !== JSON.stringify(pick(stored))
  return (
    <section aria-label="Channel logo" className="logo-panel" data-testid="logo-panel">
      <h3>Logo</h3>
      <p className="muted">
        Over programming and the emergency crawl; never over the takeover card, a slate or the
        guide.{' '}
        {stored === undefined
          ? 'Loading…'
          : stored
            ? draft.fresh
              ? 'A new PNG is chosen (not applied yet).'
              : 'On air now as previewed.'
            : draft.png
              ? 'Not applied yet.'
              : 'This channel has no logo.'}
      </p>
      <canvas
        ref={canvas}
        width={FRAME.width}
        height={FRAME.height}
        className="logo-preview"
        data-testid="logo-preview"
        aria-label="Logo preview on a 16:9 frame"
      />
      <div className="logo-controls">
        <label>
          PNG (at most {LOGO_MAX_BYTES / 1024} KiB){' '}
          <input
            type="file"
            accept="image/png"
            data-testid="logo-file"
            onChange={(e) => void choose(e.target.files?.[0])}
          />
        </label>
        <fieldset>
          <legend>Corner</legend>
          {LOGO_CORNERS.map((c) => (
            <label key={c}>
              <input
                type="radio"
                name={`logo-corner-${uuid}`}
                value={c}
                checked={p.corner === c}
                onChange={() => place({ corner: c })}
              />{' '}
              {c}
            </label>
          ))}
        </fieldset>
        <label>
          Width {p.widthPercent} %{' '}
          <input
            type="range"
            data-testid="logo-width"
            min={LOGO_WIDTH_PERCENT.min}
            max={LOGO_WIDTH_PERCENT.max}
            value={p.widthPercent}
            onChange={(e) => place({ widthPercent: Number(e.target.value) })}
          />
        </label>
        <label>
          Margin {p.marginPercent} %{' '}
          <input
            type="range"
            data-testid="logo-margin"
            min={LOGO_MARGIN_PERCENT.min}
            max={LOGO_MARGIN_PERCENT.max}
            value={p.marginPercent}
            onChange={(e) => place({ marginPercent: Number(e.target.value) })}
          />
        </label>
        <label>
          Opacity {Math.round(p.opacity * 100)} %{' '}
          <input
            type="range"
            data-testid="logo-opacity"
            min={0}
            max={100}
            value={Math.round(p.opacity * 100)}
            onChange={(e) => place({ opacity: Number(e.target.value) / 100 })}
          />
        </label>
        <fieldset>
          <legend>Hidden during</legend>
          {PLAYLOG_ITEM_TYPES.map((t) => (
            <label key={t}>
              <input
                type="checkbox"
                checked={p.hideDuring.includes(t)}
                onChange={(e) =>
                  place({
                    hideDuring: e.target.checked
                      ? [...p.hideDuring, t]
                      : p.hideDuring.filter((x) => x !== t)
                  })
                }
              />{' '}
              {t}
            </label>
          ))}
        </fieldset>
      </div>
      <div className="reset">
        <button
          type="button"
          data-testid="logo-apply"
          onClick={() => void apply()}
          disabled={!draft.png || status.state === 'busy' || !changed}
        >
          Apply logo
        </button>{' '}
        <button
          type="button"
          data-testid="logo-remove"
          onClick={() => void remove()}
          disabled={!stored || status.state === 'busy'}
        >
          Remove logo
        </button>
        <span className="hint" data-testid="logo-status" role="status">
          {status.state === 'done' || status.state === 'error' ? status.text : ''}
        </span>
      </div>
    </section>
  )
}

/** The placement fields of a stored logo. */
function pick(logo: ChannelLogoDto): LogoPlacement {
  return {
    corner: logo.corner,
    marginPercent: logo.marginPercent,
    widthPercent: logo.widthPercent,
    opacity: logo.opacity,
    hideDuring: logo.hideDuring
  }
}
