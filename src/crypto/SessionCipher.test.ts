import { describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { DAY, NOW, TestOrg } from '../../test/crypto/fixtures.ts';
import { Party } from '../../test/crypto/party.ts';
import { issueRevocation } from './certificates.ts';
import { CertificateError, DecryptionError, DuplicateMessage, UntrustedIdentity } from './errors.ts';
import { DeviceKeys } from './DeviceKeys.ts';
import { memoryProtocolStores } from './memory/MemoryStores.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function three() {
  const org = new TestOrg();
  const [a, b, c] = [org.device('alice', 1), org.device('bob', 1), org.device('carol', 2)];
  const alice = await Party.create(org, a);
  const bob = await Party.create(org, b);
  const carol = await Party.create(org, c);
  for (const p of [alice, bob, carol]) p.learn(a, b, c);
  return { org, alice, bob, carol };
}

async function connect(from: Party, to: Party) {
  await from.cipher.processBundle(to.bundle());
}

describe('1:1 sessions', () => {
  it('three parties talk both ways, starting with a PreKey message', async () => {
    const { alice, bob, carol } = await three();
    for (const [x, y] of [[alice, bob], [bob, carol], [carol, alice]] as const) {
      await connect(x, y);
      const first = await x.cipher.encrypt(y.device, text(`hi ${y.device.userId}`));
      expect(first.type).toBe('prekey');
      expect(str(await y.cipher.decrypt(x.device, first.type, first.ciphertext))).toBe(`hi ${y.device.userId}`);
      const reply = await y.cipher.encrypt(x.device, text('hello back'));
      expect(reply.type).toBe('whisper');
      expect(str(await x.cipher.decrypt(y.device, reply.type, reply.ciphertext))).toBe('hello back');
      const again = await x.cipher.encrypt(y.device, text('second'));
      expect(again.type).toBe('whisper');
    }
  });

  it('delivers 50 messages shuffled, and refuses duplicates with a typed error', async () => {
    const { alice, bob } = await three();
    await connect(alice, bob);
    const first = await alice.cipher.encrypt(bob.device, text('start'));
    await bob.cipher.decrypt(alice.device, first.type, first.ciphertext);
    const sent = [];
    for (let i = 0; i < 50; i++) sent.push({ i, ...(await alice.cipher.encrypt(bob.device, text(`m${i}`))) });
    const shuffled = [...sent].sort(() => Math.random() - 0.5);
    const got = new Set<string>();
    for (const m of shuffled) got.add(str(await bob.cipher.decrypt(alice.device, m.type, m.ciphertext)));
    expect(got.size).toBe(50);
    for (const m of shuffled.slice(0, 10)) {
      await expect(bob.cipher.decrypt(alice.device, m.type, m.ciphertext)).rejects.toBeInstanceOf(DuplicateMessage);
    }
    await expect(bob.cipher.decrypt(alice.device, first.type, first.ciphertext)).rejects.toBeInstanceOf(DuplicateMessage);
  });

  it('turns a bit flip anywhere in a PreKey or whisper message into a typed error', async () => {
    const { alice, bob } = await three();
    await connect(alice, bob);
    const pre = await alice.cipher.encrypt(bob.device, text('pre'));
    for (let bit = 0; bit < pre.ciphertext.length * 8; bit += 7) {
      const bad = new Uint8Array(pre.ciphertext);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const out = await bob.cipher.decrypt(alice.device, 'prekey', bad).then(str, (e: unknown) => e);
      // The PreKey framing's version nibble is not authenticated by libsignal; a flip there still
      // yields exactly the sent text. Anything else must be a typed error, never other content.
      expect(out, `bit ${bit}`).toSatisfy((e) => e === 'pre' || e instanceof DecryptionError || e instanceof UntrustedIdentity || e instanceof DuplicateMessage);
    }
    const original = await bob.cipher.decrypt(alice.device, 'prekey', pre.ciphertext).then(str, (e: unknown) => e);
    expect(original).toSatisfy((e) => e === 'pre' || e instanceof DuplicateMessage);
    const w = await bob.cipher.encrypt(alice.device, text('whisper'));
    for (let bit = 0; bit < w.ciphertext.length * 8; bit++) {
      const bad = new Uint8Array(w.ciphertext);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      await expect(alice.cipher.decrypt(bob.device, 'whisper', bad)).rejects.toBeInstanceOf(DecryptionError);
    }
    expect(str(await alice.cipher.decrypt(bob.device, 'whisper', w.ciphertext))).toBe('whisper');
  });

  it('refuses a bundle whose prekeys are signed by a key other than the certified one', async () => {
    const { org, alice, bob } = await three();
    // The relay keeps bob's certificate but substitutes prekeys of a key it controls.
    const rogue = IdentityKeyPair.generate();
    const rogueStores = memoryProtocolStores(rogue, 77);
    const rogueUpload = await new DeviceKeys(rogueStores, { identityKeyPair: rogue, registrationId: 77 }).initialise(NOW);
    const injected = { ...bob.bundle(), signedPrekey: rogueUpload.signedPrekey!, kyberPrekey: rogueUpload.kyberLastResort! };
    await expect(alice.cipher.processBundle(injected)).rejects.toBeInstanceOf(UntrustedIdentity);
    await expect(alice.cipher.processBundle({ ...bob.bundle(), identityKey: rogue.publicKey.serialize() })).rejects.toBeInstanceOf(UntrustedIdentity);
    // A certificate for someone else's device is not accepted for bob.
    await expect(alice.cipher.processBundle({ ...bob.bundle(), deviceCertificate: org.device('mallory', 1).certificate }))
      .rejects.toBeInstanceOf(CertificateError);
    expect(await alice.cipher.hasSession(bob.device)).toBe(false);
  });

  it('refuses a PreKey message from a device whose key is not its certified one', async () => {
    const { org, alice, bob } = await three();
    // Mallory holds bob's address but her own key: her certificate is for mallory.1.
    const mal = await Party.create(org, { ...org.device('mallory', 1), userId: 'bob', deviceId: 1 });
    mal.learn(alice.device);
    await mal.cipher.processBundle(alice.bundle());
    const forged = await mal.cipher.encrypt(alice.device, text('I am bob'));
    await expect(alice.cipher.decrypt(bob.device, forged.type, forged.ciphertext)).rejects.toBeInstanceOf(UntrustedIdentity);
  });

  it('refuses revoked and expired devices, both ways', async () => {
    const { org, alice, bob, carol } = await three();
    await connect(alice, bob);
    const first = await alice.cipher.encrypt(bob.device, text('before'));
    alice.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: bob.device.serial, revokedAtMs: NOW, reason: 'lost' }));
    await expect(alice.cipher.encrypt(bob.device, text('after'))).rejects.toMatchObject({ problem: 'revoked' });
    await expect(alice.cipher.processBundle(bob.bundle())).rejects.toMatchObject({ problem: 'revoked' });
    const reply = await bob.cipher.decrypt(alice.device, first.type, first.ciphertext).then(() => bob.cipher.encrypt(alice.device, text('x')));
    await expect(alice.cipher.decrypt(bob.device, reply.type, reply.ciphertext)).rejects.toMatchObject({ problem: 'revoked' });

    const shortLived = await Party.create(org, org.device('dan', 1, { notBeforeMs: NOW - DAY, notAfterMs: NOW + 1000 }));
    carol.learn(shortLived.device);
    carol.nowMs = NOW + 2000;
    await expect(carol.cipher.processBundle(shortLived.bundle())).rejects.toMatchObject({ problem: 'expired' });
  });

  it('refuses the devices of a person whose member certificate was revoked', async () => {
    const { org, alice, bob } = await three();
    await connect(alice, bob);
    const member = org.member('bob', 1);
    alice.learn(member);
    await alice.cipher.encrypt(bob.device, text('still fine'));
    alice.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'member', revokedSerial: member.serial, revokedAtMs: NOW, reason: 'left' }));
    await expect(alice.cipher.encrypt(bob.device, text('gone'))).rejects.toMatchObject({ problem: 'revoked' });
    expect(alice.trust.view(NOW).device('bob', 1)).toBeUndefined();
  });

  it('blocks sending after an identity change until the new key is verified', async () => {
    const { org, alice, bob } = await three();
    await connect(alice, bob);
    await alice.cipher.encrypt(bob.device, text('hi'));
    // bob re-enrols device 1 with a new key; the org certifies it.
    const bob2 = await Party.create(org, org.device('bob', 1));
    alice.learn(bob2.device);
    expect(await alice.cipher.identityChanged(bob.device)).toBe(true);
    await expect(alice.cipher.encrypt(bob.device, text('blocked'))).rejects.toBeInstanceOf(UntrustedIdentity);
    await expect(alice.cipher.processBundle(bob2.bundle())).rejects.toBeInstanceOf(UntrustedIdentity);
    await alice.cipher.approveIdentity(bob.device);
    // The relay cannot steer alice back to the old key with the old (unrevoked) certificate.
    await expect(alice.cipher.processBundle(bob.bundle())).rejects.toBeInstanceOf(UntrustedIdentity);
    await alice.cipher.processBundle(bob2.bundle());
    bob2.learn(alice.device);
    const m = await alice.cipher.encrypt(bob.device, text('verified'));
    expect(str(await bob2.cipher.decrypt(alice.device, m.type, m.ciphertext))).toBe('verified');
  });

  it('a message for which there is no session is a typed error, not a crash', async () => {
    const { alice, bob, carol } = await three();
    await expect(carol.cipher.encrypt(bob.device, text('no session yet'))).rejects.toMatchObject({ code: 'NO_SESSION' });
    await connect(alice, bob);
    const m = await alice.cipher.encrypt(bob.device, text('x'));
    await bob.cipher.decrypt(alice.device, m.type, m.ciphertext);
    const w = await bob.cipher.encrypt(alice.device, text('y'));
    await expect(carol.cipher.decrypt(bob.device, 'whisper', w.ciphertext)).rejects.toBeInstanceOf(DecryptionError);
  });
});
