/**
 * Wycheproof's Cobblestone-256 vectors (c2sp.org/chunked-encryption) against the chunk layer:
 * every valid vector decrypts to the stated length and SHA-512, every invalid one fails (and a
 * streaming decryption never yields more than the valid prefix), and raw-mode encryption of the
 * recovered messages reproduces the published ciphertexts byte for byte.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AttachmentError } from './AttachmentError.ts';
import { HEADER_SIZE, deriveChunkKeys, open, openRaw, sealRaw } from './ChunkedAead.ts';

interface ChunkedVector {
  tcId: number;
  comment: string;
  key: string;
  ctx: string;
  ct: string;
  aeadKey?: string;
  baseNonce?: string;
  msgLength: number;
  msgSha512: string;
  result: 'valid' | 'invalid';
  flags: string[];
}

const file = path.resolve(import.meta.dirname, '../../../test/vectors/wycheproof/c2sp_chunked_encryption_aes_256_gcm_test.json');
const suite = JSON.parse(fs.readFileSync(file, 'utf8')) as { algorithm: string; testGroups: { aead: string; sha: string; tests: ChunkedVector[] }[] };
const vectors = suite.testGroups.flatMap((g) => g.tests);
const hex = (s: string) => Buffer.from(s, 'hex');
const ciphertext = (v: ChunkedVector) => zlib.inflateSync(hex(v.ct));

/** Feeds bytes in uneven pieces, as a network or disk stream would. */
async function* pieces(bytes: Buffer, size = 7000): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Collects the output until the stream ends or fails; returns what came out and the error. */
async function drain(stream: AsyncIterable<Buffer>): Promise<{ out: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const p of stream) parts.push(p);
    return { out: Buffer.concat(parts), error: null };
  } catch (error) {
    return { out: Buffer.concat(parts), error };
  }
}

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('Wycheproof c2sp chunked encryption (AES-256-GCM)', () => {
  it('is the Cobblestone-256 file with all its vectors', () => {
    expect(suite.algorithm).toBe('Cobblestone-256');
    expect(suite.testGroups.every((g) => g.aead === 'AEAD_AES_256_GCM' && g.sha === 'SHA-512')).toBe(true);
    expect(vectors.length).toBe(35);
  });

  for (const v of vectors) {
    it(`#${v.tcId} ${v.comment} (${v.result})`, async () => {
      const ct = ciphertext(v);
      const { out, error } = await drain(open(pieces(ct), hex(v.key), hex(v.ctx)));
      if (v.result === 'valid') {
        expect(error).toBeNull();
        expect(out.length).toBe(v.msgLength);
        expect(sha512(out)).toBe(v.msgSha512);
        return;
      }
      expect(error).toBeInstanceOf(AttachmentError);
      if (v.flags.includes('HeaderFailure')) expect(out.length).toBe(0);
      if (v.flags.includes('PartialPlaintext')) {
        expect(out.length).toBeLessThanOrEqual(v.msgLength);
        if (out.length === v.msgLength) expect(sha512(out)).toBe(v.msgSha512);
      }
    });
  }

  const withKeys = vectors.filter((v) => v.aeadKey && v.baseNonce);

  it('derives the published AEAD key and base nonce from key, salt and context', () => {
    for (const v of withKeys) {
      const ct = ciphertext(v);
      const derived = deriveChunkKeys(hex(v.key), ct.subarray(0, 24), hex(v.ctx));
      expect(derived.key.toString('hex'), `#${v.tcId}`).toBe(v.aeadKey);
      expect(derived.baseNonce.toString('hex'), `#${v.tcId}`).toBe(v.baseNonce);
      if (v.result === 'valid') expect(derived.commitment.equals(ct.subarray(24, 56)), `#${v.tcId}`).toBe(true);
    }
  });

  it('raw mode: decrypts valid vectors, refuses invalid ones, and re-encrypts to the same bytes', async () => {
    for (const v of withKeys) {
      const body = ciphertext(v).subarray(HEADER_SIZE);
      const { out, error } = await drain(openRaw(pieces(body, 5000), hex(v.aeadKey!), hex(v.baseNonce!)));
      if (v.result === 'invalid') {
        expect(error, `#${v.tcId}`).toBeInstanceOf(AttachmentError);
        continue;
      }
      expect(error, `#${v.tcId}`).toBeNull();
      expect(sha512(out), `#${v.tcId}`).toBe(v.msgSha512);
      const again = await drain(sealRaw(pieces(out, 3000), hex(v.aeadKey!), hex(v.baseNonce!)));
      expect(again.out.equals(body), `#${v.tcId}`).toBe(true);
    }
  });
});
