/**
 * Receipts both ways. Outgoing: "delivered" and "read" for others' messages, gathered for a moment
 * and sent after the catch-up. Those of recorded channels wait in the profile until the relay has
 * taken them, so a relay that is down or a restart loses none; off-the-record ones wait in memory.
 * A receipt the relay refuses for good (channel wiped, device gone) is dropped: the sender stays at
 * "sent". Incoming: a member device reported my messages delivered or read; a receipt can name a
 * thousand messages, so they are applied a few at a time and the event loop stays responsive
 * (a catch-up may be running).
 */
import { orderedId, type DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import { isValiseError } from '../../../shared/errors.ts';
import type { PendingReceiptRepository } from '../../../storage/repositories/PendingReceiptRepository.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import { toApiError } from '../errors.ts';
import type { Peers } from '../Peers.ts';
import { RECEIPT_IDS_MAX, ReceiptQueue, owedTo, type PendingReceipt } from '../ReceiptQueue.ts';
import { unhex } from '../views.ts';
import type { SessionContext } from './SessionContext.ts';

/** How long receipts are gathered before they are sent. */
export const RECEIPT_DELAY_MS = 200;
/** After a failure that may pass (connection lost, relay busy): when to try again if still connected. */
export const RECEIPT_RETRY_MS = 1000;

export type ReceiptState = 'delivered' | 'read';

export interface ReceiptsDeps {
  peers: Pick<Peers, 'send'>;
  deliveries: Pick<DeliveryBook, 'report'>;
  relay: () => RelayClient | null;
  /** Where receipts of recorded channels wait; null once the session is closed. */
  owed: () => Pick<PendingReceiptRepository, 'add' | 'owed' | 'remove' | 'size'> | null;
  /** True if the channel is kept on disk (not off the record). */
  onDisk: (channelId: string) => boolean;
  /** Runs the task after everything received so far is handled (the session's control queue). */
  afterReceived: (task: () => Promise<void>) => void;
  /** The delivery state of one of my messages changed. */
  updated: (channelId: string, messageId: string) => void;
  closed: () => boolean;
  delayMs?: number;
  retryMs?: number;
}

/** Relay refusals that say "not now" rather than "never". */
const PASSING = new Set(['RATE_LIMITED', 'QUEUE_FULL', 'TOO_MANY_CONNECTIONS', 'NOT_AUTHENTICATED', 'INTERNAL', 'RELAY_UNAVAILABLE']);

function mayPass(e: unknown): boolean {
  if (!isValiseError(e)) return false;
  return e.kind === 'io' || PASSING.has(e.code);
}

interface Outgoing extends PendingReceipt {
  durable: boolean;
}

export class Receipts {
  /** Receipts of off-the-record channels (never written to disk). */
  private readonly queue: ReceiptQueue;
  private timer: NodeJS.Timeout | null = null;
  /** Receipts received and not applied yet. */
  private readonly reported: { channelId: string; device: DeviceRef; id: string; state: ReceiptState }[] = [];
  private applying = false;
  /** Receipts of recorded channels added and not written yet (written on `flush`, one commit per batch). */
  private readonly unsaved: Parameters<PendingReceiptRepository['add']>[0][number][] = [];

  constructor(
    private readonly c: SessionContext,
    private readonly d: ReceiptsDeps,
  ) {
    this.queue = new ReceiptQueue(c.meRef);
  }

  /** Queues a receipt for someone else's message (`sender`: "userId.deviceId"). */
  add(channelId: string, sender: string, messageId: string, state: ReceiptState): void {
    if (!this.d.onDisk(channelId)) return this.queue.add(channelId, sender, messageId, state);
    const device = owedTo(sender, this.c.meRef);
    if (device) this.unsaved.push({ channelId, userId: device.userId, deviceId: device.deviceId, state, messageId });
  }

  /** Writes the receipts added since the last call to the profile, in one commit. */
  private save(): void {
    const owed = this.d.owed();
    if (!owed || this.unsaved.length === 0) return;
    owed.add(this.unsaved.splice(0));
  }

  /** Sends what is owed a moment from now (call after receiving, and when the relay connects). */
  flush(delayMs = this.d.delayMs ?? RECEIPT_DELAY_MS): void {
    if (this.d.closed()) return;
    this.save();
    if (this.timer) return;
    if (this.queue.size === 0 && (this.d.owed()?.size ?? 0) === 0) return;
    // A little later and after the catch-up: many messages become a few receipts, and sending them
    // does not compete with the messages still arriving.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
    }, delayMs);
    this.timer.unref();
  }

  close(): void {
    try {
      this.save();
    } catch (e) {
      this.c.log.warn({ err: toApiError(e).toLog() }, 'receipts not kept');
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private outgoing(): Outgoing[] {
    const out: Outgoing[] = this.queue.take().map((r) => ({ ...r, durable: false }));
    for (const o of this.d.owed()?.owed() ?? []) {
      const device = { userId: o.userId, deviceId: o.deviceId };
      for (let i = 0; i < o.messageIds.length; i += RECEIPT_IDS_MAX) out.push({ channelId: o.channelId, device, state: o.state, messageIds: o.messageIds.slice(i, i + RECEIPT_IDS_MAX), durable: true });
    }
    return out;
  }

  private requeue(r: Outgoing): void {
    if (r.durable) return; // still on disk
    for (const id of r.messageIds) this.queue.add(r.channelId, `${r.device.userId}.${r.device.deviceId}`, id, r.state);
  }

  private send(): void {
    this.d.afterReceived(async () => {
      if (this.d.closed()) return;
      this.save();
      const batch = this.outgoing();
      let retry = false;
      const now = () => this.c.clock.now();
      for (const r of batch) {
        const relay = this.d.relay();
        if (!relay || this.d.closed()) {
          // Not connected: everything waits for the next connection.
          this.requeue(r);
          continue;
        }
        const channelId = unhex(r.channelId);
        const messageIds = r.messageIds.map(unhex);
        const kind = r.state === 'read' ? ({ case: 'readReceipt', value: { messageIds } } as const) : ({ case: 'deliveryReceipt', value: { messageIds } } as const);
        try {
          await this.d.peers.send(relay, r.device, channelId, { body: { case: 'data', value: { messageId: orderedId(now()), channelId, sentAtMs: BigInt(now()), kind } } });
          if (r.durable) this.d.owed()?.remove({ channelId: r.channelId, userId: r.device.userId, deviceId: r.device.deviceId, state: r.state }, r.messageIds);
        } catch (e) {
          if (mayPass(e)) {
            retry = true;
            this.requeue(r);
            this.c.log.info({ err: toApiError(e).toLog() }, 'receipt not sent yet');
          } else {
            // Refused for good (channel wiped or paused, device gone): the sender stays at "sent".
            if (r.durable) this.d.owed()?.remove({ channelId: r.channelId, userId: r.device.userId, deviceId: r.device.deviceId, state: r.state }, r.messageIds);
            this.c.log.info({ err: toApiError(e).toLog() }, 'receipt not sent');
          }
        }
      }
      if (retry && this.d.relay()) this.flush(this.d.retryMs ?? RECEIPT_RETRY_MS);
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
