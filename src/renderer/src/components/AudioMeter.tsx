// A stereo meter (RMS bar, peak line, the highest peak held for two seconds, a dBFS scale) fed by
// `levels` events through the LevelsBus, outside React renders. Hidden until the engine reports levels for the channel; falls back to hidden when they
// stop (the channel's output ended). Beside it, the loudness bar: short-term loudness on an LU
// scale around the station's target (0 LU marked), the momentary reading as a line, the short-term
// reading in LU below, and UNMEAS when the item on air airs at the safe gain (not measured yet).
import { useEffect, useRef } from 'react'
import { useModel } from '../context'
import { useTick } from '../hooks'
import type { LevelsReading } from '../state/levels'
import {
  FLOOR_DB,
  holdPeak,
  LU_FLOOR,
  LU_TOP,
  luFraction,
  METER_TICKS,
  meterFraction,
  type PeakHold
} from './meter-scale'

const STALE_MS = 1500

export function AudioMeter({ uuid }: { uuid: string }) {
  const model = useModel()
  const root = useRef<HTMLDivElement>(null)
  const last = useRef<LevelsReading | undefined>(undefined)
  const held = useRef<[PeakHold | null, PeakHold | null]>([null, null])

  const paint = (r: LevelsReading) => {
    const el = root.current
    if (!el) return
    el.hidden = false
    const bars = el.querySelectorAll<HTMLElement>('.meter-bar')
    bars.forEach((bar, i) => {
      const ch = i as 0 | 1
      const rms = meterFraction(r.rms[ch])
      const peak = meterFraction(r.peak[ch])
      held.current[ch] = holdPeak(held.current[ch], r.peak[ch], r.atMono)
      ;(bar.children[0] as HTMLElement).style.transform = `scaleY(${1 - rms})`
      ;(bar.children[1] as HTMLElement).style.bottom = `${peak * 100}%`
      ;(bar.children[2] as HTMLElement).style.bottom =
        `${meterFraction(held.current[ch].db) * 100}%`
    })
    const top = Math.max(held.current[0]?.db ?? -Infinity, held.current[1]?.db ?? -Infinity)
    const hold = el.querySelector<HTMLElement>('.meter-hold-readout')
    if (hold) {
      hold.textContent = fmt(top)
      hold.classList.toggle('over', top > -1)
    }
    const lu = el.querySelector<HTMLElement>('.lu-bar')
    const l = r.loudness
    if (lu) {
      lu.hidden = !l
      if (l) {
        ;(lu.firstElementChild as HTMLElement).style.transform =
          `scaleY(${1 - luFraction(l.shortTerm, l.targetLufs)})`
        ;(lu.children[1] as HTMLElement).style.bottom =
          `${luFraction(l.momentary, l.targetLufs) * 100}%`
        const readout = el.querySelector<HTMLElement>('.lu-readout')!
        readout.textContent =
          l.shortTerm <= -70
            ? '-∞'
            : `${l.shortTerm - l.targetLufs > 0 ? '+' : ''}${(l.shortTerm - l.targetLufs).toFixed(1)}`
        readout.title = `Short-term ${l.shortTerm} LUFS, momentary ${l.momentary}, item ${l.integrated}; true peak ${l.truePeak} dBTP; gain ${l.gainDb} dB (target ${l.targetLufs} LUFS)`
        el.querySelector<HTMLElement>('.lu-flag')!.hidden = l.measured
        lu.setAttribute('aria-valuenow', String(Math.round((l.shortTerm - l.targetLufs) * 10) / 10))
      }
    }
    const loudest = Math.max(r.rms[0], r.rms[1])
    el.setAttribute(
      'aria-valuenow',
      String(Number.isFinite(loudest) ? Math.max(FLOOR_DB, Math.round(loudest)) : FLOOR_DB)
    )
    el.setAttribute('aria-valuetext', `L ${fmt(r.rms[0])} R ${fmt(r.rms[1])} dBFS RMS`)
  }

  useEffect(() => {
    const existing = model.levels.get(uuid)
    if (existing) {
      last.current = existing
      paint(existing)
    }
    return model.levels.subscribe(uuid, (r) => {
      last.current = r
      paint(r)
    })
  }, [model, uuid])

  useTick((mono) => {
    const r = last.current
    if (r && mono - r.atMono > STALE_MS && root.current && !root.current.hidden)
      root.current.hidden = true
  })

  return (
    <div
      ref={root}
      className="meter"
      role="meter"
      aria-label="Audio level"
      aria-valuemin={FLOOR_DB}
      aria-valuemax={0}
      aria-valuenow={FLOOR_DB}
      hidden
      data-testid="meter"
    >
      <span
        className="meter-hold-readout"
        data-testid="peak-hold"
        title="Highest peak, held 2 s (dBFS)"
      />
      <div className="meter-scale" aria-hidden="true">
        {METER_TICKS.map((db) => (
          <span key={db} style={{ bottom: `${meterFraction(db) * 100}%` }}>
            {db}
          </span>
        ))}
      </div>
      {[0, 1].map((i) => (
        <div key={i} className="meter-bar">
          <div className="meter-mask" />
          <div className="meter-peak" />
          <div className="meter-hold" />
        </div>
      ))}
      <div
        className="lu-bar"
        role="meter"
        aria-label="Loudness, LU from the target"
        aria-valuemin={LU_FLOOR}
        aria-valuemax={LU_TOP}
        aria-valuenow={LU_FLOOR}
        hidden
        data-testid="lu-meter"
      >
        <div className="meter-mask" />
        <div className="lu-momentary" />
        <div
          className="lu-target"
          style={{ bottom: `${(-LU_FLOOR / (LU_TOP - LU_FLOOR)) * 100}%` }}
        />
      </div>
      <span className="lu-readout" data-testid="lu-readout" />
      <span
        className="lu-flag"
        data-testid="lu-unmeasured"
        title="This item's loudness is not measured yet: it airs at 0 dB gain through the limiter"
        hidden
      >
        UNMEAS
      </span>
    </div>
  )
}

const fmt = (db: number) => (Number.isFinite(db) && db > FLOOR_DB ? db.toFixed(0) : '-∞')
