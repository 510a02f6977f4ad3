/**
 * Enrolment requests (DESIGN.md §4): the new device proves possession of its identity key by
 * signing the request with it; device and security officer compare a 6-digit code derived from
 * the request's hash, so a relay cannot swap the key in between unnoticed.
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
  /** The 6-digit comparison code both sides show. */
  code: string;
  encoded: Uint8Array;
}

export function createEnrolmentRequest(f: EnrolmentRequestFields): { encoded: Uint8Array<ArrayBuffer>; code: string } {
  const body = encodeMessage(EnrolmentRequestBodySchema, {
    orgId: f.orgId,
    userName: f.userName.slice(0, 200),
    deviceName: f.deviceName.slice(0, 200),
    identityKey: f.identity.publicKey.serialize(),
    registrationId: f.registrationId,
    createdAtMs: BigInt(f.nowMs),
    nonce: randomBytes(16),
  });
  return { encoded: signRecord(f.identity.privateKey, CONTEXT.enrolmentRequest, body), code: comparisonCode(body) };
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
    code: comparisonCode(body),
    encoded,
  };
}

/**
 * Six decimal digits from SHA-256 over the request body (the same on both screens).
 *
 * Limit: six digits are 20 bits. A relay that swaps in its own key can vary its request's nonce
 * until its code equals the device's (about a million hashes), because the code depends only on
 * the request. Full strength needs a value the attacker cannot know while choosing its request:
 * the security officer's tool picks `officerNonce` after the request is stored, the relay passes
 * it to the device with the enrolment status, and both sides show `comparisonCode(body, nonce)`.
 */
export function comparisonCode(body: Uint8Array, officerNonce?: Uint8Array): string {
  const h = createHash('sha256').update(CONTEXT.enrolmentRequest).update(body);
  if (officerNonce) h.update(officerNonce);
  const digest = h.digest();
  return (digest.readBigUInt64BE(0) % 1_000_000n).toString().padStart(6, '0');
}
