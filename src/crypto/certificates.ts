/**
 * Member and device certificates and revocations, signed by the organisation root key
 * (DESIGN.md §4). A device is sanctioned when it holds an unrevoked, valid device certificate; a
 * peer's identity key is accepted only if such a certificate covers it.
 */
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { ORG_ROLES, type OrgRole } from '../shared/model/roles.ts';
import { isSafeText } from '../shared/model/safeText.ts';
import {
  DeviceCertificateBodySchema,
  MemberCertificateBodySchema,
  OrgRole as PbOrgRole,
  RevocationBodySchema,
  RevocationTarget,
} from '../gen/valise/v1/certs_pb.ts';
import { decodeMessage, encodeMessage, LIMITS, safeNumber } from './codec.ts';
import { CertificateError, CodecError, SignatureError } from './errors.ts';
import { CONTEXT, publicKeyFrom, signRecord, verifyRecord } from './signing.ts';
import type { OrgIdentity } from './OrgRoot.ts';

export interface Validity {
  notBeforeMs: number;
  notAfterMs: number;
}

export interface MemberCertificate extends Validity {
  orgId: string;
  serial: number;
  userId: string;
  displayName: string;
  clearance: number;
  roles: OrgRole[];
  /** The encoded SignedRecord, as signed (store and forward these exact bytes). */
  encoded: Uint8Array;
}

export interface DeviceCertificate extends Validity {
  orgId: string;
  serial: number;
  userId: string;
  deviceId: number;
  identityKey: PublicKey;
  encoded: Uint8Array;
}

export interface Revocation {
  orgId: string;
  target: 'member' | 'device';
  revokedSerial: number;
  revokedAtMs: number;
  reason: string;
  encoded: Uint8Array;
}

/** Revoked serials, per kind; serials are unique per organisation and kind. */
export interface RevocationSet {
  isRevoked(target: 'member' | 'device', serial: number): boolean;
}

export const NO_REVOCATIONS: RevocationSet = { isRevoked: () => false };

export function revocationSet(revocations: readonly Revocation[]): RevocationSet {
  const keys = new Set(revocations.map((r) => `${r.target}:${r.revokedSerial}`));
  return { isRevoked: (t, s) => keys.has(`${t}:${s}`) };
}

const ROLE_TO_PB: Record<OrgRole, PbOrgRole> = {
  delegate: PbOrgRole.DELEGATE,
  lead: PbOrgRole.LEAD,
  'security-officer': PbOrgRole.SECURITY_OFFICER,
  records: PbOrgRole.RECORDS,
};

export function isValidUserId(userId: string): boolean {
  return userId.length > 0 && userId.length <= 128 && !/[\s/\\]/.test(userId);
}

export function isValidDeviceId(deviceId: number): boolean {
  return Number.isInteger(deviceId) && deviceId >= 1 && deviceId <= 127;
}

// ---- issuing (admin side) ----

export interface MemberCertificateFields extends Validity {
  orgId: string;
  serial: number;
  userId: string;
  displayName: string;
  clearance: number;
  roles: readonly OrgRole[];
}

export function issueMemberCertificate(root: PrivateKey, f: MemberCertificateFields): Uint8Array<ArrayBuffer> {
  if (!isValidUserId(f.userId)) throw new CodecError('member certificate', 'invalid user id');
  const body = encodeMessage(MemberCertificateBodySchema, {
    orgId: f.orgId,
    serial: BigInt(f.serial),
    userId: f.userId,
    displayName: f.displayName,
    clearance: f.clearance,
    roles: f.roles.map((r) => ROLE_TO_PB[r]),
    validity: { notBeforeMs: BigInt(f.notBeforeMs), notAfterMs: BigInt(f.notAfterMs) },
  });
  return signRecord(root, CONTEXT.memberCertificate, body);
}

export interface DeviceCertificateFields extends Validity {
  orgId: string;
  serial: number;
  userId: string;
  deviceId: number;
  identityKey: PublicKey;
}

export function issueDeviceCertificate(root: PrivateKey, f: DeviceCertificateFields): Uint8Array<ArrayBuffer> {
  if (!isValidUserId(f.userId)) throw new CodecError('device certificate', 'invalid user id');
  if (!isValidDeviceId(f.deviceId)) throw new CodecError('device certificate', 'invalid device id');
  const body = encodeMessage(DeviceCertificateBodySchema, {
    orgId: f.orgId,
    serial: BigInt(f.serial),
    userId: f.userId,
    deviceId: f.deviceId,
    identityKey: f.identityKey.serialize(),
    validity: { notBeforeMs: BigInt(f.notBeforeMs), notAfterMs: BigInt(f.notAfterMs) },
  });
  return signRecord(root, CONTEXT.deviceCertificate, body);
}

export interface RevocationFields {
  orgId: string;
  target: 'member' | 'device';
  revokedSerial: number;
  revokedAtMs: number;
  reason: string;
}

export function issueRevocation(root: PrivateKey, f: RevocationFields): Uint8Array<ArrayBuffer> {
  const body = encodeMessage(RevocationBodySchema, {
    orgId: f.orgId,
    target: f.target === 'member' ? RevocationTarget.MEMBER : RevocationTarget.DEVICE,
    revokedSerial: BigInt(f.revokedSerial),
    revokedAtMs: BigInt(f.revokedAtMs),
    reason: f.reason.slice(0, 500),
  });
  return signRecord(root, CONTEXT.revocation, body);
}

// ---- verification (everyone) ----

function verifiedBody(org: OrgIdentity, context: (typeof CONTEXT)[keyof typeof CONTEXT], bytes: Uint8Array,
  subject: CertificateError['subject']): Uint8Array {
  try {
    return verifyRecord(org.rootPublicKey, context, bytes, subject);
  } catch (e) {
    if (e instanceof SignatureError) throw new CertificateError('wrong-signer', subject, { cause: e });
    throw new CertificateError('malformed', subject, { cause: e });
  }
}

/**
 * How long before its start a certificate is already taken: a device whose clock is slow by up to
 * this much still accepts certificates issued minutes ago. Only the start is eased; expiry and
 * revocation are not.
 */
export const CERTIFICATE_START_LEEWAY_MS = 15 * 60_000;

/** True once `nowMs` (a clock that may be slow) has reached the certificate's start. */
export function hasStarted(v: { notBeforeMs: number }, nowMs: number): boolean {
  return nowMs + CERTIFICATE_START_LEEWAY_MS >= v.notBeforeMs;
}

/**
 * The body of a record signed by the organisation root: the signature checks (`wrong-signer`), the
 * body decodes (`malformed`, as is anything `parse` throws) and names this organisation (`wrong-org`).
 */
function orgSignedBody<D extends DescMessage, P = undefined>(org: OrgIdentity, context: (typeof CONTEXT)[keyof typeof CONTEXT],
  schema: D, bytes: Uint8Array, subject: CertificateError['subject'], parse?: (body: MessageShape<D>) => P): { body: MessageShape<D>; parsed: P } {
  const signed = verifiedBody(org, context, bytes, subject);
  let body: MessageShape<D>;
  let parsed: P;
  try {
    body = decodeMessage(schema, signed, LIMITS.signedRecord, subject);
    parsed = parse ? parse(body) : (undefined as P);
  } catch (e) {
    throw new CertificateError('malformed', subject, { cause: e });
  }
  if ((body as { orgId?: unknown }).orgId !== org.orgId) throw new CertificateError('wrong-org', subject);
  return { body, parsed };
}

/** Throws `not-yet-valid` or `expired` unless `nowMs` lies within the validity. */
export function checkValidity(v: Validity, nowMs: number, subject: CertificateError['subject']): void {
  if (!hasStarted(v, nowMs)) throw new CertificateError('not-yet-valid', subject);
  if (nowMs >= v.notAfterMs) throw new CertificateError('expired', subject);
}

function validityOf(v: { notBeforeMs: bigint; notAfterMs: bigint } | undefined, subject: CertificateError['subject']): Validity {
  if (!v) throw new CertificateError('malformed', subject);
  try {
    return { notBeforeMs: safeNumber(v.notBeforeMs, subject, 'not_before'), notAfterMs: safeNumber(v.notAfterMs, subject, 'not_after') };
  } catch (e) {
    throw new CertificateError('malformed', subject, { cause: e });
  }
}

/** Decodes a member certificate after checking the org signature only (no time or revocation check). */
export function readMemberCertificate(bytes: Uint8Array, org: OrgIdentity): MemberCertificate {
  const subject = 'member certificate';
  const { body: b } = orgSignedBody(org, CONTEXT.memberCertificate, MemberCertificateBodySchema, bytes, subject);
  if (!isValidUserId(b.userId) || !isSafeText(b.displayName)) throw new CertificateError('malformed', subject);
  const roles: OrgRole[] = [];
  for (const r of b.roles) {
    const role = ORG_ROLES.find((name) => ROLE_TO_PB[name] === r);
    if (role && !roles.includes(role)) roles.push(role);
  }
  return {
    orgId: b.orgId,
    serial: safeSerial(b.serial, subject),
    userId: b.userId,
    displayName: b.displayName,
    clearance: b.clearance,
    roles,
    ...validityOf(b.validity, subject),
    encoded: bytes,
  };
}

/** Verifies a member certificate: org signature, organisation, validity at `nowMs`, revocation. */
export function verifyMemberCertificate(bytes: Uint8Array, org: OrgIdentity, nowMs: number,
  revoked: RevocationSet = NO_REVOCATIONS): MemberCertificate {
  return usable('member', readMemberCertificate(bytes, org), nowMs, revoked);
}

export function readDeviceCertificate(bytes: Uint8Array, org: OrgIdentity): DeviceCertificate {
  const subject = 'device certificate';
  const { body: b, parsed: identityKey } = orgSignedBody(org, CONTEXT.deviceCertificate, DeviceCertificateBodySchema, bytes, subject,
    (body) => publicKeyFrom(body.identityKey, subject));
  if (!isValidUserId(b.userId) || !isValidDeviceId(b.deviceId)) throw new CertificateError('malformed', subject);
  return {
    orgId: b.orgId,
    serial: safeSerial(b.serial, subject),
    userId: b.userId,
    deviceId: b.deviceId,
    identityKey,
    ...validityOf(b.validity, subject),
    encoded: bytes,
  };
}

/** Verifies a device certificate: org signature, organisation, validity at `nowMs`, revocation. */
export function verifyDeviceCertificate(bytes: Uint8Array, org: OrgIdentity, nowMs: number,
  revoked: RevocationSet = NO_REVOCATIONS): DeviceCertificate {
  return usable('device', readDeviceCertificate(bytes, org), nowMs, revoked);
}

/** A certificate whose signature checked out is usable if it is not revoked and valid at `nowMs`. */
function usable<C extends MemberCertificate | DeviceCertificate>(kind: 'member' | 'device', cert: C, nowMs: number, revoked: RevocationSet): C {
  const subject = kind === 'member' ? 'member certificate' : 'device certificate';
  if (revoked.isRevoked(kind, cert.serial)) throw new CertificateError('revoked', subject);
  checkValidity(cert, nowMs, subject);
  return cert;
}

/** Verifies a revocation's org signature and organisation. */
export function verifyRevocation(bytes: Uint8Array, org: OrgIdentity): Revocation {
  const subject = 'revocation';
  const { body: b } = orgSignedBody(org, CONTEXT.revocation, RevocationBodySchema, bytes, subject);
  if (b.target !== RevocationTarget.MEMBER && b.target !== RevocationTarget.DEVICE) throw new CertificateError('malformed', subject);
  return {
    orgId: b.orgId,
    target: b.target === RevocationTarget.MEMBER ? 'member' : 'device',
    revokedSerial: safeSerial(b.revokedSerial, subject),
    revokedAtMs: safeSerial(b.revokedAtMs, subject),
    reason: b.reason,
    encoded: bytes,
  };
}

/** Throws `clearance-too-low` unless the member is cleared for the classification. */
export function requireClearance(member: MemberCertificate, classification: number): void {
  if (member.clearance < classification) throw new CertificateError('clearance-too-low', 'member certificate');
}

function safeSerial(v: bigint, subject: CertificateError['subject']): number {
  try {
    return safeNumber(v, subject, 'serial');
  } catch (e) {
    throw new CertificateError('malformed', subject, { cause: e });
  }
}
