/** A small organisation for crypto tests: root key, trust, members and enrolled devices. */
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import type { OrgRole } from '../../src/shared/model/roles.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { generateOrgRootKey, type OrgRootKey } from '../../src/crypto/OrgRoot.ts';
import { issueDeviceCertificate, issueMemberCertificate } from '../../src/crypto/certificates.ts';
import { OrgTrust } from '../../src/crypto/OrgTrust.ts';
import { signChannelState, type ChannelStateFields, type DeviceRef } from '../../src/crypto/ChannelState.ts';

export const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
export const DAY = 86_400_000;

export interface TestDevice extends DeviceRef {
  identity: IdentityKeyPair;
  certificate: Uint8Array;
  serial: number;
}

export class TestOrg {
  readonly orgId = 'org.example';
  readonly root: OrgRootKey = generateOrgRootKey();
  readonly trust = new OrgTrust({ orgId: this.orgId, rootPublicKey: this.root.publicKey });
  private serial = 1;

  member(userId: string, clearance: number, roles: OrgRole[] = ['delegate'], validity = { notBeforeMs: NOW - DAY, notAfterMs: NOW + 365 * DAY }) {
    const serial = this.serial++;
    const encoded = issueMemberCertificate(this.root.privateKey, {
      orgId: this.orgId, serial, userId, displayName: userId.toUpperCase(), clearance, roles, ...validity,
    });
    this.trust.addMemberCertificate(encoded);
    return { serial, encoded };
  }

  device(userId: string, deviceId: number, validity = { notBeforeMs: NOW - DAY, notAfterMs: NOW + 365 * DAY },
    identity = IdentityKeyPair.generate()): TestDevice {
    const serial = this.serial++;
    const certificate = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.orgId, serial, userId, deviceId, identityKey: identity.publicKey, ...validity,
    });
    this.trust.addDeviceCertificate(certificate);
    return { userId, deviceId, identity, certificate, serial };
  }
}

export function channelId(fill = 1): Uint8Array {
  return new Uint8Array(16).fill(fill);
}

export function creation(signer: TestDevice, members: ChannelStateFields['members'], classification = 0): Uint8Array {
  return signChannelState(signer.identity.privateKey, {
    channelId: channelId(),
    epoch: 0,
    previousHash: new Uint8Array(0),
    name: 'Talks',
    classification,
    policy: DEFAULT_POLICY,
    members,
    status: 'active',
    signer: { userId: signer.userId, deviceId: signer.deviceId },
    signedAtMs: NOW,
  });
}
