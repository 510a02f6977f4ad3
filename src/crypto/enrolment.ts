/**
 * Enrolment requests (DESIGN.md §4): the new device proves possession of its identity key by
 * signing the request with it. Device and security officer compare a 6-digit code derived from the
 * request AND a nonce the officer's tool picks only after the request is stored at the relay
 * (enrolmentNonce.ts), so a relay that swaps in its own key cannot grind its request to a match.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IdentityKeyPair, PublicKey } from '@signalapp/libsignal-client';
import { EnrolmentRequestBodySchema } from '../gen/valise/v1/enrolment_pb.ts';
import { decodeMessage, encodeMessage, LIMITS, safeNumber } from './codec.ts';
import { CodecError, SignatureError } from './errors.ts';
import { CONTEXT, openRecord, publicKeyFrom, signRecord, verifyBytes } from './signing.ts';

export interface EnrolmentRequestFields {
  orgId: string;
  userName: string;
  deviceName: string;
  identity: IdentityKeyPair;
  registrationId: number;
  nowMs: number;
}

export interface EnrolmentRequest {
  orgId: string;
  userName: string;
  deviceName: string;
  identityKey: PublicKey;
  registrationId: number;
  createdAtMs: number;
  /** The signed body: `comparisonCode(body, nonce)` once the officer's nonce is known. */
  body: Uint8Array;
  encoded: Uint8Array;
}

/** No code yet: it needs the officer's nonce (`enrolmentCode` with the nonce record). */
export function createEnrolmentRequest(f: EnrolmentRequestFields): { encoded: Uint8Array<ArrayBuffer> } {
  const body = encodeMessage(EnrolmentRequestBodySchema, {
    orgId: f.orgId,
    userName: f.userName.slice(0, 200),
    deviceName: f.deviceName.slice(0, 200),
    identityKey: f.identity.publicKey.serialize(),
    registrationId: f.registrationId,
    createdAtMs: BigInt(f.nowMs),
    nonce: randomBytes(16),
  });
  return { encoded: signRecord(f.identity.privateKey, CONTEXT.enrolmentRequest, body) };
}

/** Decodes a request and checks its proof of possession. Throws CodecError or SignatureError. */
export function verifyEnrolmentRequest(encoded: Uint8Array): EnrolmentRequest {
  const what = 'enrolment request';
  if (encoded.length > LIMITS.enrolmentRequest) throw new CodecError(what, `larger than ${LIMITS.enrolmentRequest} bytes`);
  const { body, signature } = openRecord(encoded, what);
  const b = decodeMessage(EnrolmentRequestBodySchema, body, LIMITS.enrolmentRequest, what);
  const identityKey = publicKeyFrom(b.identityKey, what);
  if (b.nonce.length !== 16) throw new CodecError(what, 'bad nonce');
  if (!verifyBytes(identityKey, CONTEXT.enrolmentRequest, body, signature)) throw new SignatureError(what);
  return {
    orgId: b.orgId,
    userName: b.userName,
    deviceName: b.deviceName,
    identityKey,
    registrationId: b.registrationId,
    createdAtMs: safeNumber(b.createdAtMs, what, 'time'),
    body,
    encoded,
  };
}

/**
 * Six decimal digits from SHA-256 over the request body and the officer's nonce (the same on both
 * screens). Six digits are 20 bits: that is enough only because the nonce is unknown to whoever
 * chooses the request (see enrolmentNonce.ts), so a swapped request matches with odds 1 in 10^6
 * per nonce the officer issues, not after a million offline tries.
 */
export function comparisonCode(body: Uint8Array, officerNonce: Uint8Array): string {
  if (officerNonce.length < 16) throw new CodecError('enrolment nonce', 'too short');
  const h = createHash('sha256').update(CONTEXT.enrolmentRequest).update(body).update(officerNonce);
  const digest = h.digest();
  return (digest.readBigUInt64BE(0) % 1_000_000n).toString().padStart(6, '0');
}

/** SHA-256 of the exact encoded request, as stored at the relay; the nonce record names it. */
export function enrolmentRequestHash(encoded: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(encoded).digest());
}
