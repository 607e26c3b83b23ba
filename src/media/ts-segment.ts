// Whether an HLS segment the encoder finished is whole. On a full disk ffmpeg's hls muxer (5.1,
// with temp_file) does not fail: it renames whatever part of the .tmp reached the disk (0 bytes,
// or cut at a page boundary) into place and lists it with its full duration. Measured on a filled
// tmpfs: segments of 0, 4096 and 8192 bytes listed as 1 s each, ffmpeg exiting 0.
//
// So a listed segment is checked before anyone is given it: a whole number of 188-byte MPEG-TS
// packets, each starting with the sync byte, and pictures spanning the duration the playlist gives
// it (a file cut at a page boundary that happens to be a multiple of 188 bytes still ends early).
const PACKET = 188
const SYNC = 0x47
const PTS_HZ = 90_000
const PTS_WRAP = 2 ** 33
/** How much shorter than its listed duration a segment's pictures may span: its last frame's length and rounding. */
const SPAN_TOLERANCE_S = 0.2

/** The PTS of a video PES starting in this packet, if one does. */
function videoPts(data: Buffer, at: number): number | null {
  const b1 = data[at + 1]!
  if ((b1 & 0x40) === 0) return null // no payload unit starts here
  const control = (data[at + 3]! >> 4) & 0x3
  if ((control & 0x1) === 0) return null // no payload
  let p = at + 4
  if (control & 0x2) p += 1 + data[p]! // adaptation field
  const end = at + PACKET
  if (p + 14 > end || data[p] !== 0 || data[p + 1] !== 0 || data[p + 2] !== 1) return null
  const streamId = data[p + 3]!
  if (streamId < 0xe0 || streamId > 0xef) return null
  if ((data[p + 7]! & 0x80) === 0) return null // no PTS
  const t = p + 9
  return (
    ((data[t]! >> 1) & 0x07) * 2 ** 30 +
    (data[t + 1]! << 22) +
    ((data[t + 2]! >> 1) << 15) +
    (data[t + 3]! << 7) +
    (data[t + 4]! >> 1)
  )
}

/** Why a finished segment cannot be served whole, or null when it is whole. */
export function segmentProblem(data: Buffer, durationS: number): string | null {
  if (data.length === 0) return 'it is empty'
  if (data.length % PACKET !== 0)
    return `its ${data.length} bytes are not a whole number of ${PACKET}-byte packets`
  let first: number | null = null
  let last: number | null = null
  for (let at = 0; at < data.length; at += PACKET) {
    if (data[at] !== SYNC) return `packet ${at / PACKET} has no sync byte`
    const pts = videoPts(data, at)
    if (pts === null) continue
    first ??= pts
    last = pts
  }
  if (first === null || last === null) return 'it holds no picture'
  const spanS = ((last - first + PTS_WRAP) % PTS_WRAP) / PTS_HZ
  if (spanS < durationS - SPAN_TOLERANCE_S)
    return `its pictures span ${spanS.toFixed(2)} s of the ${durationS.toFixed(2)} s listed`
  return null
}
