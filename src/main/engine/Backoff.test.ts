import { describe, expect, it } from 'vitest';
import { Backoff } from './Backoff.ts';

describe('Backoff', () => {
  it('grows exponentially up to the cap and starts over after a success', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999 });
    const delays = Array.from({ length: 6 }, () => b.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    b.reset();
    expect(b.next()).toBe(99);
  });

  it('spreads clients apart (jitter) but never retries at once', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const b = new Backoff({ baseMs: 1000, maxMs: 60_000 });
      for (let k = 0; k < 4; k++) b.next();
      seen.add(b.next());
    }
    expect(seen.size).toBeGreaterThan(40);
    const zero = new Backoff({ baseMs: 400, maxMs: 1000, random: () => 0 });
    expect(zero.next()).toBe(100);
  });
});
