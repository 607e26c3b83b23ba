// Emergency messages for tests.
import { EMERGENCY_MESSAGE_MAX } from '../../src/shared/domain'

/** A 500-character warning of ordinary words. */
export const LONG_MESSAGE = (() => {
  const text =
    'TORNADO WARNING for Adams, Brown and Clark counties until 9:45 PM. A confirmed tornado was located near Millbrook, moving northeast at 35 mph. ' +
    'Take shelter now in a basement or an interior room on the lowest floor of a sturdy building. Avoid windows. If you are outdoors, in a mobile home, ' +
    'or in a vehicle, move to the closest substantial shelter. Shelters open at Central High and the Civic Center. Call 555-0100 for help. Stay tuned. LAST WORDS: Ch7 now'
  const full =
    `${text}${' end'.repeat(Math.ceil((EMERGENCY_MESSAGE_MAX - text.length) / 4))}`.slice(
      0,
      EMERGENCY_MESSAGE_MAX
    )
  return full.endsWith(' ') ? `${full.slice(0, -1)}.` : full
})()
