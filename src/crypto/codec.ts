/**
 * Decoding of untrusted bytes. Sizes are checked before parsing, and whatever goes wrong surfaces
 * as a CodecError naming what was being read, never as a protobuf or RangeError.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { MAX_CONTENT_BYTES, MAX_TEXT_BYTES } from '../shared/model/limits.ts';
import { CodecError } from './errors.ts';

/** Upper bounds in bytes, checked before any parsing. */
export const LIMITS = {
  envelope: 256 * 1024,
  /** The same limit the sender checks before sending (src/shared/model/limits.ts). */
  content: MAX_CONTENT_BYTES,
  signedRecord: 64 * 1024,
  enrolmentRequest: 4 * 1024,
  prekey: 4 * 1024,
  /** Text bodies inside a DataMessage, in bytes of UTF-8 (the sender's limit too). */
  textBytes: MAX_TEXT_BYTES,
} as const;

export function decodeMessage<D extends DescMessage>(schema: D, bytes: Uint8Array, limit: number, what: string): MessageShape<D> {
  if (!(bytes instanceof Uint8Array)) throw new CodecError(what, 'not bytes');
  if (bytes.length > limit) throw new CodecError(what, `larger than ${limit} bytes`);
  try {
    return fromBinary(schema, bytes, { readUnknownFields: false });
  } catch (e) {
    throw new CodecError(what, 'malformed', { cause: e });
  }
}

export function encodeMessage<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array<ArrayBuffer> {
  return toBinary(schema, create(schema, init)) as Uint8Array<ArrayBuffer>;
}

/** Converts a uint64 from the wire to a safe JS number, or refuses the record. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function safeNumber(v: bigint, what: string, field: string): number {
  if (v < 0n || v > MAX_SAFE) throw new CodecError(what, `${field} out of range`);
  return Number(v);
}

export function requireLength(bytes: Uint8Array, length: number, what: string, field: string): Uint8Array {
  if (bytes.length !== length) throw new CodecError(what, `${field} must be ${length} bytes`);
  return bytes;
}
