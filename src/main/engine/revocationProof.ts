/**
 * Whether what the relay handed over with AUTH_REVOKED really is the organisation's revocation of
 * this device or of its member: signed by the org root, for this organisation, naming the serial
 * of our own device certificate or member certificate. The relay alone can say "revoked"; only
 * the organisation can prove it, and only a proof may erase a profile.
 */
import { readDeviceCertificate, readMemberCertificate, verifyRevocation, type OrgIdentity } from '../../crypto/index.ts';

export interface OwnCertificates {
  deviceCertificate: Uint8Array;
  memberCertificate: Uint8Array;
}

export function provesOwnRevocation(revocation: Uint8Array, org: OrgIdentity, mine: OwnCertificates): boolean {
  if (revocation.length === 0) return false;
  try {
    const r = verifyRevocation(revocation, org);
    if (r.target === 'device') return readDeviceCertificate(mine.deviceCertificate, org).serial === r.revokedSerial;
    return readMemberCertificate(mine.memberCertificate, org).serial === r.revokedSerial;
  } catch {
    // Not signed by our organisation's root, or not a revocation at all: no proof.
    return false;
  }
}
