/**
 * Receipts this device owes to other devices, kept until the relay has taken the receipt message
 * (one row per channel, device, kind and message). Read back grouped, so a catch-up of many messages
 * from one sender goes out as a few receipt messages.
 */
import type { Db } from '../Database.ts';

export type ReceiptKind = 'delivered' | 'read';

export interface OwedReceipt {
  channelId: string;
  userId: string;
  deviceId: number;
  state: ReceiptKind;
  messageIds: string[];
}

interface Row {
  channel_id: string;
  user_id: string;
  device_id: number;
  state: ReceiptKind;
  message_id: string;
}

export class PendingReceiptRepository {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      put: db.prepare('INSERT OR IGNORE INTO pending_receipts (channel_id, user_id, device_id, state, message_id) VALUES (?, ?, ?, ?, ?)'),
      all: db.prepare<[], Row>('SELECT * FROM pending_receipts ORDER BY channel_id, user_id, device_id, state, rowid'),
      del: db.prepare('DELETE FROM pending_receipts WHERE channel_id = ? AND user_id = ? AND device_id = ? AND state = ? AND message_id = ?'),
      removeChannel: db.prepare('DELETE FROM pending_receipts WHERE channel_id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM pending_receipts'),
    };
  }

  /** Records receipts owed, in one transaction (one commit for a whole received batch). */
  add(rows: readonly { channelId: string; userId: string; deviceId: number; state: ReceiptKind; messageId: string }[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.s.put.run(r.channelId, r.userId, r.deviceId, r.state, r.messageId);
    })();
  }

  /** Everything owed, one entry per channel, device and kind. */
  owed(): OwedReceipt[] {
    const out = new Map<string, OwedReceipt>();
    for (const r of this.s.all.iterate()) {
      const key = `${r.channel_id}/${r.user_id}/${r.device_id}/${r.state}`;
      let o = out.get(key);
      if (!o) out.set(key, (o = { channelId: r.channel_id, userId: r.user_id, deviceId: r.device_id, state: r.state, messageIds: [] }));
      o.messageIds.push(r.message_id);
    }
    return [...out.values()];
  }

  /** The relay took a receipt message carrying these ids: they are owed no more. */
  remove(r: Omit<OwedReceipt, 'messageIds'>, messageIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const id of messageIds) this.s.del.run(r.channelId, r.userId, r.deviceId, r.state, id);
    })();
  }

  removeChannel(channelId: string): void {
    this.s.removeChannel.run(channelId);
  }

  get size(): number {
    return this.s.count.get()!.n;
  }
}
