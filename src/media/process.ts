// Process supervision for ffmpeg children. Every child has an owner that kills it: the object that
// spawned it (stop), this registry (station shutdown, process exit) and, after a crash, the pipes
// themselves (an encoder reading our stdin sees end-of-file, a decoder writing to us gets EPIPE)
// plus reapOrphans at the next start.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

/** The parts of a child that owners use. */
export interface Child {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** stdio[3] and up: extra pipes. */
  readonly stdio: ReadonlyArray<Readable | Writable | null>;
  kill(signal?: NodeJS.Signals): boolean;
}

const live = new Set<ManagedProcess>();

export interface SpawnOptions {
  /** Extra input pipes after stdin/stdout/stderr (fd 3, 4, ...) that we write and the child reads. */
  extraInputPipes?: number;
  /** Extra output pipes (fd 3, 4, ...) that the child writes and we read; not with extraInputPipes. */
  extraOutputPipes?: number;
  stdin?: 'pipe' | 'ignore';
  /** Called with each line the child writes to stderr. */
  onStderr?: (line: string) => void;
}

export class ManagedProcess {
  readonly child: Child;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private done = false;

  constructor(
    readonly name: string,
    file: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    const stdio = [
      options.stdin ?? 'ignore',
      'pipe',
      'pipe',
      ...Array.from({ length: options.extraInputPipes ?? 0 }, () => ({ value: 'pipe', input: true }) as const),
      ...Array.from({ length: options.extraOutputPipes ?? 0 }, () => 'pipe' as const),
    ];
    const subprocess = execa(file, args, {
      stdio: stdio as ['pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      // execa also kills the child if this process exits normally or on a signal it can handle.
      cleanup: true,
      stripFinalNewline: false,
    });
    this.child = subprocess as unknown as Child;
    live.add(this);
    let stderrTail = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail += chunk.toString();
      const lines = stderrTail.split('\n');
      stderrTail = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) options.onStderr?.(l.trim());
    });
    // With reject: false execa's promise settles (never rejects) when the child is gone.
    this.exited = subprocess.then(
      (r) => {
        this.done = true;
        live.delete(this);
        return { code: r.exitCode ?? null, signal: r.signal ?? null };
      },
      () => {
        this.done = true;
        live.delete(this);
        return { code: null, signal: null };
      },
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Kills the child (SIGTERM, then SIGKILL after `graceMs`) and resolves when it is gone. */
  async kill(graceMs = 0): Promise<void> {
    if (this.done) return;
    if (graceMs > 0) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    } else {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Children alive right now (tests assert this is empty after stop). */
export function liveProcesses(): ManagedProcess[] {
  return [...live];
}

/** Kills every child at once (station shutdown). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

/**
 * After a crash: kills ffmpeg processes of a previous run that still write under `outputRoot`
 * (Linux; elsewhere the pipes end them). Returns how many were killed.
 */
export function reapOrphans(outputRoot: string): number {
  if (process.platform !== 'linux') return 0;
  const root = path.resolve(outputRoot) + path.sep;
  let killed = 0;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  const mine = new Set([...live].map((p) => p.pid));
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || mine.has(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!/ffmpeg/.test(path.basename(cmd[0] ?? ''))) continue;
      if (!cmd.some((a) => a.includes(root))) continue;
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // gone or not ours to kill
    }
  }
  return killed;
}
