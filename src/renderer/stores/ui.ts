/** UI store: language, which dialog is open, progress of long work, the clock for countdowns. */
import { createStore } from 'zustand/vanilla';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { Language } from '../i18n/catalogue.ts';

export type Dialog = { kind: 'create' } | { kind: 'info'; channelId: string } | { kind: 'wipe'; channelId: string } | { kind: 'pause'; channelId: string } | { kind: 'search' } | { kind: 'settings' } | null;

export interface UiState {
  lang: Language;
  dialog: Dialog;
  sync: { done: number; total: number } | null;
  now: number;
}

export interface UiActions {
  setLang(lang: Language): void;
  open(dialog: Dialog): void;
  close(): void;
  tick(now: number): void;
  applyEvent(e: ApiEvent): void;
}

export function createUiStore(lang: Language, now: number) {
  return createStore<UiState & UiActions>()((set) => ({
    lang,
    dialog: null,
    sync: null,
    now,
    setLang: (l) => set({ lang: l }),
    open: (dialog) => set({ dialog }),
    close: () => set({ dialog: null }),
    tick: (n) => set({ now: n }),
    applyEvent: (e) => {
      if (e.type === 'syncProgress') set({ sync: e.done >= e.total ? null : { done: e.done, total: e.total } });
      else if (e.type === 'channelRemoved') set((s) => (s.dialog && 'channelId' in s.dialog && s.dialog.channelId === e.channelId && s.dialog.kind !== 'wipe' ? { dialog: null } : {}));
    },
  }));
}
