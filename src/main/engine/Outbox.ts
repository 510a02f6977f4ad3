/**
 * The send pipeline's queue (issue 6 §4): a message is persisted here before anything goes out,
 * leaves in order, is marked sent only when the relay acknowledges it, and stays queued across
 * disconnects and restarts until then. Encryption happens at send time, with the channel's
 * sender key of that moment, so a rotation while offline does not strand queued messages.
 */
import { ApiError } from './errors.ts';

export interface OutboxEntry {
  seq: number;
  channelId: string;
  messageId: string;
  /** The encoded plaintext content (a Content message); kept in the encrypted store only. */
  content: Uint8Array;
  createdAt: number;
  attempts: number;
}

export interface OutboxStore {
  /** Appends an entry; returns its sequence number (increasing). */
  add(entry: Omit<OutboxEntry, 'seq' | 'attempts'>): number;
  /** Queued entries, oldest first. */
  pending(limit: number): OutboxEntry[];
  /** The relay acknowledged it: it leaves the outbox. */
  remove(seq: number): void;
  bumpAttempts(seq: number): void;
  /** A wiped or left channel: drop what waits for it. */
  removeChannel(channelId: string): number;
}

/** Sends one entry to the relay; resolves on the relay's ack with the devices it went to. */
export type OutboxTransport = (entry: OutboxEntry) => Promise<{ devices: { userId: string; deviceId: string }[] }>;

/** The failure is about the connection or the relay's load (try again later), not about the message. */
export function isTransient(e: unknown): boolean {
  return e instanceof ApiError && e.transient;
}

/** For transient failures that do not drop the connection (rate limits): when to try again. */
function retryAfter(e: unknown): number | undefined {
  return e instanceof ApiError ? e.retryAfterMs : undefined;
}

export interface OutboxEvents {
  sent(entry: OutboxEntry, devices: { userId: string; deviceId: string }[]): void;
  /** A permanent failure (the relay refused it, e.g. the channel was paused meanwhile). */
  failed(entry: OutboxEntry, error: unknown): void;
}

export class Outbox {
  private connected = false;
  private flushing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly transport: OutboxTransport,
    private readonly events: OutboxEvents,
  ) {}

  /** Persists first, then tries to send; returns the sequence number. */
  enqueue(entry: Omit<OutboxEntry, 'seq' | 'attempts'>): number {
    const seq = this.store.add(entry);
    void this.flush();
    return seq;
  }

  setConnected(up: boolean): void {
    this.connected = up;
    if (up) void this.flush();
  }

  /** Sends everything queued, in order, while connected. Safe to call at any time. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.again && this.connected) {
        this.again = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.connected) {
      const batch = this.store.pending(32);
      if (batch.length === 0) return;
      for (const entry of batch) {
        if (!this.connected) return;
        try {
          const { devices } = await this.transport(entry);
          this.store.remove(entry.seq);
          this.events.sent(entry, devices);
        } catch (e) {
          if (isTransient(e)) {
            this.store.bumpAttempts(entry.seq);
            const wait = retryAfter(e);
            if (wait !== undefined) {
              // Still connected but throttled: resume from this entry a little later.
              const t = setTimeout(() => void this.flush(), wait);
              t.unref?.();
              return;
            }
            // The connection went away; order matters, so stop and resume from here on reconnect.
            this.connected = false;
            return;
          }
          this.store.remove(entry.seq);
          this.events.failed(entry, e);
        }
      }
    }
  }
}

/** The outbox of off-the-record channels and of tests: never touches the disk. */
export class MemoryOutboxStore implements OutboxStore {
  private entries: OutboxEntry[] = [];
  private seq = 1;

  add(entry: Omit<OutboxEntry, 'seq' | 'attempts'>): number {
    const seq = this.seq++;
    this.entries.push({ ...entry, seq, attempts: 0 });
    return seq;
  }

  pending(limit: number): OutboxEntry[] {
    return this.entries.slice(0, limit).map((e) => ({ ...e }));
  }

  remove(seq: number): void {
    this.entries = this.entries.filter((e) => e.seq !== seq);
  }

  bumpAttempts(seq: number): void {
    const e = this.entries.find((x) => x.seq === seq);
    if (e) e.attempts++;
  }

  removeChannel(channelId: string): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.channelId !== channelId);
    return before - this.entries.length;
  }
}
