import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';
import { LocalStore } from '../LocalStore.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const indexBytes = (store: LocalStore, table: string): Buffer =>
  Buffer.concat((store.db.prepare(`SELECT block FROM ${table}_data`).all() as { block: Buffer }[]).map((r) => r.block));

describe('upgradeLegacyIndexes', () => {
  it('replaces a tombstoning index of an earlier version, so words of messages deleted before the upgrade are gone', async () => {
    const store = await openTestStore(path.join(root, 'legacy'));
    const secret = `zq${crypto.randomBytes(6).toString('hex').replace(/\d/g, 'k')}`;
    store.transaction((r) => {
      for (let i = 0; i < 40; i++) r.messages.insert({ id: `m${i}`, channelId: 'c', sender: 's', sentAt: i, text: `round ${i} ${i === 7 ? secret : 'ordinary'} words` });
    });
    // The index as an earlier version built it, with message m7 deleted the way that version did.
    const { n } = store.db.prepare("SELECT n FROM channel_indexes WHERE channel_id = 'c'").get() as { n: number };
    const t = `message_fts_${n}`;
    const seqs = store.db.prepare("SELECT seq, id FROM messages WHERE channel_id = 'c'").all() as { seq: number; id: string }[];
    store.db.exec(`DROP TABLE ${t}; CREATE VIRTUAL TABLE ${t} USING fts5 (text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
      INSERT INTO ${t} (${t}, rank) VALUES ('secure-delete', 1);`);
    for (const r of seqs) store.db.prepare(`INSERT INTO ${t} (rowid, text) VALUES (?, ?)`).run(r.seq, store.messages.get(r.id)!.text);
    const m7 = seqs.find((r) => r.id === 'm7')!.seq;
    store.db.prepare(`DELETE FROM ${t} WHERE rowid = ?`).run(m7);
    store.db.prepare('DELETE FROM messages WHERE seq = ?').run(m7);
    expect(indexBytes(store, t).includes(secret)).toBe(true);

    const upgraded = new LocalStore(store.db);
    const sql = (upgraded.db.prepare("SELECT sql FROM sqlite_master WHERE name LIKE 'message_fts_%' AND sql LIKE '%fts5%'").all() as { sql: string }[]).map((r) => r.sql);
    expect(sql).toHaveLength(1);
    expect(sql[0]).not.toMatch(/contentless_delete/);
    const { n: n2 } = upgraded.db.prepare("SELECT n FROM channel_indexes WHERE channel_id = 'c'").get() as { n: number };
    expect(indexBytes(upgraded, `message_fts_${n2}`).includes(secret)).toBe(false);
    expect(upgraded.messages.search('ordinary', { limit: 100 })).toHaveLength(39);
    // From now on a deletion takes the words out.
    upgraded.messages.delete('m3');
    expect(upgraded.messages.search('round', { limit: 100 }).map((m) => m.id)).not.toContain('m3');
    expect(upgraded.messages.search('ordinary', { limit: 100 })).toHaveLength(38);
    // Opening again finds nothing more to upgrade.
    new LocalStore(upgraded.db);
    expect((upgraded.db.prepare("SELECT n FROM channel_indexes WHERE channel_id = 'c'").get() as { n: number }).n).toBe(n2);
    upgraded.close();
  });
});
