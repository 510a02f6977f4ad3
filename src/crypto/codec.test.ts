import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NOW, TestOrg } from '../../test/crypto/fixtures.ts';
import { CodecError } from './errors.ts';
import { decodeEnvelope, encodeEnvelope } from './envelopeCodec.ts';
import { decodeContent, encodeContent } from './contentCodec.ts';
import { decodeChannelState } from './ChannelState.ts';
import { decodeWipeCommand } from './wipe.ts';
import { verifyEnrolmentRequest } from './enrolment.ts';
import { openRecord } from './signing.ts';
import { LIMITS } from './codec.ts';
import { CertificateError } from './errors.ts';
import { verifyDeviceCertificate, verifyMemberCertificate, verifyRevocation } from './certificates.ts';

const org = new TestOrg();

/** Every decoder of untrusted bytes, and the typed error it is allowed to throw. */
const DECODERS: [string, (b: Uint8Array) => unknown, new (...a: never[]) => Error][] = [
  ['envelope', decodeEnvelope, CodecError],
  ['content', decodeContent, CodecError],
  ['signed record', (b) => openRecord(b, 'record'), CodecError],
  ['channel state', decodeChannelState, CodecError],
  ['wipe command', decodeWipeCommand, CodecError],
  ['enrolment request', verifyEnrolmentRequest, CodecError],
  ['member certificate', (b) => verifyMemberCertificate(b, org.trust.org, NOW), CertificateError],
  ['device certificate', (b) => verifyDeviceCertificate(b, org.trust.org, NOW), CertificateError],
  ['revocation', (b) => verifyRevocation(b, org.trust.org), CertificateError],
];

function onlyTyped(decode: (b: Uint8Array) => unknown, allowed: new (...a: never[]) => Error, bytes: Uint8Array): boolean {
  try {
    decode(bytes);
    return true;
  } catch (e) {
    return e instanceof allowed || (allowed === CodecError && e instanceof CodecError);
  }
}

describe('decoders of untrusted bytes', () => {
  for (const [name, decode, allowed] of DECODERS) {
    it(`${name}: random bytes yield a value or a typed error, nothing else`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => onlyTyped(decode, allowed, b)), { numRuns: 400 });
    });
  }

  it('size limits are enforced before parsing', () => {
    expect(() => decodeEnvelope(new Uint8Array(LIMITS.envelope + 1))).toThrow(/larger than/);
    expect(() => decodeContent(new Uint8Array(LIMITS.content + 1))).toThrow(CodecError);
    expect(() => openRecord(new Uint8Array(LIMITS.signedRecord + 1), 'x')).toThrow(/larger than/);
  });

  it('an envelope round-trips and mutated envelopes decode or fail typed', () => {
    const encoded = encodeEnvelope({
      channelId: new Uint8Array(16).fill(1), sender: { userId: 'alice', deviceId: 1 }, recipient: { userId: 'bob', deviceId: 2 },
      type: 'whisper', ciphertext: new Uint8Array([1, 2, 3]), sentAtMs: NOW, expiresAtMs: NOW + 1000,
    });
    const e = decodeEnvelope(encoded);
    expect(e).toMatchObject({ type: 'whisper', sender: { userId: 'alice', deviceId: 1 }, recipient: { userId: 'bob', deviceId: 2 }, sentAtMs: NOW });
    expect(e.id).toHaveLength(16);
    fc.assert(fc.property(fc.nat(encoded.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = new Uint8Array(encoded);
      bad[i]! ^= x;
      return onlyTyped(decodeEnvelope, CodecError, bad);
    }), { numRuns: 300 });
    expect(() => encodeEnvelope({ channelId: new Uint8Array(16), sender: { userId: 'a', deviceId: 1 }, type: 'whisper',
      ciphertext: new Uint8Array(1), sentAtMs: 0, expiresAtMs: 0 })).toThrow(CodecError);
  });

  it('content round-trips through padding, and every message kind is checked', () => {
    const id = new Uint8Array(16).fill(5);
    const ch = new Uint8Array(16).fill(6);
    const padded = encodeContent({ body: { case: 'data', value: { messageId: id, channelId: ch, sentAtMs: 1n, kind: { case: 'reply', value: { targetMessageId: id, body: 'yes' } } } } });
    expect(padded.length % 160).toBe(0);
    const c = decodeContent(padded);
    expect(c.body.case === 'data' && c.body.value.kind.case === 'reply' && c.body.value.kind.value.body).toBe('yes');
    expect(() => decodeContent(encodeContent({ body: { case: 'data', value: { messageId: id, channelId: ch, kind: { case: 'text', value: { body: 'x'.repeat(LIMITS.textBytes + 1) } } } } })))
      .toThrow(CodecError);
    expect(() => decodeContent(encodeContent({ body: { case: 'data', value: { messageId: id.subarray(0, 3), channelId: ch, kind: { case: 'delete', value: { targetMessageId: id } } } } })))
      .toThrow(CodecError);
    expect(() => decodeContent(encodeContent({}))).toThrow(CodecError);
    expect(() => decodeContent(new Uint8Array(10))).toThrow(CodecError);
  });
});
