/** The SQLite protocol stores driving real libsignal sessions, and Valise's extra store contracts. */
import fs from 'node:fs';
import path from 'node:path';
import * as S from '@signalapp/libsignal-client';
import { afterAll, describe, expect, it } from 'vitest';
import { KyberPrekeyReuse } from '../../crypto/index.ts';
import { LocalStore } from '../LocalStore.ts';
import { RecordNotFound } from '../errors.ts';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const utf8 = (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;

async function device(name: string) {
  const store = await openTestStore(path.join(root, `${name}${n++}`));
  const identity = S.IdentityKeyPair.generate();
  store.protocol.identity.setLocalIdentity(identity.privateKey, 100 + n);
  return { store, identity, address: S.ProtocolAddress.new(name, 1) };
}

/** Publishes a bundle with a last-resort Kyber key (no one-time keys), stored in `dev`'s stores. */
async function lastResortBundle(dev: Awaited<ReturnType<typeof device>>): Promise<S.PreKeyBundle> {
  const signed = S.PrivateKey.generate();
  const kyber = S.KEMKeyPair.generate();
  const sSig = dev.identity.privateKey.sign(signed.getPublicKey().serialize());
  const kSig = dev.identity.privateKey.sign(kyber.getPublicKey().serialize());
  await dev.store.protocol.signedPreKey.saveSignedPreKey(7, S.SignedPreKeyRecord.new(7, Date.now(), signed.getPublicKey(), signed, sSig));
  await dev.store.protocol.kyberPreKey.saveLastResortKyberPreKey(9, S.KyberPreKeyRecord.new(9, Date.now(), kyber, kSig));
  return S.PreKeyBundle.new(await dev.store.protocol.identity.getLocalRegistrationId(), 1, null, null, 7, signed.getPublicKey(), sSig,
    dev.identity.publicKey, 9, kyber.getPublicKey(), kSig);
}

describe('SQLite protocol stores with libsignal', () => {
  it('carry a PQXDH session and the ratchet across store instances', async () => {
    const alice = await device('alice');
    const bob = await device('bob');
    const a = alice.store.protocol;
    await S.processPreKeyBundle(await lastResortBundle(bob), bob.address, alice.address, a.session, a.identity);
    const first = await S.signalEncrypt(utf8('hello bob'), bob.address, alice.address, a.session, a.identity);
    // A fresh LocalStore over the same database proves the state is in SQLite, not in memory.
    const b = new LocalStore(bob.store.db).protocol;
    const plain = await S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(first.serialize()), alice.address, bob.address,
      b.session, b.identity, b.preKey, b.signedPreKey, b.kyberPreKey);
    expect(new TextDecoder().decode(plain)).toBe('hello bob');
    const reply = await S.signalEncrypt(utf8('hi alice'), alice.address, bob.address, b.session, b.identity);
    const a2 = new LocalStore(alice.store.db).protocol;
    const got = await S.signalDecrypt(S.SignalMessage.deserialize(reply.serialize()), bob.address, alice.address, a2.session, a2.identity);
    expect(new TextDecoder().decode(got)).toBe('hi alice');
    expect((await a2.session.getExistingSessions([bob.address])).length).toBe(1);
    await expect(a2.session.getExistingSessions([S.ProtocolAddress.new('carol', 1)])).rejects.toThrow(RecordNotFound);
  });

  it('refuses a second use of a last-resort Kyber key with the same base key, but not another base key', async () => {
    const bob = await device('bob');
    await lastResortBundle(bob);
    const k = bob.store.protocol.kyberPreKey;
    const base1 = S.PrivateKey.generate().getPublicKey();
    const base2 = S.PrivateKey.generate().getPublicKey();
    await k.markKyberPreKeyUsed(9, 7, base1);
    await expect(k.markKyberPreKeyUsed(9, 7, base1)).rejects.toThrow(KyberPrekeyReuse);
    await k.markKyberPreKeyUsed(9, 7, base2);
    expect(await k.getKyberPreKey(9)).toBeDefined();
  });

  it('deletes a one-time Kyber key on use and counts only one-time keys', async () => {
    const bob = await device('bob');
    const k = bob.store.protocol.kyberPreKey;
    const kp = S.KEMKeyPair.generate();
    const sig = bob.identity.privateKey.sign(kp.getPublicKey().serialize());
    await k.saveKyberPreKey(1, S.KyberPreKeyRecord.new(1, Date.now(), kp, sig));
    await k.saveKyberPreKey(2, S.KyberPreKeyRecord.new(2, Date.now(), kp, sig));
    await k.saveLastResortKyberPreKey(3, S.KyberPreKeyRecord.new(3, Date.now(), kp, sig));
    expect(await k.countOneTimeKyberPreKeys()).toBe(2);
    await k.markKyberPreKeyUsed(1, 7, S.PrivateKey.generate().getPublicKey());
    await expect(k.getKyberPreKey(1)).rejects.toThrow(RecordNotFound);
    await k.removeKyberPreKey(2);
    expect(await k.countOneTimeKyberPreKeys()).toBe(0);
  });

  it('trusts a first-seen or unchanged identity, not a changed one until approved, and asks the trust hook', async () => {
    const dev = await device('me');
    const peer = S.ProtocolAddress.new('peer', 2);
    const k1 = S.IdentityKeyPair.generate().publicKey;
    const k2 = S.IdentityKeyPair.generate().publicKey;
    const id = dev.store.protocol.identity;
    expect(await id.isTrustedIdentity(peer, k1, S.Direction.Sending)).toBe(true);
    expect(await id.saveIdentity(peer, k1)).toBe(S.IdentityChange.NewOrUnchanged);
    expect(await id.isTrustedIdentity(peer, k2, S.Direction.Receiving)).toBe(false);
    expect(await id.saveIdentity(peer, k2)).toBe(S.IdentityChange.ReplacedExisting);
    await id.approveIdentity(peer, k1);
    expect((await id.getIdentity(peer))!.equals(k1)).toBe(true);

    const refused: string[] = [];
    const strict = new LocalStore(dev.store.db, (a) => {
      refused.push(a.toString());
      return false;
    });
    expect(await strict.protocol.identity.isTrustedIdentity(peer, k1, S.Direction.Sending)).toBe(false);
    expect(refused).toEqual(['peer.2']);
    expect((await strict.protocol.identity.getIdentityKey()).serialize()).toEqual(dev.identity.privateKey.serialize());
  });

  it('stores sender keys so a group message decrypts, and prekeys with their counters', async () => {
    const alice = await device('alice');
    const bob = await device('bob');
    const dist = '0f7e4b6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const skdm = await S.SenderKeyDistributionMessage.create(alice.address, dist, alice.store.protocol.senderKey);
    await S.processSenderKeyDistributionMessage(alice.address, S.SenderKeyDistributionMessage.deserialize(skdm.serialize()), bob.store.protocol.senderKey);
    bob.store.protocol.senderKey.bindDistribution(dist, 'talks');
    const ct = await S.groupEncrypt(alice.address, dist, alice.store.protocol.senderKey, utf8('to the group'));
    const bobAgain = new LocalStore(bob.store.db).protocol;
    expect(new TextDecoder().decode(await S.groupDecrypt(alice.address, bobAgain.senderKey, ct.serialize()))).toBe('to the group');

    const p = bob.store.protocol;
    const pk = S.PrivateKey.generate();
    await p.preKey.savePreKey(1, S.PreKeyRecord.new(1, pk.getPublicKey(), pk));
    expect(await p.preKey.countPreKeys()).toBe(1);
    await p.preKey.removePreKey(1);
    await expect(p.preKey.getPreKey(1)).rejects.toThrow(RecordNotFound);
    await p.signedPreKey.saveSignedPreKey(3, S.SignedPreKeyRecord.new(3, 1, pk.getPublicKey(), pk, new Uint8Array(64)));
    await p.signedPreKey.removeSignedPreKey(3);
    await expect(p.signedPreKey.getSignedPreKey(3)).rejects.toThrow(RecordNotFound);
    const state = { nextPreKeyId: 5, nextKyberPreKeyId: 6, nextSignedPreKeyId: 2, signedPreKeyId: 1, signedPreKeyCreatedAtMs: 9, previousSignedPreKeyId: 0, lastResortKyberPreKeyId: 4 };
    expect(await p.prekeyState.loadPrekeyState()).toBeNull();
    await p.prekeyState.savePrekeyState(state);
    expect(await new LocalStore(bob.store.db).protocol.prekeyState.loadPrekeyState()).toEqual(state);
  });
});
