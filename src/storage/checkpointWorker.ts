/**
 * The worker thread of BackgroundCheckpoints: its own connection to the profile database, used for
 * nothing but PASSIVE WAL checkpoints (copying committed pages from the WAL into the database file
 * and fsyncing both) so that this work never runs inside a commit on the engine's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './Database.ts';

const { dbPath, key, everyMs } = workerData as { dbPath: string; key: Uint8Array; everyMs: number };
const port = parentPort!;
const db = openDatabase(dbPath, key, { keyVerified: true });
key.fill(0);

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    port.postMessage({ kind: 'error', code: String((e as { code?: unknown }).code ?? 'UNKNOWN') });
  }
}, everyMs);

port.on('message', (m: { kind: 'stop' }) => {
  if (m.kind !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage({ kind: 'ready' });
