// The alert tone: the EAS attention signal (853 Hz and 960 Hz together) mixed over a producer's
// audio, programme sound ducked under it, for a while after an alert is first shown.
import type { OutputProfile } from '../media/profiles'

/** How long the tone sounds when an alert is first shown. */
export const ALERT_TONE_SECONDS = 8

/**
 * One period of the tone at a sample rate: 853 and 960 Hz share no factor, so the sum repeats
 * every second exactly. Computed once per rate: the mix is then a table lookup per sample, which
 * matters because the tone sounds on every channel at once, just when an emergency is switched.
 */
const periods = new Map<number, Float32Array>()
function tonePeriod(rate: number): Float32Array {
  let table = periods.get(rate)
  if (!table) {
    table = new Float32Array(rate)
    for (let i = 0; i < rate; i++)
      table[i] =
        0.25 *
        (Math.sin((2 * Math.PI * 853 * i) / rate) + Math.sin((2 * Math.PI * 960 * i) / rate)) *
        32767
    periods.set(rate, table)
  }
  return table
}

export class AlertTone {
  /** The tone sounds on frames before this one. */
  private untilFrame = 0
  private phase = 0
  private readonly table: Float32Array

  constructor(private readonly profile: OutputProfile) {
    this.table = tonePeriod(profile.sampleRate)
  }

  /** Sounds the tone from frame `fromFrame` for `seconds`. */
  start(fromFrame: number, seconds = ALERT_TONE_SECONDS): void {
    this.untilFrame = fromFrame + Math.round(seconds * this.profile.fps)
  }

  /** The audio of frame `frame`, with the tone in it while it sounds. Never modifies `audio` (it may be shared). */
  mix(frame: number, audio: Buffer): Buffer {
    if (frame >= this.untilFrame) return audio
    // Buffer.alloc never hands out a slice of the shared pool: aligned for a view of s16le samples
    // (interleaved; read in place on little-endian hosts, which is every host Electron runs on).
    const out = Buffer.alloc(audio.length)
    audio.copy(out)
    const samples = new Int16Array(out.buffer, out.byteOffset, out.length >> 1)
    const ch = this.profile.audioChannels
    const table = this.table
    const period = table.length
    for (let i = 0; i < samples.length / ch; i++) {
      const s = table[this.phase]!
      this.phase = this.phase + 1 === period ? 0 : this.phase + 1
      for (let c = 0; c < ch; c++) {
        const idx = i * ch + c
        const mixed = Math.round(samples[idx]! * 0.3 + s)
        samples[idx] = mixed > 32767 ? 32767 : mixed < -32768 ? -32768 : mixed
      }
    }
    return out
  }
}
