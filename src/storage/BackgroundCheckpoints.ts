/**
 * WAL checkpoints off the event loop. SQLite checkpoints the WAL inside whichever commit makes it
 * pass 1,000 pages: that commit then also copies ~4 MB into the database file and fsyncs it twice,
 * and during a large catch-up this happens every few hundred messages, freezing the process that
 * hosts the engine for tens of milliseconds each time. With this, a worker thread with its own
 * connection (same key; the copy is zeroed there after opening) runs PASSIVE checkpoints every
 * `everyMs`, and the main connection's automatic checkpoints are off while the worker is alive.
 * If the worker cannot start (e.g. a build without its file) or dies, automatic checkpoints come
 * back, so the WAL never grows without bound.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerOrFallBack } from '../base/startWorker.ts';
import type { Db } from './Database.ts';

const AUTO_PAGES = 1000;

export class BackgroundCheckpoints {
  private worker: Worker | null = null;
  /** True once the worker has its connection and the main connection's automatic checkpoints are off. */
  active = false;

  private constructor(private readonly db: Db) {}

  /** Starts the worker for the database `db` (opened from `dbPath` with `key`; the key is copied). */
  static start(db: Db, dbPath: string, key: Uint8Array, everyMs = 100): BackgroundCheckpoints {
    const bg = new BackgroundCheckpoints(db);
    bg.worker = startWorkerOrFallBack(import.meta.url, 'checkpointWorker', {
      workerData: { dbPath, key: Uint8Array.from(key), everyMs },
      onMessage: (m: { kind: string }) => {
        if (m.kind === 'ready' && bg.worker) {
          db.pragma('wal_autocheckpoint = 0');
          bg.active = true;
        }
      },
      onLost: () => bg.fallBack(),
    });
    return bg;
  }

  /** Stops the worker; the main connection checkpoints by itself again. */
  stop(): void {
    const w = this.worker;
    this.fallBack();
    w?.postMessage({ kind: 'stop' });
  }

  private fallBack(): void {
    this.worker = null;
    if (this.active && this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
    this.active = false;
  }
}
