/**
 * Fan-out: the connected devices (sinks) and the placing of items in device queues. An item is
 * persisted for every recipient, pushed at once to the connected ones, and the caller is answered
 * only once it is on stable storage.
 */
import { RelayError } from '../../relay/errors.ts';
import type { DeviceAddress, QueueItem, QueuedItem } from '../store/RelayStore.ts';
import { devKey, type RelayContext } from './RelayContext.ts';

/** A connection as the relay sees it: where to push, how to cut it. */
export interface DeviceSink {
  readonly device: DeviceAddress;
  /** Newly placed items for this device (already persisted). */
  wake(items: QueuedItem[]): void;
  pushPrekeysLow(counts: { oneTime: number; oneTimeKyber: number }): void;
  /** Cuts the connection of a revoked device, handing it the org-signed revocation. */
  cut(code: 'AUTH_REVOKED', message: string, revocation: Uint8Array): void;
  resume(): void;
}

export interface Placement {
  placed: number;
  /** Devices whose queue had no room: nothing was placed for them. */
  full: DeviceAddress[];
  duplicate: boolean;
}

export class FanOut {
  private readonly sinks = new Map<string, DeviceSink[]>();

  constructor(private readonly ctx: RelayContext) {}

  attach(sink: DeviceSink): void {
    const k = devKey(sink.device);
    const list = this.sinks.get(k) ?? [];
    if (list.length >= this.ctx.limits.connectionsPerDevice) {
      throw new RelayError('TOO_MANY_CONNECTIONS', `This device already has ${list.length} open connections to the relay. Close one and try again.`);
    }
    list.push(sink);
    this.sinks.set(k, list);
  }

  detach(sink: DeviceSink): void {
    const k = devKey(sink.device);
    const list = (this.sinks.get(k) ?? []).filter((s) => s !== sink);
    if (list.length === 0) this.sinks.delete(k);
    else this.sinks.set(k, list);
  }

  handover(device: DeviceAddress): void {
    const list = this.sinks.get(devKey(device));
    list?.[list.length - 1]?.resume();
  }

  /** Only the newest connection of a device receives pushes, so nothing is delivered twice at once. */
  isPrimary(sink: DeviceSink): boolean {
    const list = this.sinks.get(devKey(sink.device));
    return list !== undefined && list[list.length - 1] === sink;
  }

  /** Every open connection of a device (a copy: cutting one changes the list). */
  sinksOf(device: DeviceAddress): DeviceSink[] {
    return [...(this.sinks.get(devKey(device)) ?? [])];
  }

  connectedDevices(): number {
    return this.sinks.size;
  }

  /** Persists one item for each device, wakes the connected ones, and returns once it is durable. */
  async place(to: DeviceAddress[], item: QueueItem, dedupeUntilMs?: number): Promise<Placement> {
    if (to.length === 0) return { placed: 0, full: [], duplicate: false };
    // Every item id is remembered relay-wide, so nothing is ever queued twice for a device.
    const { maxQueueDepth, maxQueuePerSender, queueControlReserve } = this.ctx.limits;
    const room = { maxDepth: maxQueueDepth, perSender: maxQueuePerSender, controlReserve: queueControlReserve };
    // Stamped with the relay's own time: a receiver shows no message as sent much before it.
    const stamped: QueueItem = { ...item, receivedMs: item.receivedMs ?? this.ctx.now() };
    const r = await this.ctx.store.enqueue(to, stamped, room, dedupeUntilMs ?? item.expiresMs);
    // Recipients get it at once; the caller (and so the sender) only once it is on stable storage.
    for (const p of r.placed) {
      for (const s of this.sinks.get(devKey(p.to)) ?? []) if (this.isPrimary(s)) s.wake([p.item]);
    }
    await r.durable;
    return { placed: r.placed.length, full: r.full, duplicate: r.duplicate };
  }

  /**
   * A control item (wipe, revocation, channel change) that some queue could not take even with
   * the room kept for them: what was done stands, and its issuer is told, never answered `sent`.
   */
  static requireDelivered(what: string, p: Placement): void {
    if (p.full.length === 0) return;
    throw new RelayError('QUEUE_FULL',
      `The ${what} is recorded and queued for ${p.placed} device(s), but the queue of ${p.full.length} device(s) is full even for control messages. ` +
      'Those devices do not have it: they have been offline too long, or are being flooded. Check them with the security officer.');
  }
}
