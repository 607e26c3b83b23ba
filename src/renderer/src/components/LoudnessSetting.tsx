// The station's loudness target in the header: the standard and target at a glance, and a small
// form to change them (StationApi setLoudness; channels on air apply it at once). What the station
// refuses is shown as its message, and nothing changes.
import { useEffect, useState } from 'react'
import type { LoudnessSettings, LoudnessStandard } from '../../../shared/domain'
import { LOUDNESS_PRESETS } from '../../../shared/domain'
import { useModel } from '../context'

const NAMES: Record<LoudnessStandard, string> = {
  'ebu-r128': 'EBU R128',
  'atsc-a85': 'ATSC A/85',
  off: 'Off'
}

export function LoudnessSetting() {
  const model = useModel()
  const [current, setCurrent] = useState<LoudnessSettings | null>(null)
  const [open, setOpen] = useState(false)
  const [draft, setDraft] = useState<{
    standard: LoudnessStandard
    targetLufs: string
    truePeakDbtp: string
  }>({ standard: 'ebu-r128', targetLufs: '-23', truePeakDbtp: '-1' })
  const [problem, setProblem] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    model.api.loudness().then(
      (l) => live && setCurrent(l),
      () => undefined
    )
    return () => {
      live = false
    }
  }, [model])

  const edit = () => {
    if (current)
      setDraft({
        standard: current.standard,
        targetLufs: String(current.targetLufs),
        truePeakDbtp: String(current.truePeakDbtp)
      })
    setProblem(null)
    setOpen(true)
  }
  const pick = (standard: LoudnessStandard) => {
    const preset = standard === 'off' ? null : LOUDNESS_PRESETS[standard]
    setDraft((d) =>
      preset
        ? {
            standard,
            targetLufs: String(preset.targetLufs),
            truePeakDbtp: String(preset.truePeakDbtp)
          }
        : { ...d, standard }
    )
  }
  const save = async () => {
    try {
      const saved = await model.api.setLoudness({
        standard: draft.standard,
        targetLufs: Number(draft.targetLufs),
        truePeakDbtp: Number(draft.truePeakDbtp),
        ...(current ? { alarm: current.alarm } : {})
      })
      setCurrent(saved)
      setOpen(false)
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err))
    }
  }

  const summary = !current
    ? '…'
    : current.standard === 'off'
      ? 'OFF'
      : `${NAMES[current.standard]} ${current.targetLufs} LUFS ${current.truePeakDbtp} dBTP`
  return (
    <div className="loudness-setting" data-testid="loudness-setting">
      <button
        type="button"
        onClick={() => (open ? setOpen(false) : edit())}
        aria-expanded={open}
        title="The station's loudness target: every item is brought to it, under the true-peak ceiling"
      >
        <span className="caption">LOUDNESS</span>{' '}
        <strong data-testid="loudness-summary">{summary}</strong>
      </button>
      {open && (
        <form
          className="loudness-form"
          onSubmit={(e) => {
            e.preventDefault()
            void save()
          }}
        >
          <label>
            Standard
            <select
              value={draft.standard}
              onChange={(e) => pick(e.target.value as LoudnessStandard)}
              data-testid="loudness-standard"
            >
              {(Object.keys(NAMES) as LoudnessStandard[]).map((s) => (
                <option key={s} value={s}>
                  {NAMES[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Target LUFS
            <input
              type="number"
              step="0.5"
              value={draft.targetLufs}
              onChange={(e) => setDraft({ ...draft, targetLufs: e.target.value })}
              data-testid="loudness-target"
            />
          </label>
          <label>
            Ceiling dBTP
            <input
              type="number"
              step="0.5"
              value={draft.truePeakDbtp}
              onChange={(e) => setDraft({ ...draft, truePeakDbtp: e.target.value })}
              data-testid="loudness-ceiling"
            />
          </label>
          <button type="submit">Apply</button>
          {problem && (
            <p className="panel-note" role="alert">
              {problem}
            </p>
          )}
        </form>
      )}
    </div>
  )
}
