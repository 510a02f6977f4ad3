import { renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { expect, it } from 'vitest';
import { API_ERRORS } from '../../shared/api/errors.ts';
import { I18nProvider, useErrorText } from './I18n.tsx';

const inLang = (lang: 'en' | 'fr') => ({ wrapper: ({ children }: { children: ReactNode }) => <I18nProvider lang={lang}>{children}</I18nProvider> });

it('says API errors in the reader’s language, and the English matches the contract', () => {
  const fr = renderHook(() => useErrorText(), inLang('fr')).result.current;
  expect(fr('CHANNEL_PAUSED')).toContain('suspendu');
  const en = renderHook(() => useErrorText(), inLang('en')).result.current;
  for (const [code, { message }] of Object.entries(API_ERRORS)) expect(en(code)).toBe(message);
  expect(en('Some engine message')).toBe('Some engine message');
});
