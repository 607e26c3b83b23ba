// The XMLTV guide's worker thread: reads the playlog through its own read-only connection and
// writes the guide's programmes, sending each piece to the station as bytes (moved, not copied).
// The station's event loop thus never reads tens of thousands of rows or formats their times, and
// the garbage of a build is collected here. Started by GuideWorker (guide-builder.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { listingPagesOf } from '../../schedule/service';
import { openPlaylogReader } from '../../store';
import type { GuideRequest, GuideWorkerData, GuideWorkerMessage } from './guide-builder';
import { programmePieces } from './xmltv';

const port = parentPort;
if (!port) throw new Error('guide-worker runs as a worker thread of the station');
const { databaseFile, pageItems } = workerData as GuideWorkerData;
const reader = openPlaylogReader(databaseFile);
const encoder = new TextEncoder();
const send = (message: GuideWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (request: GuideRequest) => {
  void (async () => {
    try {
      const pages = (channelId: number, from: number, to: number) => listingPagesOf(reader.playlog, channelId, from, to, pageItems);
      for await (const piece of programmePieces(request.channels, pages, request.from, request.horizonMs)) {
        const bytes = encoder.encode(piece);
        send({ id: request.id, piece: bytes }, [bytes.buffer as ArrayBuffer]);
      }
      send({ id: request.id, done: true });
    } catch (err) {
      send({ id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});
// Closing the port (the station terminating the worker) ends the connection with it.
port.once('close', () => reader.close());
