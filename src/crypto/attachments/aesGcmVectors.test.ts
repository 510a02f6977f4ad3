/**
 * Wycheproof's AES-GCM vectors with the parameters the attachment scheme uses (256-bit key, 96-bit
 * nonce, 128-bit tag): through the scheme's own chunk calls where the vector has no associated data
 * (the scheme never uses any), and through Node's aes-256-gcm with the vector's AAD for all of them.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openChunk, sealChunk } from './ChunkedAead.ts';

interface AeadVector {
  tcId: number;
  comment: string;
  flags: string[];
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface AeadGroup {
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: AeadVector[];
}

const file = path.resolve(import.meta.dirname, '../../../test/vectors/wycheproof/aes_gcm_test.json');
const suite = JSON.parse(fs.readFileSync(file, 'utf8')) as { algorithm: string; testGroups: AeadGroup[] };
const vectors = suite.testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128).flatMap((g) => g.tests);
const hex = (s: string) => Buffer.from(s, 'hex');

function nodeOpen(v: AeadVector): Buffer | null {
  const d = createDecipheriv('aes-256-gcm', hex(v.key), hex(v.iv), { authTagLength: 16 });
  d.setAAD(hex(v.aad));
  d.setAuthTag(hex(v.tag));
  const out = d.update(hex(v.ct));
  try {
    d.final();
    return out;
  } catch {
    return null;
  }
}

function nodeSeal(v: AeadVector): Buffer {
  const c = createCipheriv('aes-256-gcm', hex(v.key), hex(v.iv), { authTagLength: 16 });
  c.setAAD(hex(v.aad));
  return Buffer.concat([c.update(hex(v.msg)), c.final(), c.getAuthTag()]);
}

describe('Wycheproof AES-GCM (256-bit key, 96-bit nonce, 128-bit tag)', () => {
  it('has both valid and invalid vectors to run', () => {
    expect(suite.algorithm).toBe('AES-GCM');
    expect(vectors.filter((v) => v.result === 'valid').length).toBeGreaterThan(30);
    expect(vectors.filter((v) => v.result === 'invalid').length).toBeGreaterThan(20);
  });

  for (const v of vectors) {
    it(`#${v.tcId} ${v.comment || v.flags.join(',')} (${v.result})`, () => {
      const sealed = Buffer.concat([hex(v.ct), hex(v.tag)]);
      const opened = nodeOpen(v);
      if (v.result === 'valid') {
        expect(nodeSeal(v).equals(sealed)).toBe(true);
        expect(opened?.equals(hex(v.msg))).toBe(true);
      } else {
        expect(opened).toBeNull();
      }
      if (v.aad === '') {
        // The scheme's chunk calls: chunk 0's nonce is the base nonce itself.
        const viaScheme = openChunk(hex(v.key), hex(v.iv), 0, sealed);
        if (v.result === 'valid') {
          expect(viaScheme?.equals(hex(v.msg))).toBe(true);
          expect(sealChunk(hex(v.key), hex(v.iv), 0, hex(v.msg)).equals(sealed)).toBe(true);
        } else {
          expect(viaScheme).toBeNull();
        }
      }
    });
  }
});
