/**
 * Group commit: the queue writes of one event-loop turn share one transaction (one WAL commit);
 * callers learn the outcome after the commit, with a promise of its durability (WalSync). The
 * writes run without savepoints (a savepoint and its release cost more than the write itself);
 * should one of them throw, the whole transaction is rolled back and the turn is replayed with
 * one savepoint per write, so one failure does not undo the others.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import type { WalSync } from '../../base/WalSync.ts';

/** A write of a group commit: its result, and when it is on stable storage. */
export interface Committed<T> {
  value: T;
  durable: Promise<void>;
}

const RESOLVED = Promise.resolve();

export class GroupCommit {
  private batch: { op: () => unknown; resolve: (v: Committed<unknown>) => void; reject: (e: unknown) => void }[] = [];
  /** Runs a function in a savepoint when called inside a transaction (built once: building is not free). */
  private readonly savepoint: (op: () => unknown) => unknown;
  /** Runs a turn's writes in one transaction, rolled back as a whole if one throws. */
  private readonly together: (ops: { op: () => unknown }[]) => unknown[];

  /** `rolledBack` runs when writes of a turn were undone (caches that saw them must forget). */
  constructor(
    private readonly db: Database.Database,
    private readonly walSync: WalSync | undefined,
    private readonly rolledBack: () => void,
  ) {
    this.savepoint = db.transaction((op: () => unknown) => op());
    this.together = db.transaction((ops: { op: () => unknown }[]) => ops.map((o) => o.op()));
  }

  /** Runs `op` in this turn's transaction. */
  run<T>(op: () => T): Promise<Committed<T>> {
    return new Promise<Committed<T>>((resolve, reject) => {
      this.batch.push({ op, resolve: resolve as (v: Committed<unknown>) => void, reject });
      if (this.batch.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is waiting now (close). */
  flush(): void {
    const ops = this.batch;
    if (ops.length === 0) return;
    this.batch = [];
    let values: unknown[] | undefined;
    try {
      values = this.together(ops);
    } catch {
      // Nothing of the turn is on disk; caches saw writes that were rolled back.
      this.rolledBack();
    }
    if (values) {
      const durable = this.durable();
      ops.forEach((o, i) => o.resolve({ value: values[i], durable }));
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const o of ops) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(o.op) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed: nothing of the batch is on disk.
      this.rolledBack();
      for (const o of ops) o.reject(error);
      return;
    }
    const durable = this.durable();
    ops.forEach((o, i) => {
      const r = outcomes[i]!;
      if (r.ok) o.resolve({ value: r.value, durable });
      else o.reject(r.error);
    });
  }

  /** Settles once what was committed so far is on stable storage (at once in memory). */
  durable(): Promise<void> {
    if (!this.walSync) return RESOLVED;
    const p = this.walSync.barrier();
    // Awaited by whoever needs it (the sender's answer); nobody else must see it as unhandled.
    p.catch(() => undefined);
    return p;
  }
}
