/**
 * Sender-key decryption in a worker thread (groupDecryptThread.ts), so that a large catch-up does
 * not spend the engine's event loop on libsignal: the engine hands over channel messages as they
 * arrive, with the stored sender-key record the first time it names a (sender, distribution), and
 * later takes each plaintext together with the record as it stands after that message, to commit
 * both in one transaction.
 *
 * The worker is an accelerator, never the authority: an item it could not decrypt comes back as
 * `null` and the engine decrypts it through its own stores (and so learns why it fails). `reset()`
 * starts a new generation: the worker forgets every record and every pending answer resolves to
 * `null`. If the worker cannot start or dies, every pending and later answer is `null`.
 */
import type { Worker } from 'node:worker_threads';
import type { DeviceRef } from './ChannelState.ts';
import { startWorkerOrFallBack } from '../base/startWorker.ts';

export interface GroupDecryptJob {
  /** The caller's name for the item (the engine uses the delivery id). */
  id: string;
  sender: DeviceRef;
  ciphertext: Uint8Array;
  /**
   * Stored records of the sender's distributions that this generation has not named before: bytes,
   * or null for none. The worker goes on from the records as its earlier jobs left them.
   */
  records?: { distributionId: string; record: Uint8Array | null }[];
}

export interface GroupDecryptOpened {
  /** The distribution the message named (the engine checks it against the channel's epochs). */
  distributionId: string;
  plaintext: Uint8Array;
  /** The sender-key record after this message: commit it with what the plaintext produced. */
  record: Uint8Array;
}

/** The wire between the two threads. */
export type GroupDecryptRequest =
  | { kind: 'jobs'; generation: number; jobs: { id: string; userId: string; deviceId: number; ciphertext: Uint8Array; records?: GroupDecryptJob['records'] }[] }
  | { kind: 'reset'; generation: number }
  | { kind: 'stop' };
export interface GroupDecryptResult {
  id: string;
  distributionId: string;
  plaintext: Uint8Array | null;
  record: Uint8Array | null;
}
export type GroupDecryptResponse = { kind: 'ready' } | { kind: 'results'; generation: number; results: GroupDecryptResult[] };

interface Pending {
  resolve(v: GroupDecryptOpened | null): void;
}

export class GroupDecryptWorker {
  private worker: Worker | null = null;
  private generation = 0;
  /** Answers not yet received, in the order the jobs were sent. */
  private readonly pending = new Map<string, Pending>();

  private constructor() {}

  /** Starts the worker thread. Jobs sent before it is ready wait in its message queue. */
  static start(): GroupDecryptWorker {
    const g = new GroupDecryptWorker();
    g.worker = startWorkerOrFallBack(import.meta.url, 'groupDecryptThread', {
      onMessage: (m: GroupDecryptResponse) => g.onMessage(m),
      onLost: () => g.lost(),
    });
    return g;
  }

  /** False once the worker failed or was stopped: nothing more is sent to it. */
  get alive(): boolean {
    return this.worker !== null;
  }

  /** Sends `jobs` (in delivery order); each promise resolves with the opened item, or null. */
  decrypt(jobs: readonly GroupDecryptJob[]): Promise<GroupDecryptOpened | null>[] {
    const out = jobs.map((j) => {
      this.pending.get(j.id)?.resolve(null);
      return new Promise<GroupDecryptOpened | null>((resolve) => this.pending.set(j.id, { resolve }));
    });
    if (!this.worker) {
      this.settleAll();
      return out;
    }
    const req: GroupDecryptRequest = {
      kind: 'jobs',
      generation: this.generation,
      jobs: jobs.map((j) => ({
        id: j.id,
        userId: j.sender.userId,
        deviceId: j.sender.deviceId,
        ciphertext: j.ciphertext,
        ...(j.records ? { records: j.records } : {}),
      })),
    };
    this.worker.postMessage(req);
    return out;
  }

  /** Forgets every record in the worker; every pending answer resolves to null. */
  reset(): void {
    this.generation++;
    this.settleAll();
    this.worker?.postMessage({ kind: 'reset', generation: this.generation } satisfies GroupDecryptRequest);
  }

  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.settleAll();
    if (w) {
      w.postMessage({ kind: 'stop' } satisfies GroupDecryptRequest);
      // A decrypt in progress is not waited for: its answer has no one to go to.
      void w.terminate();
    }
  }

  private onMessage(m: GroupDecryptResponse): void {
    if (m.kind !== 'results' || m.generation !== this.generation) return;
    for (const r of m.results) {
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      p.resolve(r.plaintext && r.record ? { distributionId: r.distributionId, plaintext: r.plaintext, record: r.record } : null);
    }
  }

  private lost(): void {
    this.worker = null;
    this.settleAll();
  }

  private settleAll(): void {
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }
}
