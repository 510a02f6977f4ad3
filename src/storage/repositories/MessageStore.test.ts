/** One contract, two implementations: the SQLite store and the memory-only off-the-record store. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryMessageStore } from './MemoryMessageStore.ts';
import { atOrBefore, comparePosition, type MessageStore } from './MessageStore.ts';
import { MessageUnreadable } from '../errors.ts';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

const impls: [string, () => Promise<MessageStore>][] = [
  ['SqliteMessageStore', async () => (await openTestStore(path.join(root, `s${n++}`))).messages],
  ['MemoryMessageStore', async () => new MemoryMessageStore()],
];

describe.each(impls)('%s', (_name, make) => {
  it('round-trips a message and refuses a duplicate id', async () => {
    const s = await make();
    expect(s.insert({ id: 'm1', channelId: 'c', sender: 'alice', sentAt: 5, receivedAt: 6, expiresAt: 99, text: 'Grüße, über alles' })).toBe(true);
    expect(s.insert({ id: 'm1', channelId: 'c', sender: 'mallory', sentAt: 7, text: 'replaced?' })).toBe(false);
    expect(s.get('m1')).toEqual({ id: 'm1', channelId: 'c', sender: 'alice', sentAt: 5, receivedAt: 6, expiresAt: 99, text: 'Grüße, über alles' });
    expect(s.get('nope')).toBeNull();
  });

  it('returns the latest N of a channel in order, and pages back', async () => {
    const s = await make();
    for (let i = 0; i < 120; i++) s.insert({ id: `m${i}`, channelId: i % 2 ? 'odd' : 'even', sender: 'a', sentAt: i, text: `n${i}` });
    const last = s.latest('even', 50);
    expect(last).toHaveLength(50);
    expect(last.at(-1)!.id).toBe('m118');
    expect(last[0]!.id).toBe('m20');
    const older = s.latest('even', 50, { before: { sentAt: last[0]!.sentAt, id: last[0]!.id } });
    expect(older.map((m) => m.id)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i * 2}`));
    expect(s.count('odd')).toBe(60);
  });

  it('keeps arrival order among messages sent in the same millisecond, across a page boundary', async () => {
    const s = await make();
    for (let i = 0; i < 7; i++) s.insert({ id: `t${i}`, channelId: 'c', sender: 'a', sentAt: i < 2 ? i : 10, text: `tie ${i}` });
    const last = s.latest('c', 3);
    expect(last.map((m) => m.id)).toEqual(['t4', 't5', 't6']);
    expect(last.map((m) => m.text)).toEqual(['tie 4', 'tie 5', 'tie 6']);
    const older = s.latest('c', 3, { before: { sentAt: last[0]!.sentAt, id: last[0]!.id } });
    expect(older.map((m) => m.id)).toEqual(['t1', 't2', 't3']);
    expect(s.latest('empty', 50)).toEqual([]);
  });

  it('searches words with prefix on the last one, optionally in one channel, ignoring query syntax', async () => {
    const s = await make();
    s.insert({ id: 'a', channelId: 'c1', sender: 'x', sentAt: 1, text: 'The tariff proposal is final' });
    s.insert({ id: 'b', channelId: 'c2', sender: 'x', sentAt: 2, text: 'tariff talks resume Monday' });
    s.insert({ id: 'c', channelId: 'c1', sender: 'x', sentAt: 3, text: 'lunch' });
    expect(s.search('tariff').map((m) => m.id)).toEqual(['b', 'a']);
    expect(s.search('tariff prop').map((m) => m.id)).toEqual(['a']);
    expect(s.search('TARIFF', { channelId: 'c2' }).map((m) => m.id)).toEqual(['b']);
    expect(s.search('"tariff" OR NEAR(')).toHaveLength(0);
    expect(s.search('tariff" OR "lunch').map((m) => m.id)).toEqual([]);
    expect(s.search('  ')).toEqual([]);
  });

  it('deletes single, expired and whole-channel messages, including from search', async () => {
    const s = await make();
    s.insert({ id: 'a', channelId: 'c1', sender: 'x', sentAt: 1, expiresAt: 100, text: 'alpha secret' });
    s.insert({ id: 'b', channelId: 'c1', sender: 'x', sentAt: 2, expiresAt: 300, text: 'beta secret' });
    s.insert({ id: 'c', channelId: 'c2', sender: 'x', sentAt: 3, text: 'gamma secret' });
    expect(s.deleteExpired(200)).toBe(1);
    expect(s.get('a')).toBeNull();
    expect(s.delete('b')).toBe(true);
    expect(s.delete('b')).toBe(false);
    expect(s.search('secret').map((m) => m.id)).toEqual(['c']);
    expect(s.deleteChannel('c2')).toBe(1);
    expect(s.search('secret')).toEqual([]);
  });
});

describe('SqliteMessageStore at rest', () => {
  it('seals bodies so that moving one to another row or channel fails authentication', async () => {
    const store = await openTestStore(path.join(root, 'swap'));
    store.transaction((r) => {
      r.messages.insert({ id: 'one', channelId: 'c', sender: 'x', sentAt: 1, text: 'first' });
      r.messages.insert({ id: 'two', channelId: 'c', sender: 'x', sentAt: 2, text: 'second' });
    });
    const body = (store.db.prepare("SELECT body FROM messages WHERE id = 'one'").get() as { body: Buffer }).body;
    expect(body.indexOf(Buffer.from('first'))).toBe(-1);
    store.db.prepare("UPDATE messages SET body = ? WHERE id = 'two'").run(body);
    expect(() => store.messages.get('two')).toThrow(MessageUnreadable);
    expect(() => store.messages.latest('c', 50)).toThrow(MessageUnreadable);
    expect(store.messages.get('one')!.text).toBe('first');
  });
});

describe('message positions', () => {
  it('order by send time, then by id: a read mark covers exactly the messages up to it', () => {
    const mark = { sentAt: 10, id: 'b' };
    expect(atOrBefore({ sentAt: 9, id: 'z' }, mark)).toBe(true);
    expect(atOrBefore({ sentAt: 10, id: 'a' }, mark)).toBe(true);
    expect(atOrBefore({ sentAt: 10, id: 'b' }, mark)).toBe(true);
    expect(atOrBefore({ sentAt: 10, id: 'c' }, mark)).toBe(false);
    expect(atOrBefore({ sentAt: 11, id: 'a' }, mark)).toBe(false);
    expect(comparePosition({ sentAt: 1, id: 'a' }, { sentAt: 1, id: 'a' })).toBe(0);
  });
});
