/**
 * The security officer's enrolment nonce (commit-then-reveal). The device's request (with its
 * identity key) is fixed at the relay first; only then does the officer's tool pick 32 random
 * bytes, sign them with the organisation root key together with the request's id and the SHA-256
 * of its exact bytes, and hand the record to the relay, which passes it to the waiting device.
 * The device accepts it only for its own request bytes, so the code it shows is
 * comparisonCode(its own body, nonce). A relay cannot grind: it must commit to a request before it
 * learns the nonce, cannot make a nonce (no root key), and a nonce is bound to one stored request.
 */
import { randomBytes } from 'node:crypto';
import type { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { EnrolmentNonceBodySchema } from '../gen/valise/v1/enrolment_pb.ts';
import { decodeMessage, encodeMessage, LIMITS, safeNumber } from './codec.ts';
import { CodecError } from './errors.ts';
import { comparisonCode, enrolmentRequestHash, verifyEnrolmentRequest } from './enrolment.ts';
import { CONTEXT, signRecord, verifyRecord } from './signing.ts';

export const ENROLMENT_NONCE_BYTES = 32;

export interface EnrolmentNonce {
  orgId: string;
  requestId: string;
  nonce: Uint8Array;
  issuedAtMs: number;
}

/** Officer side: a fresh nonce for the request stored at the relay under `requestId`. */
export function issueEnrolmentNonce(
  orgRootKey: PrivateKey,
  f: { orgId: string; requestId: string; request: Uint8Array; nowMs: number },
): Uint8Array<ArrayBuffer> {
  const body = encodeMessage(EnrolmentNonceBodySchema, {
    orgId: f.orgId,
    requestId: f.requestId,
    requestHash: enrolmentRequestHash(f.request),
    nonce: randomBytes(ENROLMENT_NONCE_BYTES),
    issuedAtMs: BigInt(f.nowMs),
  });
  return signRecord(orgRootKey, CONTEXT.enrolmentNonce, body);
}

/**
 * Checks that `record` was signed by the organisation root key for exactly this request (same org,
 * same id, same request bytes). Throws SignatureError or CodecError (detail "not for this request").
 */
export function verifyEnrolmentNonce(
  orgRootPublicKey: PublicKey,
  expected: { orgId: string; requestId: string; request: Uint8Array },
  record: Uint8Array,
): EnrolmentNonce {
  const what = 'enrolment nonce';
  if (record.length > LIMITS.enrolmentRequest) throw new CodecError(what, `larger than ${LIMITS.enrolmentRequest} bytes`);
  const body = verifyRecord(orgRootPublicKey, CONTEXT.enrolmentNonce, record, what);
  const b = decodeMessage(EnrolmentNonceBodySchema, body, LIMITS.enrolmentRequest, what);
  if (b.nonce.length !== ENROLMENT_NONCE_BYTES) throw new CodecError(what, 'bad nonce');
  const hash = enrolmentRequestHash(expected.request);
  if (b.orgId !== expected.orgId || b.requestId !== expected.requestId || Buffer.compare(b.requestHash, hash) !== 0) {
    throw new CodecError(what, 'not for this request');
  }
  return { orgId: b.orgId, requestId: b.requestId, nonce: b.nonce, issuedAtMs: safeNumber(b.issuedAtMs, what, 'time') };
}

/**
 * The 6-digit code for `request` (its encoded bytes) under a verified nonce record. The device
 * passes its OWN request bytes, the officer the bytes it verified and will certify.
 */
export function enrolmentCode(
  orgRootPublicKey: PublicKey,
  expected: { orgId: string; requestId: string; request: Uint8Array },
  record: Uint8Array,
): string {
  const { nonce } = verifyEnrolmentNonce(orgRootPublicKey, expected, record);
  return comparisonCode(verifyEnrolmentRequest(expected.request).body, nonce);
}
