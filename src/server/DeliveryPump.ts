/**
 * The delivery pump of one device connection: pushes the device's queue in order within a window
 * of unacknowledged items, hands newly placed items straight to the socket once the backlog was
 * sent, and deletes items only on an ack of what this connection delivered.
 */
import { Delivery_Kind } from '../gen/valise/v1/relay_pb.ts';
import { toValiseError } from '../shared/errors.ts';
import { hex } from '../base/hex.ts';
import type { Relay } from './Relay.ts';
import type { DeviceAddress, QueuedItem, QueueItemKind } from './store/RelayStore.ts';
import { encodeDeliveryPush } from '../relay/wire.ts';

const KIND: Record<QueueItemKind, Delivery_Kind> = {
  envelope: Delivery_Kind.ENVELOPE,
  'channel-change': Delivery_Kind.CHANNEL_CHANGE,
  wipe: Delivery_Kind.WIPE,
  revocation: Delivery_Kind.REVOCATION,
};

/** What the pump needs of its connection. */
export interface PumpOutlet {
  readonly device: DeviceAddress;
  /** Still an authenticated device connection and the device's primary one. */
  mayDeliver(): boolean;
  sendBytes(frame: Uint8Array): void;
  backlogDone(): void;
}

export class DeliveryPump {
  /** Pushed, unacknowledged items of this connection: id (hex) → queue sequence number. */
  private readonly inflight = new Map<string, number>();
  private cursor = 0;
  private pumping = false;
  private again = false;
  private backlogSent = false;

  constructor(
    private readonly relay: Relay,
    private readonly out: PumpOutlet,
  ) {}

  /** Newly placed items (already persisted): sent at once when the pump is idle and has room. */
  wake(items: QueuedItem[]): void {
    if (!this.pumping && this.backlogSent) {
      for (const item of items) {
        if (item.seq <= this.cursor) continue;
        if (this.inflight.size >= this.relay.limits.deliveryWindow) break;
        this.deliver(item);
      }
      if (items.every((i) => i.seq <= this.cursor)) return;
    }
    void this.pump();
  }

  private deliver(item: QueuedItem): void {
    this.cursor = item.seq;
    this.inflight.set(hex(item.id), item.seq);
    this.out.sendBytes(encodeDeliveryPush(item.id, KIND[item.kind], item.payload, item.channelId, item.receivedMs ?? 0));
  }

  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.out.mayDeliver()) {
          const room = this.relay.limits.deliveryWindow - this.inflight.size;
          if (room <= 0) break;
          const items = await this.relay.store.readQueue(this.out.device, this.cursor, room, Date.now());
          for (const item of items) this.deliver(item);
          if (items.length < room) {
            if (!this.backlogSent) {
              this.backlogSent = true;
              this.out.backlogDone();
            }
            break;
          }
        }
      } while (this.again);
    } catch (e) {
      this.relay.log.error({ err: toValiseError(e).toLog() }, 'delivery failed');
    } finally {
      this.pumping = false;
    }
  }

  async ack(ids: Uint8Array[]): Promise<void> {
    const before = this.inflight.size;
    // Only what this connection delivered can be acknowledged here; other ids are ignored.
    const seqs: number[] = [];
    for (const id of ids.slice(0, 10_000)) {
      const k = hex(id);
      const seq = this.inflight.get(k);
      if (seq === undefined) continue;
      this.inflight.delete(k);
      seqs.push(seq);
    }
    if (seqs.length === 0) return;
    try {
      await this.relay.store.ack(this.out.device, seqs);
    } catch (e) {
      this.relay.log.error({ err: toValiseError(e).toLog() }, 'ack failed');
    }
    if (before >= this.relay.limits.deliveryWindow && this.inflight.size < before) void this.pump();
  }

  /** Delivery starts over from the queue's head (the connection became the primary one again). */
  restart(): void {
    this.cursor = 0;
    this.inflight.clear();
    void this.pump();
  }
}
