/**
 * Messages waiting to be sent. Payloads are sealed with the channel's data key like message bodies,
 * so a wipe that destroys the key also shreds anything still queued for that channel.
 */
import type { Db } from '../Database.ts';
import { openBody, sealBody } from '../BodyCipher.ts';
import type { ChannelKeys } from '../ChannelKeys.ts';
import { MessageUnreadable } from '../errors.ts';

export interface OutboxItem {
  id: number;
  channelId: string;
  messageId: string | null;
  payload: Uint8Array;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
}

interface Row {
  id: number;
  channel_id: string;
  message_id: string | null;
  payload: Buffer;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
}

export class OutboxRepository {
  private readonly s;

  constructor(
    db: Db,
    private readonly keys: ChannelKeys,
  ) {
    this.s = {
      nextId: db.prepare<[], { n: number }>('SELECT coalesce(max(id), 0) + 1 AS n FROM outbox'),
      insert: db.prepare(
        'INSERT INTO outbox (id, channel_id, message_id, payload, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
      ),
      due: db.prepare<[number, number], Row>('SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?'),
      retry: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM outbox WHERE id = ?'),
      removeChannel: db.prepare('DELETE FROM outbox WHERE channel_id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    };
  }

  enqueue(channelId: string, payload: Uint8Array, messageId: string | null = null, now = Date.now()): number {
    const id = this.s.nextId.get()!.n;
    const sealed = sealBody(this.keys.forWrite(channelId), 'outbox', channelId, String(id), payload);
    this.s.insert.run(id, channelId, messageId, sealed, now, now);
    return id;
  }

  due(now = Date.now(), limit = 100): OutboxItem[] {
    return this.s.due.all(now, limit).map((r) => {
      const key = this.keys.forRead(r.channel_id);
      if (!key) throw new MessageUnreadable();
      return {
        id: r.id,
        channelId: r.channel_id,
        messageId: r.message_id,
        payload: openBody(key, 'outbox', r.channel_id, String(r.id), r.payload),
        createdAt: r.created_at,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at,
      };
    });
  }

  retryLater(id: number, at: number): void {
    this.s.retry.run(at, id);
  }

  remove(id: number): void {
    this.s.remove.run(id);
  }

  removeChannel(channelId: string): number {
    return this.s.removeChannel.run(channelId).changes;
  }

  count(): number {
    return this.s.count.get()!.n;
  }
}
