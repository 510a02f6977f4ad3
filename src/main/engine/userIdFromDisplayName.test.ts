import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidUserId } from '../../crypto/index.ts';
import { userIdFromDisplayName } from './userIdFromDisplayName.ts';

describe('userIdFromDisplayName', () => {
  it('turns names with spaces, accents and other scripts into valid user ids', () => {
    expect(userIdFromDisplayName('Alice Martin')).toBe('alice-martin');
    expect(userIdFromDisplayName('  Élodie  Dupont-Lévy ')).toBe('elodie-dupont-levy');
    expect(userIdFromDisplayName('Jean / Paul \\ II')).toBe('jean-paul-ii');
    expect(userIdFromDisplayName('李雷')).toBe('李雷');
    expect(userIdFromDisplayName('   ')).toBe('officer');
    expect(userIdFromDisplayName('!!!')).toBe('officer');
  });

  it('always gives an id the certificates accept', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'grapheme' }), (name) => {
      expect(isValidUserId(userIdFromDisplayName(name))).toBe(true);
    }), { numRuns: 500 });
  });
});
