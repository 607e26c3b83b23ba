// The emergency control's ready messages (among them a correction for an alert sent in error), what
// picking one does to the scope, why a panel closed when another desk acted, and how a refused
// switch names the channel that refused.
import type { EmergencyDto } from '../../../shared/api'
import type { EmergencyScope } from '../../../shared/domain'
import { formatClock } from '../format'
import { StationApiError } from '../../../shared/station-api'

export interface Template {
  id: string
  name: string
  message: string
  scope: EmergencyScope
}

export const TEMPLATES: Template[] = [
  {
    id: 'weather',
    name: 'Severe weather',
    scope: 'crawl',
    message:
      'SEVERE WEATHER WARNING for the viewing area. Take shelter now and stay tuned to this station for updates.'
  },
  {
    id: 'civil',
    name: 'Civil emergency',
    scope: 'takeover',
    message:
      'CIVIL EMERGENCY: local authorities have declared an emergency in the viewing area. Follow the instructions of officials.'
  },
  {
    id: 'technical',
    name: 'Technical fault',
    scope: 'takeover',
    message: 'We are experiencing technical difficulties. Please stand by.'
  },
  {
    id: 'correction',
    name: 'Correction (false alert)',
    scope: 'crawl',
    message:
      'CORRECTION: the previous emergency alert was sent in error. There is NO emergency. No action is needed.'
  }
]

const SCOPE_WORD: Record<EmergencyScope, string> = { crawl: 'CRAWL', takeover: 'TAKEOVER' }

/** What picking a template does to the scope, said in words (null: it keeps the scope). */
export function scopeChange(current: EmergencyScope, picked: Template): string | null {
  if (current === picked.scope) return null
  return `Scope changed by the template “${picked.name}”: ${SCOPE_WORD[current]} → ${SCOPE_WORD[picked.scope]}`
}

/** Why a desk's panel closed without its operator: another desk fired, or gave the all-clear. */
export function closedElsewhereText(mode: EmergencyDto | null, stationNow: number | null): string {
  if (mode) {
    const at = Date.parse(mode.since)
    return `Emergency fired from ${mode.desk ? `desk ${mode.desk}` : 'another desk'} at ${
      Number.isFinite(at) ? formatClock(at) : '?'
    }: this panel closed. Your message is kept as a draft.`
  }
  return `All clear given from another desk at ${
    stationNow === null ? '?' : formatClock(stationNow)
  }: this panel closed.`
}

/** The channel a refused unit of work names: from the message, with the console's name for its uuid. */
export function refusingChannel(err: unknown, names: Record<string, string>): string | null {
  if (!(err instanceof StationApiError) || err.code !== 'switch_refused') return null
  const m = /channel "([^"]*)" \(([0-9a-f-]{36})\)/i.exec(err.message)
  if (!m) return null
  return names[m[2]!.toLowerCase()] ?? names[m[2]!] ?? m[1]!
}
