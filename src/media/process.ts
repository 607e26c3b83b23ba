// Process supervision for ffmpeg children.
//
// Every ffmpeg a producer runs (its encoder, each item's decoder) and every still-card render is
// spawned into a ProcessGroup, one per station (src/station.ts creates it and kills it on close).
// Each such child has owners that end it: the object that spawned it (stop), its group (station
// shutdown) and, after a crash of this process, the pipes themselves (an encoder reading our stdin
// sees end-of-file, a decoder writing to us gets EPIPE) plus reapOrphans at the next start.
//
// Not in any group, on purpose: ffmpeg discovery (ffmpeg.ts), probes (probe.ts) and test-card
// generation (testcards.ts). They are short execa calls bounded by a timeout that write nothing
// under a station's outputs.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { execa } from 'execa'

/** The parts of a child that owners use. */
export interface Child {
  readonly pid: number | undefined
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly stderr: Readable | null
  /** stdio[3] and up: extra pipes. */
  readonly stdio: ReadonlyArray<Readable | Writable | null>
  kill(signal?: NodeJS.Signals): boolean
}

export interface SpawnOptions {
  /** Extra input pipes after stdin/stdout/stderr (fd 3, 4, ...) that we write and the child reads. */
  extraInputPipes?: number
  /** Extra output pipes (fd 3, 4, ...) that the child writes and we read; not with extraInputPipes. */
  extraOutputPipes?: number
  stdin?: 'pipe' | 'ignore'
  /** Called with each line the child writes to stderr. */
  onStderr?: (line: string) => void
}

/** One child process; create it through a ProcessGroup. */
export class ManagedProcess {
  readonly child: Child
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  private done = false
  /** Resolves when the process itself has ended (its pipes may not have ended yet). */
  private readonly ended: Promise<void>
  /** The pipes the child writes and we read: stdout, stderr and the extra output pipes. */
  private readonly outputPipes: ReadonlyArray<Readable | null>

  constructor(
    readonly name: string,
    file: string,
    args: string[],
    options: SpawnOptions = {}
  ) {
    const stdio = [
      options.stdin ?? 'ignore',
      'pipe',
      'pipe',
      ...Array.from(
        { length: options.extraInputPipes ?? 0 },
        () => ({ value: 'pipe', input: true }) as const
      ),
      ...Array.from({ length: options.extraOutputPipes ?? 0 }, () => 'pipe' as const)
    ]
    const subprocess = execa(file, args, {
      stdio: stdio as ['pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      // execa also kills the child if this process exits normally or on a signal it can handle.
      cleanup: true,
      stripFinalNewline: false
    })
    this.child = subprocess as unknown as Child
    const exitEvent = new Promise<void>((resolve) =>
      subprocess.nodeChildProcess.once('exit', () => resolve())
    )
    const firstOutput = 3 + (options.extraInputPipes ?? 0)
    this.outputPipes = this.child.stdio.filter(
      (s, fd) => fd === 1 || fd === 2 || fd >= firstOutput
    ) as Array<Readable | null>
    let stderrTail = ''
    this.child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail += chunk.toString()
      const lines = stderrTail.split('\n')
      stderrTail = lines.pop() ?? ''
      for (const l of lines) if (l.trim()) options.onStderr?.(l.trim())
    })
    // With reject: false execa's promise settles (never rejects) when the child is gone.
    this.exited = subprocess.then(
      (r) => {
        this.done = true
        return { code: r.exitCode ?? null, signal: r.signal ?? null }
      },
      () => {
        this.done = true
        return { code: null, signal: null }
      }
    )
    this.ended = Promise.race([exitEvent, this.exited.then(() => undefined)])
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  get running(): boolean {
    return !this.done
  }

  /** Kills the child (SIGTERM, then SIGKILL after `graceMs`) and resolves when it is gone. */
  async kill(graceMs = 0): Promise<void> {
    if (this.done) return
    let timer: ReturnType<typeof setTimeout> | undefined
    if (graceMs > 0) {
      this.child.kill('SIGTERM')
      timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    } else {
      this.child.kill('SIGKILL')
    }
    await this.ended
    clearTimeout(timer)
    // Nobody reads a killed child's output any more, and execa settles only once every pipe has
    // ended: a pipe that does not end after the child died (seen with a decoder's stderr during a
    // full disk) would keep `exited`, and with it the station's shutdown, waiting for ever.
    for (const pipe of this.outputPipes) pipe?.destroy()
    await this.exited
  }
}

/** The gap between paced starts (ProcessGroup.paced). */
export const SPAWN_PACE_MS = 100

/**
 * A station's ffmpeg children. Killing the group (station shutdown) ends every member and anything
 * spawned into it afterwards, so no child outlives the station that started it.
 */
export class ProcessGroup {
  private readonly members = new Set<ManagedProcess>()
  private killed = false
  /** Starts waiting their turn (paced()), and the timer of the next turn. */
  private readonly waiting: Array<() => void> = []
  private turn: ReturnType<typeof setTimeout> | null = null

  /**
   * Runs `start` (which spawns into the group) at its turn: one at a time, SPAWN_PACE_MS apart. A
   * spawn blocks this process until the child has exec'd (30-100 ms each on two cores with 20
   * copy channels on air; the event loop lagged up to 400 ms while they came back to back), so
   * starts that can come early (a copy channel's next remux) are spread out rather than left to
   * stall what is due meanwhile. (A real timer: it paces real processes, whatever the clock.)
   */
  paced(start: () => void): void {
    if (this.killed) return
    this.waiting.push(start)
    this.turn ??= setTimeout(() => this.nextTurn(), 0)
  }

  private nextTurn(): void {
    const start = this.waiting.shift()
    if (!start || this.killed) {
      this.turn = null
      return
    }
    start()
    this.turn = setTimeout(() => this.nextTurn(), SPAWN_PACE_MS)
  }

  /** Starts a child in this group; it leaves the group when it exits. */
  spawn(name: string, file: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    const p = new ManagedProcess(name, file, args, options)
    this.members.add(p)
    // Registered before anyone else can wait on `exited`: whoever awaits it sees the group without it.
    void p.exited.then(() => this.members.delete(p))
    if (this.killed) void p.kill()
    return p
  }

  /**
   * Runs a short command in this group to completion and resolves with its stdout; rejects when it
   * fails or outlives `timeoutMs` (it is killed then).
   */
  async output(name: string, file: string, args: string[], timeoutMs: number): Promise<Buffer> {
    const stderr: string[] = []
    let noSpace = false
    const p = this.spawn(name, file, args, {
      onStderr: (line) => {
        if (stderr.length < 3) stderr.push(line)
        if (/No space left on device/i.test(line)) noSpace = true
      }
    })
    const chunks: Buffer[] = []
    p.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      void p.kill()
    }, timeoutMs)
    const { code, signal } = await p.exited
    clearTimeout(timer)
    if (timedOut) throw new Error(`${name} took longer than ${timeoutMs / 1000} s`)
    // A full disk is said first, whatever line of ffmpeg's it was in.
    if (code !== 0 && noSpace)
      throw new Error(
        `No space left on device: ${name} could not write its output (the disk is full)`
      )
    if (code !== 0)
      throw new Error(
        `${name} failed (${signal ?? `code ${code}`})${stderr.length ? `: ${stderr.join(' | ')}` : ''}`
      )
    return Buffer.concat(chunks)
  }

  /**
   * Runs a background command (an analysis) in this group at the lowest CPU priority to completion
   * and resolves with the last `tailLines` lines it logged; rejects when it fails, outlives
   * `timeoutMs` or `signal` aborts (an AbortError `<name> was cancelled`): it is killed then.
   */
  async background(
    name: string,
    file: string,
    args: string[],
    o: {
      timeoutMs: number
      signal?: AbortSignal
      onLine?: (line: string) => void
      tailLines?: number
    }
  ): Promise<string[]> {
    const cancelled = (): Error => {
      const err = new Error(`${name} was cancelled`)
      err.name = 'AbortError'
      return err
    }
    if (o.signal?.aborted) throw cancelled()
    const tail: string[] = []
    const p = this.spawn(name, file, args, {
      onStderr: (line) => {
        o.onLine?.(line)
        tail.push(line)
        if (tail.length > (o.tailLines ?? 40)) tail.shift()
      }
    })
    if (p.child.pid !== undefined) {
      try {
        os.setPriority(p.child.pid, 19)
      } catch {
        // Gone already, or not permitted: it still runs, at the priority it has.
      }
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      void p.kill()
    }, o.timeoutMs)
    const onAbort = (): void => void p.kill()
    o.signal?.addEventListener('abort', onAbort, { once: true })
    const { code, signal } = await p.exited
    clearTimeout(timer)
    o.signal?.removeEventListener('abort', onAbort)
    if (o.signal?.aborted) throw cancelled()
    if (timedOut) throw new Error(`${name} took longer than ${o.timeoutMs / 1000} s`)
    if (code !== 0) {
      const why = tail.filter((l) => !/^\s*$/.test(l)).slice(-2)
      throw new Error(
        `${name} failed (${signal ?? `code ${code}`})${why.length ? `: ${why.join(' | ')}` : ''}`
      )
    }
    return tail
  }

  /** Members alive right now (tests assert this is empty after stop). */
  live(): ManagedProcess[] {
    return [...this.members]
  }

  /** Kills every member at once, and from now on anything spawned into the group (station shutdown). */
  async killAll(): Promise<void> {
    this.killed = true
    this.waiting.length = 0
    if (this.turn) clearTimeout(this.turn)
    this.turn = null
    await Promise.all([...this.members].map((p) => p.kill()))
  }
}

/** The parent pid of a process, from /proc (Linux); undefined when it cannot be read. */
function parentPid(pid: string): number | undefined {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may contain spaces and parentheses; fields resume after the last ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  return Number.isFinite(ppid) ? ppid : undefined
}

/**
 * After a crash: kills ffmpeg processes of a previous run that still write under `outputRoot`
 * (Linux; elsewhere the pipes end them). Children of this process are never touched: their
 * owners end them. Returns how many were killed.
 */
export function reapOrphans(outputRoot: string): number {
  if (process.platform !== 'linux') return 0
  const root = path.resolve(outputRoot) + path.sep
  let killed = 0
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return 0
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (!/ffmpeg/.test(path.basename(cmd[0] ?? ''))) continue
      if (!cmd.some((a) => a.includes(root))) continue
      if (parentPid(entry) === process.pid) continue
      process.kill(pid, 'SIGKILL')
      killed++
    } catch {
      // gone or not ours to kill
    }
  }
  return killed
}
