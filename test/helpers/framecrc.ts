// Reading ffmpeg's framecrc output (`-f framecrc`): packets per stream, and any timestamp that did
// not move forward (a player would stall or skip there).
export function framecrcPackets(text: string): {
  video: number
  audio: number
  backwards: string[]
} {
  const last = new Map<string, number>()
  const backwards: string[] = []
  let video = 0
  let audio = 0
  for (const line of text.split('\n')) {
    if (!/^\d+,/.test(line)) continue
    const [stream, dts, pts] = line.split(',').map((x) => x.trim())
    const ts = Number(pts ?? dts)
    if (ts <= (last.get(stream!) ?? -Infinity)) backwards.push(line)
    last.set(stream!, ts)
    if (stream === '0') video++
    else audio++
  }
  return { video, audio, backwards }
}
