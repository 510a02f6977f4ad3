/**
 * The receive pipeline (DESIGN.md §6, issue 6 §3): open (decrypt/verify) → commit the results,
 * the protocol-state changes and the dedupe markers in ONE transaction → only then acknowledge to
 * the relay. Crash before the commit: nothing was stored and the protocol state is unchanged, so
 * the relay's redelivery decrypts again. Crash after the commit but before the ack: the
 * redelivered items hit their dedupe marker and are only acknowledged. Nothing is lost, nothing
 * is stored twice.
 *
 * Items are processed in batches so one fsync covers many messages, and the loop yields to the
 * event loop every few milliseconds so the hosting process stays responsive during a catch-up.
 */
export interface Delivery {
  /** Queue item id (hex); the ack and the dedupe marker name it. */
  id: string;
  kind: 'envelope' | 'channelChange' | 'wipe' | 'revocation';
  payload: Uint8Array;
}

/**
 * The storage + crypto side. `batch` runs `work` in one unit of work: every protocol-state write
 * that `open` makes is staged, every `keep` is queued, and all of it commits in ONE transaction
 * when `work` resolves — or none of it when it throws.
 */
export interface ReceiveUnit<T> {
  seen(id: string): boolean;
  batch(work: (scope: BatchScope<T>) => Promise<void>): Promise<void>;
}

export interface BatchScope<T> {
  /** Decrypts or verifies one item; null drops it (undecryptable, stale, not for us). */
  open(d: Delivery): Promise<T | null>;
  /** Queues the stored result (if any) and the dedupe marker of `id`. */
  keep(id: string, value: T | null): void;
}

export interface ReceiveOptions<T> {
  unit: ReceiveUnit<T>;
  ack(ids: readonly string[]): void;
  /** Called after the commit, in order, with what was stored (for events and retention). */
  delivered(values: readonly T[]): void;
  progress?(done: number, total: number): void;
  /** An item could not be opened; it is dropped (with its marker) so it cannot block the queue. */
  dropped?(d: Delivery, error: unknown): void;
  /** The batch could not be committed; it was neither stored nor acknowledged. */
  failed?(error: unknown): void;
  batchSize?: number;
  /** Longest stretch of work between two yields to the event loop (ms). */
  sliceMs?: number;
  /** Target duration of one commit (ms); the batch size adapts to it. */
  commitBudgetMs?: number;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class ReceivePipeline<T> {
  private queue: Delivery[] = [];
  private running: Promise<void> | null = null;
  private done = 0;
  private expected = 0;
  /** Current batch size: adapted so that one commit (which blocks the thread) stays short. */
  private batchSize: number;
  private readonly maxBatch: number;
  private readonly sliceMs: number;

  constructor(private readonly o: ReceiveOptions<T>) {
    this.maxBatch = o.batchSize ?? 256;
    this.batchSize = Math.min(128, this.maxBatch);
    this.sliceMs = o.sliceMs ?? 8;
  }

  /** The relay said how much is waiting (a catch-up); progress is reported against it. */
  expect(backlog: number): void {
    this.done = 0;
    this.expected = backlog;
  }

  push(d: Delivery): void {
    this.queue.push(d);
    this.running ??= this.run()
      .catch((e: unknown) => this.o.failed?.(e))
      .finally(() => (this.running = null));
  }

  /** Resolves when everything pushed so far is committed and acknowledged. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Halves the batch when a commit blocked the thread for longer than the budget, grows it when
   * commits are cheap: one fsync per batch is what makes catch-up fast, a long commit is what makes
   * the process stutter.
   */
  private adapt(commitMs: number): void {
    const budget = this.o.commitBudgetMs ?? 12;
    if (commitMs > budget) this.batchSize = Math.min(this.maxBatch, Math.max(16, Math.floor(this.batchSize * 0.6)));
    else if (commitMs < budget / 2) this.batchSize = Math.min(this.maxBatch, Math.ceil(this.batchSize * 1.5));
  }

  private async run(): Promise<void> {
    // Let the pushes of the current tick join the first batch.
    await Promise.resolve();
    let sliceStart = performance.now();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      const items: { id: string; value: T | null }[] = [];
      let commitStart = 0;
      try {
        await this.o.unit.batch(async (scope) => {
          const seenInBatch = new Set<string>();
          for (const d of batch) {
            if (seenInBatch.has(d.id) || this.o.unit.seen(d.id)) continue;
            seenInBatch.add(d.id);
            let value: T | null = null;
            try {
              value = await scope.open(d);
            } catch (e) {
              this.o.dropped?.(d, e);
            }
            scope.keep(d.id, value);
            items.push({ id: d.id, value });
            if (performance.now() - sliceStart > this.sliceMs) {
              await yieldToLoop();
              sliceStart = performance.now();
            }
          }
          commitStart = performance.now();
        });
        this.adapt(performance.now() - commitStart);
      } catch (e) {
        // The commit failed (disk full, store closed): nothing of this batch is stored or acked;
        // the relay delivers it again after the next connect.
        this.queue = [];
        throw e;
      }
      this.o.ack(batch.map((d) => d.id));
      this.o.delivered(items.flatMap((i) => (i.value === null ? [] : [i.value])));
      this.done += batch.length;
      if (this.expected > 0) this.o.progress?.(Math.min(this.done, this.expected), this.expected);
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
}
