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
  private readonly ops: (() => void)[] = [];

  read<T>(key: string, load: () => T): T {
    return this.values.has(key) ? (this.values.get(key) as T) : load();
  }

  write(key: string, value: unknown, apply: () => void): void {
    this.values.set(key, value);
    this.ops.push(apply);
  }

  /** Queues a synchronous write that has no read-back (a message row, a dedupe marker). */
  defer(apply: () => void): void {
    this.ops.push(apply);
  }

  /** Applies every buffered write in order; call inside the committing transaction. */
  flush(): void {
    for (const op of this.ops) op();
  }

  get pending(): number {
    return this.ops.length;
  }
}
