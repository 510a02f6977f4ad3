import { describe, expect, it } from 'vitest';
import { fromBinary } from '@bufbuild/protobuf';
import { DAY, NOW, TestOrg } from '../../test/crypto/fixtures.ts';
import { Party } from '../../test/crypto/party.ts';
import { generateDeviceIdentity } from './DeviceKeys.ts';
import { SessionCipher } from './SessionCipher.ts';
import { MemorySessionStore } from './memory/MemoryStores.ts';
import { PublicKyberPrekeySchema, PublicSignedPrekeySchema } from '../gen/valise/v1/prekeys_pb.ts';
import { DecryptionError, KyberPrekeyReuse } from './errors.ts';

const text = (s: string) => new TextEncoder().encode(s);

async function pair() {
  const org = new TestOrg();
  const a = org.device('alice', 1);
  const b = org.device('bob', 1);
  const alice = await Party.create(org, a);
  const bob = await Party.create(org, b);
  alice.learn(a, b);
  bob.learn(a, b);
  return { org, alice, bob };
}

describe('device identity and prekeys', () => {
  it('generates a registration id in libsignal\'s range', () => {
    for (let i = 0; i < 50; i++) {
      const id = generateDeviceIdentity().registrationId;
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(16380);
    }
  });

  it('first upload: signed prekey, Kyber last resort, a batch of each one-time kind, all signed by the identity', async () => {
    const { bob } = await pair();
    const fresh = await new Party(bob.org, bob.org.device('bob', 2)).keys.initialise(NOW);
    expect(fresh.oneTime).toHaveLength(5);
    expect(fresh.oneTimeKyber).toHaveLength(5);
    const signed = fromBinary(PublicSignedPrekeySchema, fresh.signedPrekey!);
    const kyber = fromBinary(PublicKyberPrekeySchema, fresh.kyberLastResort!);
    expect(kyber.lastResort).toBe(true);
    const id = bob.org.trust.requireDevice('bob', 2, NOW).identityKey;
    expect(id.verify(new Uint8Array(signed.publicKey), new Uint8Array(signed.signature))).toBe(true);
    expect(id.verify(new Uint8Array(kyber.publicKey), new Uint8Array(kyber.signature))).toBe(true);
    expect(new Set(fresh.oneTime.map((k) => k.id)).size).toBe(5);
  });

  it('initialising again re-sends the current public keys and a fresh batch', async () => {
    const { alice, bob } = await pair();
    const first = bob.bundle();
    const again = await bob.keys.initialise(NOW + 1000);
    expect(again.signedPrekey).toEqual(first.signedPrekey);
    expect(again.oneTime).toHaveLength(5);
    bob.publish(again);
    await alice.cipher.processBundle({ ...bob.bundle(), signedPrekey: again.signedPrekey!, kyberPrekey: again.kyberLastResort! });
    const m = await alice.cipher.encrypt(bob.device, text('after re-publish'));
    expect(new TextDecoder().decode(await bob.cipher.decrypt(alice.device, m.type, m.ciphertext))).toBe('after re-publish');
  });

  it('tops up only below the threshold, back to a full batch', async () => {
    const { bob } = await pair();
    expect((await bob.keys.topUp({ oneTime: 3, oneTimeKyber: 4 }, NOW)).oneTime).toHaveLength(0);
    const up = await bob.keys.topUp({ oneTime: 1, oneTimeKyber: 0 }, NOW);
    expect(up.oneTime).toHaveLength(4);
    expect(up.oneTimeKyber).toHaveLength(5);
    expect(up.signedPrekey).toBeUndefined();
    expect(await bob.stores.preKey.countPreKeys()).toBe(9);
  });

  it('rotates the signed prekey when it is old; sessions from the previous bundle still work', async () => {
    const { alice, bob } = await pair();
    const before = bob.bundle();
    const up = await bob.keys.topUp({ oneTime: 5, oneTimeKyber: 5 }, NOW + 8 * DAY);
    expect(up.signedPrekey).toBeDefined();
    expect(up.kyberLastResort).toBeDefined();
    bob.publish(up);
    await alice.cipher.processBundle(before);
    const m = await alice.cipher.encrypt(bob.device, text('from an old bundle'));
    expect(new TextDecoder().decode(await bob.cipher.decrypt(alice.device, m.type, m.ciphertext))).toBe('from an old bundle');
  });

  it('consumes one-time keys: a second PreKey message for the same one-time key fails', async () => {
    const { alice, bob, org } = await pair();
    const bundle = bob.bundle();
    const carol = await Party.create(org, org.device('carol', 1));
    carol.learn(bob.device);
    bob.learn(carol.device);
    await alice.cipher.processBundle(bundle);
    await carol.cipher.processBundle(bundle);
    const m1 = await alice.cipher.encrypt(bob.device, text('1'));
    await bob.cipher.decrypt(alice.device, m1.type, m1.ciphertext);
    const m2 = await carol.cipher.encrypt(bob.device, text('2'));
    await expect(bob.cipher.decrypt(carol.device, m2.type, m2.ciphertext)).rejects.toMatchObject({ code: 'DECRYPT_INVALID_PREKEY' });
    await expect(bob.cipher.decrypt(carol.device, m2.type, m2.ciphertext)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a Kyber last-resort key reused with the same base key (replayed set-up)', async () => {
    const { bob } = await pair();
    const store = bob.stores.kyberPreKey;
    const state = await bob.stores.prekeyState.loadPrekeyState();
    const base = generateDeviceIdentity().identityKeyPair.publicKey;
    await store.markKyberPreKeyUsed(state!.lastResortKyberPreKeyId, state!.signedPreKeyId, base);
    await expect(store.markKyberPreKeyUsed(state!.lastResortKyberPreKeyId, state!.signedPreKeyId, base)).rejects.toBeInstanceOf(KyberPrekeyReuse);
    // A different base key is a different session set-up and is fine.
    await store.markKyberPreKeyUsed(state!.lastResortKyberPreKeyId, state!.signedPreKeyId, generateDeviceIdentity().identityKeyPair.publicKey);
  });

  it('a replayed PreKey message using the last-resort Kyber key is refused', async () => {
    const { alice, bob } = await pair();
    for (let i = 0; i < 5; i++) bob.bundle();
    const lastResort = bob.bundle();
    expect(fromBinary(PublicKyberPrekeySchema, lastResort.kyberPrekey).lastResort).toBe(true);
    await alice.cipher.processBundle(lastResort);
    const m = await alice.cipher.encrypt(bob.device, text('once'));
    await bob.cipher.decrypt(alice.device, m.type, m.ciphertext);
    // Bob's session state is lost (e.g. restored from an old backup) while his prekey stores
    // remember the last-resort use: the replay must not start a second session.
    const amnesiac = new SessionCipher({ ...bob.stores, session: new MemorySessionStore() }, bob.device, bob.trust, () => NOW);
    await expect(amnesiac.decrypt(alice.device, m.type, m.ciphertext)).rejects.toBeInstanceOf(KyberPrekeyReuse);
  });
});
