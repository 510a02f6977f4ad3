import { describe, expect, it } from 'vitest';
import { ByteQueue } from './ByteQueue.ts';

describe('ByteQueue', () => {
  it('returns bytes in order in any split, across and within pieces', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const q = new ByteQueue();
    for (let at = 0; at < bytes.length; at += 37) q.push(bytes.subarray(at, at + 37));
    q.push(new Uint8Array(0));
    const out: Buffer[] = [];
    for (const n of [1, 36, 37, 100, 0, 500]) out.push(q.take(n));
    out.push(q.take(q.length));
    expect(q.length).toBe(0);
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
    expect(() => q.take(1)).toThrow(RangeError);
  });
});
