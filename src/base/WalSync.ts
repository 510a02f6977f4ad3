/**
 * Makes committed WAL frames durable off the event loop (the relay's store and the engine's receive
 * path). SQLite's synchronous=FULL syncs the WAL inside every commit, which blocks the only thread
 * for the disk's flush time (a millisecond or more per group commit here, a third of the relay's
 * event loop at full load). Instead the
 * store commits with synchronous=NORMAL and asks this class for an `fdatasync` of the WAL file on
 * libuv's thread pool; callers are answered only once a sync that *started after their commit*
 * has finished. So "acknowledged" still means "on stable storage", as with FULL, while the next
 * turn's commit proceeds during the flush. Syncs are coalesced: while one runs, every commit that
 * arrives waits for the next one, which starts as soon as the running one ends.
 */
import fs from 'node:fs';

export class WalSync {
  private fd: number | undefined;
  private running = false;
  private waiting: ((error: Error | null) => void)[] = [];

  constructor(private readonly walFile: string) {}

  /** Calls `done` once everything committed before this call is on stable storage. */
  after(done: (error: Error | null) => void): void {
    this.waiting.push(done);
    if (!this.running) this.start();
  }

  /** A promise form of `after`. */
  barrier(): Promise<void> {
    return new Promise((resolve, reject) => this.after((e) => (e ? reject(e) : resolve())));
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = [];
    let fd: number;
    try {
      // Any descriptor will do: a sync flushes the file, not the descriptor's writes.
      fd = this.fd ??= fs.openSync(this.walFile, 'r');
    } catch (e) {
      // No WAL file: nothing was committed since the last checkpoint, which syncs for itself.
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      for (const d of batch) d(missing ? null : (e as Error));
      return;
    }
    this.running = true;
    fs.fdatasync(fd, (e) => {
      this.running = false;
      for (const d of batch) d(e);
      if (this.waiting.length > 0) this.start();
    });
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
