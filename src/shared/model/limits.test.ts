import { describe, expect, it } from 'vitest';
import { isWellFormedText, MAX_CONTENT_BYTES, MAX_TEXT_BYTES, utf8Length } from './limits.ts';

describe('limits', () => {
  it('counts UTF-8 bytes as an encoder writes them', () => {
    for (const s of ['', 'abc', 'é', '交渉', '😀', 'a😀b交', '\ud800', 'x\udc00y']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
    expect(utf8Length('交'.repeat(65_536))).toBe(196_608);
    expect(utf8Length('交'.repeat(65_536))).toBeGreaterThan(MAX_TEXT_BYTES);
    expect(MAX_TEXT_BYTES).toBeLessThan(MAX_CONTENT_BYTES);
  });

  it('tells a lone surrogate from a well-formed pair', () => {
    expect(isWellFormedText('a😀b 交渉')).toBe(true);
    expect(isWellFormedText('')).toBe(true);
    for (const bad of ['\ud83d', 'a\ud83d', '\ude00', 'a\ude00\ud83d', '\ud83d\ud83d\ude00x\ud83d']) expect(isWellFormedText(bad)).toBe(false);
  });
});
