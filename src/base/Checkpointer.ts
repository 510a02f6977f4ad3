/**
 * Runs SQLite's WAL checkpoints on a worker thread with its own connection. A checkpoint copies
 * the WAL into the database file and syncs it; on the relay's event loop that stalls every
 * connection for as long as the disk takes, which is what shows up in delivery latency's p99.
 * PASSIVE checkpoints never block the writer; the writer's own automatic checkpoints are turned off
 * while this runs.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS evaluated in the worker, so it loads without a TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3-multiple-ciphers');
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next round will do */ }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, everyMs = 1000) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, everyMs } });
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.worker.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}
