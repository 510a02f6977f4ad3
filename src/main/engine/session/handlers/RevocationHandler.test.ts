import { afterEach, describe, expect, it } from 'vitest';
import { issueRevocation } from '../../../../crypto/certificates.ts';
import { generateOrgRootKey } from '../../../../crypto/OrgRoot.ts';
import { signedKit, type SignedKit } from '../../../../../test/engine/signedChannel.ts';
import { Directory } from '../Directory.ts';
import { RevocationHandler } from './RevocationHandler.ts';

let kit: SignedKit;
afterEach(() => kit.close());

const revokeBob = (root = kit.org.root.privateKey, orgId = kit.org.orgId) =>
  issueRevocation(root, { orgId, target: 'device', revokedSerial: kit.devices.bob!.serial, revokedAtMs: kit.clock.now() - 1000, reason: 'laptop lost' });

describe('RevocationHandler', () => {
  it('an organisation-signed revocation stops trusting the device at once and is kept for the next start', async () => {
    kit = await signedKit('alice');
    const h = new RevocationHandler(kit.c, kit.directory);
    const now = kit.clock.now();
    expect(kit.directory.trust.view(now).device('bob', 2)).toBeDefined();
    await h.handle(revokeBob());
    expect(kit.directory.trust.view(now).device('bob', 2)).toBeUndefined();
    expect(kit.c.store.repos.records.loadCertificatesSync().revocations).toHaveLength(1);
    // After a restart the device is still refused.
    const again = new Directory(kit.c, () => null);
    again.trust.addMemberCertificate(kit.org.member('bob', 3).encoded);
    expect(() => again.trust.addDeviceCertificate(kit.devices.bob!.certificate)).toThrow(/revoked/);
    expect(again.trust.view(now).device('bob', 2)).toBeUndefined();
  });

  it('ignores a revocation not signed by the organisation: the device stays trusted, nothing stored', async () => {
    kit = await signedKit('alice');
    const h = new RevocationHandler(kit.c, kit.directory);
    await h.handle(revokeBob(generateOrgRootKey().privateKey));
    await h.handle(new Uint8Array([1, 2, 3]));
    expect(kit.directory.trust.view(kit.clock.now()).device('bob', 2)).toBeDefined();
    expect(kit.c.store.repos.records.loadCertificatesSync().revocations).toEqual([]);
  });
});
