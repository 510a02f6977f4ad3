/**
 * Receipts this device owes: one entry per (channel, sender device, kind), so a catch-up of many
 * messages from one sender becomes a few receipt messages, not one per message.
 */
import type { DeviceRef } from '../../crypto/index.ts';

export interface PendingReceipt {
  channelId: string;
  device: DeviceRef;
  state: 'delivered' | 'read';
  messageIds: string[];
}

/** At most this many ids in one receipt message (crypto's content limit). */
export const RECEIPT_IDS_MAX = 1000;

/** The device a receipt for a message from `sender` ("userId.deviceId") goes to; null for this device or a malformed sender. */
export function owedTo(sender: string, me: DeviceRef): DeviceRef | null {
  const dot = sender.lastIndexOf('.');
  const device = { userId: sender.slice(0, dot), deviceId: Number(sender.slice(dot + 1)) };
  if (dot <= 0 || !Number.isInteger(device.deviceId)) return null;
  if (device.userId === me.userId && device.deviceId === me.deviceId) return null;
  return device;
}

export class ReceiptQueue {
  private readonly pending = new Map<string, PendingReceipt>();

  constructor(private readonly me: DeviceRef) {}

  /** `sender` is the stored message's sender, `userId.deviceId`. Nothing is owed to this device itself. */
  add(channelId: string, sender: string, messageId: string, state: 'delivered' | 'read'): void {
    const device = owedTo(sender, this.me);
    if (!device) return;
    const key = `${channelId}/${sender}/${state}`;
    const r = this.pending.get(key) ?? { channelId, device, state, messageIds: [] };
    r.messageIds.push(messageId);
    this.pending.set(key, r);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Everything owed, split into messages of at most RECEIPT_IDS_MAX ids; the queue is then empty. */
  take(): PendingReceipt[] {
    const out: PendingReceipt[] = [];
    for (const r of this.pending.values()) {
      for (let i = 0; i < r.messageIds.length; i += RECEIPT_IDS_MAX) out.push({ ...r, messageIds: r.messageIds.slice(i, i + RECEIPT_IDS_MAX) });
    }
    this.pending.clear();
    return out;
  }
}
