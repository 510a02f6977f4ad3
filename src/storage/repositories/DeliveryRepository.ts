/**
 * Delivery state of this device's own messages, per recipient device, and when each peer device
 * was last heard from. Plain ids, states and times (no content); a channel's rows are deleted
 * when it is wiped (LocalStore.wipeChannel).
 *
 * These writes are bookkeeping that receipts and acks repeat, several per message sent: outside a
 * transaction they commit without waiting for the disk (synchronous=NORMAL for that one commit).
 * A process crash loses nothing (the WAL frames are written); a power cut may lose the latest few,
 * which the next durable commit of the profile (any outbox write or received batch) would have
 * carried. What must not be lost — the message in the outbox — keeps its own fsync.
 */
import type { Db } from '../Database.ts';

export const DELIVERY_ROW_STATES = ['pending', 'sent', 'delivered', 'read', 'failed', 'unreachable'] as const;
export type DeliveryRowState = (typeof DELIVERY_ROW_STATES)[number];

export type OwnMessageStatus = 'pending' | 'sent' | 'failed';

export interface OwnMessageRecord {
  messageId: string;
  channelId: string;
  status: OwnMessageStatus;
  devices: { userId: string; deviceId: string; state: DeliveryRowState; at: number }[];
}

export class DeliveryRepository {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      own: db.prepare("INSERT OR IGNORE INTO own_messages (message_id, channel_id, status, created_at) VALUES (?, ?, 'pending', ?)"),
      status: db.prepare("UPDATE own_messages SET status = ? WHERE message_id = ? AND status != 'failed'"),
      getOwn: db.prepare<[string], { channel_id: string; status: OwnMessageStatus }>('SELECT channel_id, status FROM own_messages WHERE message_id = ?'),
      devices: db.prepare<[string], { user_id: string; device_id: string; state: DeliveryRowState; at: number }>(
        'SELECT user_id, device_id, state, at FROM message_deliveries WHERE message_id = ? ORDER BY user_id, device_id',
      ),
      put: db.prepare(
        `INSERT INTO message_deliveries (message_id, user_id, device_id, state, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (message_id, user_id, device_id) DO UPDATE SET state = excluded.state, at = excluded.at`,
      ),
      removeChannel: db.prepare('DELETE FROM own_messages WHERE channel_id = ?'),
      removeChannelDeliveries: db.prepare('DELETE FROM message_deliveries WHERE message_id IN (SELECT message_id FROM own_messages WHERE channel_id = ?)'),
      pruneDeliveries: db.prepare(
        'DELETE FROM message_deliveries WHERE message_id IN (SELECT o.message_id FROM own_messages o WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = o.message_id))',
      ),
      prune: db.prepare('DELETE FROM own_messages WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = own_messages.message_id)'),
      seen: db.prepare(
        `INSERT INTO device_last_seen (user_id, device_id, at) VALUES (?, ?, ?)
         ON CONFLICT (user_id, device_id) DO UPDATE SET at = max(at, excluded.at)`,
      ),
      lastSeen: db.prepare<[string, string], { at: number }>('SELECT at FROM device_last_seen WHERE user_id = ? AND device_id = ?'),
      allSeen: db.prepare<[], { user_id: string; device_id: string; at: number }>('SELECT user_id, device_id, at FROM device_last_seen'),
    };
  }

  /** Records a message of this device as its own (idempotent). */
  own(messageId: string, channelId: string, at: number): void {
    this.withoutFsync(() => this.s.own.run(messageId, channelId, at));
  }

  /** The relay took the message (`sent`) or refused it for good (`failed`, final). */
  setStatus(messageId: string, status: 'sent' | 'failed'): void {
    this.withoutFsync(() => this.s.status.run(status, messageId));
  }

  /** Sets one recipient device's state (the caller decides that it only moves forward). */
  put(messageId: string, userId: string, deviceId: string, state: DeliveryRowState, at: number): void {
    this.withoutFsync(() => this.s.put.run(messageId, userId, deviceId, state, at));
  }

  /** One own message with its per-device states, or null if it is not one of this device's messages. */
  get(messageId: string): OwnMessageRecord | null {
    const o = this.s.getOwn.get(messageId);
    if (!o) return null;
    const devices = this.s.devices.all(messageId).map((r) => ({ userId: r.user_id, deviceId: r.device_id, state: r.state, at: r.at }));
    return { messageId, channelId: o.channel_id, status: o.status, devices };
  }

  /** Forgets a wiped channel's delivery states; returns how many own messages they covered. */
  removeChannel(channelId: string): number {
    this.s.removeChannelDeliveries.run(channelId);
    return this.s.removeChannel.run(channelId).changes;
  }

  /** Forgets the states of own messages that retention (or anything else) deleted. */
  pruneDeleted(): number {
    this.s.pruneDeliveries.run();
    return this.s.prune.run().changes;
  }

  /** A peer device was heard from at `at` (an older time never overwrites a newer one). */
  seen(userId: string, deviceId: string, at: number): void {
    this.withoutFsync(() => this.s.seen.run(userId, deviceId, at));
  }

  lastSeen(userId: string, deviceId: string): number | null {
    return this.s.lastSeen.get(userId, deviceId)?.at ?? null;
  }

  allLastSeen(): { userId: string; deviceId: string; at: number }[] {
    return this.s.allSeen.all().map((r) => ({ userId: r.user_id, deviceId: r.device_id, at: r.at }));
  }

  private withoutFsync(write: () => unknown): void {
    if (this.db.inTransaction) {
      write();
      return;
    }
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    if (level <= 1) {
      write();
      return;
    }
    this.db.pragma('synchronous = NORMAL');
    try {
      write();
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }
}
