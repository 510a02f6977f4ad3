/**
 * Channel messages decrypted ahead of the receive pipeline, in a worker thread (issue 6 §3: heavy
 * work must not freeze the process). As deliveries arrive, each channel message is handed to the
 * GroupDecryptWorker in delivery order; when the pipeline opens it, the plaintext and the advanced
 * sender-key record are usually there already, and the engine commits both with the message.
 *
 * The worker's records must always be what the profile's records would be after the same messages.
 * So the worker sees only an unbroken run of channel messages:
 *  - a delivery that is not a channel message (a sender-key distribution over 1:1, a channel change)
 *    may change records or states: nothing after it is handed over until it has been committed;
 *  - whenever the engine opens an item itself (no answer from the worker, a refused check, anything
 *    not a channel message), the worker's records may be stale: the rest of that batch is opened by
 *    the engine, and after its commit the worker starts over from the committed records;
 *  - a rolled-back batch starts over too (the relay delivers everything again).
 * Everything the worker returns is checked again by the engine when the item is opened; the worker
 * only ever saves time.
 */
import type { GroupDecryptJob, GroupDecryptOpened, GroupDecryptWorker } from '../../crypto/index.ts';
import type { Delivery } from './ReceivePipeline.ts';

/** What `prepare` makes of a delivery. */
export type AheadPlan =
  /** A channel message to decrypt ahead, from `sender` under one of `distributions`. */
  | { job: Omit<GroupDecryptJob, 'id' | 'records'>; distributions: readonly string[] }
  /** May change protocol state: nothing after it is handed over until it is committed. */
  | 'barrier'
  /** Not decrypted ahead, changes nothing (e.g. a message for a wiped channel). */
  | 'skip';

export interface DecryptAheadDeps {
  /** The worker, or null while there is none (then the engine opens everything itself). */
  worker(): Pick<GroupDecryptWorker, 'alive' | 'decrypt' | 'reset'> | null;
  prepare(d: Delivery): AheadPlan;
  /** The committed record of a (sender, distribution), as bytes, or null. */
  record(sender: GroupDecryptJob['sender'], distributionId: string): Uint8Array | null;
}

export class DecryptAhead {
  private readonly answers = new Map<string, Promise<GroupDecryptOpened | null>>();
  /** (sender, distribution) whose record the worker holds in this generation. */
  private readonly handed = new Set<string>();
  /** The barrier that stopped the hand-over (not committed yet), or null. */
  private barrier: string | null = null;
  /** The engine opened something itself: the worker's records may be behind the profile's. */
  private stale = false;
  private outgoing: GroupDecryptJob[] = [];
  /** Arrived, not yet planned: planned a few milliseconds at a time, off the socket's callback. */
  private inbox: Delivery[] = [];
  private draining = false;

  constructor(private readonly d: DecryptAheadDeps) {}

  /** A delivery arrived (in order). */
  push(del: Delivery): void {
    if (this.barrier !== null || this.stale || !this.d.worker()?.alive) return;
    this.inbox.push(del);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /**
   * Plans what arrived, in order, for at most `sliceMs` (then again after a turn of the event
   * loop), or up to and including `until`; hands the jobs to the worker in one message.
   */
  private drain(until?: string, sliceMs = 2): void {
    const start = performance.now();
    let n = 0;
    while (n < this.inbox.length) {
      const del = this.inbox[n++]!;
      this.plan(del);
      if (del.id === until) break;
      if (until === undefined && (n & 15) === 0 && performance.now() - start > sliceMs) break;
    }
    this.inbox = n === this.inbox.length ? [] : this.inbox.slice(n);
    this.flush();
    this.draining = this.inbox.length > 0;
    if (this.draining) setImmediate(() => this.drain());
  }

  private plan(del: Delivery): void {
    if (this.barrier !== null || this.stale) return;
    let plan: AheadPlan;
    try {
      plan = this.d.prepare(del);
    } catch {
      // Malformed: the engine finds out when it opens it, without touching any state first.
      plan = 'skip';
    }
    if (plan === 'barrier') {
      this.barrier = del.id;
      return;
    }
    if (plan === 'skip') return;
    const job: GroupDecryptJob = { id: del.id, ...plan.job };
    for (const distributionId of plan.distributions) {
      const key = `${plan.job.sender.userId}.${plan.job.sender.deviceId}/${distributionId}`;
      if (this.handed.has(key)) continue;
      this.handed.add(key);
      (job.records ??= []).push({ distributionId, record: this.d.record(plan.job.sender, distributionId) });
    }
    this.outgoing.push(job);
  }

  private flush(): void {
    const jobs = this.outgoing;
    this.outgoing = [];
    if (jobs.length === 0) return;
    const worker = this.d.worker();
    if (!worker) return;
    const answers = worker.decrypt(jobs);
    jobs.forEach((j, i) => this.answers.set(j.id, answers[i]!));
  }

  /**
   * The worker's answer for an item the pipeline is opening, or undefined: then the engine opens it
   * itself and must call `openedHere()` first.
   */
  take(id: string): Promise<GroupDecryptOpened | null> | undefined {
    if (this.stale) return undefined;
    // Still waiting to be planned: plan up to it now rather than open it here.
    if (this.inbox.length > 0 && !this.answers.has(id) && this.inbox.some((d) => d.id === id)) this.drain(id);
    const a = this.answers.get(id);
    this.answers.delete(id);
    return a;
  }

  /** An item already stored (met its dedupe marker): its answer, if any, is not needed. */
  discard(id: string): void {
    this.answers.delete(id);
  }

  /** The engine opened an item itself, or refused the worker's answer: the worker's records may be stale. */
  openedHere(): void {
    if (this.d.worker()) this.stale = true;
  }

  /**
   * A batch committed; `queued` is what the pipeline holds after it, in order. After anything the
   * engine opened itself, or once the barrier is behind, the worker starts over from the committed
   * records with what is queued.
   */
  committed(queued: readonly Delivery[]): void {
    if (!this.stale && (this.barrier === null || queued.some((d) => d.id === this.barrier))) return;
    this.restart();
    for (const d of queued) this.push(d);
  }

  /**
   * The batch was rolled back (nothing is staged or queued), or the worker was retired: nothing
   * handed over so far is used; later deliveries start a new run.
   */
  rolledBack(): void {
    this.restart();
  }

  /**
   * Protocol state changed outside the pipeline (e.g. a wipe removed a channel's sender keys):
   * nothing of the worker's is used again, and after the next commit it starts over.
   */
  invalidate(): void {
    this.restart();
    this.stale = true;
  }

  private restart(): void {
    this.answers.clear();
    this.handed.clear();
    this.outgoing = [];
    this.inbox = [];
    this.barrier = null;
    this.stale = false;
    this.d.worker()?.reset();
  }
}
