import { describe, expect, it } from 'vitest';
import { sealedLength } from './ChunkedAead.ts';
import { SMALLEST_BUCKET, blobLength, isBlobLength, paddedSize } from './paddedSize.ts';

describe('paddedSize', () => {
  it('pads every size up to its bucket with at most 5 % overhead above the smallest bucket', () => {
    for (const size of [0, 1, 1024, 1025, 5000, 65_536, 1_000_000, 100 * 1024 * 1024]) {
      const padded = paddedSize(size);
      expect(padded).toBeGreaterThanOrEqual(Math.max(size, SMALLEST_BUCKET));
      if (size > SMALLEST_BUCKET) expect(padded / size).toBeLessThanOrEqual(1.05);
      expect(paddedSize(padded)).toBe(padded);
    }
  });

  it('hides sizes within a bucket: many sizes, few lengths', () => {
    const lengths = new Set<number>();
    let sizes = 0;
    for (let size = 0; size <= 1024 * 1024; size += 97, sizes++) lengths.add(blobLength(size));
    // 1 KiB to 1 MiB is a factor 1024 = 1.05^142: about 142 buckets for 10,811 sizes.
    expect(sizes).toBeGreaterThan(10_000);
    expect(lengths.size).toBeLessThanOrEqual(143);
  });

  it('tells the relay which blob lengths are possible', () => {
    expect(isBlobLength(blobLength(0))).toBe(true);
    expect(isBlobLength(blobLength(3_000_000))).toBe(true);
    expect(isBlobLength(blobLength(3_000_000) + 1)).toBe(false);
    expect(isBlobLength(sealedLength(3_000_000))).toBe(false);
    expect(isBlobLength(0)).toBe(false);
    expect(isBlobLength(-5)).toBe(false);
  });

  it('refuses sizes that are not byte counts', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) expect(() => paddedSize(bad)).toThrow(/described wrongly/);
  });
});
