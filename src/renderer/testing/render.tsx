import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { Language } from '../i18n/catalogue.ts';
import { I18nProvider } from '../i18n/I18n.tsx';

export function renderIn(ui: ReactElement, lang: Language = 'en') {
  return render(<I18nProvider lang={lang}>{ui}</I18nProvider>);
}
