import { describe, expect, it } from 'vitest';
import { printable } from './printable.ts';

describe('printable', () => {
  it('shows escapes, bidi and invisible characters instead of letting them act', () => {
    expect(printable('Eve\u001b[2J\u001b[1;1HAmbassador')).toBe('Eve\\u{1B}[2J\\u{1B}[1;1HAmbassador');
    expect(printable('abc\u202Efdp.exe')).toBe('abc\\u{202E}fdp.exe');
    expect(printable('A\u200Bb\nc')).toBe('A\\u{200B}b\\u{A}c');
    expect(printable('Zoë Åström 李')).toBe('Zoë Åström 李');
  });
});
