/** UI store: language, which dialog is open, progress of long work, the clock for countdowns. */
import { createStore } from 'zustand/vanilla';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { Language } from '../i18n/catalogue.ts';

/** `name` and `org` for channels of the organisation view, which may not be in this device's list. */
export type Dialog =
  | { kind: 'create' }
  | { kind: 'info'; channelId: string }
  | { kind: 'wipe'; channelId: string; name?: string }
  | { kind: 'pause'; channelId: string; name?: string; org?: boolean }
  | { kind: 'search' }
  | { kind: 'settings' }
  | null;

/** What the main panel shows: the selected channel, or (security officers) the organisation. */
export type MainView = 'channels' | 'organisation';

export interface UiState {
  lang: Language;
  dialog: Dialog;
  view: MainView;
  sync: { done: number; total: number } | null;
  now: number;
}

export interface UiActions {
  setLang(lang: Language): void;
  open(dialog: Dialog): void;
  setView(view: MainView): void;
  close(): void;
  tick(now: number): void;
  applyEvent(e: ApiEvent): void;
}

export const initialUi = (lang: Language, now: number): UiState => ({ lang, dialog: null, view: 'channels', sync: null, now });

export const selectDialog = (s: UiState): Dialog => s.dialog;

export function createUiStore(lang: Language, now: number) {
  return createStore<UiState & UiActions>()((set) => ({
    ...initialUi(lang, now),
    setLang: (l) => set({ lang: l }),
    open: (dialog) => set({ dialog }),
    setView: (view) => set({ view }),
    close: () => set({ dialog: null }),
    tick: (n) => set({ now: n }),
    applyEvent: (e) => {
      if (e.type === 'syncProgress') set({ sync: e.done >= e.total ? null : { done: e.done, total: e.total } });
      else if (e.type === 'channelRemoved') set((s) => (s.dialog && 'channelId' in s.dialog && s.dialog.channelId === e.channelId && s.dialog.kind !== 'wipe' ? { dialog: null } : {}));
    },
  }));
}
