// The alert tone: the EAS attention signal (853 Hz and 960 Hz together) mixed over a producer's
// audio, programme sound ducked under it, for a while after an alert is first shown.
import type { OutputProfile } from '../../media/profiles';

/** How long the tone sounds when an alert is first shown. */
export const ALERT_TONE_SECONDS = 8;

export class AlertTone {
  /** The tone sounds on frames before this one. */
  private untilFrame = 0;
  private phase = 0;

  constructor(private readonly profile: OutputProfile) {}

  /** Sounds the tone from frame `fromFrame` for `seconds`. */
  start(fromFrame: number, seconds = ALERT_TONE_SECONDS): void {
    this.untilFrame = fromFrame + Math.round(seconds * this.profile.fps);
  }

  /** The audio of frame `frame`, with the tone in it while it sounds. Never modifies `audio` (it may be shared). */
  mix(frame: number, audio: Buffer): Buffer {
    if (frame >= this.untilFrame) return audio;
    const out = Buffer.from(audio);
    const rate = this.profile.sampleRate;
    const ch = this.profile.audioChannels;
    for (let i = 0; i < out.length / (2 * ch); i++) {
      const t = this.phase++ / rate;
      const s = 0.25 * (Math.sin(2 * Math.PI * 853 * t) + Math.sin(2 * Math.PI * 960 * t));
      for (let c = 0; c < ch; c++) {
        const idx = (i * ch + c) * 2;
        const mixed = out.readInt16LE(idx) * 0.3 + s * 32767;
        out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(mixed))), idx);
      }
    }
    return out;
  }
}
