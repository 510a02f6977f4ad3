/**
 * Messages removed by the engine leave no words behind, on real engines with a real relay: after a
 * message expires (on sender and receiver), after burn-after-reading, and after a member is
 * removed from a channel, someone holding the profile's database key who decrypts every page of
 * the database and every frame of its WAL as they lie on disk (and reads the raw files) finds no
 * word of the removed messages. (There is no delete-for-everyone in the API.)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PassphraseKeyProvider, profilePaths, unlockKey } from '../../src/storage/index.ts';
import { readableWithKey } from '../storage/decryptedPages.ts';
import { FAST_ARGON2, PASSPHRASE, Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

/** A word shared with nothing else (FTS5 lowercases it; its last 12 letters are never a shared prefix). */
function markerWord(): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return Array.from(crypto.randomBytes(18), (b) => letters[b % letters.length]).join('');
}

/** Which of `words` someone with the key (or without it) can still find in the node's profile. */
async function wordsLeft(node: Node, words: string[]): Promise<string[]> {
  const key = await unlockKey(node.dir, new PassphraseKeyProvider(PASSPHRASE, FAST_ARGON2));
  const { text } = readableWithKey(key, profilePaths(node.dir).db);
  const raw = fs.readdirSync(node.dir).filter((f) => fs.statSync(path.join(node.dir, f)).isFile()).map((f) => fs.readFileSync(path.join(node.dir, f)));
  return words.filter((w) => {
    const t = Buffer.from(w.slice(-12));
    return text.includes(t) || raw.some((r) => r.includes(t));
  });
}

async function sendMarked(from: Node, channelId: string, n: number, what: string, to: Node): Promise<{ words: string[]; texts: string[] }> {
  await until(() => to.events.some((e) => e.type === 'channelChanged' && e.channel.id === channelId), 20_000, `${to.userId} sees the channel`);
  const words: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = markerWord();
    words.push(w);
    texts.push(`${what} ${i}: ${w} on the table`);
    await from.call('send', { channelId, text: texts[i]! });
  }
  return { words, texts };
}

describe('no words left behind (engines, relay, crypto)', () => {
  it('expiry, burn-after-reading and member removal leave no word a key holder can find', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    await sc.user('carol');
    const opts = { sweepEveryMs: 100, burnGraceMs: 200 };
    const alice = await sc.join('alice', opts);
    const bob = await sc.join('bob', opts);
    await sc.join('carol', opts);

    // Expiry, on the sender and the receiver.
    const LIFETIME = 6000;
    const short = await alice.call('createChannel', { name: 'Short', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, messageLifetimeMs: LIFETIME } });
    const expiring = await sendMarked(alice, short.id, 5, 'fleeting', bob);
    await alice.call('send', { channelId: short.id, text: 'control kept' });
    for (const t of expiring.texts) await bob.waitText(t, 20_000);
    // Control: while the messages live, the scan finds their words, so it can fail.
    expect(await wordsLeft(bob, expiring.words)).toEqual(expiring.words);

    // Burn-after-reading at the reader.
    const burn = await alice.call('createChannel', { name: 'Burn', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, burnAfterReading: true } });
    const burnt = await sendMarked(alice, burn.id, 5, 'burning', bob);
    for (const t of burnt.texts) await bob.waitText(t, 20_000);
    const lastBurn = (await bob.call('listMessages', { channelId: burn.id })).messages.reduce((a, b) => (b.sentAt > a.sentAt ? b : a));
    await bob.call('markRead', { channelId: burn.id, upToMessageId: lastBurn.id });

    // Member removal: bob is taken out of a channel he held messages of.
    const team = await alice.call('createChannel', { name: 'Team', classification: 0, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    const removed = await sendMarked(alice, team.id, 5, 'teamwork', bob);
    for (const t of removed.texts) await bob.waitText(t, 20_000);
    expect(await wordsLeft(bob, removed.words)).toEqual(removed.words);
    await alice.call('changeMembers', { channelId: team.id, remove: ['bob'] });
    await until(() => bob.events.some((e) => e.type === 'channelRemoved' && e.channelId === team.id), 10_000, 'bob removed');

    await until(async () => (await bob.call('listMessages', { channelId: short.id })).messages.length === 0, LIFETIME + 5000, 'expiry at bob');
    await until(async () => (await alice.call('listMessages', { channelId: short.id })).messages.length === 0, 5000, 'expiry at alice');
    await until(async () => (await bob.call('listMessages', { channelId: burn.id })).messages.length === 0, 5000, 'burn at bob');
    await bob.engine.current!.localStore.purged();

    expect(await wordsLeft(bob, [...expiring.words, ...burnt.words, ...removed.words])).toEqual([]);
    expect(await wordsLeft(alice, expiring.words)).toEqual([]);
    // What stays is still found: the control message, and the team channel at alice.
    expect((await bob.call('search', { query: 'control kept' })).hits).toHaveLength(0); // expired too: a lifetime channel keeps nothing
    expect((await alice.call('search', { query: removed.words[0]! })).hits).toHaveLength(1);
  }, 120_000);
});
