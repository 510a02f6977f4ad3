import { describe, expect, it } from 'vitest';
import { unsafeTextReason } from './unsafeTextReason.ts';

describe('unsafeTextReason', () => {
  it('refuses what hides or rewrites what the officer reads', () => {
    expect(unsafeTextReason('\u001b[31mroot')).toBe('control characters');
    expect(unsafeTextReason('bob\nofficer')).toBe('control characters');
    expect(unsafeTextReason('\u0085x')).toBe('control characters');
    for (const c of ['\u202E', '\u2066', '\u200F', '\u200B', '\u200D', '\uFEFF', '\u00AD', '\u{E0041}']) {
      expect(unsafeTextReason(`al${c}ice`), c.codePointAt(0)!.toString(16)).toBe('invisible or direction-changing characters');
    }
    expect(unsafeTextReason('a\u2028b')).toBe('line breaks');
    expect(unsafeTextReason('\u3164')).toBe('blank characters');
  });

  it('lets names in any script through', () => {
    for (const n of ['Zoë Ångström-Łukasiewicz', 'Алексей', '李小龍', 'محمد', "O'Brien (delegation)", 'Ana María']) expect(unsafeTextReason(n)).toBeUndefined();
  });
});
