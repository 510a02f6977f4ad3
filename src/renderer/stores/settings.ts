/** Settings store: the user's stored preferences (notifications, auto-lock, send on Enter, theme). */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/api/schemas.ts';
import { attempt } from './attempt.ts';

export interface SettingsState {
  settings: Settings;
  /** False until the engine's stored settings arrived (the defaults show until then). */
  loaded: boolean;
  error: string | null;
}

export interface SettingsActions {
  load(): Promise<void>;
  save(change: Partial<Settings>): Promise<boolean>;
  applyEvent(e: ApiEvent): void;
}

export const initialSettings: SettingsState = { settings: DEFAULT_SETTINGS, loaded: false, error: null };

export function createSettingsStore(api: Api) {
  return createStore<SettingsState & SettingsActions>()((set) => ({
    ...initialSettings,
    load: async () => {
      const settings = await attempt(set, () => api.call('getSettings'));
      if (settings) set({ settings, loaded: true });
    },
    save: async (change) => {
      const settings = await attempt(set, () => api.call('setSettings', change));
      if (settings) set({ settings, loaded: true });
      return settings !== null;
    },
    applyEvent: () => undefined,
  }));
}

type S = SettingsState & SettingsActions;
export const selectSettings = (s: S): Settings => s.settings;
export const selectSendOnEnter = (s: S): boolean => s.settings.sendOnEnter;
export const selectAutoLockMinutes = (s: S): number => s.settings.autoLockMinutes;
