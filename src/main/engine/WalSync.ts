/**
 * Makes received batches durable without blocking the event loop. The receive path commits with
 * `synchronous=NORMAL` — SQLite writes the WAL frames but does not wait for the disk — and then
 * calls `sync()`, which fsyncs the WAL file on libuv's thread pool; only when that resolves is the
 * batch acknowledged to the relay. So the guarantee of `synchronous=FULL` (durable before the relay
 * deletes it) is kept, while the fsync — the part of a commit that stalls for tens of milliseconds
 * when the disk is busy — no longer freezes the process that hosts the engine.
 *
 * Callers that arrive while an fsync is waiting to start share it (it starts after their commit);
 * a caller that arrives once it has started gets the next one.
 */
import fs from 'node:fs/promises';

export class WalSync {
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    /** The database's WAL file. */
    private readonly walPath: string,
    /** The database file itself: fsynced instead when there is no WAL file (it was checkpointed away). */
    private readonly dbPath: string,
  ) {}

  sync(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = null;
      return this.fsync();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  private async fsync(): Promise<void> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.walPath, 'r');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
      fh = await fs.open(this.dbPath, 'r');
    }
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
