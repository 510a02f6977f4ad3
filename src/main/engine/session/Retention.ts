/**
 * Deletion on time: messages whose lifetime ran out (tracked here as they are received, sent or
 * shown; those stored before this run are covered by a short periodic sweep) and channels whose end
 * date passed.
 */
import type { MessageStore } from '../../../storage/index.ts';
import { channelEnded } from '../policyRules.ts';
import { RetentionScheduler } from '../RetentionScheduler.ts';
import { channelView } from '../views.ts';
import { toApiError } from '../errors.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { SessionContext } from './SessionContext.ts';

export interface RetentionDeps {
  book: ChannelBook;
  /** Off-the-record messages (memory only). */
  otr: MessageStore;
  /** A channel's end date passed: wipe it here. */
  ended: (channelId: string) => void;
  /** Retention sweep interval for deadlines set before this run (ms). */
  sweepEveryMs?: number;
}

export class Retention {
  private readonly expiring = new Map<string, { channelId: string; at: number }>();
  private readonly scheduler: RetentionScheduler;

  constructor(
    private readonly c: SessionContext,
    private readonly d: RetentionDeps,
  ) {
    this.scheduler = new RetentionScheduler(c.clock, (now) => this.sweep(now), (e) => c.log.error({ err: toApiError(e).toLog() }, 'retention sweep failed'));
  }

  start(): void {
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  /** Sweep again no later than `at`. */
  schedule(at: number): void {
    this.scheduler.schedule(at);
  }

  track(messageId: string, channelId: string, at: number): void {
    this.expiring.set(messageId, { channelId, at });
    this.scheduler.schedule(at);
  }

  forgetChannel(channelId: string): void {
    for (const [mid, e] of this.expiring) if (e.channelId === channelId) this.expiring.delete(mid);
  }

  sweep(now: number): number | null {
    const { store, emit } = this.c;
    store.messages.deleteExpired(now);
    this.d.otr.deleteExpired(now);
    const gone = new Map<string, string[]>();
    for (const [id, e] of this.expiring) {
      if (e.at > now) continue;
      this.expiring.delete(id);
      gone.set(e.channelId, [...(gone.get(e.channelId) ?? []), id]);
    }
    for (const [channelId, messageIds] of gone) emit({ type: 'messageDeleted', channelId, messageIds });
    let next: number | null = null;
    const sweepEvery = this.d.sweepEveryMs ?? 500;
    for (const [id, e] of this.d.book.entries()) {
      if (e.state.status === 'wiped') continue;
      const view = channelView(e.state, e.pausedReason);
      if (channelEnded(view, now)) {
        this.d.ended(id);
        continue;
      }
      const p = e.state.policy;
      if (p.endsAtMs > 0) next = Math.min(next ?? p.endsAtMs, p.endsAtMs);
      // Deadlines stored before this run are not in `expiring`; a short periodic sweep covers them.
      if (p.messageLifetimeMs > 0 || p.burnAfterReading) next = Math.min(next ?? now + sweepEvery, now + sweepEvery);
    }
    for (const e of this.expiring.values()) next = Math.min(next ?? e.at, e.at);
    return next;
  }
}
