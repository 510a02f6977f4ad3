/**
 * End-to-end encryption of one attached file (DESIGN.md §5 "Documents").
 *
 * Each file gets a fresh random 32-byte key. The file is padded with zeros to its size bucket
 * (`paddedSize`) and sealed with the chunked AES-256-GCM of `ChunkedAead.ts`, whose context binds
 * the blob to one channel, one message and the file's place in it. The SHA-256 digest of the whole
 * blob, the key and the exact size form the `AttachmentDescriptor` that travels inside the
 * end-to-end encrypted message; the relay stores only the blob.
 *
 * Receiving checks, while streaming: the commitment (a blob of another message or key fails
 * before any chunk is opened), every chunk's tag and place, the exact blob length, that the
 * padding is zeros, and at the end the digest. Plaintext is yielded as chunks authenticate; a
 * caller keeps it provisional (a temporary encrypted file) until the iteration ends without error.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AttachmentError } from './AttachmentError.ts';
import { CHUNK_SIZE, KEY_SIZE, open, seal, sealedLength } from './ChunkedAead.ts';
import { paddedSize } from './paddedSize.ts';

export const DIGEST_SIZE = 32;

/** Where a file belongs; the same values must be given when it is opened. */
export interface AttachmentBinding {
  readonly channelId: string;
  readonly messageId: string;
  /** The file's position among the message's attachments. */
  readonly index: number;
}

/** What the message carries about a file (besides its name and type, which the client adds). */
export interface AttachmentDescriptor {
  readonly key: Uint8Array;
  /** SHA-256 of the whole encrypted blob. */
  readonly digest: Uint8Array;
  /** The file's exact size in bytes. */
  readonly size: number;
}

const CONTEXT_LABEL = Buffer.from('valise/v1/attachment\u0000', 'ascii');
const ZEROS = Buffer.alloc(CHUNK_SIZE);

/** The chunk layer's context: label, then length-prefixed channel and message ids, then the index. */
export function bindingContext(binding: AttachmentBinding): Buffer {
  const channel = Buffer.from(binding.channelId, 'utf8');
  const message = Buffer.from(binding.messageId, 'utf8');
  if (channel.length > 0xffff || message.length > 0xffff || !Number.isInteger(binding.index) || binding.index < 0 || binding.index > 0xffff) {
    throw new AttachmentError('bad-descriptor');
  }
  const out = Buffer.alloc(CONTEXT_LABEL.length + 2 + channel.length + 2 + message.length + 2);
  let at = CONTEXT_LABEL.copy(out, 0);
  at = out.writeUInt16BE(channel.length, at);
  at += channel.copy(out, at);
  at = out.writeUInt16BE(message.length, at);
  at += message.copy(out, at);
  out.writeUInt16BE(binding.index, at);
  return out;
}

/** Encrypts one file; read `descriptor` once `encrypt`'s iteration has finished. */
export class AttachmentEncryptor {
  private result: AttachmentDescriptor | null = null;
  private started = false;
  private readonly key: Buffer;

  constructor(
    private readonly binding: AttachmentBinding,
    /** Only for tests and known-answer checks; a real file always gets a fresh key. */
    key: Uint8Array = randomBytes(KEY_SIZE),
  ) {
    if (key.length !== KEY_SIZE) throw new AttachmentError('bad-key');
    this.key = Buffer.from(key);
  }

  /** Yields the blob: header, then sealed chunks. Call once. */
  async *encrypt(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    if (this.started) throw new AttachmentError('misuse');
    this.started = true;
    let size = 0;
    async function* padded(): AsyncGenerator<Uint8Array> {
      for await (const piece of source) {
        size += piece.length;
        yield piece;
      }
      for (let left = paddedSize(size) - size; left > 0; left -= CHUNK_SIZE) yield ZEROS.subarray(0, Math.min(left, CHUNK_SIZE));
    }
    const hash = createHash('sha256');
    for await (const piece of seal(padded(), this.key, bindingContext(this.binding))) {
      hash.update(piece);
      yield piece;
    }
    this.result = { key: this.key, digest: hash.digest(), size };
  }

  get descriptor(): AttachmentDescriptor {
    if (!this.result) throw new AttachmentError('misuse');
    return this.result;
  }
}

/**
 * Opens a blob against the descriptor and binding its message gave; yields exactly `size` bytes
 * of the file, or throws an `AttachmentError`.
 */
export async function* decryptAttachment(
  blob: AsyncIterable<Uint8Array>,
  descriptor: AttachmentDescriptor,
  binding: AttachmentBinding,
): AsyncGenerator<Buffer> {
  const { key, digest, size } = descriptor;
  if (key.length !== KEY_SIZE) throw new AttachmentError('bad-key');
  if (digest.length !== DIGEST_SIZE) throw new AttachmentError('bad-descriptor');
  const padded = paddedSize(size);
  const hash = createHash('sha256');
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const piece of blob) {
      hash.update(piece);
      yield piece;
    }
  }
  let opened = 0;
  for await (const plain of open(hashed(), key, bindingContext(binding), { expectedLength: sealedLength(padded) })) {
    const keep = Math.max(0, Math.min(plain.length, size - opened));
    for (let at = keep; at < plain.length; at += ZEROS.length) {
      const padding = plain.subarray(at, at + ZEROS.length);
      if (!padding.equals(ZEROS.subarray(0, padding.length))) throw new AttachmentError('bad-padding');
    }
    opened += plain.length;
    if (keep > 0) yield plain.subarray(0, keep);
  }
  if (opened !== padded) throw new AttachmentError('bad-padding');
  if (!timingSafeEqual(hash.digest(), digest)) throw new AttachmentError('digest-mismatch');
}
