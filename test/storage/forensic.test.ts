/**
 * Forensic test of crypto-shredding (issue 4): after wiping a channel, neither the raw profile files
 * nor a page-by-page decrypted copy of the database holds the channel's text or its data key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { applyKey } from '../../src/storage/Database.ts';
import { createProfile, PassphraseKeyProvider, profilePaths, unlockKey } from '../../src/storage/index.ts';
import { FAST_ARGON2, tempDir } from './support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A decrypted copy: rekeying to no key rewrites every page, free pages included. */
async function decryptedCopy(dir: string, provider: PassphraseKeyProvider, name: string): Promise<Buffer> {
  const p = profilePaths(dir);
  const copy = path.join(root, name);
  fs.copyFileSync(p.db, copy);
  if (fs.existsSync(p.wal)) fs.copyFileSync(p.wal, `${copy}-wal`);
  const key = await unlockKey(dir, provider);
  const db = new Database(copy);
  applyKey(db, key);
  db.pragma('journal_mode = DELETE');
  db.pragma(`rekey = ''`);
  db.close();
  const plain = fs.readFileSync(copy);
  expect(plain.subarray(0, 15).toString()).toBe('SQLite format 3');
  return plain;
}

function contains(hay: Buffer, needle: Buffer): boolean {
  return hay.indexOf(needle) !== -1;
}

describe('forensic: wiping a channel leaves nothing recoverable', () => {
  it('removes 1,000 marker messages and the data key from every file and every decrypted page', async () => {
    const dir = path.join(root, 'profile');
    const provider = new PassphraseKeyProvider('forensic passphrase', FAST_ARGON2);
    const store = await createProfile(dir, provider);
    const marker = `qzmark${crypto.randomBytes(8).toString('hex')}`;
    const keep = `keepword${crypto.randomBytes(4).toString('hex')}`;

    store.transaction((r) => {
      for (let i = 0; i < 1000; i++) {
        r.messages.insert({ id: `w-${i}`, channelId: 'talks', sender: 'alice', sentAt: 1000 + i, text: `round ${i}: ${marker} position agreed` });
      }
      for (let i = 0; i < 50; i++) {
        r.messages.insert({ id: `k-${i}`, channelId: 'other', sender: 'bob', sentAt: 1000 + i, text: `unrelated ${keep}` });
      }
      r.outbox.enqueue('talks', Buffer.from(`pending ${marker}`));
    });
    store.protocol.senderKey.bindDistribution('d6a8a8de-7d0e-4e0c-9d7e-1b4b1f0a0001', 'talks');
    const dataKey = (store.db.prepare('SELECT key FROM channel_keys WHERE channel_id = ?').get('talks') as { key: Buffer }).key;
    expect(dataKey).toHaveLength(32);
    store.checkpoint();

    // Control: before the wipe the decrypted copy does show the marker, so the scan below can fail.
    const before = await decryptedCopy(dir, provider, 'before.db');
    expect(contains(before, Buffer.from(marker))).toBe(true);
    expect(contains(before, dataKey)).toBe(true);

    const wiped = store.wipeChannel('talks');
    expect(wiped.messages).toBe(1000);
    expect(wiped.outbox).toBe(1);
    expect(store.messages.search(marker)).toEqual([]);
    expect(store.messages.search(keep)).toHaveLength(50);
    store.close();

    // (a) the raw files: database, WAL, shared memory, key file.
    const p = profilePaths(dir);
    const files = [p.db, p.wal, p.shm, p.key].filter((f) => fs.existsSync(f));
    expect(files).toContain(p.db);
    expect(files).toContain(p.key);
    for (const f of files) {
      const raw = fs.readFileSync(f);
      expect(contains(raw, Buffer.from(marker)), `${path.basename(f)} holds the marker`).toBe(false);
      expect(contains(raw, dataKey), `${path.basename(f)} holds the data key`).toBe(false);
    }

    // (b) every page decrypted with the database key.
    const after = await decryptedCopy(dir, provider, 'after.db');
    expect(contains(after, Buffer.from(marker))).toBe(false);
    expect(contains(after, Buffer.from(marker.toUpperCase()))).toBe(false);
    expect(contains(after, dataKey)).toBe(false);
    // The other channel is intact, in the index too.
    expect(contains(after, Buffer.from(keep))).toBe(true);
  });
});
