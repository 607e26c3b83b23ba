// A transport stream analysed the way a TR 101 290 probe does offline (ETSI TR 101 290 5.2.1,
// PAT_error_2 and PMT_error_2: each at least every 0.5 s): every packet is timed by the PCR,
// interpolated by byte position between the PCRs around it (a constant rate between two PCRs,
// ISO/IEC 13818-1 2.4.2.2), and the longest gap between PATs and between PMTs is reported.
// Independent of src/media/ts-splice.ts on purpose: it checks what the splicer writes.
const PACKET = 188
const PCR_HZ = 27_000_000

export interface PsiIntervals {
  /** The longest time between two PATs (or the stream's start or end and a PAT), in milliseconds. */
  maxPatMs: number
  /** The longest time between two PMTs (of the program the PAT lists first), in milliseconds. */
  maxPmtMs: number
  pats: number
  pmts: number
  /** How long the stream lasts by its PCR, in milliseconds. */
  spanMs: number
  /** The longest time between two PCRs, in milliseconds (the analysis's granularity). */
  maxPcrGapMs: number
}

const pidOf = (ts: Buffer, at: number): number => ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!

/** The PCR (27 MHz) in the packet's adaptation field, if it has one. */
function pcrOf(ts: Buffer, at: number): number | null {
  if ((ts[at + 3]! & 0x20) === 0 || ts[at + 4]! < 7 || (ts[at + 5]! & 0x10) === 0) return null
  const p = at + 6
  const base =
    ts[p]! * 2 ** 25 +
    (ts[p + 1]! << 17) +
    (ts[p + 2]! << 9) +
    (ts[p + 3]! << 1) +
    (ts[p + 4]! >> 7)
  const ext = ((ts[p + 4]! & 0x01) << 8) | ts[p + 5]!
  return base * 300 + ext
}

/** The PMT PID of the first program a PAT section in this packet lists. */
function pmtPidOf(ts: Buffer, at: number): number | null {
  if ((ts[at + 1]! & 0x40) === 0) return null
  const control = (ts[at + 3]! >> 4) & 0x3
  let p = at + 4
  if (control & 0x2) p += 1 + ts[at + 4]!
  p += 1 + ts[p]! // pointer field
  if (ts[p] !== 0x00) return null // not a PAT section
  const length = ((ts[p + 1]! & 0x0f) << 8) | ts[p + 2]!
  for (let e = p + 8; e + 4 <= p + 3 + length - 4; e += 4) {
    const program = (ts[e]! << 8) | ts[e + 1]!
    if (program !== 0) return ((ts[e + 2]! & 0x1f) << 8) | ts[e + 3]!
  }
  return null
}

/** The longest PAT and PMT intervals of a transport stream, timed by its PCR. */
export function psiIntervals(ts: Buffer): PsiIntervals {
  const count = Math.floor(ts.length / PACKET)
  let pmtPid: number | null = null
  let pcrPid: number | null = null
  const pcrs: Array<{ i: number; pcr: number }> = []
  const pats: number[] = []
  const pmts: number[] = []
  for (let i = 0; i < count; i++) {
    const at = i * PACKET
    if (ts[at] !== 0x47) throw new Error(`packet ${i} (byte ${at}) has no sync byte`)
    const pid = pidOf(ts, at)
    if (pid === 0) {
      pats.push(i)
      pmtPid ??= pmtPidOf(ts, at)
    } else if (pid === pmtPid) pmts.push(i)
    const pcr = pcrOf(ts, at)
    // One PCR PID: the first that carries one (the PMT names it; ffmpeg's is the video's).
    if (pcr !== null && (pcrPid === null || pid === pcrPid)) {
      pcrPid = pid
      pcrs.push({ i, pcr })
    }
  }
  if (pcrs.length < 2) throw new Error(`only ${pcrs.length} PCR in ${count} packets`)
  // A packet's time: the line through the PCRs around it (the first two or last two at the ends).
  const timeOf = (i: number): number => {
    let k = pcrs.findIndex((p) => p.i > i)
    if (k <= 0) k = k === 0 ? 1 : pcrs.length - 1
    const a = pcrs[k - 1]!
    const b = pcrs[k]!
    return a.pcr + ((b.pcr - a.pcr) * (i - a.i)) / (b.i - a.i)
  }
  // From the first packet to the first PAT and from the last to the end count too: a stream cut
  // anywhere (a segment, a read of the .ts) holds no longer gap than the whole one it was cut from.
  const maxGapMs = (at: number[]): number => {
    const edges = [0, ...at, count - 1]
    let max = 0
    for (let k = 1; k < edges.length; k++)
      max = Math.max(max, ((timeOf(edges[k]!) - timeOf(edges[k - 1]!)) / PCR_HZ) * 1000)
    return max
  }
  let maxPcrGapMs = 0
  for (let k = 1; k < pcrs.length; k++)
    maxPcrGapMs = Math.max(maxPcrGapMs, ((pcrs[k]!.pcr - pcrs[k - 1]!.pcr) / PCR_HZ) * 1000)
  return {
    maxPatMs: maxGapMs(pats),
    maxPmtMs: maxGapMs(pmts),
    pats: pats.length,
    pmts: pmts.length,
    spanMs: ((pcrs.at(-1)!.pcr - pcrs[0]!.pcr) / PCR_HZ) * 1000,
    maxPcrGapMs
  }
}
