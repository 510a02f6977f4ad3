import { describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { comparisonCode, createEnrolmentRequest, verifyEnrolmentRequest } from './enrolment.ts';
import { SignedRecordSchema } from '../gen/valise/v1/common_pb.ts';
import { EnrolmentRequestBodySchema } from '../gen/valise/v1/enrolment_pb.ts';
import { signAdminChallenge, signAuthChallenge, verifyAdminChallenge, verifyAuthChallenge } from './relayAuth.ts';
import { CodecError, SignatureError } from './errors.ts';

const identity = IdentityKeyPair.generate();
const fields = { orgId: 'org', userName: 'Alice', deviceName: 'laptop', identity, registrationId: 42, nowMs: 1 };

describe('enrolment request', () => {
  it('carries the key and names; the code needs the officer\'s nonce', () => {
    const { encoded } = createEnrolmentRequest(fields);
    const seen = verifyEnrolmentRequest(encoded);
    expect(seen.identityKey.equals(identity.publicKey)).toBe(true);
    expect(seen.userName).toBe('Alice');
    expect(seen).not.toHaveProperty('code');
    expect(() => comparisonCode(seen.body, new Uint8Array(0))).toThrow(CodecError);
  });

  it('an officer nonce changes the code on both sides alike', () => {
    const { encoded } = createEnrolmentRequest(fields);
    const body = fromBinary(SignedRecordSchema, encoded).body;
    const nonce = new Uint8Array(32).fill(9);
    expect(comparisonCode(body, nonce)).toMatch(/^\d{6}$/);
    expect(comparisonCode(body, nonce)).toBe(comparisonCode(new Uint8Array(body), new Uint8Array(nonce)));
    expect(comparisonCode(body, nonce)).not.toBe(comparisonCode(body, new Uint8Array(32).fill(8)));
  });

  it('refuses a request whose key did not sign it', () => {
    const { encoded } = createEnrolmentRequest(fields);
    const r = fromBinary(SignedRecordSchema, encoded);
    const body = fromBinary(EnrolmentRequestBodySchema, r.body);
    body.identityKey = IdentityKeyPair.generate().publicKey.serialize();
    r.body = toBinary(EnrolmentRequestBodySchema, body);
    expect(() => verifyEnrolmentRequest(toBinary(SignedRecordSchema, r))).toThrow(SignatureError);
    expect(() => verifyEnrolmentRequest(new Uint8Array(5000))).toThrow(CodecError);
  });

  it('signs the enrolment token in, so nobody can move the request to another user\'s token', () => {
    const { encoded } = createEnrolmentRequest({ ...fields, enrolmentToken: 'aaaaa-bbbbb' });
    expect(verifyEnrolmentRequest(encoded).enrolmentToken).toBe('aaaaa-bbbbb');
    expect(verifyEnrolmentRequest(createEnrolmentRequest(fields).encoded).enrolmentToken).toBe('');
    const r = fromBinary(SignedRecordSchema, encoded);
    const body = fromBinary(EnrolmentRequestBodySchema, r.body);
    body.enrolmentToken = 'ccccc-ddddd';
    r.body = toBinary(EnrolmentRequestBodySchema, body);
    expect(() => verifyEnrolmentRequest(toBinary(SignedRecordSchema, r))).toThrow(SignatureError);
  });
});

describe('relay authentication', () => {
  const challenge = new Uint8Array(32).fill(3);
  it('accepts the device key\'s signature over this challenge only', () => {
    const sig = signAuthChallenge(identity.privateKey, challenge);
    expect(verifyAuthChallenge(identity.publicKey, challenge, sig)).toBe(true);
    expect(verifyAuthChallenge(identity.publicKey, new Uint8Array(32).fill(4), sig)).toBe(false);
    expect(verifyAuthChallenge(IdentityKeyPair.generate().publicKey, challenge, sig)).toBe(false);
    expect(verifyAuthChallenge(identity.publicKey, challenge, new Uint8Array(3))).toBe(false);
  });

  it('does not accept a device signature as an admin signature', () => {
    const sig = signAuthChallenge(identity.privateKey, challenge);
    expect(verifyAdminChallenge(identity.publicKey, challenge, sig)).toBe(false);
    expect(verifyAdminChallenge(identity.publicKey, challenge, signAdminChallenge(identity.privateKey, challenge))).toBe(true);
  });
});
