import { describe, expect, it } from 'vitest';
import { hex } from '../base/hex.ts';
import { orderedId } from './orderedId.ts';

describe('orderedId', () => {
  it('is 16 bytes that sort by the time they were made', () => {
    const a = orderedId(1_700_000_000_000);
    const b = orderedId(1_700_000_000_001);
    const c = orderedId(1_800_000_000_000);
    expect(a).toHaveLength(16);
    expect([hex(c), hex(a), hex(b)].sort()).toEqual([hex(a), hex(b), hex(c)]);
    expect(Buffer.from(a).readUIntBE(0, 6)).toBe(1_700_000_000_000);
  });

  it('differs in its random part for ids of the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => hex(orderedId(5))));
    expect(ids.size).toBe(1000);
  });
});
