import { describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { compareScannable, formatSafetyNumber, safetyNumber } from './safetyNumber.ts';
import { CodecError } from './errors.ts';

describe('safety numbers', () => {
  const a = IdentityKeyPair.generate().publicKey;
  const b = IdentityKeyPair.generate().publicKey;

  it('both sides see the same 60 digits and their codes match', () => {
    const mine = safetyNumber('alice', a, 'bob', b);
    const theirs = safetyNumber('bob', b, 'alice', a);
    expect(mine.digits).toMatch(/^\d{60}$/);
    expect(mine.digits).toBe(theirs.digits);
    expect(compareScannable(mine.scannable, theirs.scannable)).toBe(true);
    expect(formatSafetyNumber(mine.digits).split(' ')).toHaveLength(12);
  });

  it('changes when a key changes, and the codes no longer match', () => {
    const mine = safetyNumber('alice', a, 'bob', b);
    const swapped = safetyNumber('bob', IdentityKeyPair.generate().publicKey, 'alice', a);
    expect(swapped.digits).not.toBe(mine.digits);
    expect(compareScannable(mine.scannable, swapped.scannable)).toBe(false);
  });

  it('refuses garbage as a scanned code', () => {
    const mine = safetyNumber('alice', a, 'bob', b);
    expect(() => compareScannable(mine.scannable, new Uint8Array([1, 2, 3]))).toThrow(CodecError);
  });
});
