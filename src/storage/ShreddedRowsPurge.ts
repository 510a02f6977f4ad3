/**
 * The slow half of a wipe. `LocalStore.wipeChannel` crypto-shreds a channel in one small commit
 * (its data key row and its search index go, the WAL is truncated) and answers at once; the
 * channel's message rows, ciphertext under the destroyed key, are then deleted here in batches of
 * `batch` rows, one commit each, yielding to the event loop between batches so the process stays
 * responsive. When no shredded channel has rows left, the WAL is truncated once more.
 *
 * Nothing is lost by stopping half-way (closing, a crash): what is left is found again at the next
 * open (`resume`: wiped channels that still have rows) and the purge carries on.
 */
import type { Db } from './Database.ts';

export interface PurgeTarget {
  /** Deletes up to `limit` rows of the channel in one commit; returns how many. */
  purgeBatch(channelId: string, limit: number): number;
  /** Truncates the WAL; false if a reader blocked it. */
  checkpoint(): boolean;
}

const RETRY_MS = 1000;

export class ShreddedRowsPurge {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private truncate = false;

  constructor(
    private readonly db: Db,
    private readonly target: PurgeTarget,
    private readonly batch = 500,
  ) {}

  /** Queues the rows of a channel that was just shredded. */
  add(channelId: string): void {
    this.pending.add(channelId);
    this.truncate = true;
    this.schedule();
  }

  /** Finds wiped channels whose rows a previous run did not finish deleting, and queues them. */
  resume(): void {
    let left: { id: string }[];
    try {
      left = this.db
        .prepare<[], { id: string }>("SELECT id FROM channels c WHERE c.status = 'wiped' AND EXISTS (SELECT 1 FROM messages m WHERE m.channel_id = c.id)")
        .all();
    } catch {
      return; // an unreadable page shows as StoreCorrupt on the first real read, not here
    }
    for (const r of left) this.add(r.id);
  }

  /** True while rows of a shredded channel are still in the database. */
  get busy(): boolean {
    return this.pending.size > 0 || this.truncate;
  }

  /** Resolves once no shredded channel has rows left (or the purge is stopped). */
  done(): Promise<void> {
    if (!this.busy || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
    this.settle();
  }

  private schedule(delayMs = 0): void {
    if (this.timer || this.stopped || !this.busy) return;
    const run = (): void => {
      this.timer = null;
      this.step();
    };
    this.timer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
    this.timer.unref();
  }

  private step(): void {
    if (this.stopped || !this.db.open) return;
    // A caller's transaction is open (between two statements of it): come back on the next turn.
    if (this.db.inTransaction) return this.schedule();
    const channelId = this.pending.values().next().value;
    try {
      if (channelId !== undefined) {
        if (this.target.purgeBatch(channelId, this.batch) < this.batch) this.pending.delete(channelId);
        return this.schedule();
      }
      if (this.target.checkpoint()) this.truncate = false;
    } catch {
      // Busy or damaged: try again later; what is left is found again at the next open anyway.
      return this.schedule(RETRY_MS);
    }
    if (this.busy) return this.schedule(RETRY_MS);
    this.settle();
  }

  private settle(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
