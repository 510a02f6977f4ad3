/**
 * Earlier versions created each channel's index with `contentless_delete = 1`. Such a table cannot
 * take a message's words out when it is deleted: it records a tombstone and keeps the terms in its
 * segments until some merge rewrites them. Each such table is replaced, once, by an index of the
 * current kind built from the channel's stored messages; the old table is dropped (`secure_delete`
 * zeroes its pages) so the words of messages deleted before the upgrade go with it.
 */
import type { Db } from '../Database.ts';
import { openBodyText } from '../BodyCipher.ts';
import type { ChannelKeys } from '../ChannelKeys.ts';
import { createIndexTable } from './ChannelIndexes.ts';

/** Rebuilds every legacy index; returns how many channels' indexes were rebuilt. */
export function upgradeLegacyIndexes(db: Db, keys: ChannelKeys): number {
  // The schema alone tells whether there is anything to do: no other page is read on a current profile.
  const any = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name LIKE 'message_fts_%' AND sql LIKE '%contentless_delete%' LIMIT 1`).get();
  if (!any) return 0;
  const legacy = db
    .prepare<[], { channel_id: string; n: number }>(
      `SELECT ci.channel_id, ci.n FROM channel_indexes ci JOIN sqlite_master m ON m.name = 'message_fts_' || ci.n
       WHERE m.type = 'table' AND m.sql LIKE '%contentless_delete%'`,
    )
    .all();
  if (legacy.length === 0) return 0;
  const rows = db.prepare<[string], { seq: number; id: string; body: Buffer }>('SELECT seq, id, body FROM messages WHERE channel_id = ?');
  const next = db.prepare<[], { n: number }>('SELECT coalesce(max(n), 0) + 1 AS n FROM channel_indexes');
  const remap = db.prepare('UPDATE channel_indexes SET n = ? WHERE channel_id = ?');
  db.transaction(() => {
    for (const { channel_id: channelId, n } of legacy) {
      const table = `message_fts_${next.get()!.n}`;
      createIndexTable(db, table);
      const insert = db.prepare<[number, string]>(`INSERT INTO ${table} (rowid, text) VALUES (?, ?)`);
      const key = keys.forRead(channelId);
      for (const r of key ? rows.all(channelId) : []) {
        let text: string;
        try {
          text = openBodyText(key!, 'message', channelId, r.id, r.body);
        } catch {
          continue; // an unreadable body cannot be searched for anyway
        }
        insert.run(r.seq, text);
      }
      db.exec(`DROP TABLE message_fts_${n}`);
      remap.run(Number(table.slice('message_fts_'.length)), channelId);
    }
  })();
  keys.forgetCache();
  return legacy.length;
}
