/** Delivery states and last-seen times: kept across reopening, forgotten with a wiped channel. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../Database.ts';
import { LocalStore } from '../LocalStore.ts';
import { migrate, schemaVersion } from '../migrations/index.ts';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function message(id: string, channelId: string) {
  return { id, channelId, sender: 'me.1', sentAt: 10, receivedAt: 10, expiresAt: null, text: 'hello' };
}

describe('DeliveryRepository', () => {
  it('keeps per-device states of own messages and last-seen times across a reopen', () => {
    const file = path.join(root, `d${n++}.db`);
    const key = crypto.randomBytes(32);
    let db = openDatabase(file, key, { create: true });
    migrate(db);
    let store = new LocalStore(db);
    store.transaction((r) => {
      r.messages.insert(message('m1', 'c1'));
      r.deliveries.own('m1', 'c1', 10);
    });
    store.repos.deliveries.put('m1', 'bob', '1', 'sent', 11);
    store.repos.deliveries.put('m1', 'bob', '1', 'read', 12);
    store.repos.deliveries.put('m1', 'carol', '0', 'unreachable', 11);
    store.repos.deliveries.seen('bob', '1', 500);
    store.repos.deliveries.seen('bob', '1', 400);
    // Bookkeeping commits without its own fsync; the profile's level is back for everything else.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    store.close();

    db = openDatabase(file, key);
    migrate(db);
    store = new LocalStore(db);
    expect(store.repos.deliveries.get('m1')).toEqual({
      messageId: 'm1', channelId: 'c1', status: 'pending',
      devices: [{ userId: 'bob', deviceId: '1', state: 'read', at: 12 }, { userId: 'carol', deviceId: '0', state: 'unreachable', at: 11 }],
    });
    expect(store.repos.deliveries.get('someone-elses')).toBeNull();
    expect(store.repos.deliveries.lastSeen('bob', '1')).toBe(500);
    expect(store.repos.deliveries.lastSeen('bob', '2')).toBeNull();
    store.repos.deliveries.setStatus('m1', 'sent');
    expect(store.repos.deliveries.get('m1')!.status).toBe('sent');
    store.repos.deliveries.setStatus('m1', 'failed');
    store.repos.deliveries.setStatus('m1', 'sent');
    expect(store.repos.deliveries.get('m1')!.status).toBe('failed');
    store.close();
  });

  it('forgets a wiped channel and own messages that retention deleted', async () => {
    const store = await openTestStore(path.join(root, `d${n++}`));
    store.transaction((r) => {
      for (const [id, ch] of [['a1', 'ca'], ['a2', 'ca'], ['b1', 'cb']] as const) {
        r.messages.insert(message(id, ch));
        r.deliveries.own(id, ch, 1);
        r.deliveries.put(id, 'bob', '1', 'delivered', 2);
      }
    });
    store.wipeChannel('ca');
    expect(store.repos.deliveries.get('a1')).toBeNull();
    expect(store.db.prepare("SELECT count(*) AS n FROM message_deliveries WHERE message_id LIKE 'a%'").get()).toEqual({ n: 0 });
    expect(store.repos.deliveries.get('b1')?.devices).toHaveLength(1);
    store.repos.messages.delete('b1');
    expect(store.repos.deliveries.pruneDeleted()).toBe(1);
    expect(store.repos.deliveries.get('b1')).toBeNull();
    expect(store.db.prepare('SELECT count(*) AS n FROM message_deliveries').get()).toEqual({ n: 0 });
  });
});

describe('migration 0004', () => {
  it('keeps version-3 data and adds the delivery tables', () => {
    const db = openDatabase(path.join(root, `m${n++}.db`), crypto.randomBytes(32), { create: true });
    migrate(db, 3);
    db.prepare("INSERT INTO settings (key, value) VALUES ('engine.wipes', '[]')").run();
    db.prepare("INSERT INTO messages (channel_id, sent_at, seq, id, sender, received_at, body) VALUES ('c', 1, 1, 'a', 's', 1, x'01')").run();
    expect(migrate(db, 4)).toBe(4);
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT value FROM settings').all()).toEqual([{ value: '[]' }]);
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 1 });
    db.prepare("INSERT INTO own_messages (message_id, channel_id, created_at) VALUES ('a', 'c', 1)").run();
    expect(() => db.prepare("INSERT INTO message_deliveries (message_id, user_id, device_id, state, at) VALUES ('a', 'u', '1', 'lost', 1)").run()).toThrow(/CHECK/);
    db.close();
  });
});
