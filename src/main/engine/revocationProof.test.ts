import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity, generateOrgRootKey, issueDeviceCertificate, issueMemberCertificate, issueRevocation, orgIdentity, type OrgRootKey } from '../../crypto/index.ts';
import { provesOwnRevocation } from './revocationProof.ts';

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const ORG = 'org-test';

function setup(root: OrgRootKey = generateOrgRootKey()) {
  const member = issueMemberCertificate(root.privateKey, { orgId: ORG, serial: 4, userId: 'bob', displayName: 'Bob', clearance: 1, roles: ['delegate'], notBeforeMs: NOW - DAY, notAfterMs: NOW + DAY });
  const device = issueDeviceCertificate(root.privateKey, { orgId: ORG, serial: 7, userId: 'bob', deviceId: 1, identityKey: generateDeviceIdentity().identityKeyPair.publicKey, notBeforeMs: NOW - DAY, notAfterMs: NOW + DAY });
  const org = orgIdentity(ORG, root.publicKey.serialize());
  const revoke = (target: 'device' | 'member', serial: number, by = root, orgId = ORG) => issueRevocation(by.privateKey, { orgId, target, revokedSerial: serial, revokedAtMs: NOW, reason: 'lost' });
  return { root, org, mine: { deviceCertificate: device, memberCertificate: member }, revoke };
}

describe('proof of this device’s revocation', () => {
  it('accepts the organisation’s revocation of this device, and of its member', () => {
    const { org, mine, revoke } = setup();
    expect(provesOwnRevocation(revoke('device', 7), org, mine)).toBe(true);
    expect(provesOwnRevocation(revoke('member', 4), org, mine)).toBe(true);
  });

  it('refuses no proof at all, or bytes that are not a revocation', () => {
    const { org, mine } = setup();
    expect(provesOwnRevocation(new Uint8Array(), org, mine)).toBe(false);
    expect(provesOwnRevocation(new Uint8Array(80).fill(7), org, mine)).toBe(false);
    expect(provesOwnRevocation(mine.deviceCertificate, org, mine)).toBe(false);
  });

  it('refuses a genuine revocation of someone else (another serial, or the wrong kind)', () => {
    const { org, mine, revoke } = setup();
    expect(provesOwnRevocation(revoke('device', 8), org, mine)).toBe(false);
    // The member serial named as a device serial is another certificate.
    expect(provesOwnRevocation(revoke('device', 4), org, mine)).toBe(false);
    expect(provesOwnRevocation(revoke('member', 7), org, mine)).toBe(false);
  });

  it('refuses a revocation signed by another key, or for another organisation', () => {
    const { org, mine, revoke } = setup();
    expect(provesOwnRevocation(revoke('device', 7, generateOrgRootKey()), org, mine)).toBe(false);
    expect(provesOwnRevocation(revoke('device', 7, undefined, 'org-other'), org, mine)).toBe(false);
  });
});
