/**
 * Forensic test of message removal: after a message is removed by any path the engine uses
 * (expiry, burn-after-reading, deleting one message, member removal = channel wipe), someone who
 * holds the database key and reads every page of the database and every frame of the WAL, as they
 * lie on disk, finds none of its words (in their indexed form) nor its sealed body.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/Database.ts';
import { LocalStore } from '../../src/storage/LocalStore.ts';
import { migrate } from '../../src/storage/migrations/index.ts';
import { readableWithKey } from './decryptedPages.ts';
import { tempDir } from './support.ts';

const root = tempDir('valise-words-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A word no other message shares any long part of: random letters (FTS5 lowercases, so the token is lower case). */
function markerWord(): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return Array.from(crypto.randomBytes(18), (b) => letters[b % letters.length]).join('');
}

/**
 * FTS5 stores each term prefix-compressed against the previous one on its leaf page, so a scan
 * for the whole word could miss it; its last 12 letters are unique and never shared as a prefix.
 */
function traces(word: string): Buffer[] {
  return [Buffer.from(word.slice(-12)), Buffer.from(word.slice(-12).toUpperCase())];
}

interface Fixture {
  dir: string;
  key: Buffer;
  store: LocalStore;
}

function open(name: string): Fixture {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const key = crypto.randomBytes(32);
  const db = openDatabase(path.join(dir, 'valise.db'), key, { create: true });
  migrate(db);
  return { dir, key, store: new LocalStore(db) };
}

function bodyOf(store: LocalStore, id: string): Buffer {
  return (store.db.prepare('SELECT body FROM messages WHERE id = ?').get(id) as { body: Buffer }).body;
}

/** Names what is still readable with the key, and what is in the raw files; empty when nothing is. */
function leftBehind(f: Fixture, secrets: Buffer[]): string[] {
  const found: string[] = [];
  const file = path.join(f.dir, 'valise.db');
  const { text, pages } = readableWithKey(f.key, file);
  expect(pages).toBeGreaterThan(1);
  for (const s of secrets) if (text.includes(s)) found.push(`decrypted pages hold ${s.length > 20 ? 'a sealed body' : s.toString()}`);
  for (const name of fs.readdirSync(f.dir)) {
    const raw = fs.readFileSync(path.join(f.dir, name));
    for (const s of secrets) if (raw.includes(s)) found.push(`${name} holds ${s.length > 20 ? 'a sealed body' : s.toString()}`);
  }
  return found;
}

/** 300 messages in `channel`, the given ones with a marker word, the rest ordinary talk with shared words. */
function fill(store: LocalStore, channel: string, marked: Map<string, string>, opts: { expiresAt?: number } = {}): void {
  store.transaction((r) => {
    for (let i = 0; i < 300; i++) {
      const id = `${channel}-${i}`;
      const word = marked.get(id);
      const text = word ? `offer ${i} ${word} final position` : `offer ${i} keep talking about the position`;
      r.messages.insert({ id, channelId: channel, sender: 'alice.1', sentAt: 1_000 + i, text, expiresAt: word ? (opts.expiresAt ?? null) : null });
    }
  });
}

function markers(channel: string, every: number): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < 300; i += every) m.set(`${channel}-${i}`, markerWord());
  return m;
}

describe('no words left behind: a removed message leaves nothing a key holder can read', () => {
  it('expiry: expired messages leave neither their words nor their sealed bodies in any page or WAL frame', () => {
    const f = open('expiry');
    const gone = markers('talks', 7);
    fill(f.store, 'talks', gone, { expiresAt: 5_000 });
    const bodies = [...gone.keys()].map((id) => bodyOf(f.store, id));
    f.store.checkpoint();
    const secrets = [...[...gone.values()].flatMap(traces), ...bodies];
    // Control: before expiry the scan sees them, so the scan can fail.
    expect(leftBehind(f, secrets).length).toBeGreaterThan(0);

    expect(f.store.messages.deleteExpired(6_000)).toBe(gone.size);
    expect(leftBehind(f, secrets)).toEqual([]);
    // Search still works for what stays.
    expect(f.store.messages.search('keep talking', { channelId: 'talks', limit: 500 })).toHaveLength(300 - gone.size);
    f.store.close();
    expect(leftBehind(f, secrets)).toEqual([]);
  });

  it('expiry of a few messages among many (each taken out of the index on its own) leaves no trace', () => {
    const f = open('expiry-few');
    const gone = markers('talks', 100);
    fill(f.store, 'talks', gone, { expiresAt: 5_000 });
    const bodies = [...gone.keys()].map((id) => bodyOf(f.store, id));
    f.store.checkpoint();
    const { n } = f.store.db.prepare("SELECT n FROM channel_indexes WHERE channel_id = 'talks'").get() as { n: number };
    expect(f.store.messages.deleteExpired(6_000)).toBe(gone.size);
    // The same index table, not a rebuilt one.
    expect(f.store.db.prepare("SELECT n FROM channel_indexes WHERE channel_id = 'talks'").get()).toEqual({ n });
    expect(leftBehind(f, [...[...gone.values()].flatMap(traces), ...bodies])).toEqual([]);
    expect(f.store.messages.search('keep talking', { channelId: 'talks', limit: 500 })).toHaveLength(300 - gone.size);
    f.store.close();
  });

  it('burn-after-reading: read messages, once their grace period ends, leave no trace', () => {
    const f = open('burn');
    const gone = markers('talks', 5);
    fill(f.store, 'talks', gone);
    f.store.checkpoint();
    const bodies = [...gone.keys()].map((id) => bodyOf(f.store, id));
    // What the engine does on markRead in a burn-after-reading channel: the deadline goes into the row.
    for (const id of gone.keys()) expect(f.store.messages.setExpiry(id, 9_000)).toBe(true);
    expect(f.store.messages.deleteExpired(8_999)).toBe(0);
    expect(f.store.messages.deleteExpired(9_000)).toBe(gone.size);
    expect(leftBehind(f, [...[...gone.values()].flatMap(traces), ...bodies])).toEqual([]);
    f.store.close();
  });

  it('deleting single messages (one at a time, each its own commit) leaves no trace', () => {
    const f = open('single');
    const gone = markers('talks', 11);
    fill(f.store, 'talks', gone);
    f.store.checkpoint();
    const bodies = [...gone.keys()].map((id) => bodyOf(f.store, id));
    for (const id of gone.keys()) expect(f.store.messages.delete(id)).toBe(true);
    expect(leftBehind(f, [...[...gone.values()].flatMap(traces), ...bodies])).toEqual([]);
    expect(f.store.messages.search('keep', { channelId: 'talks', limit: 500 })).toHaveLength(300 - gone.size);
    f.store.close();
  });

  it('member removal (the channel is wiped on the removed device) leaves no trace, other channels keep theirs', async () => {
    const f = open('removal');
    const gone = markers('talks', 3);
    const kept = markers('other', 50);
    fill(f.store, 'talks', gone);
    fill(f.store, 'other', kept);
    f.store.checkpoint();
    const bodies = [...gone.keys()].map((id) => bodyOf(f.store, id));
    const keyRow = (f.store.db.prepare('SELECT key FROM channel_keys WHERE channel_id = ?').get('talks') as { key: Buffer }).key;
    expect(f.store.wipeChannel('talks')).toMatchObject({ messages: 300, walTruncated: true });
    // At once: the key and the words are gone; the sealed bodies are noise under a destroyed key.
    expect(leftBehind(f, [...[...gone.values()].flatMap(traces), keyRow])).toEqual([]);
    expect(f.store.messages.latest('talks', 50)).toEqual([]);
    // Then the rows themselves go, in the background.
    await f.store.purged();
    expect(f.store.db.prepare("SELECT count(*) AS n FROM messages WHERE channel_id = 'talks'").get()).toEqual({ n: 0 });
    expect(leftBehind(f, [...[...gone.values()].flatMap(traces), ...bodies, keyRow])).toEqual([]);
    expect(leftBehind(f, [...kept.values()].map((w) => Buffer.from(w.slice(-12)))).length).toBeGreaterThan(0);
    f.store.close();
  });
});
