import { describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { comparisonCode, createEnrolmentRequest, verifyEnrolmentRequest } from './enrolment.ts';
import { enrolmentCode, issueEnrolmentNonce, verifyEnrolmentNonce } from './enrolmentNonce.ts';
import { generateOrgRootKey } from './OrgRoot.ts';
import { SignedRecordSchema } from '../gen/valise/v1/common_pb.ts';
import { CodecError, SignatureError } from './errors.ts';

const root = generateOrgRootKey();
const device = IdentityKeyPair.generate();
const request = createEnrolmentRequest({ orgId: 'org', userName: 'Alice', deviceName: 'laptop', identity: device, registrationId: 1, nowMs: 1 }).encoded;
const stored = { orgId: 'org', requestId: 'r1', request };

describe('enrolment nonce', () => {
  it('gives device and officer the same code from the request and a nonce chosen after it', () => {
    const record = issueEnrolmentNonce(root.privateKey, { ...stored, nowMs: 2 });
    const n = verifyEnrolmentNonce(root.publicKey, stored, record);
    expect(n.nonce).toHaveLength(32);
    const code = enrolmentCode(root.publicKey, stored, record);
    expect(code).toBe(comparisonCode(verifyEnrolmentRequest(request).body, n.nonce));
    // Each opening draws a fresh nonce, so the code is not a function of the request alone.
    const codes = new Set(Array.from({ length: 20 }, () => enrolmentCode(root.publicKey, stored, issueEnrolmentNonce(root.privateKey, { ...stored, nowMs: 2 }))));
    expect(codes.size).toBeGreaterThan(15);
  });

  it('is refused for any other request: swapped key, other id, other organisation', () => {
    const record = issueEnrolmentNonce(root.privateKey, { ...stored, nowMs: 2 });
    const swapped = createEnrolmentRequest({ orgId: 'org', userName: 'Alice', deviceName: 'laptop', identity: IdentityKeyPair.generate(), registrationId: 1, nowMs: 1 }).encoded;
    // A relay that shows the officer its own request under the device's id, with the device's nonce.
    expect(() => enrolmentCode(root.publicKey, { ...stored, request: swapped }, record)).toThrow(/not for this request/);
    expect(() => enrolmentCode(root.publicKey, { ...stored, requestId: 'r2' }, record)).toThrow(CodecError);
    expect(() => enrolmentCode(root.publicKey, { ...stored, orgId: 'other' }, record)).toThrow(CodecError);
  });

  it('is refused unless the organisation root key signed it', () => {
    const relayKey = IdentityKeyPair.generate();
    const forged = issueEnrolmentNonce(relayKey.privateKey, { ...stored, nowMs: 2 });
    expect(() => enrolmentCode(root.publicKey, stored, forged)).toThrow(SignatureError);
    const record = fromBinary(SignedRecordSchema, issueEnrolmentNonce(root.privateKey, { ...stored, nowMs: 2 }));
    record.body = new Uint8Array(record.body);
    record.body[0] = record.body[0]! ^ 1;
    expect(() => verifyEnrolmentNonce(root.publicKey, stored, toBinary(SignedRecordSchema, record))).toThrow(SignatureError);
    expect(() => verifyEnrolmentNonce(root.publicKey, stored, new Uint8Array(5000))).toThrow(CodecError);
  });
});
