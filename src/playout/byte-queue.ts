// A byte queue over a child's output pipe: take exactly n bytes when they are there, pause the pipe
// when enough is buffered (so a fast decoder waits for the clock), resume when it drains.
import type { Readable } from 'node:stream'

export class ByteQueue {
  private chunks: Buffer[] = []
  private head = 0 // offset into chunks[0]
  private length = 0
  private paused = false
  ended = false
  error: Error | null = null
  private readonly waiters = new Set<() => void>()

  constructor(
    private readonly stream: Readable,
    /** Buffer at most this many bytes before pausing the pipe. */
    private highWater: number
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.length += chunk.length
      if (this.length >= this.highWater && !this.paused) {
        this.paused = true
        stream.pause()
      }
      this.notify()
    })
    stream.once('end', () => {
      this.ended = true
      this.notify()
    })
    stream.once('error', (err: Error) => {
      this.error = err
      this.ended = true
      this.notify()
    })
  }

  get isPaused(): boolean {
    return this.paused
  }

  get available(): number {
    return this.length
  }

  /** Calls fn (once) when more data arrives or the stream ends. */
  onData(fn: () => void): void {
    this.waiters.add(fn)
  }

  private notify(): void {
    if (this.waiters.size === 0) return
    const ws = [...this.waiters]
    this.waiters.clear()
    for (const w of ws) w()
  }

  /**
   * Exactly n bytes as the slices of the chunks they arrived in (no copying), or null when fewer
   * are buffered. Raw video runs at megabytes a second per channel: copying it into whole-frame
   * buffers would cost CPU and garbage for nothing, since the encoder pipe takes slices as well.
   */
  takeSlices(n: number): Buffer[] | null {
    if (this.length < n) return null
    const out: Buffer[] = []
    let need = n
    while (need > 0) {
      const c = this.chunks[0]!
      const take = Math.min(c.length - this.head, need)
      out.push(c.subarray(this.head, this.head + take))
      need -= take
      this.head += take
      if (this.head === c.length) {
        this.chunks.shift()
        this.head = 0
      }
    }
    this.length -= n
    this.maybeResume()
    return out
  }

  private maybeResume(): void {
    if (this.paused && this.length < this.highWater / 2) {
      this.paused = false
      this.stream.resume()
    }
  }

  /** Exactly n bytes in one buffer, or null when fewer are buffered. */
  take(n: number): Buffer | null {
    const slices = this.takeSlices(n)
    if (!slices) return null
    return slices.length === 1 ? slices[0]! : Buffer.concat(slices, n)
  }

  /**
   * The consumer needs the other stream first and this one is full: let it grow rather than stall
   * the producing process (a file whose audio and video are far apart in its interleave).
   */
  relieve(): void {
    if (!this.paused || this.ended) return
    this.highWater = Math.min(this.highWater * 2, 256 * 1024 * 1024)
    this.paused = false
    this.stream.resume()
  }
}
