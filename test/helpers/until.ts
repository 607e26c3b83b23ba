// Waiting on a condition with a bound: the wait ends as soon as it holds, and fails naming what
// never happened (a fixed sleep either wastes time or proves nothing on a loaded machine).

/**
 * Asks `probe` every `everyMs` until it answers something other than undefined, and returns that
 * answer with how long it took; throws `<what>: not within <timeoutMs> ms` when it never does.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  everyMs = 100
): Promise<{ value: T; ms: number }> {
  const start = Date.now()
  for (;;) {
    const value = await probe()
    if (value !== undefined) return { value, ms: Date.now() - start }
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
