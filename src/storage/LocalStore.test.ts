import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as S from '@signalapp/libsignal-client';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../shared/model/policy.ts';
import { openDatabase } from './Database.ts';
import { StorageUsageError } from './errors.ts';
import { LocalStore } from './LocalStore.ts';
import { migrate } from './migrations/index.ts';
import { openTestStore, tempDir } from '../../test/storage/support.ts';
import { z } from 'zod';

const LAST = { last: z.string() };

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const store = () => openTestStore(path.join(root, `l${n++}`));
const peer = S.ProtocolAddress.new('peer', 1);

/** A real session record to save (Alice's side after processing Bob's bundle). */
async function sessionRecord(): Promise<S.SessionRecord> {
  const bob = await store();
  const alice = await store();
  const bobId = S.IdentityKeyPair.generate();
  alice.protocol.identity.setLocalIdentity(S.IdentityKeyPair.generate().privateKey, 1);
  const signed = S.PrivateKey.generate();
  const kyber = S.KEMKeyPair.generate();
  const bundle = S.PreKeyBundle.new(2, 1, null, null, 1, signed.getPublicKey(), bobId.privateKey.sign(signed.getPublicKey().serialize()),
    bobId.publicKey, 1, kyber.getPublicKey(), bobId.privateKey.sign(kyber.getPublicKey().serialize()));
  await S.processPreKeyBundle(bundle, peer, S.ProtocolAddress.new('me', 1), alice.protocol.session, alice.protocol.identity);
  bob.close();
  return (await alice.protocol.session.getSession(peer))!;
}

describe('LocalStore.unitOfWork', () => {
  it('commits session state, message and dedupe marker together, and not before the unit ends', async () => {
    const s = await store();
    const record = await sessionRecord();
    await s.unitOfWork(async (uow) => {
      await uow.protocol.session.saveSession(peer, record);
      expect(await uow.protocol.session.getSession(peer)).not.toBeNull();
      expect(await s.protocol.session.getSession(peer)).toBeNull();
      uow.write((r) => r.messages.insert({ id: 'm1', channelId: 'c', sender: 'peer', sentAt: 1, text: 'received' }));
      uow.write((r) => r.received.markReceived('env-1'));
      expect(s.messages.get('m1')).toBeNull();
    });
    expect(await s.protocol.session.getSession(peer)).not.toBeNull();
    expect(s.messages.get('m1')!.text).toBe('received');
    expect(s.repos.received.wasReceived('env-1')).toBe(true);
  });

  it('writes nothing when the unit throws, or when a write fails half-way through the commit', async () => {
    const s = await store();
    const record = await sessionRecord();
    await expect(
      s.unitOfWork(async (uow) => {
        await uow.protocol.session.saveSession(peer, record);
        uow.write((r) => r.messages.insert({ id: 'm1', channelId: 'c', sender: 'p', sentAt: 1, text: 'x' }));
        throw new Error('decrypt failed');
      }),
    ).rejects.toThrow('decrypt failed');
    await expect(
      s.unitOfWork(async (uow) => {
        await uow.protocol.session.saveSession(peer, record);
        uow.write((r) => r.messages.insert({ id: 'm2', channelId: 'new-channel', sender: 'p', sentAt: 1, text: 'x' }));
        uow.write(() => {
          throw new Error('disk full');
        });
      }),
    ).rejects.toThrow('disk full');
    expect(await s.protocol.session.getSession(peer)).toBeNull();
    expect(s.messages.count('c') + s.messages.count('new-channel')).toBe(0);
    expect(s.db.prepare('SELECT count(*) AS n FROM channel_keys').get()).toEqual({ n: 0 });
    // The channel key made inside the rolled-back commit was not kept in memory either.
    s.messages.insert({ id: 'm3', channelId: 'new-channel', sender: 'p', sentAt: 1, text: 'after' });
    expect(new LocalStore(s.db).messages.get('m3')!.text).toBe('after');
  });

  it('runs units one at a time in call order', async () => {
    const s = await store();
    const order: string[] = [];
    const slow = s.unitOfWork(async (uow) => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 30));
      uow.write((r) => r.settings.typed(LAST).set('last', 'a'));
      order.push('a-end');
    });
    const fast = s.unitOfWork(async (uow) => {
      order.push('b-start');
      uow.write((r) => r.settings.typed(LAST).set('last', 'b'));
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['a-start', 'a-end', 'b-start']);
    expect(s.repos.settings.typed(LAST).get('last')).toBe('b');
  });

  it('survives a process killed in the middle of the commit with nothing half-written', async () => {
    const dir = path.join(root, 'crash');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'valise.db');
    const key = crypto.randomBytes(32);
    const db = openDatabase(file, key, { create: true });
    migrate(db);
    const s = new LocalStore(db);
    await s.protocol.session.saveSession(peer, await sessionRecord());
    const before = Buffer.from((await s.protocol.session.getSession(peer))!.serialize());
    s.close();
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('test/storage/fixtures/crashInUnitOfWork.ts'), file, key.toString('hex')], {
      timeout: 30_000,
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    const after = new LocalStore(openDatabase(file, key));
    expect(after.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(after.messages.get('crash-msg')).toBeNull();
    expect(after.repos.received.wasReceived('env-crash')).toBe(false);
    expect(Buffer.from((await after.protocol.session.getSession(peer))!.serialize())).toEqual(before);
    after.close();
  });
});

describe('LocalStore.wipeChannel', () => {
  it('removes the channel key, messages, index entries, sender keys and outbox rows, and truncates the WAL', async () => {
    const s = await store();
    for (const epoch of [1, 2]) {
      s.repos.channels.save({ id: 'talks', epoch, status: 'active', classification: 1, policy: DEFAULT_POLICY, members: [], state: new Uint8Array([epoch]), updatedAt: epoch });
    }
    s.transaction((r) => {
      for (let i = 0; i < 20; i++) r.messages.insert({ id: `t${i}`, channelId: 'talks', sender: 'a', sentAt: i, text: `budget line ${i}` });
      r.messages.insert({ id: 'o1', channelId: 'other', sender: 'a', sentAt: 1, text: 'budget elsewhere' });
      r.outbox.enqueue('talks', Buffer.from('queued'));
      r.outbox.enqueue('other', Buffer.from('queued too'));
    });
    const sk = S.SenderKeyRecord.deserialize(
      (await (async () => {
        const tmp = await store();
        await S.SenderKeyDistributionMessage.create(peer, '11111111-2222-4333-8444-555555555555', tmp.protocol.senderKey);
        return (await tmp.protocol.senderKey.getSenderKey(peer, '11111111-2222-4333-8444-555555555555'))!;
      })()).serialize(),
    );
    await s.protocol.senderKey.saveSenderKey(peer, '11111111-2222-4333-8444-555555555555', sk);
    await s.protocol.senderKey.saveSenderKey(peer, '99999999-2222-4333-8444-555555555555', sk);
    s.protocol.senderKey.bindDistribution('11111111-2222-4333-8444-555555555555', 'talks');

    expect(s.wipeChannel('talks')).toEqual({ messages: 20, outbox: 1, senderKeys: 1, walTruncated: true });
    expect(s.messages.count('talks')).toBe(0);
    expect(s.messages.search('budget').map((m) => m.id)).toEqual(['o1']);
    expect(s.db.prepare("SELECT count(*) AS n FROM channel_keys WHERE channel_id = 'talks'").get()).toEqual({ n: 0 });
    expect(await s.protocol.senderKey.getSenderKey(peer, '11111111-2222-4333-8444-555555555555')).toBeNull();
    expect(await s.protocol.senderKey.getSenderKey(peer, '99999999-2222-4333-8444-555555555555')).not.toBeNull();
    expect(s.repos.outbox.due(Date.now()).map((i) => i.channelId)).toEqual(['other']);
    expect(fs.statSync(s.db.name + '-wal').size).toBe(0);
    expect(s.repos.channels.get('talks')!.status).toBe('wiped');
    expect(s.repos.channels.stateAt('talks', 1)).toBeNull();
    expect(s.repos.channels.stateAt('talks', 2)).not.toBeNull();
    // A message that arrives after the wipe does not bring the channel back.
    expect(() => s.messages.insert({ id: 'late', channelId: 'talks', sender: 'a', sentAt: 99, text: 'late' })).toThrow(StorageUsageError);
    expect(() => s.repos.outbox.enqueue('talks', Buffer.from('late'))).toThrow(StorageUsageError);
    expect(s.messages.count('talks')).toBe(0);
  });
});
