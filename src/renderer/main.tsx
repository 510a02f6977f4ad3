/** Renderer entry: connect to the engine, build the stores, mount the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { config as zodConfig } from 'zod';
import { App } from './App.tsx';
import { connectApi } from './api/connect.ts';
import { pickLanguage, translate } from './i18n/catalogue.ts';
import { createStores, StoresProvider } from './stores/Stores.tsx';

// The CSP forbids eval; tell zod not to probe for it (the probe would log a CSP violation).
zodConfig({ jitless: true });

const rootEl = document.getElementById('root')!;
const lang = pickLanguage(navigator.languages);
document.documentElement.lang = lang;

let stores: ReturnType<typeof createStores> | undefined;
try {
  const api = await connectApi(() => stores?.session.getState().setDisconnected());
  stores = createStores(api, lang);
  stores.ui.subscribe((s) => (document.documentElement.lang = s.lang));
  createRoot(rootEl).render(
    <StrictMode>
      <StoresProvider stores={stores}>
        <App />
      </StoresProvider>
    </StrictMode>,
  );
} catch {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.className = 'error centre';
  p.textContent = translate(lang, 'app.disconnected');
  rootEl.replaceChildren(p);
}
