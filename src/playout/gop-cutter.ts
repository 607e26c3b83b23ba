// The copy producer's segmenter: the MPEG-TS that one remux per item writes (ffmpeg -c copy,
// timestamps already on the output's timeline) goes in, packet by packet; segments cut on the
// renditions' keyframes come out, as one continuous stream across items.
//
// Per item, only its own frames pass: pictures (one PES each) from its first frame up to (not
// including) its end, and the AAC frames that lie wholly inside that span. ffmpeg packs several
// AAC frames in one PES (at least 170 bytes of payload: many frames of silence), so each sound
// PES is taken apart into its ADTS frames and those that pass are sent again one PES each. So a rendition's sound that runs past
// its picture (whole AAC frames, up to 21 ms) never overlaps the next item's, and the sound before
// a join's keyframe is dropped: the audio has no overlap, at most a gap of under one AAC frame at
// a boundary. Each segment starts with the PAT and PMT; continuity counters run on per PID across
// items (each remux starts its own at 0), so a reader sees no continuity error.
import { readTs, tsDiff } from '../media/ts-splice'

const PACKET = 188
const SYNC = 0x47
const PAT_PID = 0
/** TS payload bytes after the 4-byte header. */
const PAYLOAD = 184
/** AAC-LC: 1024 samples a frame. */
const AAC_SAMPLES = 1024

/** A finished segment: output frames [startFrame, endFrame), its packets. */
export interface CutSegment {
  startFrame: number
  endFrame: number
  data: Buffer
}

/**
 * The segment being filled: its packets as few pieces as possible. Packets that lie back to back
 * in one read (most of them) are one view of it, so a segment of ~2,000 packets is joined from a
 * handful of pieces, not from a Buffer a packet (that join and the garbage were most of the
 * segmenter's cost).
 */
interface OpenSegment {
  startFrame: number
  pieces: Buffer[]
  /** The run of back-to-back packets being extended: its first packet's view and its length. */
  run: Buffer | null
  runLength: number
}

function append(seg: OpenSegment, p: Buffer): void {
  const run = seg.run
  if (run && run.buffer === p.buffer && run.byteOffset + seg.runLength === p.byteOffset) {
    seg.runLength += p.length
    return
  }
  endRun(seg)
  seg.run = p
  seg.runLength = p.length
}

function endRun(seg: OpenSegment): void {
  if (seg.run) seg.pieces.push(Buffer.from(seg.run.buffer, seg.run.byteOffset, seg.runLength))
  seg.run = null
  seg.runLength = 0
}

/** The span of output frames the item being fed may fill, in 90 kHz ticks from the output's frame 0. */
interface ItemWindow {
  startFrame: number
  endFrame: number
}

const pidOf = (p: Buffer): number => ((p[1]! & 0x1f) << 8) | p[2]!

/** A PES starting in this packet: its stream id and PTS (90 kHz), and whether it is a random access point. */
function pesStart(p: Buffer): { streamId: number; pts: number | null; rai: boolean } | null {
  if ((p[1]! & 0x40) === 0) return null
  const control = (p[3]! >> 4) & 0x3
  let at = 4
  let rai = false
  if (control & 0x2) {
    const length = p[4]!
    if (length > 0) rai = (p[5]! & 0x40) !== 0
    at += 1 + length
  }
  if ((control & 0x1) === 0 || at + 9 > PACKET) return null
  if (p[at] !== 0 || p[at + 1] !== 0 || p[at + 2] !== 1) return null
  const streamId = p[at + 3]!
  const hasPts = (p[at + 7]! & 0x80) !== 0 && at + 14 <= PACKET
  return { streamId, pts: hasPts ? readTs(p, at + 9) : null, rai }
}

export class GopCutter {
  private readonly tick: number
  /** The PTS of output frame 0 (set by the first picture of the first item). */
  private zero: number | null = null
  private window: ItemWindow | null = null
  private rest: Buffer = Buffer.alloc(0)
  private pmtPid: number | null = null
  private pat: Buffer | null = null
  private pmt: Buffer | null = null
  /** Per PID: what its packets are (from the PES stream id), and whether the PES being sent passes. */
  private readonly kind = new Map<number, 'video' | 'audio' | 'other'>()
  private readonly passing = new Map<number, boolean>()
  private readonly cc = new Map<number, number>()
  private open: OpenSegment | null = null
  /** Per audio PID, the PES being gathered (its bytes from the PES header on). */
  private readonly audioPes = new Map<number, Buffer[]>()
  private readonly aacTicks: number

  /**
   * `minFrames`: a keyframe cuts once the segment holds at least this many frames (1: every
   * keyframe; with GOPs shorter than the segment, several GOPs make one segment).
   */
  constructor(
    private readonly o: {
      fps: number
      sampleRate: number
      minFrames: number
      /** A segment is finished. */
      onSegment: (segment: CutSegment) => void
    }
  ) {
    this.tick = 90_000 / o.fps
    this.aacTicks = (AAC_SAMPLES * 90_000) / o.sampleRate
  }

  /** The next item's frames: what its remux writes from now on. */
  beginItem(startFrame: number, endFrame: number): void {
    this.flushAudio()
    this.window = { startFrame, endFrame }
    this.rest = Buffer.alloc(0)
    this.passing.clear()
  }

  /** Bytes of the item's transport stream (any chunking). */
  push(chunk: Buffer): void {
    let at = 0
    if (this.rest.length) {
      // Only the packet split across reads is copied (not the whole read: at 100 channels that
      // copy was most of the station's CPU after the remuxes' spawns).
      const need = PACKET - this.rest.length
      if (chunk.length < need) {
        this.rest = Buffer.concat([this.rest, chunk])
        return
      }
      const head = Buffer.concat([this.rest, chunk.subarray(0, need)])
      if (head[0] === SYNC) this.packet(head)
      at = need
    }
    for (; at + PACKET <= chunk.length; at += PACKET) {
      if (chunk[at] !== SYNC) continue
      // A view, not a copy: the chunk is ours (a fresh buffer per read), rewritten in place.
      this.packet(chunk.subarray(at, at + PACKET))
    }
    this.rest = chunk.subarray(at)
  }

  /** The output frame a PTS stands for, or null before the first picture. */
  private frameOf(pts: number): number | null {
    return this.zero === null ? null : Math.round(tsDiff(pts, this.zero) / this.tick)
  }

  private packet(p: Buffer): void {
    const pid = pidOf(p)
    if (pid === PAT_PID) return this.learnPat(p)
    if (pid === this.pmtPid) {
      if (p[1]! & 0x40) this.pmt = Buffer.from(p)
      return
    }
    if (pid === 0x11 || pid === 0x1fff) return // SDT, null packets: not needed on air
    const w = this.window
    if (!w) return
    const start = pesStart(p)
    if (start) {
      const kind =
        start.streamId >= 0xe0 && start.streamId <= 0xef
          ? 'video'
          : start.streamId >= 0xc0 && start.streamId <= 0xdf
            ? 'audio'
            : 'other'
      this.kind.set(pid, kind)
      if (kind === 'video' && start.pts !== null && this.zero === null)
        this.zero = start.pts - w.startFrame * this.tick
      if (kind === 'audio') this.endAudio(pid)
      const pass = kind === 'audio' || this.passes(kind, start.pts, w)
      this.passing.set(pid, pass)
      if (pass && kind === 'video' && start.rai) this.keyframe(this.frameOf(start.pts!)!)
    }
    if (!this.passing.get(pid)) return
    if (this.kind.get(pid) === 'audio') return this.gatherAudio(pid, p, start !== null)
    this.send(p)
  }

  /** Sends a packet in the open segment, its continuity counter running on from its PID's last. */
  private send(p: Buffer): void {
    if (!this.open) return
    const pid = pidOf(p)
    // A packet with payload counts, one without repeats the last.
    const hasPayload = (p[3]! & 0x10) !== 0
    const last = this.cc.get(pid)
    const next = hasPayload ? ((last ?? 15) + 1) & 0x0f : (last ?? 0)
    p[3] = (p[3]! & 0xf0) | next
    if (hasPayload) this.cc.set(pid, next)
    append(this.open, p)
  }

  private gatherAudio(pid: number, p: Buffer, first: boolean): void {
    const control = (p[3]! >> 4) & 0x3
    if ((control & 0x1) === 0) return
    const at = control & 0x2 ? 5 + p[4]! : 4
    if (at >= PACKET) return
    const parts = this.audioPes.get(pid)
    if (first) this.audioPes.set(pid, [p.subarray(at)])
    else parts?.push(p.subarray(at))
  }

  private flushAudio(): void {
    for (const pid of [...this.audioPes.keys()]) this.endAudio(pid)
  }

  /** The PES gathered on an audio PID is complete: its AAC frames that pass go out one PES each. */
  private endAudio(pid: number): void {
    const parts = this.audioPes.get(pid)
    this.audioPes.delete(pid)
    const w = this.window
    if (!parts || !w || this.zero === null) return
    const pes = Buffer.concat(parts)
    if (pes.length < 14 || (pes[7]! & 0x80) === 0) return
    const streamId = pes[3]!
    let pts = readTs(pes, 9)
    let i = 9 + pes[8]!
    while (i + 7 <= pes.length) {
      if (pes[i] !== 0xff || (pes[i + 1]! & 0xf0) !== 0xf0) return // not ADTS: nothing more to trust
      const length = ((pes[i + 3]! & 0x03) << 11) | (pes[i + 4]! << 3) | (pes[i + 5]! >> 5)
      if (length < 7 || i + length > pes.length) return
      if (this.passes('audio', pts, w))
        this.sendAudio(pid, streamId, pts, pes.subarray(i, i + length))
      pts = (pts + this.aacTicks) % 2 ** 33
      i += length
    }
  }

  /** One AAC frame as a PES of its own, in TS packets (the last padded by adaptation stuffing). */
  private sendAudio(pid: number, streamId: number, pts: number, frame: Buffer): void {
    const header = Buffer.alloc(14)
    header.writeUInt32BE(0x000001_00 | streamId, 0)
    header.writeUInt16BE(8 + frame.length, 4)
    header[6] = 0x80
    header[7] = 0x80 // PTS only
    header[8] = 5
    header[9] = 0x21 | ((Math.floor(pts / 2 ** 30) & 0x07) << 1)
    header[10] = (pts >>> 22) & 0xff
    header[11] = (((pts >>> 15) & 0x7f) << 1) | 1
    header[12] = (pts >>> 7) & 0xff
    header[13] = ((pts & 0x7f) << 1) | 1
    const data = Buffer.concat([header, frame])
    for (let at = 0; at < data.length;) {
      const first = at === 0
      // The first packet carries an adaptation field (random access: every AAC frame is one).
      const minAf = first ? 2 : 0
      const take = Math.min(data.length - at, PAYLOAD - minAf)
      const af = PAYLOAD - take // adaptation field bytes, its length byte included
      const p = Buffer.alloc(PACKET, 0xff)
      p[0] = SYNC
      p[1] = (first ? 0x40 : 0) | ((pid >> 8) & 0x1f)
      p[2] = pid & 0xff
      p[3] = af > 0 ? 0x30 : 0x10
      if (af > 0) {
        p[4] = af - 1
        if (af > 1) p[5] = first ? 0x40 : 0x00
      }
      data.copy(p, 4 + af, at, at + take)
      at += take
      this.send(p)
    }
  }

  /** Whether a PES of this item airs: pictures inside its span, sound wholly inside it. */
  private passes(kind: 'video' | 'audio' | 'other', pts: number | null, w: ItemWindow): boolean {
    if (pts === null || this.zero === null) return false
    const t = tsDiff(pts, this.zero)
    const from = w.startFrame * this.tick
    const to = w.endFrame * this.tick
    if (kind === 'video') return t >= from - this.tick / 2 && t < to - this.tick / 2
    if (kind === 'audio') return t >= from - 1 && t + this.aacTicks <= to + 1
    return false
  }

  private keyframe(frame: number): void {
    if (this.open && frame - this.open.startFrame < this.o.minFrames) return
    this.close(frame)
    this.open = { startFrame: frame, pieces: [], run: null, runLength: 0 }
    // Every segment starts with the PAT and PMT, so it can be decoded on its own.
    for (const psi of [this.pat, this.pmt]) {
      if (!psi) continue
      const copy = Buffer.from(psi)
      const pid = pidOf(copy)
      const next = ((this.cc.get(pid) ?? 15) + 1) & 0x0f
      copy[3] = (copy[3]! & 0xf0) | next
      this.cc.set(pid, next)
      append(this.open, copy)
    }
  }

  /** Ends the segment being filled at `endFrame` (the end of the plan; a keyframe does it otherwise). */
  close(endFrame: number): void {
    this.flushAudio()
    const seg = this.open
    this.open = null
    if (!seg || endFrame <= seg.startFrame) return
    endRun(seg)
    this.o.onSegment({ startFrame: seg.startFrame, endFrame, data: Buffer.concat(seg.pieces) })
  }

  private learnPat(p: Buffer): void {
    if ((p[1]! & 0x40) === 0) return
    this.pat = Buffer.from(p)
    const control = (p[3]! >> 4) & 0x3
    let s = 4
    if (control & 0x2) s += 1 + p[s]!
    s += 1 + p[s]! // pointer field
    if (s + 12 > PACKET || p[s] !== 0x00) return
    const end = Math.min(PACKET, s + 3 + (((p[s + 1]! & 0x0f) << 8) | p[s + 2]!) - 4)
    for (let e = s + 8; e + 4 <= end; e += 4) {
      if (((p[e]! << 8) | p[e + 1]!) === 0) continue
      this.pmtPid = ((p[e + 2]! & 0x1f) << 8) | p[e + 3]!
      return
    }
  }
}
