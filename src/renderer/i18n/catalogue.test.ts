import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { formatDuration, pickLanguage, translate } from './catalogue.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('French translates every English string with the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key].trim(), key).not.toBe('');
      expect(placeholders(fr[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'wipe.progress', { done: 13, total: 14 })).toBe('Wiped on 13 of 14 devices');
    expect(translate('fr', 'wipe.progress', { done: 13 })).toBe('Effacé sur 13 appareils sur {total}');
  });

  it('picks the first supported language of the reader', () => {
    expect(pickLanguage(['de-DE', 'fr-BE', 'en'])).toBe('fr');
    expect(pickLanguage(['de'])).toBe('en');
  });

  it('formats durations in whole units', () => {
    expect(formatDuration('en', 24 * 3_600_000)).toBe('1 day');
    expect(formatDuration('en', 36 * 3_600_000)).toBe('36 hours');
    expect(formatDuration('fr', 30 * 86_400_000)).toMatch(/^30\sjours$/);
  });
});
