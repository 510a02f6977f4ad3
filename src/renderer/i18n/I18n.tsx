import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { isApiErrorCode } from '../../shared/api/errors.ts';
import { translate, type Language, type Translate } from './catalogue.ts';

interface I18nValue {
  lang: Language;
  t: Translate;
}

const I18nContext = createContext<I18nValue>({ lang: 'en', t: (k, v) => translate('en', k, v) });

export function I18nProvider({ lang, children }: { lang: Language; children: ReactNode }) {
  const value = useMemo<I18nValue>(() => ({ lang, t: (k, v) => translate(lang, k, v) }), [lang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  return useContext(I18nContext);
}

/** Shows a store's error: an API error code in the reader's language, any other text as it is. */
export function useErrorText(): (error: string) => string {
  const { t } = useI18n();
  return (error) => (isApiErrorCode(error) ? t(`apiError.${error}`) : error);
}
