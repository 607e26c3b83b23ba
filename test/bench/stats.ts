// Small helpers for benchmarks: timing, percentiles, a uniform report.

export interface Figure {
  name: string
  value: number
  unit: string
  /** The target, as text (e.g. "< 1 ms"), when the issue sets one. */
  target?: string
  /** Whether the figure meets its target (undefined when there is none). */
  ok?: boolean
  /** A comparison figure measured in the same run (the floor), when one applies. */
  floor?: number
  note?: string
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}

/** Times fn `iterations` times after a warm-up; returns sorted latencies in ms. */
export function timeSync(
  fn: (i: number) => void,
  iterations: number,
  warmup = Math.min(1000, iterations)
): number[] {
  for (let i = 0; i < warmup; i++) fn(i)
  const out = new Array<number>(iterations)
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint()
    fn(i)
    out[i] = Number(process.hrtime.bigint() - t0) / 1e6
  }
  return out.sort((a, b) => a - b)
}

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}`)
  const rows = figures.map((f) => {
    const v =
      `${Number.isInteger(f.value) ? f.value : Math.abs(f.value) < 10 ? f.value.toFixed(3) : f.value.toFixed(1)} ${f.unit}`.trim()
    const floor =
      f.floor !== undefined
        ? `floor ${f.floor < 10 ? f.floor.toFixed(3) : f.floor.toFixed(1)} ${f.unit} (x${(f.value / f.floor).toFixed(2)})`
        : ''
    const target = f.target ? `target ${f.target} ${f.ok ? 'OK' : 'MISSED'}` : ''
    return [f.name, v, floor, target, f.note ?? '']
  })
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows)
    console.log(
      `  ${r
        .map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c))
        .join('  ')
        .trimEnd()}`
    )
}

/** A small deterministic PRNG (32-bit LCG): benchmarks repeat exactly from run to run. */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return Math.floor((s / 2 ** 32) * n)
  }
}
