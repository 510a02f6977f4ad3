/**
 * Cross-repository scenario (DESIGN.md §6): decrypt -> store message + new session state + dedupe
 * marker in one transaction -> only then acknowledge. A failure between decrypt and commit must lose
 * nothing (the redelivered envelope still decrypts) and duplicate nothing (a second delivery after
 * a commit is recognised).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as S from '@signalapp/libsignal-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStore } from '../../src/storage/LocalStore.ts';
import { openTestStore, tempDir } from './support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const utf8 = (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
const alice = S.ProtocolAddress.new('alice', 1);
const bob = S.ProtocolAddress.new('bob', 1);

async function pair(): Promise<{ a: LocalStore; b: LocalStore }> {
  const a = await openTestStore(path.join(root, `a${Math.random()}`));
  const b = await openTestStore(path.join(root, `b${Math.random()}`));
  const aId = S.IdentityKeyPair.generate();
  const bId = S.IdentityKeyPair.generate();
  a.protocol.identity.setLocalIdentity(aId.privateKey, 11);
  b.protocol.identity.setLocalIdentity(bId.privateKey, 22);
  const signed = S.PrivateKey.generate();
  const kyber = S.KEMKeyPair.generate();
  const sSig = bId.privateKey.sign(signed.getPublicKey().serialize());
  const kSig = bId.privateKey.sign(kyber.getPublicKey().serialize());
  await b.protocol.signedPreKey.saveSignedPreKey(1, S.SignedPreKeyRecord.new(1, Date.now(), signed.getPublicKey(), signed, sSig));
  await b.protocol.kyberPreKey.saveLastResortKyberPreKey(1, S.KyberPreKeyRecord.new(1, Date.now(), kyber, kSig));
  const bundle = S.PreKeyBundle.new(22, 1, null, null, 1, signed.getPublicKey(), sSig, bId.publicKey, 1, kyber.getPublicKey(), kSig);
  await S.processPreKeyBundle(bundle, bob, alice, a.protocol.session, a.protocol.identity);
  // Session established both ways.
  const hello = await S.signalEncrypt(utf8('hello'), bob, alice, a.protocol.session, a.protocol.identity);
  const p = b.protocol;
  await S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(hello.serialize()), alice, bob, p.session, p.identity, p.preKey, p.signedPreKey, p.kyberPreKey);
  const back = await S.signalEncrypt(utf8('hi'), alice, bob, p.session, p.identity);
  await S.signalDecrypt(S.SignalMessage.deserialize(back.serialize()), bob, alice, a.protocol.session, a.protocol.identity);
  return { a, b };
}

/** Bob's receive path: dedupe check, decrypt, then message + session + marker in one unit. */
async function receive(b: LocalStore, envelopeId: string, ciphertext: Uint8Array, failBeforeCommit = false): Promise<'stored' | 'duplicate'> {
  if (b.repos.received.wasReceived(envelopeId)) return 'duplicate';
  return b.unitOfWork(async (uow) => {
    const plain = await S.signalDecrypt(S.SignalMessage.deserialize(ciphertext as Uint8Array<ArrayBuffer>), alice, bob, uow.protocol.session, uow.protocol.identity);
    uow.write((r) => {
      r.messages.insert({ id: envelopeId, channelId: 'dm', sender: 'alice', sentAt: 1, text: new TextDecoder().decode(plain) });
      r.received.markReceived(envelopeId);
    });
    if (failBeforeCommit) throw new Error('power cut');
    return 'stored' as const;
  });
}

describe('transactional receive', () => {
  it('loses nothing when the process fails between decrypt and commit: the redelivery still decrypts', async () => {
    const { a, b } = await pair();
    const c1 = (await S.signalEncrypt(utf8('position paper v2'), bob, alice, a.protocol.session, a.protocol.identity)).serialize();
    await expect(receive(b, 'env-1', c1, true)).rejects.toThrow('power cut');
    expect(b.messages.get('env-1')).toBeNull();
    // The relay never got an ack, so it delivers again; the ratchet in the database was not advanced.
    expect(await receive(b, 'env-1', c1)).toBe('stored');
    expect(b.messages.get('env-1')!.text).toBe('position paper v2');
  });

  it('duplicates nothing when an envelope arrives again after its commit', async () => {
    const { a, b } = await pair();
    const c1 = (await S.signalEncrypt(utf8('first'), bob, alice, a.protocol.session, a.protocol.identity)).serialize();
    const c2 = (await S.signalEncrypt(utf8('second'), bob, alice, a.protocol.session, a.protocol.identity)).serialize();
    expect(await receive(b, 'env-1', c1)).toBe('stored');
    expect(await receive(b, 'env-1', c1)).toBe('duplicate');
    expect(await receive(b, 'env-2', c2)).toBe('stored');
    expect(b.messages.latest('dm', 10).map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('for contrast: a store without the unit of work would have advanced the ratchet and lost the message', async () => {
    const { a, b } = await pair();
    const c1 = (await S.signalEncrypt(utf8('lost?'), bob, alice, a.protocol.session, a.protocol.identity)).serialize();
    await S.signalDecrypt(S.SignalMessage.deserialize(c1), alice, bob, b.protocol.session, b.protocol.identity);
    // ... crash before the message row was written: the redelivery can no longer be decrypted.
    await expect(S.signalDecrypt(S.SignalMessage.deserialize(c1), alice, bob, b.protocol.session, b.protocol.identity)).rejects.toThrow();
  });
});
