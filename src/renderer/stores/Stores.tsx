/** The renderer's object graph: the API client and one store per domain, built once per window. */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { Language } from '../i18n/catalogue.ts';
import { createChannelsStore, initialChannels } from './channels.ts';
import { createMessagesStore, initialMessages } from './messages.ts';
import { createOrgStore, initialOrg } from './org.ts';
import { createSessionStore } from './session.ts';
import { createSettingsStore, initialSettings } from './settings.ts';
import { createUiStore } from './ui.ts';

export interface Stores {
  api: Api;
  session: ReturnType<typeof createSessionStore>;
  channels: ReturnType<typeof createChannelsStore>;
  messages: ReturnType<typeof createMessagesStore>;
  ui: ReturnType<typeof createUiStore>;
  org: ReturnType<typeof createOrgStore>;
  settings: ReturnType<typeof createSettingsStore>;
}

export function createStores(api: Api, lang: Language, now = Date.now()): Stores {
  const stores: Stores = {
    api,
    session: createSessionStore(api),
    channels: createChannelsStore(api),
    messages: createMessagesStore(api),
    ui: createUiStore(lang, now),
    org: createOrgStore(api),
    settings: createSettingsStore(api),
  };
  // Locking forgets everything decrypted the page was holding: channel names and message text.
  stores.session.subscribe((now, before) => {
    if (before.status?.state === 'unlocked' && now.status?.state !== 'unlocked') {
      stores.channels.setState({ ...initialChannels });
      stores.messages.setState({ ...initialMessages });
      stores.org.setState({ ...initialOrg });
      stores.settings.setState({ ...initialSettings });
      stores.ui.getState().close();
    }
  });
  api.onEvent((e) => {
    stores.session.getState().applyEvent(e);
    stores.channels.getState().applyEvent(e);
    stores.messages.getState().applyEvent(e);
    stores.ui.getState().applyEvent(e);
    stores.org.getState().applyEvent(e);
    stores.settings.getState().applyEvent(e);
  });
  return stores;
}

const StoresContext = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const s = useContext(StoresContext);
  if (!s) throw new Error('StoresProvider is missing');
  return s;
}

export function useSession<T>(select: (s: ReturnType<Stores['session']['getState']>) => T): T {
  return useStore(useStores().session, select);
}
export function useChannels<T>(select: (s: ReturnType<Stores['channels']['getState']>) => T): T {
  return useStore(useStores().channels, select);
}
export function useMessages<T>(select: (s: ReturnType<Stores['messages']['getState']>) => T): T {
  return useStore(useStores().messages, select);
}
export function useOrg<T>(select: (s: ReturnType<Stores['org']['getState']>) => T): T {
  return useStore(useStores().org, select);
}
export function useSettings<T>(select: (s: ReturnType<Stores['settings']['getState']>) => T): T {
  return useStore(useStores().settings, select);
}
export function useUi<T>(select: (s: ReturnType<Stores['ui']['getState']>) => T): T {
  return useStore(useStores().ui, select);
}
