/**
 * Chunked AES-256-GCM exactly as c2sp.org/chunked-encryption (Cobblestone-256) specifies it, so
 * the published Wycheproof vectors test this code:
 *
 *   key || base nonce || commitment = HKDF-Expand-SHA-512(input key,
 *       "c2sp.org/chunked-encryption@v1+" || "AEAD_AES_256_GCM" || 0x00 || salt || context, 76)
 *   blob = salt (24) || commitment (32) || AES-256-GCM(key, base nonce XOR chunk index, chunk)...
 *
 * Chunks hold 16 KiB of plaintext; the last one is always shorter (possibly empty), which is what
 * marks the end: a stream that stops after a full chunk is truncated, and because the index is in
 * every nonce, chunks cannot be dropped, moved or duplicated without failing authentication.
 * The AEAD's associated data stays empty; the context is bound through the key derivation.
 *
 * Node's crypto does the AES-GCM and the HMAC-SHA-512. HKDF-Expand is the RFC 5869 §2.3 loop over
 * that HMAC (`hkdfExpand`): Node's hkdf always runs Extract first, and HKDF libraries refuse a PRK
 * shorter than the hash (the spec uses the 32-byte input key directly); the published vectors'
 * derived keys check it. Both directions stream and hold at most one chunk plus one input piece.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AttachmentError } from './AttachmentError.ts';
import { ByteQueue } from './ByteQueue.ts';

export const CHUNK_SIZE = 16 * 1024;
export const TAG_SIZE = 16;
export const SALT_SIZE = 24;
export const COMMITMENT_SIZE = 32;
export const HEADER_SIZE = SALT_SIZE + COMMITMENT_SIZE;
export const KEY_SIZE = 32;
export const NONCE_SIZE = 12;
/** The spec allows 2^38 chunks; 2^32 (64 TiB) is the lowest limit it recommends. */
export const MAX_CHUNKS = 2 ** 32;

const SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE;
const INFO_PREFIX = Buffer.from('c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\u0000', 'ascii');
/** How far around a failing chunk's index decryption is tried again, to tell reordering from damage. */
const REORDER_WINDOW = 16;

export interface ChunkKeys {
  readonly key: Buffer;
  readonly baseNonce: Buffer;
  readonly commitment: Buffer;
}

export function deriveChunkKeys(inputKey: Uint8Array, salt: Uint8Array, context: Uint8Array): ChunkKeys {
  if (inputKey.length !== KEY_SIZE) throw new AttachmentError('bad-key');
  if (salt.length !== SALT_SIZE) throw new RangeError(`salt must be ${SALT_SIZE} bytes`);
  const info = Buffer.concat([INFO_PREFIX, salt, context]);
  const okm = hkdfExpand(inputKey, info, KEY_SIZE + NONCE_SIZE + COMMITMENT_SIZE);
  return {
    key: okm.subarray(0, KEY_SIZE),
    baseNonce: okm.subarray(KEY_SIZE, KEY_SIZE + NONCE_SIZE),
    commitment: okm.subarray(KEY_SIZE + NONCE_SIZE),
  };
}

/** HKDF-Expand with SHA-512 (RFC 5869 §2.3): T(i) = HMAC(prk, T(i-1) || info || i). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (length > 255 * 64) throw new RangeError('HKDF-Expand output too long');
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 64 < length; i++) {
    previous = createHmac('sha512', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The base nonce XOR the chunk index as a big-endian integer as wide as the nonce. */
export function chunkNonce(baseNonce: Uint8Array, index: number): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new AttachmentError('too-large');
  const nonce = Buffer.from(baseNonce);
  const low = index >>> 0;
  nonce.writeUInt32BE((nonce.readUInt32BE(NONCE_SIZE - 4) ^ low) >>> 0, NONCE_SIZE - 4);
  return nonce;
}

/** One AEAD call of the scheme (exported for the AES-GCM known-answer tests). */
export function sealChunk(key: Buffer, baseNonce: Buffer, index: number, plain: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  sealChunkInto(parts, key, baseNonce, index, plain);
  return Buffer.concat(parts);
}

/** Appends ciphertext and tag to `parts`, so that many chunks are joined with a single copy. */
function sealChunkInto(parts: Buffer[], key: Buffer, baseNonce: Buffer, index: number, plain: Uint8Array): void {
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(baseNonce, index), { authTagLength: TAG_SIZE });
  parts.push(cipher.update(plain), cipher.final(), cipher.getAuthTag());
}

/** Opens one sealed chunk (ciphertext || tag); null when authentication fails. */
export function openChunk(key: Buffer, baseNonce: Buffer, index: number, sealed: Buffer): Buffer | null {
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(baseNonce, index), { authTagLength: TAG_SIZE });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plain;
}

/** Why a chunk failed: another index opens it (moved or duplicated), or nothing does (changed). */
function failure(key: Buffer, baseNonce: Buffer, index: number, sealed: Buffer): AttachmentError {
  for (let j = Math.max(0, index - REORDER_WINDOW); j <= index + REORDER_WINDOW && j < MAX_CHUNKS; j++) {
    if (j !== index && openChunk(key, baseNonce, j, sealed)) return new AttachmentError('reordered');
  }
  return new AttachmentError('tampered');
}

/** Raw mode: the chunk layer alone, with a key and base nonce from the caller. */
export async function* sealRaw(source: AsyncIterable<Uint8Array>, key: Uint8Array, baseNonce: Uint8Array): AsyncGenerator<Buffer> {
  checkRawKeys(key, baseNonce);
  const k = Buffer.from(key);
  const n = Buffer.from(baseNonce);
  const queue = new ByteQueue();
  let index = 0;
  for await (const piece of source) {
    queue.push(piece);
    // One output piece per input piece: fewer, larger writes downstream.
    const sealed: Buffer[] = [];
    while (queue.length >= CHUNK_SIZE) sealChunkInto(sealed, k, n, index++, queue.take(CHUNK_SIZE));
    if (sealed.length > 0) yield Buffer.concat(sealed);
  }
  yield sealChunk(k, n, index, queue.take(queue.length));
}

export interface OpenOptions {
  /**
   * The exact number of bytes the ciphertext must have, when the caller knows it (a blob whose
   * padded size its message states). Anything longer fails as `extended` as soon as it arrives,
   * anything shorter as `truncated`.
   */
  readonly expectedLength?: number;
}

/** Raw mode decryption; yields each chunk's plaintext once it has been authenticated. */
export async function* openRaw(
  source: AsyncIterable<Uint8Array>,
  key: Uint8Array,
  baseNonce: Uint8Array,
  options: OpenOptions = {},
): AsyncGenerator<Buffer> {
  checkRawKeys(key, baseNonce);
  yield* openChunks(source, new ByteQueue(), Buffer.from(key), Buffer.from(baseNonce), 0, options.expectedLength);
}

function checkRawKeys(key: Uint8Array, baseNonce: Uint8Array): void {
  if (key.length !== KEY_SIZE) throw new AttachmentError('bad-key');
  if (baseNonce.length !== NONCE_SIZE) throw new AttachmentError('bad-key');
}

async function* openChunks(
  source: AsyncIterable<Uint8Array> | AsyncIterator<Uint8Array>,
  queue: ByteQueue,
  key: Buffer,
  baseNonce: Buffer,
  alreadyRead: number,
  expectedLength: number | undefined,
): AsyncGenerator<Buffer> {
  let received = alreadyRead;
  let index = 0;
  const iterable: AsyncIterable<Uint8Array> = Symbol.asyncIterator in source ? source : { [Symbol.asyncIterator]: () => source };
  // Strictly more than one sealed chunk queued: a full chunk is never the last one.
  // Everything that authenticates is released together, as one piece.
  function* whole(): Generator<Buffer> {
    const opened: Buffer[] = [];
    while (queue.length > SEALED_CHUNK) {
      const sealed = queue.take(SEALED_CHUNK);
      const plain = openChunk(key, baseNonce, index, sealed);
      if (!plain) {
        if (opened.length > 0) yield Buffer.concat(opened);
        throw failure(key, baseNonce, index, sealed);
      }
      index++;
      opened.push(plain);
    }
    if (opened.length > 0) yield opened.length === 1 ? opened[0]! : Buffer.concat(opened);
  }
  yield* whole(); // what came with the header
  for await (const piece of iterable) {
    received += piece.length;
    if (expectedLength !== undefined && received > expectedLength) throw new AttachmentError('extended');
    queue.push(piece);
    yield* whole();
  }
  if (expectedLength !== undefined && received < expectedLength) throw new AttachmentError('truncated');
  // The final chunk must hold a tag and less than a full chunk of plaintext.
  if (queue.length < TAG_SIZE || queue.length === SEALED_CHUNK) throw new AttachmentError('truncated');
  const sealed = queue.take(queue.length);
  const plain = openChunk(key, baseNonce, index, sealed);
  if (!plain) throw failure(key, baseNonce, index, sealed);
  yield plain;
}

/** Full mode: salt || commitment || chunks, keys derived from `inputKey`, a fresh salt and `context`. */
export async function* seal(
  source: AsyncIterable<Uint8Array>,
  inputKey: Uint8Array,
  context: Uint8Array,
  salt: Uint8Array = randomBytes(SALT_SIZE),
): AsyncGenerator<Buffer> {
  const { key, baseNonce, commitment } = deriveChunkKeys(inputKey, salt, context);
  yield Buffer.concat([salt, commitment]);
  yield* sealRaw(source, key, baseNonce);
}

/**
 * Full mode decryption. The commitment is checked before any chunk is opened: a blob made with
 * another key or another context fails as `not-this-message`.
 */
export async function* open(
  source: AsyncIterable<Uint8Array>,
  inputKey: Uint8Array,
  context: Uint8Array,
  options: OpenOptions = {},
): AsyncGenerator<Buffer> {
  if (inputKey.length !== KEY_SIZE) throw new AttachmentError('bad-key');
  const { expectedLength } = options;
  const iterator = source[Symbol.asyncIterator]();
  const queue = new ByteQueue();
  let received = 0;
  while (queue.length < HEADER_SIZE) {
    const next = await iterator.next();
    if (next.done) throw new AttachmentError('truncated');
    received += next.value.length;
    if (expectedLength !== undefined && received > expectedLength) throw new AttachmentError('extended');
    queue.push(next.value);
  }
  const salt = queue.take(SALT_SIZE);
  const commitment = queue.take(COMMITMENT_SIZE);
  const derived = deriveChunkKeys(inputKey, salt, context);
  if (!timingSafeEqual(commitment, derived.commitment)) throw new AttachmentError('not-this-message');
  yield* openChunks(iterator, queue, derived.key, derived.baseNonce, received, expectedLength);
}

/** Bytes of ciphertext (header included) for `plaintextLength` bytes of plaintext. */
export function sealedLength(plaintextLength: number): number {
  return HEADER_SIZE + plaintextLength + TAG_SIZE * (Math.floor(plaintextLength / CHUNK_SIZE) + 1);
}
