/**
 * Domain-separated XEdDSA signatures (libsignal) over our records. Each record type has its own
 * context string, signed as `context || 0x00 || body`, so a signature made for one kind of record
 * can never be replayed as another.
 */
import { PublicKey, type PrivateKey } from '@signalapp/libsignal-client';
import { create, toBinary } from '@bufbuild/protobuf';
import { SignedRecordSchema } from '../gen/valise/v1/common_pb.ts';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { LIMITS } from './codec.ts';
import { CodecError, SignatureError } from './errors.ts';

export const CONTEXT = {
  memberCertificate: 'valise/v1/member-certificate',
  deviceCertificate: 'valise/v1/device-certificate',
  revocation: 'valise/v1/revocation',
  channelState: 'valise/v1/channel-state',
  wipeCommand: 'valise/v1/wipe-command',
  wipeReceipt: 'valise/v1/wipe-receipt',
  enrolmentRequest: 'valise/v1/enrolment-request',
  enrolmentNonce: 'valise/v1/enrolment-nonce',
  relayAuth: 'valise/v1/relay-auth',
  adminAuth: 'valise/v1/admin-auth',
} as const;
export type SigningContext = (typeof CONTEXT)[keyof typeof CONTEXT];

const encoder = new TextEncoder();

const PREFIX = new Map<string, Uint8Array>(Object.values(CONTEXT).map((c) => [c, encoder.encode(c)]));

export function signedMessage(context: SigningContext, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const ctx = PREFIX.get(context) ?? encoder.encode(context);
  const out = new Uint8Array(ctx.length + 1 + body.length);
  out.set(ctx, 0);
  out.set(body, ctx.length + 1);
  return out;
}

export function signBytes(key: PrivateKey, context: SigningContext, body: Uint8Array): Uint8Array<ArrayBuffer> {
  return key.sign(signedMessage(context, body));
}

export function verifyBytes(key: PublicKey, context: SigningContext, body: Uint8Array, signature: Uint8Array): boolean {
  try {
    return key.verify(signedMessage(context, body), copy(signature));
  } catch {
    return false;
  }
}

/** Signs an encoded body and returns the encoded SignedRecord. */
export function signRecord(key: PrivateKey, context: SigningContext, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const record = create(SignedRecordSchema, { body, signature: signBytes(key, context, body) });
  return toBinary(SignedRecordSchema, record) as Uint8Array<ArrayBuffer>;
}

export interface OpenedRecord {
  body: Uint8Array;
  signature: Uint8Array;
}

/** Decodes a SignedRecord without checking its signature (the signer may be named inside). */
export function openRecord(bytes: Uint8Array, what: string): OpenedRecord {
  if (!(bytes instanceof Uint8Array)) throw new CodecError(what, 'not bytes');
  if (bytes.length > LIMITS.signedRecord) throw new CodecError(what, `larger than ${LIMITS.signedRecord} bytes`);
  // Read directly off the wire (fields 1 and 2 of SignedRecord): every signed record passes here.
  let body: Uint8Array = new Uint8Array(0);
  let signature: Uint8Array = new Uint8Array(0);
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if ((no === 1 || no === 2) && wt !== WireType.LengthDelimited) throw new CodecError(what, 'malformed');
      if (no === 1) body = r.bytes();
      else if (no === 2) signature = r.bytes();
      else r.skip(wt, no);
    }
  } catch (e) {
    throw e instanceof CodecError ? e : new CodecError(what, 'malformed', { cause: e });
  }
  if (body.length === 0 || signature.length !== 64) throw new CodecError(what, 'no body or signature');
  return { body, signature };
}

/** Decodes a SignedRecord and checks its signature; returns the body bytes. */
export function verifyRecord(key: PublicKey, context: SigningContext, bytes: Uint8Array, what: string): Uint8Array {
  const r = openRecord(bytes, what);
  if (!verifyBytes(key, context, r.body, r.signature)) throw new SignatureError(what);
  return r.body;
}

export function publicKeyFrom(bytes: Uint8Array, what: string): PublicKey {
  try {
    return PublicKey.deserialize(copy(bytes));
  } catch (e) {
    throw new CodecError(what, 'not a public key', { cause: e });
  }
}

/** libsignal's types want ArrayBuffer-backed arrays; copy only what is backed by anything else. */
export function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
