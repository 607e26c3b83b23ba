// The guide channel's card: now and next on every other channel, each channel's times in that
// channel's own zone with the zone's abbreviation ("14:30 EST"). Channels are told apart by uuid,
// never by name. Pure (no ffmpeg, no clock), so the card's text is testable on its own.
import { DateTime } from 'luxon'
import type { GuideListing } from './base'

/** Channels listed on one card. */
export const GUIDE_ROWS = 8
const GUIDE_BACKGROUND = '0x0b1f4b'
const GMT_OFFSET = /GMT[+-]/

/**
 * A time of day in the zone with its abbreviation: "14:30 EST", "21:30 CEST", or the offset
 * ("01:00 GMT+5:30") where the zone has no abbreviation in English. An unknown zone shows UTC.
 */
export function localTime(ms: number, zone: string): string {
  let dt = DateTime.fromMillis(ms, { zone })
  if (!dt.isValid) dt = DateTime.fromMillis(ms, { zone: 'UTC' })
  // US English knows the American abbreviations, British English the European ones (CET, BST).
  const us = dt.setLocale('en-US').toFormat('HH:mm ZZZZ')
  if (!GMT_OFFSET.test(us)) return us
  const gb = dt.setLocale('en-GB').toFormat('HH:mm ZZZZ')
  return GMT_OFFSET.test(gb) ? us : gb
}

function row(l: GuideListing): string {
  const next = l.nextTitle
    ? `  >  ${l.nextStartMs === null ? '' : `${localTime(l.nextStartMs, l.timezone)} `}${l.nextTitle}`
    : ''
  return `${l.channelName}: ${l.nowTitle ?? 'off air'}${next}`
}

/** The card of the guide channel `selfUuid`: every channel but itself, up to GUIDE_ROWS of them. */
export function guideCard(
  listings: GuideListing[],
  selfUuid: string
): { background: string; lines: string[] } {
  const rows = listings
    .filter((l) => l.channelUuid !== selfUuid)
    .slice(0, GUIDE_ROWS)
    .map(row)
  return { background: GUIDE_BACKGROUND, lines: ['What\u2019s on now', ...rows] }
}
