import { afterEach, describe, expect, it } from 'vitest';
import { NOW, TestOrg } from '../../../../test/crypto/fixtures.ts';
import { fakeRelay, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import type { OrgConfig } from '../OrgConfig.ts';
import { hex } from '../views.ts';
import { Directory } from './Directory.ts';

let kit: Kit;
afterEach(() => kit.close());

async function rig(online = true) {
  const org = new TestOrg();
  const alice = { member: org.member('alice', 2), device: org.device('alice', 1) };
  const bob = { member: org.member('bob', 2), device: org.device('bob', 3) };
  kit = await sessionKit('alice', 1, NOW);
  kit.c.org = { ...kit.c.org, orgId: org.orgId, orgPublicKey: org.root.publicKey.serialize() } as OrgConfig;
  kit.c.me = { ...kit.c.me, memberCertificate: hex(alice.member.encoded), deviceCertificate: hex(alice.device.certificate) };
  const relay = fakeRelay({ fetchDirectory: { revocations: [], entries: [{ memberCertificate: bob.member.encoded, deviceCertificates: [bob.device.certificate] }] } });
  const directory = new Directory(kit.c, () => (online ? relay : null));
  const looks = () => relay.requests.filter((r) => r.case === 'fetchDirectory').length;
  return { directory, looks };
}

describe('Directory', () => {
  it('trusts only its own certificates at first, and learns a sender it does not know from the directory', async () => {
    const { directory, looks } = await rig();
    const now = kit.clock.now();
    expect(directory.trust.view(now).member('alice')).toBeDefined();
    expect(directory.trust.view(now).device('bob', 3)).toBeUndefined();
    await directory.knowAll(['bob'], { userId: 'bob', deviceId: 3 });
    expect(looks()).toBe(1);
    expect(directory.trust.view(now).device('bob', 3)).toBeDefined();
    expect(directory.names('bob')).toBe('BOB');
    // Stored: a restart knows bob without asking again.
    const again = new Directory(kit.c, () => null);
    expect(again.trust.view(now).member('bob')).toBeDefined();
    expect([...again.people().keys()].sort()).toEqual(['alice', 'bob']);
  });

  it('looks an unknown sender up at most once a second, unless it was not looked up yet', async () => {
    const { directory, looks } = await rig();
    await directory.knowAll(['carol'], { userId: 'carol', deviceId: 1 });
    expect(looks()).toBe(1);
    // Someone else unknown, right after: looked up (a device that just enrolled must not be dropped).
    await directory.knowAll(['dave'], { userId: 'dave', deviceId: 1 });
    expect(looks()).toBe(2);
    // The same unknown sender again within a second: no new look (a flood costs nothing).
    await directory.knowAll(['dave'], { userId: 'dave', deviceId: 1 });
    expect(looks()).toBe(2);
    kit.clock.advance(1001);
    await directory.knowAll(['dave'], { userId: 'dave', deviceId: 1 });
    expect(looks()).toBe(3);
  });

  it('does not look anything up while offline', async () => {
    const { directory, looks } = await rig(false);
    await directory.knowAll(['bob'], { userId: 'bob', deviceId: 3 });
    expect(looks()).toBe(0);
    expect(directory.trust.view(kit.clock.now()).member('bob')).toBeUndefined();
  });
});
