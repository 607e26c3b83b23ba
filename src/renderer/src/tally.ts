// What a tally means, in words as well as colour (colour is never the only signal). A tile's border
// says what the channel airs (programme red, preview green, emergency amber, standby grey); a fault
// is shown apart from that, in its own colour and pattern over the picture, so red means one thing
// and an emergency is visible on every tile that airs it, faulted or not.
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

/** What the channel airs, whatever its faults: the tile's border and its tally badge. */
export type AirTally = Exclude<Tally, 'fault'>

export function airTally(ch: ChannelStatusDto): AirTally {
  if (ch.failed || ch.producerStatus !== 'running') return 'off'
  if (ch.mode === 'emergency') return 'emergency'
  const delivering = ch.viewerCount > 0 || ch.outputs.some((o) => o.state === 'live')
  return delivering ? 'program' : 'preview'
}

/**
 * The channel's fault, if it has one: its most severe code, and whether every alarm behind it has
 * been acknowledged (it flashes until then, and stays steady while the condition lasts).
 */
export function faultOf(ch: ChannelStatusDto): { code: string; acknowledged: boolean } | null {
  if (ch.tally !== 'fault' && !ch.failed) return null
  const failed = ALARM_CODES['channel-failed']
  const behind = ch.alarms.filter(
    (a) => a.clearedAt === null && (a.severity === 'critical' || a.code === failed)
  )
  return {
    code: alarmCodes(ch)[0] ?? 'FAULT',
    acknowledged: behind.length > 0 && behind.every((a) => a.acknowledgedAt !== null)
  }
}

/** Enabled push outputs that deliver nothing now (retrying after a refusal or a drop). */
export function outputsDown(ch: ChannelStatusDto): number {
  return ch.outputs.filter((o) => o.enabled && o.state === 'retrying').length
}

/** The codes of a channel's alarms, once each, most severe first ("FAIL", "MEDIA"). */
export function alarmCodes(ch: ChannelStatusDto): string[] {
  const rank: Record<AlarmSeverity, number> = { critical: 0, warning: 1, info: 2 }
  const failed = ALARM_CODES['channel-failed']
  const sorted = [...ch.alarms]
    .filter((a) => a.clearedAt === null)
    .sort((a, b) => rank[a.severity] - rank[b.severity])
  const codes = sorted.map((a) => a.code)
  // A failed channel's failure is its headline, whatever else is still raised.
  if (ch.failed) codes.unshift(failed)
  return [...new Set(codes)]
}

/** The tile's words for a screen reader and a title: "ON AIR, FAULT BLACK, OUT". */
export function tallyText(ch: ChannelStatusDto): string {
  const fault = faultOf(ch)
  const down = outputsDown(ch)
  return [
    TALLY_LABEL[airTally(ch)],
    ...(fault ? [`FAULT ${fault.code}`] : []),
    ...(down > 0 ? ['OUT'] : [])
  ].join(', ')
}
