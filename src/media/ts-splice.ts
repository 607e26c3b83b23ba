// Splicing one channel's MPEG-TS segments into one continuous stream, the way a broadcast splicer
// does: where the channel's output restarted (a new encoder starts its timeline and its continuity
// counters over), the new output's timestamps are re-based to follow on from the old one's and
// every PID's continuity counter runs on. A reader of the stream (ffmpeg, mpv, VLC, Plex, Jellyfin)
// then sees one program whose PTS, DTS and PCR only move forward, with no continuity error, so
// there is no discontinuity to signal (ISO/IEC 13818-1 2.4.3.5: a discontinuity_indicator is for a
// time base that changes; after re-basing it does not). Measured with ffmpeg 5.1 reading across a
// killed encoder: the raw splice logged "Packet corrupt" and "non monotonically increasing dts",
// the re-based one nothing.
//
// Packets are rewritten in a copy: 188 bytes each, the PCR in the adaptation field, PTS and DTS in
// the header of each PES that starts in a packet. The new output starts where the old one's last
// picture or sound ends, whichever is later (its sound from the AAC frames of its last PES).
//
// The splicer also repeats PAT and PMT (option `repeatPsi`): ffmpeg's hls muxer writes them once a
// segment (once a second), where ETSI TR 101 290 (what a modulator or a monitoring probe checks)
// wants them at least every 0.5 s and 100 ms is usual. A copy of the last PAT and PMT goes in
// before the first packet at least PSI_REPEAT after the last PAT, each packet timed as a probe
// times it: by the PCR, interpolated by position between the PCRs around it. (ffmpeg's own
// `pat_period`, given through -hls_segment_options, made a new channel's first playlist late.)
const PACKET = 188
const SYNC = 0x47
const NULL_PID = 0x1fff
const WRAP = 2 ** 33
const HALF_WRAP = 2 ** 32
/** Between the old output's last PCR and the new one's first: a frame at 30 fps, in 90 kHz ticks. */
const PCR_GAP = 3_000
/**
 * PAT and PMT are repeated once this long (90 kHz) has passed since the last PAT, or earlier where
 * the packet after would be past PSI_LATEST: a packet's time is known only as well as the PCRs
 * around it place it, and two packets may lie milliseconds apart in a thin stream. The margin to
 * 100 ms is wide because the packets put in move the positions a probe interpolates by (85/95 ms
 * measured 87-94 ms alone and went past 100 ms once in a loaded CI run; 70/80 measures 69-83 ms).
 */
const PSI_REPEAT = 70 * 90
const PSI_LATEST = 80 * 90
const PAT_PID = 0

/** a - b on the 33-bit clock, as a signed difference (timestamps wrap every 26.5 hours). */
export function tsDiff(a: number, b: number): number {
  return ((((a - b) % WRAP) + WRAP + HALF_WRAP) % WRAP) - HALF_WRAP
}

const wrap = (t: number): number => ((t % WRAP) + WRAP) % WRAP

const pidOf = (p: Buffer, at: number): number => ((p[at + 1]! & 0x1f) << 8) | p[at + 2]!

/** A PES header's 33-bit PTS or DTS at `at` (the five bytes with their marker bits). */
export function readTs(p: Buffer, at: number): number {
  return (
    ((p[at]! >> 1) & 0x07) * 2 ** 30 +
    (p[at + 1]! << 22) +
    ((p[at + 2]! >> 1) << 15) +
    (p[at + 3]! << 7) +
    (p[at + 4]! >> 1)
  )
}

/** Writes a 33-bit timestamp keeping the 4-bit prefix and the marker bits. */
function writeTs(p: Buffer, at: number, t: number): void {
  p[at] = (p[at]! & 0xf0) | ((Math.floor(t / 2 ** 30) & 0x07) << 1) | 1
  p[at + 1] = (t >>> 22) & 0xff
  p[at + 2] = (((t >>> 15) & 0x7f) << 1) | 1
  p[at + 3] = (t >>> 7) & 0xff
  p[at + 4] = ((t & 0x7f) << 1) | 1
}

/** The PCR base (90 kHz) at `at` (the 6 PCR bytes of an adaptation field). */
function readPcrBase(p: Buffer, at: number): number {
  return (
    p[at]! * 2 ** 25 +
    (p[at + 1]! << 17) +
    (p[at + 2]! << 9) +
    (p[at + 3]! << 1) +
    (p[at + 4]! >> 7)
  )
}

function writePcrBase(p: Buffer, at: number, base: number): void {
  p[at] = Math.floor(base / 2 ** 25) & 0xff
  p[at + 1] = (base >>> 17) & 0xff
  p[at + 2] = (base >>> 9) & 0xff
  p[at + 3] = (base >>> 1) & 0xff
  p[at + 4] = ((base & 1) << 7) | (p[at + 4]! & 0x7f)
}

/** Where the packet's timing fields are: its PCR, its PES's PTS and DTS (byte offsets), if any. */
interface Fields {
  pcr: number | null
  pts: number | null
  dts: number | null
  streamId: number
  /** Where the packet's payload starts, and where the PES's data starts when a PES starts here. */
  payload: number
  pesData: number | null
}

function fieldsOf(p: Buffer, at: number): Fields {
  const f: Fields = { pcr: null, pts: null, dts: null, streamId: 0, payload: 0, pesData: null }
  const control = (p[at + 3]! >> 4) & 0x3
  let payload = at + 4
  if (control & 0x2) {
    const length = p[at + 4]!
    if (length > 0 && p[at + 5]! & 0x10 && length >= 7) f.pcr = at + 6
    payload += 1 + length
  }
  f.payload = payload
  const end = at + PACKET
  if ((p[at + 1]! & 0x40) === 0 || (control & 0x1) === 0 || payload + 9 > end) return f
  if (p[payload] !== 0 || p[payload + 1] !== 0 || p[payload + 2] !== 1) return f
  const streamId = p[payload + 3]!
  // Stream ids without the optional PES header (ISO/IEC 13818-1 table 2-21).
  if ([0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff].includes(streamId)) return f
  f.streamId = streamId
  f.pesData = Math.min(end, payload + 9 + p[payload + 8]!)
  const flags = p[payload + 7]! >> 6
  if (flags & 0x2 && payload + 14 <= end) f.pts = payload + 9
  if (flags === 0x3 && payload + 19 <= end) f.dts = payload + 14
  return f
}

/** AAC sampling frequencies by ADTS index. */
const ADTS_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
]
const isAudio = (streamId: number): boolean => streamId >= 0xc0 && streamId <= 0xdf

/** How long the ADTS frames of an audio PES's data last (90 kHz), or null when it is not ADTS. */
function adtsTicks(d: Buffer): number | null {
  let ticks = 0
  let i = 0
  while (i + 7 <= d.length) {
    if (d[i] !== 0xff || (d[i + 1]! & 0xf0) !== 0xf0) return null
    const rate = ADTS_RATES[(d[i + 2]! >> 2) & 0x0f]
    const length = ((d[i + 3]! & 0x03) << 11) | (d[i + 4]! << 3) | (d[i + 5]! >> 5)
    if (!rate || length < 7) return null
    ticks += (((d[i + 6]! & 0x03) + 1) * 1024 * 90_000) / rate
    i += length
  }
  return i > 0 ? ticks : null
}

/** The first PCR and the earliest first decode time of any stream in a segment (90 kHz). */
function startOf(seg: Buffer): { pcr: number | null; dts: number | null } {
  let pcr: number | null = null
  let dts: number | null = null
  const seen = new Set<number>()
  for (let at = 0; at + PACKET <= seg.length; at += PACKET) {
    if (seg[at] !== SYNC) continue
    const f = fieldsOf(seg, at)
    if (f.pcr !== null && pcr === null) pcr = readPcrBase(seg, f.pcr)
    if (f.pts !== null && !seen.has(f.streamId)) {
      seen.add(f.streamId)
      const t = readTs(seg, f.dts ?? f.pts)
      if (dts === null || tsDiff(t, dts) < 0) dts = t
    }
  }
  return { pcr, dts }
}

/**
 * One stream's splicer: segments go in (in timeline order), one continuous transport stream comes
 * out. Call `splice()` before a segment that does not continue the one before it (another output,
 * or segments left out between them).
 */
export class TsSplicer {
  /** The PMT's PID, from the last PAT (the first program it lists). */
  private pmtPid: number | null = null
  /** The last PAT and PMT sent, to send again. */
  private pat: Buffer | null = null
  private pmt: Buffer | null = null
  /** When the last PAT was sent (PCR base, 90 kHz). */
  private patAt: number | null = null
  /**
   * The PCR PID's last PCR, its packet's index (counted from the next segment's first packet, so
   * negative) and the ticks per packet up to it.
   */
  private clock: { pcr: number; at: number; rate: number } | null = null
  private pcrPid: number | null = null

  /** repeatPsi: repeat PAT and PMT at least every 100 ms (false for segments that already do). */
  constructor(private readonly o: { repeatPsi: boolean } = { repeatPsi: true }) {}

  /** Added to every PTS, DTS and PCR base of the current run, modulo 2^33. */
  private offset = 0
  /** The last continuity counter sent per PID (for packets with a payload). */
  private readonly lastCc = new Map<number, number>()
  /** Added to each PID's continuity counter in the current run (set at its first packet after a splice). */
  private readonly ccShift = new Map<number, number>()
  /** Per stream id: its last PTS sent and the step between its last two (a frame's length). */
  private readonly lastPts = new Map<number, { pts: number; step: number }>()
  /** Where the stream sent so far ends: the latest PTS plus its frame length. */
  private end: number | null = null
  private lastPcr: number | null = null
  private pending = false
  /**
   * Per audio PID, the PES being sent: ffmpeg packs several AAC frames in one, so where the sound
   * ends is known from its frames (counted when it is complete), not from the step between PES.
   */
  private readonly audioPes = new Map<number, { pts: number; streamId: number; data: Buffer[] }>()

  /** The next segment starts a new run: re-base it after what was sent. */
  splice(): void {
    this.pending = true
  }

  /**
   * The segment rewritten to continue the stream: a copy, or, when the caller gives the segment
   * away (`owned`: nobody else reads it), rewritten in place (one copy less of every byte a
   * channel airs).
   */
  push(segment: Buffer, owned = false): Buffer {
    const out = owned ? segment : Buffer.from(segment)
    if (this.pending) this.begin(out)
    for (let at = 0; at + PACKET <= out.length; at += PACKET) {
      if (out[at] !== SYNC) continue
      if (this.o.repeatPsi && this.isPsi(out, at)) this.learnPsi(out, at)
      else this.continuity(out, at)
      const f = this.retime(out, at)
      this.followAudio(out, at, f)
    }
    // A segment ends with its PES complete (the hls muxer flushes at each cut).
    for (const pid of [...this.audioPes.keys()]) this.closeAudio(pid)
    return this.o.repeatPsi ? this.repeatPsi(out) : out
  }

  private isPsi(p: Buffer, at: number): boolean {
    const pid = pidOf(p, at)
    return pid === PAT_PID || pid === this.pmtPid
  }

  /** Takes the PMT's PID from a PAT (the first program it lists). */
  private learnPsi(p: Buffer, at: number): void {
    if (pidOf(p, at) !== PAT_PID || (p[at + 1]! & 0x40) === 0) return
    const control = (p[at + 3]! >> 4) & 0x3
    let s = at + 4
    if (control & 0x2) s += 1 + p[s]!
    s += 1 + p[s]! // pointer field
    if (s + 8 > at + PACKET || p[s] !== 0x00) return
    const end = Math.min(at + PACKET, s + 3 + (((p[s + 1]! & 0x0f) << 8) | p[s + 2]!) - 4)
    for (let e = s + 8; e + 4 <= end; e += 4) {
      if (((p[e]! << 8) | p[e + 1]!) === 0) continue // the network PID, not a program
      this.pmtPid = ((p[e + 2]! & 0x1f) << 8) | p[e + 3]!
      return
    }
  }

  /**
   * Each packet's time (PCR base): on the line through the PCRs around it; past the segment's
   * last PCR, at the rate before it (the next segment's first PCR is not known yet).
   */
  private packetTimes(seg: Buffer): Array<number | null> {
    const count = Math.floor(seg.length / PACKET)
    const times = new Array<number | null>(count).fill(null)
    let clock = this.clock
    for (let i = 0; i < count; i++) {
      const at = i * PACKET
      if (seg[at] !== SYNC) continue
      const f = fieldsOf(seg, at)
      if (f.pcr === null) continue
      const pid = pidOf(seg, at)
      this.pcrPid ??= pid
      if (pid !== this.pcrPid) continue
      const pcr = readPcrBase(seg, f.pcr)
      let rate = 0
      if (clock !== null) {
        const ticks = tsDiff(pcr, clock.pcr)
        // A PCR that goes back or leaps a second or more keeps the rate before it.
        rate = ticks > 0 && ticks < 90_000 ? ticks / (i - clock.at) : clock.rate
        for (let j = Math.max(0, clock.at + 1); j < i; j++)
          times[j] = wrap(clock.pcr + rate * (j - clock.at))
      }
      times[i] = pcr
      clock = { pcr, at: i, rate }
    }
    // Before the first PCR there has been: its time (what comes first has no time of its own).
    const first = times.findIndex((t) => t !== null)
    if (this.clock === null && first > 0) times.fill(times[first]!, 0, first)
    if (clock !== null) {
      for (let j = Math.max(0, clock.at + 1); j < count; j++)
        times[j] = wrap(clock.pcr + clock.rate * (j - clock.at))
      clock = { ...clock, at: clock.at - count }
    }
    this.clock = clock
    return times
  }

  /** The segment with PAT and PMT sent again wherever PSI_REPEAT has passed since the last PAT. */
  private repeatPsi(seg: Buffer): Buffer {
    const times = this.packetTimes(seg)
    const parts: Buffer[] = []
    let from = 0
    for (let i = 0; i < times.length; i++) {
      const at = i * PACKET
      if (seg[at] !== SYNC) continue
      const pid = pidOf(seg, at)
      const t = times[i] ?? null
      if (pid === PAT_PID || pid === this.pmtPid) {
        this.nextCc(seg, at)
        if (pid === PAT_PID) {
          this.pat = Buffer.from(seg.subarray(at, at + PACKET))
          this.patAt = t ?? this.patAt
        } else this.pmt = Buffer.from(seg.subarray(at, at + PACKET))
        continue
      }
      if (t === null || this.pat === null || this.pmt === null) continue
      if (this.patAt !== null) {
        const since = tsDiff(t, this.patAt)
        const next = times[i + 1] ?? null
        const late = next !== null && tsDiff(next, this.patAt) > PSI_LATEST
        if (since >= 0 && since < PSI_REPEAT && !late) continue
      }
      const again = Buffer.concat([this.pat, this.pmt])
      this.nextCc(again, 0)
      this.nextCc(again, PACKET)
      parts.push(seg.subarray(from, at), again)
      from = at
      // Between the packet before and this one: counted from the earlier, so the next comes no later.
      this.patAt = times[i - 1] ?? t
    }
    if (parts.length === 0) return seg
    parts.push(seg.subarray(from))
    return Buffer.concat(parts)
  }

  /** PAT and PMT packets (each a whole section) are numbered on from the last one sent. */
  private nextCc(p: Buffer, at: number): void {
    const pid = pidOf(p, at)
    const last = this.lastCc.get(pid)
    const next = last === undefined ? p[at + 3]! & 0x0f : (last + 1) & 0x0f
    p[at + 3] = (p[at + 3]! & 0xf0) | next
    this.lastCc.set(pid, next)
  }

  private followAudio(p: Buffer, at: number, f: Fields): void {
    const pid = pidOf(p, at)
    if (f.pts !== null && isAudio(f.streamId) && f.pesData !== null) {
      this.closeAudio(pid)
      const pts = readTs(p, f.pts)
      this.audioPes.set(pid, {
        pts,
        streamId: f.streamId,
        data: [p.subarray(f.pesData, at + PACKET)]
      })
    } else if ((p[at + 1]! & 0x40) === 0 && (p[at + 3]! & 0x10) !== 0 && f.payload < at + PACKET)
      this.audioPes.get(pid)?.data.push(p.subarray(f.payload, at + PACKET))
  }

  private closeAudio(pid: number): void {
    const pes = this.audioPes.get(pid)
    if (!pes) return
    this.audioPes.delete(pid)
    const ticks = adtsTicks(Buffer.concat(pes.data))
    // Not ADTS: the step between its PES is the best guess there is.
    const end = wrap(pes.pts + (ticks ?? this.lastPts.get(pes.streamId)?.step ?? 0))
    if (this.end === null || tsDiff(end, this.end) > 0) this.end = end
  }

  private begin(seg: Buffer): void {
    const start = startOf(seg)
    // Nothing timed in it: wait for a segment that is, so the re-basing has something to go by.
    if (start.dts === null && start.pcr === null) return
    this.pending = false
    this.ccShift.clear()
    const wanted: number[] = []
    if (this.end !== null && start.dts !== null) wanted.push(tsDiff(this.end, start.dts))
    if (this.lastPcr !== null && start.pcr !== null)
      wanted.push(tsDiff(this.lastPcr + PCR_GAP, start.pcr))
    if (wanted.length > 0) this.offset = wrap(Math.max(...wanted))
  }

  private continuity(p: Buffer, at: number): void {
    const pid = pidOf(p, at)
    if (pid === NULL_PID) return
    const hasPayload = (p[at + 3]! & 0x10) !== 0
    const cc = p[at + 3]! & 0x0f
    const last = this.lastCc.get(pid)
    let shift = this.ccShift.get(pid)
    if (shift === undefined && hasPayload) {
      // The PID's first packet with a payload after a splice follows on from its last one before it.
      shift = last === undefined ? 0 : (last + 1 - cc) & 0x0f
      this.ccShift.set(pid, shift)
    }
    // A packet without payload repeats the counter of the one before it (2.4.3.3).
    const next = shift === undefined ? (last ?? cc) : (cc + shift) & 0x0f
    p[at + 3] = (p[at + 3]! & 0xf0) | next
    if (hasPayload) this.lastCc.set(pid, next)
  }

  private retime(p: Buffer, at: number): Fields {
    const f = fieldsOf(p, at)
    if (f.pcr !== null) {
      const base = wrap(readPcrBase(p, f.pcr) + this.offset)
      writePcrBase(p, f.pcr, base)
      this.lastPcr = base
    }
    if (f.pts === null) return f
    const pts = wrap(readTs(p, f.pts) + this.offset)
    writeTs(p, f.pts, pts)
    if (f.dts !== null) writeTs(p, f.dts, wrap(readTs(p, f.dts) + this.offset))
    const prev = this.lastPts.get(f.streamId)
    const step = prev && tsDiff(pts, prev.pts) > 0 ? tsDiff(pts, prev.pts) : (prev?.step ?? 0)
    this.lastPts.set(f.streamId, { pts, step })
    if (isAudio(f.streamId)) return f // its end is known when its PES is complete (closeAudio)
    const end = wrap(pts + step)
    if (this.end === null || tsDiff(end, this.end) > 0) this.end = end
    return f
  }
}
