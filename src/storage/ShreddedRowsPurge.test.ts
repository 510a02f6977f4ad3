import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../shared/model/policy.ts';
import { tempDir } from '../../test/storage/support.ts';
import { openDatabase } from './Database.ts';
import { LocalStore } from './LocalStore.ts';
import { migrate } from './migrations/index.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const rowsOf = (s: LocalStore, channelId: string): number =>
  (s.db.prepare('SELECT count(*) AS n FROM messages WHERE channel_id = ?').get(channelId) as { n: number }).n;

describe('ShreddedRowsPurge (the background half of a wipe)', () => {
  it('answers the wipe before the rows are deleted, deletes them in batches, and finishes after a restart', async () => {
    const file = path.join(root, 'p.db');
    const key = crypto.randomBytes(32);
    const db = openDatabase(file, key, { create: true });
    migrate(db);
    let s = new LocalStore(db);
    s.repos.channels.save({ id: 'talks', epoch: 1, status: 'active', classification: 1, policy: DEFAULT_POLICY, members: [], state: new Uint8Array([1]), updatedAt: 1 });
    s.transaction((r) => {
      for (let i = 0; i < 5000; i++) r.messages.insert({ id: `t${i}`, channelId: 'talks', sender: 'a', sentAt: i, text: `line ${i}` });
      r.messages.insert({ id: 'o1', channelId: 'other', sender: 'a', sentAt: 1, text: 'stays' });
    });

    expect(s.wipeChannel('talks')).toMatchObject({ messages: 5000, walTruncated: true });
    // Shredded at once: nothing of the channel can be read, though its ciphertext rows are still there.
    expect(rowsOf(s, 'talks')).toBe(5000);
    expect(s.messages.latest('talks', 50)).toEqual([]);
    expect(s.messages.get('t1')).toBeNull();
    expect(s.messages.count('talks')).toBe(0);
    expect(s.db.prepare("SELECT count(*) AS n FROM channel_keys WHERE channel_id = 'talks'").get()).toEqual({ n: 0 });

    // One turn of the event loop deletes one batch, not everything.
    await new Promise((r) => setImmediate(r));
    const afterOneTurn = rowsOf(s, 'talks');
    expect(afterOneTurn).toBeLessThan(5000);
    expect(afterOneTurn).toBeGreaterThan(0);

    // Closed half-way (or killed): the rest is found and deleted at the next open.
    s.close();
    const reopened = openDatabase(file, key);
    expect(rowsOf({ db: reopened } as LocalStore, 'talks')).toBe(afterOneTurn);
    s = new LocalStore(reopened);
    await s.purged();
    expect(rowsOf(s, 'talks')).toBe(0);
    expect(fs.statSync(`${file}-wal`).size).toBe(0);
    expect(s.messages.get('o1')!.text).toBe('stays');
    s.close();
  });
});
