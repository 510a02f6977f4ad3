/**
 * The attachment scheme as an attacker meets it: a relay (or anyone on the path) that changes,
 * cuts, reorders, extends or swaps blobs, and a sender that lies about a file's size. Each attempt
 * must end in a typed error, and no plaintext from a damaged chunk may come out.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { AttachmentEncryptor, decryptAttachment, type AttachmentBinding, type AttachmentDescriptor } from './AttachmentCipher.ts';
import { AttachmentError } from './AttachmentError.ts';
import { CHUNK_SIZE, HEADER_SIZE, TAG_SIZE } from './ChunkedAead.ts';
import { blobLength, paddedSize } from './paddedSize.ts';

const SEALED = CHUNK_SIZE + TAG_SIZE;
const A: AttachmentBinding = { channelId: 'channel-1', messageId: 'message-a', index: 0 };
const B: AttachmentBinding = { channelId: 'channel-1', messageId: 'message-b', index: 0 };

async function* pieces(bytes: Uint8Array, size = 5000): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield Buffer.from(bytes.subarray(at, at + size));
}

async function encrypt(file: Buffer, binding = A, key?: Uint8Array): Promise<{ blob: Buffer; descriptor: AttachmentDescriptor }> {
  const enc = new AttachmentEncryptor(binding, key);
  const parts: Buffer[] = [];
  for await (const p of enc.encrypt(pieces(file))) parts.push(p);
  return { blob: Buffer.concat(parts), descriptor: enc.descriptor };
}

async function decrypt(blob: Buffer, descriptor: AttachmentDescriptor, binding = A, pieceSize = 7001): Promise<{ out: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const p of decryptAttachment(pieces(blob, pieceSize), descriptor, binding)) parts.push(p);
    return { out: Buffer.concat(parts), error: null };
  } catch (error) {
    return { out: Buffer.concat(parts), error };
  }
}

async function refusal(blob: Buffer, descriptor: AttachmentDescriptor, binding = A): Promise<string> {
  const { error } = await decrypt(blob, descriptor, binding);
  expect(error).toBeInstanceOf(AttachmentError);
  return (error as AttachmentError).code;
}

const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at]! ^= 0x01;
  return c;
};

describe('AttachmentCipher', () => {
  it('round-trips files of every awkward size, in uneven stream pieces', async () => {
    for (const size of [0, 1, 1023, 1024, 1025, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 100_000]) {
      const file = randomBytes(size);
      const { blob, descriptor } = await encrypt(file);
      expect(descriptor.size).toBe(size);
      expect(blob.length).toBe(blobLength(size));
      const { out, error } = await decrypt(blob, descriptor);
      expect(error).toBeNull();
      expect(out.equals(file)).toBe(true);
    }
  });

  it('opens a blob however the stream cuts it: one piece, single bytes, or pieces larger than a chunk', async () => {
    const file = randomBytes(2 * CHUNK_SIZE + 123);
    const { blob, descriptor } = await encrypt(file);
    for (const pieceSize of [blob.length, 1, CHUNK_SIZE + TAG_SIZE, CHUNK_SIZE + TAG_SIZE + 1, 3 * CHUNK_SIZE]) {
      const { out, error } = await decrypt(blob, descriptor, A, pieceSize);
      expect(error, `pieces of ${pieceSize}`).toBeNull();
      expect(out.equals(file)).toBe(true);
    }
  });

  it('gives the relay only the size bucket: files of different sizes in one bucket make blobs of one length', async () => {
    expect(paddedSize(1520)).toBe(paddedSize(1580));
    const small = await encrypt(randomBytes(1520));
    const larger = await encrypt(randomBytes(1580));
    expect(small.blob.length).toBe(larger.blob.length);
    expect(paddedSize(100 * 1024 * 1024) / (100 * 1024 * 1024)).toBeLessThan(1.05);
  });

  it('uses a fresh key per file: the same file sent twice shares no key and no ciphertext', async () => {
    const file = randomBytes(5000);
    const one = await encrypt(file);
    const two = await encrypt(file);
    expect(Buffer.from(one.descriptor.key).equals(Buffer.from(two.descriptor.key))).toBe(false);
    expect(one.blob.subarray(HEADER_SIZE).equals(two.blob.subarray(HEADER_SIZE))).toBe(false);
  });

  it('refuses a blob with any single byte changed', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(1500));
    for (let at = 0; at < blob.length; at++) {
      const code = await refusal(flip(blob, at), descriptor);
      expect(code, `byte ${at}`).toBe(at < HEADER_SIZE ? 'ATTACHMENT_NOT_THIS_MESSAGE' : 'ATTACHMENT_TAMPERED');
    }
  });

  it('refuses a changed chunk in a long file without releasing any of its bytes', async () => {
    const file = randomBytes(5 * CHUNK_SIZE + 300);
    const { blob, descriptor } = await encrypt(file);
    for (const chunk of [0, 2, 5]) {
      for (const offset of [0, 1000, SEALED - 1]) {
        const at = HEADER_SIZE + chunk * SEALED + offset;
        if (at >= blob.length) continue;
        const { out, error } = await decrypt(flip(blob, at), descriptor);
        expect((error as AttachmentError).code).toBe('ATTACHMENT_TAMPERED');
        expect(out.length).toBeLessThanOrEqual(chunk * CHUNK_SIZE);
        expect(out.equals(file.subarray(0, out.length))).toBe(true);
      }
    }
  });

  it('refuses a truncated blob: cut anywhere, or with whole chunks removed from the end', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(3 * CHUNK_SIZE + 10));
    for (const length of [0, 10, HEADER_SIZE, HEADER_SIZE + 100, HEADER_SIZE + SEALED, HEADER_SIZE + 2 * SEALED, blob.length - 1]) {
      expect(await refusal(blob.subarray(0, length), descriptor)).toBe('ATTACHMENT_TRUNCATED');
    }
  });

  it('refuses reordered and duplicated chunks', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(4 * CHUNK_SIZE + 10));
    const head = blob.subarray(0, HEADER_SIZE);
    const chunk = (i: number) => blob.subarray(HEADER_SIZE + i * SEALED, HEADER_SIZE + (i + 1) * SEALED);
    const rest = blob.subarray(HEADER_SIZE + 3 * SEALED);
    const swapped = Buffer.concat([head, chunk(1), chunk(0), chunk(2), rest]);
    const duplicated = Buffer.concat([head, chunk(0), chunk(0), chunk(2), rest]);
    const moved = Buffer.concat([head, chunk(0), chunk(2), chunk(1), rest]);
    for (const reordered of [swapped, duplicated, moved]) {
      expect(reordered.length).toBe(blob.length);
      expect(await refusal(reordered, descriptor)).toBe('ATTACHMENT_REORDERED');
    }
  });

  it('refuses data appended after the final chunk, even a valid chunk of the same file', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(2 * CHUNK_SIZE + 10));
    expect(await refusal(Buffer.concat([blob, Buffer.of(0)]), descriptor)).toBe('ATTACHMENT_EXTENDED');
    const again = blob.subarray(HEADER_SIZE, HEADER_SIZE + SEALED);
    expect(await refusal(Buffer.concat([blob, again]), descriptor)).toBe('ATTACHMENT_EXTENDED');
  });

  it('refuses a blob whose digest differs from the one in the message', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(40_000));
    const digest = Buffer.from(descriptor.digest);
    digest[0]! ^= 0x80;
    expect(await refusal(blob, { ...descriptor, digest })).toBe('ATTACHMENT_DIGEST_MISMATCH');
  });

  it('refuses a blob swapped in from another message, before opening any chunk', async () => {
    const a = await encrypt(randomBytes(3000), A);
    const b = await encrypt(randomBytes(3000), B);
    expect(a.blob.length).toBe(b.blob.length);
    const { out, error } = await decrypt(a.blob, b.descriptor, B);
    expect((error as AttachmentError).code).toBe('ATTACHMENT_NOT_THIS_MESSAGE');
    expect(out.length).toBe(0);
  });

  it('refuses one key and blob reused by a sender under another message, channel or position', async () => {
    const key = randomBytes(32);
    const { blob, descriptor } = await encrypt(randomBytes(3000), A, key);
    for (const other of [B, { ...A, channelId: 'channel-2' }, { ...A, index: 1 }]) {
      expect(await refusal(blob, descriptor, other)).toBe('ATTACHMENT_NOT_THIS_MESSAGE');
    }
  });

  it('refuses a message that understates the size of its file', async () => {
    const file = Buffer.alloc(2000, 0x41);
    const { blob, descriptor } = await encrypt(file);
    expect(paddedSize(1990)).toBe(paddedSize(2000));
    expect(await refusal(blob, { ...descriptor, size: 1990 })).toBe('ATTACHMENT_BAD_PADDING');
    expect(['ATTACHMENT_TRUNCATED', 'ATTACHMENT_EXTENDED']).toContain(await refusal(blob, { ...descriptor, size: 500 }));
  });

  it('has no descriptor before encryption ends and encrypts only once', async () => {
    const enc = new AttachmentEncryptor(A);
    expect(() => enc.descriptor).toThrow(AttachmentError);
    for await (const _ of enc.encrypt(pieces(randomBytes(10)))) void _;
    expect(enc.descriptor.size).toBe(10);
    await expect(enc.encrypt(pieces(randomBytes(10))).next()).rejects.toMatchObject({ code: 'ATTACHMENT_MISUSE' });
  });

  it('refuses a descriptor with a key or digest of the wrong length', async () => {
    const { blob, descriptor } = await encrypt(randomBytes(100));
    expect(await refusal(blob, { ...descriptor, key: descriptor.key.subarray(0, 16) })).toBe('ATTACHMENT_BAD_KEY');
    expect(await refusal(blob, { ...descriptor, digest: descriptor.digest.subarray(0, 16) })).toBe('ATTACHMENT_BAD_DESCRIPTOR');
    expect(await refusal(blob, { ...descriptor, size: -1 })).toBe('ATTACHMENT_BAD_DESCRIPTOR');
  });

  it('streams a 100 MiB file both ways with less than 64 MiB of memory growth', async () => {
    const SIZE = 100 * 1024 * 1024;
    const piece = randomBytes(64 * 1024);
    const sent = createHash('sha256');
    async function* file(): AsyncGenerator<Buffer> {
      for (let at = 0; at < SIZE; at += piece.length) {
        sent.update(piece);
        yield piece;
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-attachment-'));
    const blobFile = path.join(dir, 'blob');
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    let seen = 0;
    const sample = () => {
      if (++seen % 64 !== 0) return;
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    try {
      const enc = new AttachmentEncryptor(A);
      async function* measured(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const p of source) {
          sample();
          yield p;
        }
      }
      await pipeline(measured(enc.encrypt(file())), fs.createWriteStream(blobFile));
      expect(fs.statSync(blobFile).size).toBe(blobLength(SIZE));
      const received = createHash('sha256');
      let length = 0;
      for await (const p of measured(decryptAttachment(fs.createReadStream(blobFile), enc.descriptor, A))) {
        received.update(p);
        length += p.length;
      }
      expect(length).toBe(SIZE);
      expect(received.digest('hex')).toBe(sent.digest('hex'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const MiB = 1024 * 1024;
    expect((peakRss - baseline.rss) / MiB).toBeLessThan(64);
    expect((peakHeap - baseline.heapUsed) / MiB).toBeLessThan(64);
  }, 120_000);
});
