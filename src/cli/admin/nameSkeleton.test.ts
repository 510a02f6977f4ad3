import { describe, expect, it } from 'vitest';
import { nameSkeleton } from './nameSkeleton.ts';

describe('nameSkeleton', () => {
  it('gives look-alike names one skeleton and different names different ones', () => {
    expect(nameSkeleton('\u0410lice Martin')).toBe(nameSkeleton('Alice Martin')); // Cyrillic А
    expect(nameSkeleton('ALICE\u200B  martin')).toBe(nameSkeleton('alice martin'));
    expect(nameSkeleton('\uFF21lice Martin')).toBe(nameSkeleton('Alice Martin')); // fullwidth Ａ
    expect(nameSkeleton('Alice Martin')).not.toBe(nameSkeleton('Alice Marten'));
  });
});
