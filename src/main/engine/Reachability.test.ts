import { describe, expect, it } from 'vitest';
import { Reachability, isUnreachable } from './Reachability.ts';

describe('Reachability', () => {
  it('tries an unreachable device again only after a while, and forgets it once reached', () => {
    const r = new Reachability(10_000);
    expect(r.shouldTry('dave/1', 0)).toBe(true);
    r.failed('dave/1', 0);
    expect(r.shouldTry('dave/1', 9_999)).toBe(false);
    expect(r.shouldTry('bob/1', 5)).toBe(true);
    expect(r.shouldTry('dave/1', 10_000)).toBe(true);
    r.reached('dave/1');
    expect(r.shouldTry('dave/1', 10_001)).toBe(true);
  });

  it('tells a device without keys from a relay or connection failure', () => {
    expect(isUnreachable({ code: 'NO_PREKEYS' })).toBe(true);
    expect(isUnreachable({ code: 'NO_SESSION' })).toBe(true);
    expect(isUnreachable({ code: 'RELAY_UNAVAILABLE' })).toBe(false);
    expect(isUnreachable(new Error('boom'))).toBe(false);
    expect(isUnreachable(null)).toBe(false);
  });
});
