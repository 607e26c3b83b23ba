// What a tally means, in words as well as colour (colour is never the only signal).
import type { ChannelStatusDto } from '../../shared/api'
import { ALARM_CODES, type AlarmSeverity, type Tally } from '../../shared/domain'

export const TALLY_LABEL: Record<Tally, string> = {
  program: 'ON AIR',
  preview: 'PREVIEW',
  emergency: 'EMERGENCY',
  off: 'STANDBY',
  fault: 'FAULT'
}

export const TALLY_DESCRIPTION: Record<Tally, string> = {
  program: 'on air to viewers or a push output',
  preview: 'previewed only',
  emergency: 'emergency override on air',
  off: 'standby',
  fault: 'fault'
}

/** The codes of a channel's alarms, once each, most severe first ("FAIL", "MEDIA"). */
export function alarmCodes(ch: ChannelStatusDto): string[] {
  const rank: Record<AlarmSeverity, number> = { critical: 0, warning: 1, info: 2 }
  const failed = ALARM_CODES['channel-failed']
  const sorted = [...ch.alarms]
    .filter((a) => a.clearedAt === null)
    .sort((a, b) => rank[a.severity] - rank[b.severity])
  const codes = sorted.map((a) => a.code)
  if (ch.failed && !codes.includes(failed)) codes.unshift(failed)
  return [...new Set(codes)]
}

/** The tally's text, with the fault's code: "FAULT FAIL". */
export function tallyText(ch: ChannelStatusDto): string {
  if (ch.tally !== 'fault') return TALLY_LABEL[ch.tally]
  const code = alarmCodes(ch)[0]
  return code ? `FAULT ${code}` : 'FAULT'
}
