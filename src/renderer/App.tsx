/** The app: the reader's language around the screen the session store says to show. */
import { Root } from './connected/Root.tsx';
import { I18nProvider } from './i18n/I18n.tsx';
import { useUi } from './stores/Stores.tsx';

export function App() {
  const lang = useUi((s) => s.lang);
  return (
    <I18nProvider lang={lang}>
      <Root />
    </I18nProvider>
  );
}
