/** How far this device's user has read each channel (the newest message read, by send time then id). */
import type { Db } from '../Database.ts';
import type { MessagePosition } from './MessageStore.ts';

export class ReadMarkRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      put: db.prepare('INSERT INTO read_marks (channel_id, sent_at, message_id) VALUES (?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET sent_at = excluded.sent_at, message_id = excluded.message_id'),
      all: db.prepare<[], { channel_id: string; sent_at: number; message_id: string }>('SELECT * FROM read_marks'),
    };
  }

  set(channelId: string, upTo: MessagePosition): void {
    this.s.put.run(channelId, upTo.sentAt, upTo.id);
  }

  all(): Map<string, MessagePosition> {
    return new Map(this.s.all.all().map((r) => [r.channel_id, { sentAt: r.sent_at, id: r.message_id }]));
  }
}
