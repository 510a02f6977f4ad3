/**
 * The receive pipeline (DESIGN.md §6, issue 6 §3): open (decrypt/verify) → commit the results,
 * the protocol-state changes and the dedupe markers in ONE transaction → only then acknowledge to
 * the relay. Crash before the commit: nothing was stored and the protocol state is unchanged, so
 * the relay's redelivery decrypts again. Crash after the commit but before the ack: the
 * redelivered items hit their dedupe marker and are only acknowledged. Nothing is lost, nothing
 * is stored twice.
 *
 * What happens to a delivery that does not open depends on why (receiveFault.ts): bad input is
 * dropped (marker + audit entry, committed, acked); a passing fault rolls the whole batch back,
 * acks nothing and halts the pipeline until the next connection, so the relay delivers the same
 * items again, in order.
 *
 * Items are processed in batches so one fsync covers many messages, and the loop yields to the
 * event loop every few milliseconds so the hosting process stays responsive during a catch-up.
 */
import { RedeliveryNeeded, classifyReceiveError } from './receiveFault.ts';

export interface Delivery {
  /** Queue item id (hex); the ack and the dedupe marker name it. */
  id: string;
  kind: 'envelope' | 'channelChange' | 'wipe' | 'revocation';
  payload: Uint8Array;
  /** The relay's receipt time of the item (its clock); absent when the relay did not stamp it. */
  relayTimeMs?: number;
}

/**
 * The storage + crypto side. `batch` runs `work` in one unit of work: every protocol-state write
 * that `open` makes is staged, every `keep`/`reject` is queued, and all of it commits in ONE
 * transaction when `work` resolves — or none of it when it throws.
 */
export interface ReceiveUnit<T> {
  seen(id: string): boolean;
  batch(work: (scope: BatchScope<T>) => Promise<void>): Promise<void>;
  /**
   * Resolves once everything committed so far is on disk (when `batch` commits without waiting for
   * the disk). Items are acknowledged only after it resolves; the next batch is opened meanwhile.
   */
  durable?(): Promise<void>;
}

export interface BatchScope<T> {
  /** Decrypts or verifies one item; null: nothing to store (e.g. a channel already wiped). */
  open(d: Delivery): Promise<T | null>;
  /** Queues the stored result (if any) and the dedupe marker of `id`. */
  keep(id: string, value: T | null): void;
  /** Bad input: queues the dedupe marker and a content-free audit entry; the item is then acked. */
  reject(d: Delivery, error: unknown): void;
}

export interface ReceiveOptions<T> {
  unit: ReceiveUnit<T>;
  ack(ids: readonly string[]): void;
  /** Called after each commit, in order, with what was stored (for events and retention). */
  delivered(values: readonly T[]): void;
  progress?(done: number, total: number): void;
  /** After the commit: an item was bad input and was dropped. */
  dropped?(d: Delivery, error: unknown): void;
  /**
   * The batch was rolled back (a passing fault while opening, or the commit failed): nothing of it
   * is stored or acknowledged, the queue is emptied and further pushes are ignored until `resume()`.
   * The owner must reconnect (after a back-off) so that the relay delivers the batch again.
   */
  failed?(error: unknown): void;
  batchSize?: number;
  /** Longest stretch of work between two yields to the event loop (ms). */
  sliceMs?: number;
  /** Target duration of one commit (ms); the batch size adapts to it. */
  commitBudgetMs?: number;
  /** Attempts at an item that fails with an error of no known type before it is dropped. */
  maxUnexpected?: number;
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
  private halted = false;
  /** Acknowledgements of committed batches, in order, each once its batch is on disk. */
  private acking: Promise<void> = Promise.resolve();
  private unsynced = false;
  /** Item id → how often opening it failed with an unexpected error. */
  private readonly unexpected = new Map<string, number>();

  constructor(private readonly o: ReceiveOptions<T>) {
    this.maxBatch = o.batchSize ?? 128;
    this.batchSize = Math.min(64, this.maxBatch);
    this.sliceMs = o.sliceMs ?? 3;
  }

  /** The relay said how much is waiting (a catch-up); progress is reported against it. */
  expect(backlog: number): void {
    this.done = 0;
    this.expected = backlog;
  }

  /** A new connection: deliveries are taken again (the relay starts over with everything unacked). */
  resume(): void {
    this.halted = false;
    this.unsynced = false;
  }

  /** True between a rolled-back batch and `resume()`. */
  get isHalted(): boolean {
    return this.halted;
  }

  push(d: Delivery): void {
    // After a rollback, later items must not overtake the ones that will be delivered again.
    if (this.halted) return;
    this.queue.push(d);
    this.running ??= this.run()
      .catch((e: unknown) => this.fail(e))
      .finally(() => (this.running = null));
  }

  /**
   * Rolled back, or committed but not made durable: nothing more is acknowledged or taken until
   * `resume()`. What was committed without its ack is delivered again and meets its dedupe marker.
   */
  private fail(e: unknown): void {
    if (this.halted) return;
    this.halted = true;
    this.queue = [];
    this.o.failed?.(e);
  }

  /** Resolves when everything pushed so far is committed and acknowledged (or rolled back). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await this.acking;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** What waits to be opened, in order (not yet in a batch). */
  get pending(): readonly Delivery[] {
    return this.queue;
  }

  /**
   * Shrinks the batch when a commit blocked the thread for longer than the budget, grows it when
   * commits are cheap: one fsync per batch is what makes catch-up fast, a long commit is what makes
   * the process stutter.
   */
  private adapt(commitMs: number): void {
    const budget = this.o.commitBudgetMs ?? 5;
    if (commitMs > budget) this.batchSize = Math.max(8, Math.floor(this.batchSize * 0.7));
    else if (commitMs < budget / 2) this.batchSize = Math.min(this.maxBatch, Math.ceil(this.batchSize * 1.25));
  }

  private async run(): Promise<void> {
    // Let the pushes of the current tick join the first batch.
    await Promise.resolve();
    let sliceStart = performance.now();
    while (this.queue.length > 0 && !this.halted) {
      const batch = this.queue.splice(0, this.batchSize);
      const items: T[] = [];
      const rejected: { d: Delivery; error: unknown }[] = [];
      let commitStart = 0;
      await this.o.unit.batch(async (scope) => {
        const seenInBatch = new Set<string>();
        for (const d of batch) {
          if (seenInBatch.has(d.id) || this.o.unit.seen(d.id)) continue;
          seenInBatch.add(d.id);
          let value: T | null;
          try {
            value = await scope.open(d);
          } catch (e) {
            if (!this.isBadInput(d, e)) throw new RedeliveryNeeded(d.kind, { cause: e });
            scope.reject(d, e);
            rejected.push({ d, error: e });
            continue;
          }
          scope.keep(d.id, value);
          if (value !== null) items.push(value);
          if (performance.now() - sliceStart > this.sliceMs) {
            await yieldToLoop();
            sliceStart = performance.now();
          }
        }
        // The commit (synchronous, right after this resolves) gets a turn of the loop to itself.
        await yieldToLoop();
        commitStart = performance.now();
      });
      this.adapt(performance.now() - commitStart);
      for (const d of batch) this.unexpected.delete(d.id);
      // Stored: shown at once. Acknowledged (so the relay deletes it) only once it is on disk; a
      // power cut before that loses nothing the relay does not still hold.
      const ids = batch.map((d) => d.id);
      for (const r of rejected) this.o.dropped?.(r.d, r.error);
      this.o.delivered(items);
      this.done += batch.length;
      if (this.expected > 0) this.o.progress?.(Math.min(this.done, this.expected), this.expected);
      const durable = this.o.unit.durable?.();
      if (durable) this.ackWhenDurable(ids, durable);
      else this.o.ack(ids);
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }

  private ackWhenDurable(ids: readonly string[], durable: Promise<void>): void {
    this.acking = this.acking
      .then(() => durable)
      .then(() => {
        // A batch after one whose fsync failed is not trusted to be on disk either.
        if (!this.unsynced) this.o.ack(ids);
      })
      .catch((e: unknown) => {
        this.unsynced = true;
        this.fail(e);
      });
  }

  private isBadInput(d: Delivery, e: unknown): boolean {
    const fault = classifyReceiveError(e);
    if (fault !== 'unexpected') return fault === 'bad-input';
    const attempts = (this.unexpected.get(d.id) ?? 0) + 1;
    this.unexpected.set(d.id, attempts);
    return attempts >= (this.o.maxUnexpected ?? 3);
  }
}
