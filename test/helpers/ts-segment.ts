// A minimal MPEG-TS segment for test producers: one packet per video frame, each starting a PES
// with its PTS, so the stream server takes it as whole (src/media/ts-segment.ts).

function ptsBytes(pts: number): number[] {
  return [
    0x21 | ((Math.floor(pts / 2 ** 30) & 0x07) << 1),
    (pts >> 22) & 0xff,
    (((pts >> 15) & 0x7f) << 1) | 1,
    (pts >> 7) & 0xff,
    ((pts & 0x7f) << 1) | 1
  ]
}

/** `durationS` of pictures at `fps`, as 188-byte packets. */
export function syntheticSegment(durationS: number, fps = 30): Buffer {
  const frames = Math.max(1, Math.round(durationS * fps))
  const packets: Buffer[] = []
  for (let i = 0; i < frames; i++) {
    const p = Buffer.alloc(188, 0xff)
    const header = [
      0x47,
      0x41,
      0x00,
      0x10 | (i & 0x0f),
      0x00,
      0x00,
      0x01,
      0xe0,
      0x00,
      0x00,
      0x80,
      0x80,
      0x05,
      ...ptsBytes(126_000 + Math.round((i * 90_000) / fps))
    ]
    Buffer.from(header).copy(p)
    packets.push(p)
  }
  return Buffer.concat(packets)
}
