/**
 * Where protocol-store reads and writes go. libsignal's store methods are async, better-sqlite3 is
 * synchronous, and a SQLite transaction cannot stay open across an `await`. So inside a unit of
 * work the stores write into a `BufferedTarget`: writes are remembered (and visible to later reads
 * of the same unit) and applied synchronously, all in one SQLite transaction, when the unit commits.
 * Outside a unit of work, `DirectTarget` writes at once.
 */
export interface StoreTarget {
  /** Reads `key`: the buffered value if this unit wrote it, else `load()`. */
  read<T>(key: string, load: () => T): T;
  /** Writes `value` under `key`; `apply` performs the SQL write (now, or at commit). */
  write(key: string, value: unknown, apply: () => void): void;
}

export const DirectTarget: StoreTarget = {
  read: (_key, load) => load(),
  write: (_key, _value, apply) => apply(),
};

export class BufferedTarget implements StoreTarget {
  private readonly values = new Map<string, unknown>();
  private readonly ops: ((() => void) | null)[] = [];
  /** Where each key's latest write sits in `ops`: an earlier write of the same key is superseded. */
  private readonly slot = new Map<string, number>();

  read<T>(key: string, load: () => T): T {
    return this.values.has(key) ? (this.values.get(key) as T) : load();
  }

  /**
   * A key written again in the same unit (a sender-key chain advances with every message of a
   * batch) is written to the database once, with its last value, at the place of its last write.
   */
  write(key: string, value: unknown, apply: () => void): void {
    this.values.set(key, value);
    const previous = this.slot.get(key);
    if (previous !== undefined) this.ops[previous] = null;
    this.slot.set(key, this.ops.length);
    this.ops.push(apply);
  }

  /** Queues a synchronous write that has no read-back (a message row, a dedupe marker). */
  defer(apply: () => void): void {
    this.ops.push(apply);
  }

  /** Applies every buffered write in order; call inside the committing transaction. */
  flush(): void {
    for (const op of this.ops) op?.();
  }
}
