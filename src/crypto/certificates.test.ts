import { describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { DAY, NOW, TestOrg } from '../../test/crypto/fixtures.ts';
import {
  issueDeviceCertificate,
  issueMemberCertificate,
  issueRevocation,
  requireClearance,
  revocationSet,
  verifyDeviceCertificate,
  verifyMemberCertificate,
  verifyRevocation,
} from './certificates.ts';
import { generateOrgRootKey } from './OrgRoot.ts';
import { CertificateError } from './errors.ts';
import { SignedRecordSchema } from '../gen/valise/v1/common_pb.ts';
import { fromBinary, toBinary } from '@bufbuild/protobuf';

function problem(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CertificateError) return e.problem;
    throw e;
  }
  return undefined;
}

describe('organisation certificates', () => {
  it('round-trips a member certificate with its roles and clearance', () => {
    const org = new TestOrg();
    const { encoded } = org.member('alice', 3, ['lead', 'delegate']);
    const cert = verifyMemberCertificate(encoded, org.trust.org, NOW);
    expect(cert).toMatchObject({ userId: 'alice', displayName: 'ALICE', clearance: 3, roles: ['lead', 'delegate'] });
  });

  it('round-trips a device certificate carrying the identity key', () => {
    const org = new TestOrg();
    const dev = org.device('alice', 2);
    const cert = verifyDeviceCertificate(dev.certificate, org.trust.org, NOW);
    expect(cert.deviceId).toBe(2);
    expect(cert.identityKey.equals(dev.identity.publicKey)).toBe(true);
  });

  it('refuses certificates signed by another root (wrong signer)', () => {
    const org = new TestOrg();
    const rogue = generateOrgRootKey();
    const forged = issueDeviceCertificate(rogue.privateKey, {
      orgId: org.orgId, serial: 9, userId: 'mallory', deviceId: 1, identityKey: IdentityKeyPair.generate().publicKey,
      notBeforeMs: NOW - DAY, notAfterMs: NOW + DAY,
    });
    expect(problem(() => verifyDeviceCertificate(forged, org.trust.org, NOW))).toBe('wrong-signer');
  });

  it('refuses a member certificate signature presented as a device certificate (domain separation)', () => {
    const org = new TestOrg();
    const { encoded } = org.member('alice', 1);
    expect(problem(() => verifyDeviceCertificate(encoded, org.trust.org, NOW))).toBe('wrong-signer');
  });

  it('refuses expired, not yet valid, revoked and tampered certificates', () => {
    const org = new TestOrg();
    const dev = org.device('bob', 1, { notBeforeMs: NOW - 2 * DAY, notAfterMs: NOW - DAY });
    expect(problem(() => verifyDeviceCertificate(dev.certificate, org.trust.org, NOW))).toBe('expired');
    const later = org.device('bob', 2, { notBeforeMs: NOW + DAY, notAfterMs: NOW + 2 * DAY });
    expect(problem(() => verifyDeviceCertificate(later.certificate, org.trust.org, NOW))).toBe('not-yet-valid');

    const ok = org.device('bob', 3);
    const rev = issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: ok.serial, revokedAtMs: NOW, reason: 'lost' });
    const revocation = verifyRevocation(rev, org.trust.org);
    expect(problem(() => verifyDeviceCertificate(ok.certificate, org.trust.org, NOW, revocationSet([revocation])))).toBe('revoked');

    const r = fromBinary(SignedRecordSchema, ok.certificate);
    r.body[r.body.length - 3]! ^= 1;
    expect(problem(() => verifyDeviceCertificate(toBinary(SignedRecordSchema, r), org.trust.org, NOW))).toBe('wrong-signer');
    expect(problem(() => verifyDeviceCertificate(new Uint8Array([1, 2, 3]), org.trust.org, NOW))).toBe('malformed');
  });

  it('refuses certificates of another organisation', () => {
    const org = new TestOrg();
    const other = issueMemberCertificate(org.root.privateKey, {
      orgId: 'org.other', serial: 1, userId: 'eve', displayName: 'Eve', clearance: 3, roles: [], notBeforeMs: 0, notAfterMs: NOW + DAY,
    });
    expect(problem(() => verifyMemberCertificate(other, org.trust.org, NOW))).toBe('wrong-org');
  });

  it('says clearance too low when a member is not cleared for a classification', () => {
    const org = new TestOrg();
    const cert = verifyMemberCertificate(org.member('carol', 1).encoded, org.trust.org, NOW);
    expect(problem(() => requireClearance(cert, 3))).toBe('clearance-too-low');
    expect(problem(() => requireClearance(cert, 1))).toBeUndefined();
  });

  it('OrgTrust drops a device once its revocation arrives', () => {
    const org = new TestOrg();
    const dev = org.device('dave', 1);
    expect(org.trust.view(NOW).device('dave', 1)).toBeDefined();
    org.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: dev.serial, revokedAtMs: NOW, reason: '' }));
    expect(org.trust.view(NOW).device('dave', 1)).toBeUndefined();
    expect(problem(() => org.trust.requireDevice('dave', 1, NOW))).toBe('revoked');
  });
});
