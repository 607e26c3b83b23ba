// Where the XMLTV guide's programmes are written: a worker thread (guide-worker.ts) with its own
// read-only connection to the station's database, started at the first guide asked for and kept
// until the station's HTTP server closes. One worker serves every build; a worker that dies fails
// the builds it had (each reported) and the next build starts a new one.
//
// The worker is a separate entry: from source (tsx, vitest) it is guide-worker.ts, loaded through
// tsx; in the Electron build it is guide-worker.js beside engine-process.js (electron.vite.config.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ViewerChannel } from './directory';

export interface GuideWorkerData {
  databaseFile: string;
  /** Programmes read and written per piece. */
  pageItems: number;
}

export interface GuideRequest {
  id: number;
  channels: ViewerChannel[];
  from: number;
  horizonMs: number;
}

export type GuideWorkerMessage = { id: number; piece: Uint8Array } | { id: number; done: true } | { id: number; error: string };

/** Where a build's pieces go as they arrive. */
export interface GuideSink {
  add(piece: Buffer): void;
}

interface Pending {
  sink: GuideSink;
  resolve: () => void;
  reject: (err: Error) => void;
}

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

export class GuideWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly data: GuideWorkerData) {}

  /** Writes the channels' programmes over [from, from + horizon) into the sink; resolves when all are in. */
  programmes(channels: ViewerChannel[], from: number, horizonMs: number, sink: GuideSink): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the station is closing'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { sink, resolve, reject });
      worker.postMessage({ id, channels, from, horizonMs } satisfies GuideRequest);
    });
  }

  /** Ends the worker; builds under way fail with "the station is closing". */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the station is closing'));
    await worker?.terminate();
  }

  private start(): Worker {
    const file = path.join(path.dirname(here), fromSource ? 'guide-worker.ts' : 'guide-worker.js');
    const worker = new Worker(file, { workerData: this.data, execArgv: fromSource ? ['--import', 'tsx'] : [] });
    worker.on('message', (m: GuideWorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('piece' in m) return p.sink.add(Buffer.from(m.piece.buffer, m.piece.byteOffset, m.piece.byteLength));
      this.pending.delete(m.id);
      if ('done' in m) p.resolve();
      else p.reject(new Error(`the guide worker failed: ${m.error}`));
    });
    worker.on('error', (err) => this.lost(worker, new Error(`the guide worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.lost(worker, new Error(`the guide worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
}
