/**
 * Receipts both ways. Outgoing: "delivered" and "read" for others' messages, gathered for a moment
 * and sent after the catch-up, best effort. Incoming: a member device reported my messages
 * delivered or read; a receipt can name a thousand messages, so they are applied a few at a time
 * and the event loop stays responsive (a catch-up may be running).
 */
import { orderedId, type DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import { toApiError } from '../errors.ts';
import type { Peers } from '../Peers.ts';
import { ReceiptQueue } from '../ReceiptQueue.ts';
import { unhex } from '../views.ts';
import type { SessionContext } from './SessionContext.ts';

/** How long receipts are gathered before they are sent. */
export const RECEIPT_DELAY_MS = 200;

export type ReceiptState = 'delivered' | 'read';

export interface ReceiptsDeps {
  peers: Pick<Peers, 'send'>;
  deliveries: Pick<DeliveryBook, 'report'>;
  relay: () => RelayClient | null;
  /** Runs the task after everything received so far is handled (the session's control queue). */
  afterReceived: (task: () => Promise<void>) => void;
  /** The delivery state of one of my messages changed. */
  updated: (channelId: string, messageId: string) => void;
  closed: () => boolean;
  delayMs?: number;
}

export class Receipts {
  private readonly queue: ReceiptQueue;
  private timer: NodeJS.Timeout | null = null;
  /** Receipts received and not applied yet. */
  private readonly reported: { channelId: string; device: DeviceRef; id: string; state: ReceiptState }[] = [];
  private applying = false;

  constructor(
    private readonly c: SessionContext,
    private readonly d: ReceiptsDeps,
  ) {
    this.queue = new ReceiptQueue(c.meRef);
  }

  /** Queues a receipt for someone else's message (`sender`: "userId.deviceId"). */
  add(channelId: string, sender: string, messageId: string, state: ReceiptState): void {
    this.queue.add(channelId, sender, messageId, state);
  }

  flush(): void {
    if (this.queue.size === 0 || this.timer) return;
    // A little later and after the catch-up: many messages become a few receipts, and sending them
    // does not compete with the messages still arriving.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
    }, this.d.delayMs ?? RECEIPT_DELAY_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private send(): void {
    this.d.afterReceived(async () => {
      const batch = this.queue.take();
      const relay = this.d.relay();
      if (!relay || this.d.closed()) return;
      const now = () => this.c.clock.now();
      for (const r of batch) {
        const channelId = unhex(r.channelId);
        const messageIds = r.messageIds.map(unhex);
        const kind = r.state === 'read' ? ({ case: 'readReceipt', value: { messageIds } } as const) : ({ case: 'deliveryReceipt', value: { messageIds } } as const);
        // Best effort: a receipt refused (paused channel, device gone) only leaves the sender at "sent".
        await this.d.peers
          .send(relay, r.device, channelId, { body: { case: 'data', value: { messageId: orderedId(now()), channelId, sentAtMs: BigInt(now()), kind } } })
          .catch((e: unknown) => this.c.log.info({ err: toApiError(e).toLog() }, 'receipt not sent'));
      }
    });
  }

  /** A member device reported my messages delivered or read. */
  apply(channelId: string, device: DeviceRef, messageIds: readonly string[], state: ReceiptState): void {
    this.reported.push(...messageIds.map((id) => ({ channelId, device, id, state })));
    if (this.applying) return;
    this.applying = true;
    void (async () => {
      while (this.reported.length > 0 && !this.d.closed()) {
        for (const r of this.reported.splice(0, 64)) {
          if (this.d.deliveries.report(r.id, r.channelId, r.device, r.state)) this.d.updated(r.channelId, r.id);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })()
      .catch((e: unknown) => this.c.log.warn({ err: toApiError(e).toLog() }, 'receipt not applied'))
      .finally(() => {
        this.applying = false;
      });
  }
}
